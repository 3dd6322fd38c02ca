import { queryOptions, useQuery } from '@tanstack/react-query';
import { z } from 'zod';
import { api } from '../../../lib/api-client';
import type { Notebook } from '../../../lib/nbformat';
import { queryKeys } from '../../../lib/query-client';

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

export const notebookQueryOptions = (id: string) =>
  // The editor owns the document once open: never refetched behind its back, dropped when the editor closes.
  queryOptions({ queryKey: queryKeys.notebook(id), queryFn: () => getNotebook(id), staleTime: Infinity, gcTime: 0 });

export const useNotebook = (id: string) => useQuery(notebookQueryOptions(id));
