import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { z } from 'zod';
import { api } from '../../../lib/api-client';
import { queryKeys } from '../../../lib/query-client';

export type Permission = 'read' | 'edit';

/** GET|PUT /api/notebooks/:id/access (backend notebooks/notebook-sharing.ts). */
export const AccessListSchema = z.object({
  notebookId: z.string(),
  owner: z.object({ userId: z.string(), name: z.string(), email: z.string() }),
  users: z.array(
    z.object({
      userId: z.string(),
      name: z.string(),
      email: z.string(),
      permission: z.enum(['read', 'edit']),
      grantedBy: z.string(),
      grantedAt: z.string(),
    }),
  ),
});
export type AccessList = z.infer<typeof AccessListSchema>;

export const CandidateSchema = z.object({
  userId: z.string(),
  name: z.string(),
  email: z.string(),
  role: z.enum(['admin', 'author']),
});
export type ShareCandidate = z.infer<typeof CandidateSchema>;

const accessPath = (id: string) => `/api/notebooks/${encodeURIComponent(id)}/access`;
const accessKey = (id: string) => [...queryKeys.notebook(id), 'access'] as const;

export const useAccessList = (notebookId: string) =>
  useQuery({
    queryKey: accessKey(notebookId),
    queryFn: () => api(accessPath(notebookId), {}, AccessListSchema),
    staleTime: 0,
  });

/** Authors and admins matching `q` (name or email), for the picker; at most 20. */
export const useShareCandidates = (notebookId: string, q: string) =>
  useQuery({
    queryKey: [...accessKey(notebookId), 'candidates', q],
    queryFn: async () =>
      (
        await api(
          `${accessPath(notebookId)}/candidates`,
          { query: { q } },
          z.object({ users: z.array(CandidateSchema) }),
        )
      ).users,
    staleTime: 30_000,
    placeholderData: (previous) => previous,
  });

/** Replaces the whole list (the dialog sends what it shows). */
export function useSetAccess(notebookId: string) {
  const qc = useQueryClient();
  return useMutation({
    mutationFn: (users: { userId: string; permission: Permission }[]) =>
      api(accessPath(notebookId), { method: 'PUT', json: { users } }, AccessListSchema),
    onSuccess: (list) => qc.setQueryData(accessKey(notebookId), list),
  });
}
