import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { z } from 'zod';
import { api } from '../../../lib/api-client';
import { TOKEN_SCOPES, type TokenScope } from '../../../lib/contracts';
import { queryKeys } from '../../../lib/query-client';

const ScopeSchema = z.enum(TOKEN_SCOPES);

/** A token as listed (GET /api/tokens; backend users/tokens.service.ts TokenView): never its secret. */
export const TokenViewSchema = z.object({
  id: z.string(),
  name: z.string(),
  scopes: z.array(ScopeSchema),
  user: z.object({ id: z.string(), email: z.string(), name: z.string(), role: z.string() }).nullable(),
  createdBy: z.string(),
  createdAt: z.string(),
  expiresAt: z.string(),
  lastUsedAt: z.string().nullable(),
  revokedAt: z.string().nullable(),
  status: z.enum(['active', 'expired', 'revoked']),
});
export type TokenView = z.infer<typeof TokenViewSchema>;

/** POST /api/tokens's answer: the only time the secret is shown. */
export const CreatedTokenSchema = z.object({
  id: z.string(),
  token: z.string(),
  name: z.string(),
  scopes: z.array(ScopeSchema),
  expiresAt: z.string(),
  userId: z.string(),
});
export type CreatedToken = z.infer<typeof CreatedTokenSchema>;

export interface NewToken {
  name: string;
  scopes: TokenScope[];
  expiresInDays: number;
  /** Another owner (admins: a service account, say); default the caller. */
  userId?: string;
}

/** Mine, or (admins) everyone's. */
export const useTokens = (all: boolean) =>
  useQuery({
    queryKey: [...queryKeys.tokens, all ? 'all' : 'mine'],
    queryFn: async () =>
      (await api('/api/tokens', { query: all ? { all: 'true' } : {} }, z.object({ tokens: z.array(TokenViewSchema) })))
        .tokens,
    staleTime: 0,
  });

export function useCreateToken() {
  const qc = useQueryClient();
  return useMutation({
    mutationFn: (input: NewToken) => api('/api/tokens', { method: 'POST', json: input }, CreatedTokenSchema),
    // The answer holds the secret: not kept in the mutation cache once the dialog that asked is gone.
    gcTime: 0,
    onSettled: () => qc.invalidateQueries({ queryKey: queryKeys.tokens }),
  });
}

export function useRevokeToken() {
  const qc = useQueryClient();
  return useMutation({
    mutationFn: (id: string) => api(`/api/tokens/${encodeURIComponent(id)}`, { method: 'DELETE' }),
    onSettled: () => qc.invalidateQueries({ queryKey: queryKeys.tokens }),
  });
}
