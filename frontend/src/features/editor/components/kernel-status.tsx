import type { KernelStatus } from '../api/kernel-protocol';

const LABEL: Record<KernelStatus, string> = {
  starting: 'Kernel starting',
  idle: 'Kernel idle',
  busy: 'Kernel busy',
  restarting: 'Kernel restarting',
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
