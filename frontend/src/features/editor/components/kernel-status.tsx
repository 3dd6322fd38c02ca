import { Link } from 'react-router-dom';
import { Button } from '../../../components/ui/button';
import type { KernelStatus } from '../api/kernel-protocol';
import type { KernelError } from '../api/use-kernel';

/** Where the Running kernels panel lives (app/router.tsx). */
export const RUNNING_KERNELS_PATH = '/kernels';

const LABEL: Record<KernelStatus, string> = {
  starting: 'Kernel starting',
  idle: 'Kernel idle',
  busy: 'Kernel busy',
  restarting: 'Kernel restarting',
  none: 'No kernel',
  dead: 'Kernel dead — restart it',
  disconnected: 'Kernel disconnected — reconnecting',
};

export function KernelStatusBadge({ status }: { status: KernelStatus }) {
  return (
    <span
      className={`kernel-status kernel-${status}`}
      role="status"
      data-testid="kernel-status"
      data-status={status}
      title={LABEL[status]}
    >
      <span className="kernel-dot" aria-hidden="true" />
      {LABEL[status]}
    </span>
  );
}

/**
 * The kernel's problem, under the toolbar: a dead kernel offers "Restart" (its cell already shows the error); a kernel
 * cap ('overloaded') links to the Running kernels panel; anything else can be dismissed.
 */
export function KernelBanner({
  status,
  error,
  onRestart,
  onDismiss,
}: {
  status: KernelStatus;
  error: KernelError | null;
  onRestart: () => void;
  onDismiss: () => void;
}) {
  const dead = status === 'dead';
  if (!dead && !error) return null;
  return (
    <div className="error-box kernel-banner" role="alert" data-testid="kernel-banner" data-code={error?.code}>
      <strong>Kernel: </strong>
      <span data-testid="kernel-banner-message">
        {error?.message ?? 'The kernel died (its variables are lost). Restart it to continue.'}
      </span>
      {error?.code === 'overloaded' && (
        <Link to={RUNNING_KERNELS_PATH} data-testid="kernel-banner-panel">
          Open Running kernels
        </Link>
      )}
      {dead && (
        <Button onClick={onRestart} data-testid="kernel-banner-restart">
          Restart
        </Button>
      )}
      {error && (
        <Button variant="ghost" onClick={onDismiss} aria-label="Dismiss" data-testid="kernel-banner-dismiss">
          Dismiss
        </Button>
      )}
    </div>
  );
}
