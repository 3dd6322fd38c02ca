import { ConfirmDialog } from '../../../components/ui/confirm-dialog';

export type KernelConfirmAction = 'restart' | 'restart-run-all' | 'shutdown';

const TEXT: Record<KernelConfirmAction, { title: string; body: string; confirm: string }> = {
  restart: {
    title: 'Restart kernel?',
    body: 'Do you want to restart the kernel of “{name}”? All variables will be lost.',
    confirm: 'Restart',
  },
  'restart-run-all': {
    title: 'Restart kernel and run all cells?',
    body: 'Do you want to restart the kernel of “{name}” and run all its cells? All variables will be lost.',
    confirm: 'Restart and run all',
  },
  shutdown: {
    title: 'Shut down kernel?',
    body: 'Do you want to shut down the kernel of “{name}”? All variables will be lost; running a cell starts a new kernel.',
    confirm: 'Shut down',
  },
};

/** JupyterLab's kernel dialogs (restart, restart and run all, shut down); Enter confirms, Escape cancels. */
export function KernelConfirm({
  action,
  notebookName,
  onConfirm,
  onCancel,
}: {
  action: KernelConfirmAction;
  notebookName: string;
  onConfirm: () => void;
  onCancel: () => void;
}) {
  const t = TEXT[action];
  return (
    <ConfirmDialog title={t.title} confirmLabel={t.confirm} focusConfirm onConfirm={onConfirm} onCancel={onCancel}>
      <p data-testid="kernel-confirm" data-action={action}>
        {t.body.replace('{name}', notebookName)}
      </p>
    </ConfirmDialog>
  );
}
