import { newRequestId } from '../../../lib/ids';
import {
  COMPLETE_INSPECT_TIMEOUT_MS,
  ServerMessageSchema,
  type ClientMessage,
  type CompleteReply,
  type InspectReply,
  type KernelStatus,
  type ServerMessage,
} from './kernel-protocol';

/** Reconnect delay after the n-th consecutive failure: 0.5 s, 1 s, 2 s, … capped at 10 s, with ±20 % jitter. */
export function backoffMs(attempt: number, random = Math.random): number {
  const base = Math.min(10_000, 500 * 2 ** Math.max(0, attempt));
  return Math.round(base * (0.8 + 0.4 * random()));
}

type Pending = {
  resolve: (m: ServerMessage) => void;
  reject: (e: Error) => void;
  timer: ReturnType<typeof setTimeout>;
};

/**
 * The browser gives up on a complete/inspect this long after the server would have answered "no reply in time", so
 * the server's own (more precise) error normally wins.
 */
export const REQUEST_TIMEOUT_MS = COMPLETE_INSPECT_TIMEOUT_MS + 2_000;
/** Execute requests remembered (the oldest forgotten first): enough for any realistic backlog of queued runs. */
const MAX_TRACKED_EXECUTES = 500;

export interface KernelClientHandlers {
  onMessage: (m: ServerMessage) => void;
  onStatus: (s: KernelStatus) => void;
  /** The server closed the socket because the sign-in session ended (logout elsewhere, expiry). No reconnect. */
  onSessionEnded?: () => void;
  /** The server closed the socket because this user may no longer run code here (edit access removed, notebook
   * deleted). No reconnect. */
  onAccessLost?: () => void;
}

/** Close code the server uses when the sign-in session behind a kernel socket has ended. */
export const SESSION_ENDED_CLOSE_CODE = 4401;
/** Close codes when the user lost edit access to the notebook (4403) or it is gone (4404): backend kernel.socket.ts. */
export const ACCESS_LOST_CLOSE_CODE = 4403;
const NOTEBOOK_GONE_CLOSE_CODE = 4404;

/**
 * One WebSocket per open notebook. Reconnects with backoff when the socket drops (the server keeps the kernel, so a
 * reconnect finds the same variables); `close()` ends it for good. complete/inspect are request/response by requestId.
 *
 * A reply or error whose requestId this client does not know (one that arrives after it gave up waiting, or any other
 * stray) is dropped here: it is never taken for a failed run. Only an error for one of this tab's own execute
 * requests reaches `onMessage` with its requestId. Cell progress (cell_started, cell_done, progress) is forwarded
 * whoever ran it: the server broadcasts it to every tab of the user on this notebook, as it does the `outputs`
 * messages (which carry no requestId), since they all describe the one shared kernel.
 */
export class KernelClient {
  private ws: WebSocket | null = null;
  private attempt = 0;
  private closed = false;
  /** `close()` was called: the owner is done with this client, and `reopen()` does nothing. */
  private disposed = false;
  private retryTimer: ReturnType<typeof setTimeout> | null = null;
  private pending = new Map<string, Pending>();
  private executes = new Set<string>();

  constructor(
    private readonly url: string,
    private readonly handlers: KernelClientHandlers,
    private readonly WebSocketImpl: typeof WebSocket = WebSocket,
  ) {}

  connect(): void {
    if (this.closed) return;
    this.handlers.onStatus(this.attempt === 0 ? 'starting' : 'disconnected');
    const ws = new this.WebSocketImpl(this.url);
    this.ws = ws;
    ws.onopen = () => {
      this.attempt = 0;
    };
    ws.onmessage = (ev) => this.handleRaw(ev.data);
    ws.onclose = (ev) => {
      if (this.ws !== ws) return;
      this.ws = null;
      this.failPending('The kernel connection closed.');
      if (ev.code === SESSION_ENDED_CLOSE_CODE) {
        this.closed = true;
        this.handlers.onSessionEnded?.();
        return;
      }
      if (ev.code === ACCESS_LOST_CLOSE_CODE || ev.code === NOTEBOOK_GONE_CLOSE_CODE) {
        this.closed = true;
        this.handlers.onAccessLost?.();
        return;
      }
      if (this.closed) return;
      this.handlers.onStatus('disconnected');
      this.retryTimer = setTimeout(() => this.connect(), backoffMs(this.attempt++));
    };
  }

  /**
   * Connects again after the server ended the socket for a lost session or access (which stops the reconnects), once
   * the caller has found it may (the notebook is still editable). Nothing after `close()`.
   */
  reopen(): void {
    if (this.disposed || this.ws) return;
    this.closed = false;
    this.attempt = 1; // "disconnected", not "starting": the kernel is the one it had
    this.connect();
  }

  get connected(): boolean {
    return this.ws?.readyState === WebSocket.OPEN;
  }

  /** Sends a message; false when the socket is not open (the caller tells the user). */
  send(msg: ClientMessage): boolean {
    if (!this.ws || this.ws.readyState !== WebSocket.OPEN) return false;
    this.ws.send(JSON.stringify(msg));
    return true;
  }

  /** Sends an execute request; its requestId, or null when the socket is not open. */
  execute(cells: { cellId: string; code: string }[]): string | null {
    const requestId = newRequestId();
    if (!this.send({ type: 'execute', requestId, cells })) return null;
    this.executes.add(requestId);
    if (this.executes.size > MAX_TRACKED_EXECUTES) this.executes.delete(this.executes.values().next().value!);
    return requestId;
  }

  /** True for a requestId this client sent with `execute`. */
  isOwnExecute(requestId: string): boolean {
    return this.executes.has(requestId);
  }

  complete(code: string, cursorPos: number, timeoutMs = REQUEST_TIMEOUT_MS): Promise<CompleteReply> {
    return this.request(
      { type: 'complete', requestId: newRequestId(), code, cursorPos },
      timeoutMs,
    ) as Promise<CompleteReply>;
  }

  inspect(code: string, cursorPos: number, timeoutMs = REQUEST_TIMEOUT_MS): Promise<InspectReply> {
    return this.request(
      { type: 'inspect', requestId: newRequestId(), code, cursorPos, detailLevel: 0 },
      timeoutMs,
    ) as Promise<InspectReply>;
  }

  close(): void {
    this.closed = true;
    this.disposed = true;
    if (this.retryTimer) clearTimeout(this.retryTimer);
    this.failPending('The editor was closed.');
    this.ws?.close();
    this.ws = null;
  }

  private request(msg: ClientMessage & { requestId: string }, timeoutMs: number): Promise<ServerMessage> {
    return new Promise((resolve, reject) => {
      if (!this.send(msg)) return reject(new Error('The kernel is not connected.'));
      const timer = setTimeout(() => {
        this.pending.delete(msg.requestId);
        reject(new Error('The kernel did not answer in time.'));
      }, timeoutMs);
      this.pending.set(msg.requestId, { resolve, reject, timer });
    });
  }

  private failPending(message: string) {
    for (const p of this.pending.values()) {
      clearTimeout(p.timer);
      p.reject(new Error(message));
    }
    this.pending.clear();
  }

  private handleRaw(raw: unknown) {
    let parsed: ReturnType<typeof ServerMessageSchema.safeParse>;
    try {
      parsed = ServerMessageSchema.safeParse(JSON.parse(String(raw)));
    } catch {
      return;
    }
    if (!parsed.success) {
      console.warn('Folio: unexpected kernel message', parsed.error.message);
      return;
    }
    this.dispatch(parsed.data);
  }

  /** Routes one parsed server message (see the class comment for what is dropped). */
  private dispatch(m: ServerMessage): void {
    if ((m.type === 'complete_reply' || m.type === 'inspect_reply' || m.type === 'error') && m.requestId) {
      const p = this.pending.get(m.requestId);
      if (p) {
        clearTimeout(p.timer);
        this.pending.delete(m.requestId);
        if (m.type === 'error') p.reject(new Error(m.message));
        else p.resolve(m);
        return;
      }
      // A late reply (after our timeout), or another tab's request.
      if (m.type !== 'error' || !this.executes.has(m.requestId)) return;
      this.executes.delete(m.requestId);
    }
    if (m.type === 'progress' && m.done >= m.total) this.executes.delete(m.requestId);
    if (m.type === 'status') this.handlers.onStatus(m.status);
    this.handlers.onMessage(m);
  }
}
