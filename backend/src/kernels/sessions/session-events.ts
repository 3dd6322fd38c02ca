import type { Output } from '../../contracts/nbformat';
import type { PooledKernel } from '../pooled-kernel';

/**
 * What a live kernel session tells its browsers. The HTTP layer sends these as-is over the WebSocket
 * (http/kernel/kernel.protocol.ts checks they match its ServerMessage schema).
 */
/** `none`: no kernel (not started, shut down, culled, refused by a cap); `dead`: the kernel died under the session. */
export type SessionStatus = 'starting' | 'idle' | 'busy' | 'restarting' | 'none' | 'dead';

export type SessionEvent =
  | { type: 'status'; status: SessionStatus }
  | { type: 'cell_started'; requestId: string; cellId: string; executionCount: number | null; startedAt: string }
  | { type: 'outputs'; cellId: string; outputs: Output[] }
  | {
      type: 'cell_done';
      requestId: string;
      cellId: string;
      status: 'ok' | 'error' | 'aborted';
      executionCount: number | null;
      startedAt: string | null;
      endedAt: string | null;
    }
  | { type: 'progress'; requestId: string; done: number; total: number }
  | { type: 'input_request'; cellId: string; prompt: string; password: boolean }
  | { type: 'input_done'; cellId: string }
  | { type: 'complete_reply'; requestId: string; matches: string[]; cursorStart: number; cursorEnd: number }
  | { type: 'inspect_reply'; requestId: string; found: boolean; data: Record<string, unknown> }
  /** `code` is a domain error code when there is one, e.g. 'overloaded' for the kernel caps. */
  | { type: 'error'; requestId?: string; code?: string; message: string };

/**
 * Time limit for a complete/inspect reply: past it, the tab that asked gets `{type: 'error', requestId}`.
 * Defined with the protocol (contracts/kernel-protocol.ts), which the browser client shares.
 */
export { COMPLETE_INSPECT_TIMEOUT_MS } from '../../contracts/kernel-protocol';

/** One connected browser tab. */
export interface SessionClient {
  send(event: SessionEvent): void;
}

/** Where sessions get kernels: the engine's KernelPool (or anything with the same two methods). */
export interface KernelSource {
  acquire(timeoutMs: number): Promise<PooledKernel>;
  release(kernel: PooledKernel, opts?: { discard?: boolean }): void;
}

/**
 * A live kernel's working directory (a folder holding the notebook's files, kept in step with them), for as long as
 * the session holds that kernel. Built per session by whoever composes the sessions (notebook-files/kernel-workspaces.ts).
 */
export interface KernelWorkspace {
  /** A fresh kernel (just started, or restarted by the pool) joins the session: make its folder and move it there. */
  attach(kernel: PooledKernel): Promise<void>;
  /** The kernel restarted in place (a fresh process in the server's root dir): move it into its folder again. */
  restarted(kernel: PooledKernel): Promise<void>;
  /** The session gave the kernel up: its folder goes (in the background). */
  detach(kernel: PooledKernel): void;
}

export interface ExecuteRequest {
  requestId: string;
  cells: Array<{ cellId: string; code: string }>;
}
