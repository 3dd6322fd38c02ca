import { queryOptions, useQuery } from '@tanstack/react-query';
import { z } from 'zod';
import { api } from '../../../lib/api-client';
import { queryKeys } from '../../../lib/query-client';

export const PrincipalSchema = z.object({
  id: z.string(),
  email: z.string(),
  name: z.string().optional().default(''),
  role: z.enum(['admin', 'author', 'viewer']),
});
export type Principal = z.infer<typeof PrincipalSchema>;

/** `GET /api/me` answers the principal, bare or wrapped as `{user}`. */
export const MeResponseSchema = z
  .union([PrincipalSchema, z.object({ user: PrincipalSchema })])
  .transform((v) => ('user' in v ? v.user : v));

export const getMe = (): Promise<Principal> => api('/api/me', {}, MeResponseSchema);

export const meQueryOptions = () => queryOptions({ queryKey: queryKeys.me, queryFn: getMe, staleTime: 60_000 });

export const useMe = () => useQuery(meQueryOptions());
