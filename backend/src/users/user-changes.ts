import { randomUUID } from 'node:crypto';

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

/** A broadcast channel between processes: fire and forget, every process gets every message (its own too). */
export interface ChangeTransport {
  publish(message: string): Promise<void>;
  onMessage(listener: (message: string) => void): void;
}

/** The in-process registry of listeners, bridged to other processes by an optional transport. */
export class UserChangeHub implements UserChanges {
  private readonly listeners = new Map<string, Set<() => void>>();
  /** Messages carry it so this process skips its own when the transport echoes them back. */
  private readonly origin = randomUUID();

  constructor(
    private readonly transport?: ChangeTransport,
    private readonly onTransportError: (e: unknown) => void = () => undefined,
  ) {
    transport?.onMessage((message) => {
      const m = parse(message);
      if (m && m.origin !== this.origin) this.notify(m.userId);
    });
  }

  publish(userId: string): void {
    this.notify(userId);
    this.transport?.publish(JSON.stringify({ origin: this.origin, userId })).catch(this.onTransportError);
  }

  subscribe(userId: string, listener: () => void): () => void {
    let set = this.listeners.get(userId);
    if (!set) this.listeners.set(userId, (set = new Set()));
    set.add(listener);
    return () => {
      set.delete(listener);
      if (set.size === 0 && this.listeners.get(userId) === set) this.listeners.delete(userId);
    };
  }

  /** Listeners now registered (for tests and metrics). */
  get size(): number {
    let n = 0;
    for (const set of this.listeners.values()) n += set.size;
    return n;
  }

  private notify(userId: string): void {
    for (const listener of [...(this.listeners.get(userId) ?? [])]) {
      try {
        listener();
      } catch {
        // One listener's failure must not keep the others from hearing of the change.
      }
    }
  }
}

function parse(message: string): { origin: string; userId: string } | null {
  try {
    const m = JSON.parse(message) as { origin?: unknown; userId?: unknown };
    return typeof m.origin === 'string' && typeof m.userId === 'string' ? { origin: m.origin, userId: m.userId } : null;
  } catch {
    return null;
  }
}
