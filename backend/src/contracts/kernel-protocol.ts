import { z } from 'zod';
import type { Output } from './nbformat';

/**
 * Live kernel WebSocket protocol: JSON text messages on `WS /api/notebooks/:id/kernel`. The one definition, used by
 * the server (http/kernel/) and the browser (frontend/src/lib/contracts.ts imports this file). Depends on zod and
 * nbformat types only, so it bundles into the frontend.
 *
 * Cursor positions (`cursorPos`, `cursorStart`, `cursorEnd`) are JavaScript string offsets (UTF-16 code units,
 * as Monaco gives them); the server converts them to and from the kernel protocol's code points.
 */
const RequestId = z.string().min(1).max(100);
/**
 * The server answers every `complete`/`inspect` within this time, on the socket that asked: a reply, or
 * `{type: 'error', requestId, message}`. Clients should wait a little longer before giving up on their own.
 * Generous on purpose, as JupyterLab (which sets no limit): a kernel's first completion warms jedi up, seconds on a
 * busy machine, and a kernel running a cell answers once the cell is done; 5 s made Tab do nothing then. A late
 * reply for text the author has changed since is dropped by the editor, so waiting costs nothing.
 */
export const COMPLETE_INSPECT_TIMEOUT_MS = 30_000;
/** Largest code of one cell accepted over the socket. */
export const MAX_CELL_CODE_CHARS = 2_000_000;
/** Largest answer to an input() prompt. */
export const MAX_INPUT_REPLY_CHARS = 1_000_000;

export const ExecuteMessageSchema = z.object({
  type: z.literal('execute'),
  requestId: RequestId,
  /** One cell, or run all / above / below: run in order; after an error the rest are aborted. */
  cells: z
    .array(z.object({ cellId: z.string().min(1).max(100), code: z.string().max(MAX_CELL_CODE_CHARS) }))
    .min(1)
    .max(10_000),
});

export const ClientMessageSchema = z.discriminatedUnion('type', [
  ExecuteMessageSchema,
  z.object({ type: z.literal('interrupt') }),
  z.object({ type: z.literal('restart') }),
  z.object({ type: z.literal('shutdown') }),
  /** The answer to the pending `input_request` (input() / getpass()); ignored when none is pending. */
  z.object({ type: z.literal('input_reply'), value: z.string().max(MAX_INPUT_REPLY_CHARS) }),
  z.object({
    type: z.literal('complete'),
    requestId: RequestId,
    code: z.string().max(MAX_CELL_CODE_CHARS),
    cursorPos: z.number().int().min(0),
  }),
  z.object({
    type: z.literal('inspect'),
    requestId: RequestId,
    code: z.string().max(MAX_CELL_CODE_CHARS),
    cursorPos: z.number().int().min(0),
    /** 0 = signature and docstring (default), 1 = also the source. */
    detailLevel: z.union([z.literal(0), z.literal(1)]).optional(),
  }),
]);
export type ClientMessage = z.infer<typeof ClientMessageSchema>;
export type ExecuteMessage = z.infer<typeof ExecuteMessageSchema>;

/**
 * `none`: no kernel (not started yet, shut down, culled, or refused by a kernel cap). `dead`: the kernel died (its
 * variables are lost). In both, `execute` or `restart` starts a fresh one.
 * `disconnected` is the browser's own state (socket closed); the server never sends it.
 */
export const KernelStatusSchema = z.enum(['starting', 'idle', 'busy', 'restarting', 'none', 'dead', 'disconnected']);
export type KernelStatus = z.infer<typeof KernelStatusSchema>;

const OutputsSchema = z.array(z.custom<Output>((o) => typeof o === 'object' && o !== null && 'output_type' in o));

export const ServerMessageSchema = z.discriminatedUnion('type', [
  z.object({ type: z.literal('status'), status: KernelStatusSchema }),
  z.object({
    type: z.literal('cell_started'),
    requestId: z.string(),
    cellId: z.string(),
    executionCount: z.number().nullable().optional(),
    startedAt: z.string(),
  }),
  /** The full current outputs of a cell (throttled); display updates may touch cells run earlier. */
  z.object({ type: z.literal('outputs'), cellId: z.string(), outputs: OutputsSchema }),
  z.object({
    type: z.literal('cell_done'),
    requestId: z.string(),
    cellId: z.string(),
    status: z.enum(['ok', 'error', 'aborted']),
    executionCount: z.number().nullable(),
    /** Null for a cell that was aborted before it started. */
    startedAt: z.string().nullable(),
    endedAt: z.string().nullable(),
  }),
  /** Cells of a request handled so far (run, failed or aborted): `done === total` once the request has ended. */
  z.object({ type: z.literal('progress'), requestId: z.string(), done: z.number(), total: z.number() }),
  /**
   * The running cell called input() or getpass() (`password`): show a box for the answer and send `input_reply`.
   * Sent again to a tab that connects while the kernel is waiting.
   */
  z.object({ type: z.literal('input_request'), cellId: z.string(), prompt: z.string(), password: z.boolean() }),
  /** The pending input is no longer wanted (answered, possibly by another tab, interrupted, restarted or died). */
  z.object({ type: z.literal('input_done'), cellId: z.string() }),
  z.object({
    type: z.literal('complete_reply'),
    requestId: z.string(),
    matches: z.array(z.string()),
    /** Per match, its type when the kernel says ('function', 'module', …), as JupyterLab shows it. */
    types: z.array(z.string().nullable()).optional(),
    cursorStart: z.number(),
    cursorEnd: z.number(),
  }),
  z.object({
    type: z.literal('inspect_reply'),
    requestId: z.string(),
    found: z.boolean(),
    data: z.record(z.string(), z.unknown()),
  }),
  /** `code`: a domain error code when there is one, e.g. 'overloaded' (kernel caps reached). */
  z.object({
    type: z.literal('error'),
    requestId: z.string().optional(),
    code: z.string().optional(),
    message: z.string(),
  }),
]);
export type ServerMessage = z.infer<typeof ServerMessageSchema>;
export type CompleteReply = Extract<ServerMessage, { type: 'complete_reply' }>;
export type InspectReply = Extract<ServerMessage, { type: 'inspect_reply' }>;
