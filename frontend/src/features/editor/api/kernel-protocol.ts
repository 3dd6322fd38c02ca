/**
 * Live kernel WebSocket protocol (`WS /api/notebooks/:id/kernel`): the backend's one definition
 * (backend/src/contracts/kernel-protocol.ts, through lib/contracts). The server's messages are parsed with its zod
 * schema, so a drift fails loudly.
 */
export {
  COMPLETE_INSPECT_TIMEOUT_MS,
  KernelStatusSchema,
  ServerMessageSchema,
  type ClientMessage,
  type CompleteReply,
  type InspectReply,
  type KernelStatus,
  type ServerMessage,
} from '../../../lib/contracts';

export const kernelSocketUrl = (notebookId: string, loc: Pick<Location, 'protocol' | 'host'> = window.location) =>
  `${loc.protocol === 'https:' ? 'wss' : 'ws'}://${loc.host}/api/notebooks/${encodeURIComponent(notebookId)}/kernel`;
