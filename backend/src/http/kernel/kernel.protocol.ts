import { ClientMessageSchema, type ClientMessage } from '../../contracts/kernel-protocol';

/** The live kernel WebSocket protocol is defined once, in contracts/ (shared with the frontend). */
export * from '../../contracts/kernel-protocol';

/** Parses one raw client frame; a readable problem instead of a throw. */
export function parseClientMessage(raw: string): { ok: true; message: ClientMessage } | { ok: false; requestId?: string; error: string } {
  let json: unknown;
  try {
    json = JSON.parse(raw);
  } catch {
    return { ok: false, error: 'Messages must be JSON.' };
  }
  const parsed = ClientMessageSchema.safeParse(json);
  if (parsed.success) return { ok: true, message: parsed.data };
  const requestId = (json as { requestId?: unknown } | null)?.requestId;
  const issue = parsed.error.issues[0];
  const where = issue?.path.length ? ` at ${issue.path.join('.')}` : '';
  return {
    ok: false,
    requestId: typeof requestId === 'string' ? requestId : undefined,
    error: `Invalid message${where}: ${issue?.message ?? 'unknown shape'}`,
  };
}
