import { queryOptions, useQuery } from '@tanstack/react-query';
import { z } from 'zod';
import { api } from '../../../lib/api-client';
import type { Notebook } from '../../../lib/nbformat';
import { queryKeys } from '../../../lib/query-client';
import { hasPendingSaves, savesSettled } from './pending-saves';

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
  content: NotebookContentSchema,
});
export type NotebookRecord = z.infer<typeof NotebookRecordSchema>;

export const getNotebook = (id: string) => api(`/api/notebooks/${encodeURIComponent(id)}`, {}, NotebookRecordSchema);

/** A request started before the editor mounted (prefetch.ts), used once by the editor's first fetch if still fresh. */
let primed: { id: string; at: number; record: Promise<NotebookRecord> } | null = null;
const PRIMED_FRESH_MS = 5_000;

export function primeNotebook(id: string): void {
  const record = getNotebook(id);
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
  return p?.id === id && Date.now() - p.at < PRIMED_FRESH_MS ? p.record : getNotebook(id);
}

export const notebookQueryOptions = (id: string) =>
  // The editor owns the document once open: never refetched behind its back, dropped when the editor closes.
  queryOptions({ queryKey: queryKeys.notebook(id), queryFn: () => fetchNotebook(id), staleTime: Infinity, gcTime: 0 });

export const useNotebook = (id: string) => useQuery(notebookQueryOptions(id));
