import { queryOptions, useQuery } from '@tanstack/react-query';
import { z } from 'zod';
import { api, apiFromResponse } from '../../../lib/api-client';
import type { Notebook } from '../../../lib/nbformat';
import { queryKeys } from '../../../lib/query-client';
import { clearExitSave, exitSaveBase, hasPendingSaves, savesSettled } from './pending-saves';

export const NotebookContentSchema = z.custom<Notebook>(
  (v) => typeof v === 'object' && v !== null && Array.isArray((v as { cells?: unknown }).cells),
  'content is not a notebook',
);

export const NotebookRecordSchema = z.object({
  id: z.string(),
  name: z.string(),
  ownerId: z.string().optional(),
  version: z.number(),
  updatedAt: z.string().optional(),
  /** How the signed-in user reaches it: 'read' opens it read-only (no kernel, no saves). */
  access: z.enum(['owner', 'admin', 'edit', 'read']).optional(),
  ownerName: z.string().optional(),
  content: NotebookContentSchema,
});
export type NotebookRecord = z.infer<typeof NotebookRecordSchema>;

export const getNotebook = (id: string) => api(`/api/notebooks/${encodeURIComponent(id)}`, {}, NotebookRecordSchema);

declare global {
  interface Window {
    /** Set by /boot.js (vite.config.ts) when the page opened on a notebook: its GET, sent before the app loaded. */
    __folioBoot?: { notebook?: { id: string; at: number; response: Promise<Response | null> } };
  }
}

/** boot.js's request for this notebook, once (later loads ask again), if it is still fresh. */
function bootRequest(id: string): Promise<NotebookRecord> | null {
  const sent = window.__folioBoot?.notebook;
  if (!sent) return null;
  window.__folioBoot = undefined;
  if (sent.id !== id || Date.now() - sent.at >= PRIMED_FRESH_MS) return null;
  return apiFromResponse(`/api/notebooks/${encodeURIComponent(id)}`, sent.response, NotebookRecordSchema);
}

/** A request started before the editor mounted (prefetch.ts), used once by the editor's first fetch if still fresh. */
let primed: { id: string; at: number; record: Promise<NotebookRecord> } | null = null;
const PRIMED_FRESH_MS = 5_000;

export function primeNotebook(id: string): void {
  const record = bootRequest(id) ?? getNotebook(id);
  record.catch(() => undefined); // a 401 while signed out is expected and dropped
  primed = { id, at: Date.now(), record };
}

/**
 * The editor's load: the primed request if still fresh, but never one older than a save this page still has on its
 * way for the notebook (an editor just closed flushes its last edits; see pending-saves): that load waits for them.
 */
async function fetchNotebook(id: string): Promise<NotebookRecord> {
  const p = primed;
  primed = null;
  if (hasPendingSaves(id)) {
    await savesSettled(id);
    return getNotebook(id);
  }
  const first = p?.id === id && Date.now() - p.at < PRIMED_FRESH_MS ? p.record : getNotebook(id);
  const base = exitSaveBase(id);
  return base === null ? first : afterExitSave(id, base, await first);
}

/**
 * This tab sent a save of the notebook as its previous page went away (see pending-saves): until the server answers a
 * version newer than the one that save was made from, ask again (backing off, for about 3 s at most — the save may
 * have failed; the editor then opens what the server has, and `beforeunload` had warned).
 */
async function afterExitSave(id: string, base: number, record: NotebookRecord): Promise<NotebookRecord> {
  for (let wait = 100; record.version <= base && wait <= 1600; wait *= 2) {
    await new Promise((r) => setTimeout(r, wait));
    record = await getNotebook(id);
  }
  clearExitSave(id);
  return record;
}

export const notebookQueryOptions = (id: string) =>
  // The editor owns the document once open: never refetched behind its back, dropped when the editor closes.
  queryOptions({ queryKey: queryKeys.notebook(id), queryFn: () => fetchNotebook(id), staleTime: Infinity, gcTime: 0 });

export const useNotebook = (id: string) => useQuery(notebookQueryOptions(id));
