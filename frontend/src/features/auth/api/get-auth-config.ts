import { queryOptions, useQuery } from '@tanstack/react-query';
import { z } from 'zod';
import { api } from '../../../lib/api-client';

/** `GET /api/auth/config` (public): which sign-in methods this Folio offers. */
export const AuthConfigSchema = z.object({
  password: z.boolean(),
  oidc: z.object({ name: z.string(), loginUrl: z.string() }).nullable(),
});
export type AuthConfig = z.infer<typeof AuthConfigSchema>;

export const getAuthConfig = (): Promise<AuthConfig> => api('/api/auth/config', {}, AuthConfigSchema);

export const authConfigQueryOptions = () =>
  queryOptions({ queryKey: ['auth-config'] as const, queryFn: getAuthConfig, staleTime: 5 * 60_000 });

export const useAuthConfig = () => useQuery(authConfigQueryOptions());
