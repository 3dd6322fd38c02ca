import { ChangeHub } from '../util/change-hub';

export type { ChangeTransport } from '../util/change-hub';
/**
 * "This user's sign-in state changed" (disabled, role changed, sessions ended, password changed or reset, signed out):
 * the prompt push that makes open kernel sockets and SSE streams re-check their principal at once, in every web process.
 *
 * The store stays the truth: a change only says "re-check now", and what is re-checked is read from the store. So a lost
 * message costs time, not safety: every socket also re-checks before each message it acts on and every minute
 * (http/kernel/kernel.socket.ts, users/principal-watch.ts). Across processes the push travels on a transport (Redis
 * pub/sub, queue/user-changes-channel.ts); without one it reaches this process only.
 */
export interface UserChanges {
  /** Tells every listener of `userId`, in this process and, through the transport, in the others. */
  publish(userId: string): void;
  /** Calls `listener` on every change of `userId` from now on; returns the unsubscribe. */
  subscribe(userId: string, listener: () => void): () => void;
}

/** The in-process registry of listeners per user, bridged to other processes by an optional transport. */
export class UserChangeHub extends ChangeHub implements UserChanges {}
