import { queryOptions, useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { z } from 'zod';
import { api } from '../../../lib/api-client';
import { queryKeys } from '../../../lib/query-client';
import { NotebookContentSchema } from './get-notebook';

/** A notebook's history: GET /api/notebooks/:id/revisions[/:version], POST …/:version/restore. */
export const RevisionSummarySchema = z.object({
  version: z.number(),
  savedBy: z.string(),
  savedByName: z.string().optional(),
  startedAt: z.string(),
  savedAt: z.string(),
  checkpoint: z.boolean(),
});
export type RevisionSummary = z.infer<typeof RevisionSummarySchema>;
export const RevisionRecordSchema = RevisionSummarySchema.extend({ name: z.string(), content: NotebookContentSchema });
export type RevisionRecord = z.infer<typeof RevisionRecordSchema>;

const base = (id: string) => `/api/notebooks/${encodeURIComponent(id)}/revisions`;
export const revisionsKey = (id: string) => [...queryKeys.notebook(id), 'revisions'] as const;

export const getRevisions = (id: string) =>
  api(
    base(id),
    {},
    z.object({ revisions: z.array(RevisionSummarySchema) }).transform((v) => v.revisions),
  );
export const getRevision = (id: string, version: number) => api(`${base(id)}/${version}`, {}, RevisionRecordSchema);

/** Newest first; refetched whenever the panel mounts (autosaves add revisions all the time). */
export const useRevisions = (id: string) =>
  useQuery(queryOptions({ queryKey: revisionsKey(id), queryFn: () => getRevisions(id), staleTime: 0 }));

/** One revision with its content; immutable once made, so cached for good. */
export const useRevision = (id: string, version: number | null) =>
  useQuery({
    queryKey: [...revisionsKey(id), version],
    queryFn: () => getRevision(id, version!),
    enabled: version !== null,
    staleTime: Infinity,
  });

export function useRestoreRevision(id: string) {
  const qc = useQueryClient();
  return useMutation({
    mutationFn: (version: number) =>
      api(`${base(id)}/${version}/restore`, { method: 'POST', json: {} }, z.object({ version: z.number() })),
    onSettled: () => qc.invalidateQueries({ queryKey: revisionsKey(id) }),
  });
}
