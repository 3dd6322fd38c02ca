import { randomUUID } from 'node:crypto';

/** A broadcast channel between processes: fire and forget, every process gets every message (its own too). */
export interface ChangeTransport {
  publish(message: string): Promise<void>;
  onMessage(listener: (message: string) => void): void;
}

/**
 * "Something about `key` changed; look again": an in-process registry of listeners per key (a user id, a notebook
 * id), bridged to other processes by an optional transport (Redis pub/sub, queue/user-changes-channel.ts). A change is
 * a hint — what listeners do is read the truth from the store — so a lost message costs time, not correctness.
 */
export class ChangeHub {
  private readonly listeners = new Map<string, Set<() => void>>();
  /** Messages carry it so this process skips its own when the transport echoes them back. */
  private readonly origin = randomUUID();

  constructor(
    private readonly transport?: ChangeTransport,
    private readonly onTransportError: (e: unknown) => void = () => undefined,
  ) {
    transport?.onMessage((message) => {
      const m = parse(message);
      if (m && m.origin !== this.origin) this.notify(m.key);
    });
  }

  /** Tells every listener of `key`, in this process and, through the transport, in the others. */
  publish(key: string): void {
    this.notify(key);
    this.transport?.publish(JSON.stringify({ origin: this.origin, key, userId: key })).catch(this.onTransportError);
  }

  /** Calls `listener` on every change of `key` from now on; returns the unsubscribe. */
  subscribe(key: string, listener: () => void): () => void {
    let set = this.listeners.get(key);
    if (!set) this.listeners.set(key, (set = new Set()));
    set.add(listener);
    return () => {
      set.delete(listener);
      if (set.size === 0 && this.listeners.get(key) === set) this.listeners.delete(key);
    };
  }

  /** Listeners now registered (for tests and metrics). */
  get size(): number {
    let n = 0;
    for (const set of this.listeners.values()) n += set.size;
    return n;
  }

  private notify(key: string): void {
    for (const listener of [...(this.listeners.get(key) ?? [])]) {
      try {
        listener();
      } catch {
        // One listener's failure must not keep the others from hearing of the change.
      }
    }
  }
}

/** `{origin, key}`; `userId` is the key's name in messages of processes from before the hub was generic. */
function parse(message: string): { origin: string; key: string } | null {
  try {
    const m = JSON.parse(message) as { origin?: unknown; key?: unknown; userId?: unknown };
    const key = m.key ?? m.userId;
    return typeof m.origin === 'string' && typeof key === 'string' ? { origin: m.origin, key } : null;
  } catch {
    return null;
  }
}
