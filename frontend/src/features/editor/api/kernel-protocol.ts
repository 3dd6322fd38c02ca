import { z } from 'zod';
import type { Output } from '../../../lib/nbformat';

/**
 * Live kernel WebSocket protocol (`WS /api/notebooks/:id/kernel`). Mirror of backend/src/http/kernel/kernel.protocol.ts
 * (the contract in the team plan); the server's messages are parsed here so a drift fails loudly.
 */
export type ClientMessage =
  | { type: 'execute'; requestId: string; cells: { cellId: string; code: string }[] }
  | { type: 'interrupt' }
  | { type: 'restart' }
  | { type: 'shutdown' }
  | { type: 'complete'; requestId: string; code: string; cursorPos: number }
  | { type: 'inspect'; requestId: string; code: string; cursorPos: number; detailLevel?: 0 | 1 };

/**
 * The server answers every complete/inspect within this time (a reply, or an error with the requestId). Mirror of
 * COMPLETE_INSPECT_TIMEOUT_MS in backend/src/kernels/sessions/session-events.ts (re-exported by
 * backend/src/http/kernel/kernel.protocol.ts): change both together.
 */
export const COMPLETE_INSPECT_TIMEOUT_MS = 5_000;

export const KernelStatusSchema = z.enum(['starting', 'idle', 'busy', 'restarting', 'dead', 'disconnected']);
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
  z.object({ type: z.literal('outputs'), cellId: z.string(), outputs: OutputsSchema }),
  z.object({
    type: z.literal('cell_done'),
    requestId: z.string(),
    cellId: z.string(),
    status: z.enum(['ok', 'error', 'aborted']),
    executionCount: z.number().nullable(),
    startedAt: z.string().nullable().optional(),
    endedAt: z.string().nullable().optional(),
  }),
  z.object({ type: z.literal('progress'), requestId: z.string(), done: z.number(), total: z.number() }),
  z.object({
    type: z.literal('complete_reply'),
    requestId: z.string(),
    matches: z.array(z.string()),
    cursorStart: z.number(),
    cursorEnd: z.number(),
  }),
  z.object({
    type: z.literal('inspect_reply'),
    requestId: z.string(),
    found: z.boolean(),
    data: z.record(z.string(), z.unknown()),
  }),
  z.object({ type: z.literal('error'), requestId: z.string().optional(), message: z.string() }),
]);
export type ServerMessage = z.infer<typeof ServerMessageSchema>;
export type CompleteReply = Extract<ServerMessage, { type: 'complete_reply' }>;
export type InspectReply = Extract<ServerMessage, { type: 'inspect_reply' }>;

export const kernelSocketUrl = (notebookId: string, loc: Pick<Location, 'protocol' | 'host'> = window.location) =>
  `${loc.protocol === 'https:' ? 'wss' : 'ws'}://${loc.host}/api/notebooks/${encodeURIComponent(notebookId)}/kernel`;
