import { useRef, type ReactNode } from 'react';
import { Button } from './button';
import { useModal } from './use-modal';

/**
 * A small modal asking to confirm a destructive action. Escape or "Cancel" closes it; Tab stays inside (`useModal`). Focus starts on "Cancel", or on
 * the confirm button with `focusConfirm` (JupyterLab's kernel dialogs: 0, 0 then Enter restarts).
 */
export function ConfirmDialog({
  title,
  children,
  confirmLabel,
  busy,
  focusConfirm,
  onConfirm,
  onCancel,
}: {
  title: string;
  children?: ReactNode;
  confirmLabel: string;
  busy?: boolean;
  focusConfirm?: boolean;
  onConfirm: () => void;
  onCancel: () => void;
}) {
  const box = useRef<HTMLDivElement>(null);
  const cancelRef = useRef<HTMLButtonElement>(null);
  const confirmRef = useRef<HTMLButtonElement>(null);
  useModal(box, onCancel, () => (focusConfirm ? confirmRef : cancelRef).current);
  return (
    <div className="modal-backdrop">
      <div ref={box} tabIndex={-1} className="modal" role="dialog" aria-modal="true" aria-labelledby="confirm-title">
        <h2 id="confirm-title">{title}</h2>
        {children}
        <div className="modal-actions">
          <Button ref={cancelRef} onClick={onCancel}>
            Cancel
          </Button>
          <Button ref={confirmRef} variant="danger" onClick={onConfirm} disabled={busy} data-testid="confirm-button">
            {busy ? 'Working…' : confirmLabel}
          </Button>
        </div>
      </div>
    </div>
  );
}
