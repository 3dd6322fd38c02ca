import type { KernelMessage } from '@jupyterlab/services';
import type { SessionStatus } from './session-events';

/** A kernel status of @jupyterlab/services → what a live session shows; null for transient states not worth showing. */
export function mapStatus(s: KernelMessage.Status): SessionStatus | null {
  switch (s) {
    case 'idle':
    case 'busy':
    case 'starting':
    case 'restarting':
    case 'dead':
      return s;
    case 'autorestarting':
      return 'restarting';
    default:
      return null; // 'unknown', 'terminating'
  }
}

/** Whether a status means the kernel process is gone (Jupyter auto-restarts a dead kernel: its state is lost too). */
export const isDeathStatus = (s: KernelMessage.Status): boolean => s === 'dead' || s === 'autorestarting';
