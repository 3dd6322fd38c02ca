import type { Kernel } from '@jupyterlab/services';
import { fromCodePoints, toCodePoints } from './code-points';
import type { SessionEvent } from './session-events';
import { withTimeout } from '../../util/timeout';

/**
 * complete_request / inspect_request for the editor (Monaco's autocomplete and hover). Each returns the one message
 * to send back to the tab that asked — a reply, or an error carrying its requestId (no kernel, kernel error, or no
 * reply within `timeoutMs`) — and never throws.
 */
type Reply = Extract<SessionEvent, { type: 'complete_reply' | 'inspect_reply' | 'error' }>;

export const NO_KERNEL_MESSAGE = 'No kernel is running; run a cell or restart the kernel.';

/**
 * The type of each match ('function', 'module', 'instance', …) from IPython's `_jupyter_types_experimental` reply
 * metadata, as JupyterLab shows beside each item; null where the kernel does not say ('<unknown>', other kernels).
 */
export function completionTypes(matches: readonly string[], metadata: unknown): (string | null)[] | undefined {
  const list = (metadata as { _jupyter_types_experimental?: unknown } | undefined)?._jupyter_types_experimental;
  if (!Array.isArray(list)) return undefined;
  const byText = new Map<string, string>();
  for (const e of list as { text?: unknown; type?: unknown }[])
    if (typeof e?.text === 'string' && typeof e.type === 'string' && e.type !== '<unknown>' && !byText.has(e.text))
      byText.set(e.text, e.type);
  return matches.map((m) => byText.get(m) ?? null);
}

export async function requestCompletion(
  conn: Kernel.IKernelConnection | null,
  r: { requestId: string; code: string; cursorPos: number },
  timeoutMs: number,
): Promise<Reply> {
  const { requestId, code } = r;
  if (!conn) return { type: 'error', requestId, message: NO_KERNEL_MESSAGE };
  const cursor = toCodePoints(code, r.cursorPos);
  try {
    const reply = await withTimeout(conn.requestComplete({ code, cursor_pos: cursor }), timeoutMs, 'no reply');
    const c = reply.content as {
      status: string;
      matches?: string[];
      cursor_start?: number;
      cursor_end?: number;
      metadata?: unknown;
    };
    if (c.status !== 'ok') return { type: 'error', requestId, message: 'The kernel could not complete this.' };
    const matches = c.matches ?? [];
    const types = completionTypes(matches, c.metadata);
    return {
      type: 'complete_reply',
      requestId,
      matches,
      ...(types ? { types } : {}),
      cursorStart: fromCodePoints(code, c.cursor_start ?? cursor),
      cursorEnd: fromCodePoints(code, c.cursor_end ?? cursor),
    };
  } catch (e) {
    return { type: 'error', requestId, message: `Completion failed: ${(e as Error).message}` };
  }
}

export async function requestInspection(
  conn: Kernel.IKernelConnection | null,
  r: { requestId: string; code: string; cursorPos: number; detailLevel?: 0 | 1 },
  timeoutMs: number,
): Promise<Reply> {
  const { requestId, code } = r;
  if (!conn) return { type: 'error', requestId, message: NO_KERNEL_MESSAGE };
  try {
    const reply = await withTimeout(
      conn.requestInspect({ code, cursor_pos: toCodePoints(code, r.cursorPos), detail_level: r.detailLevel ?? 0 }),
      timeoutMs,
      'no reply',
    );
    const c = reply.content as { status: string; found?: boolean; data?: Record<string, unknown> };
    if (c.status !== 'ok') return { type: 'error', requestId, message: 'The kernel could not inspect this.' };
    return { type: 'inspect_reply', requestId, found: Boolean(c.found), data: c.data ?? {} };
  } catch (e) {
    return { type: 'error', requestId, message: `Inspection failed: ${(e as Error).message}` };
  }
}
