import { QueryClient } from '@tanstack/react-query';
import { isApiError } from './api-client';

export function createQueryClient(): QueryClient {
  return new QueryClient({
    defaultOptions: {
      queries: {
        staleTime: 10_000,
        refetchOnWindowFocus: false,
        // Auth, permission and missing-resource answers will not change by retrying.
        retry: (count, e) => !(isApiError(e) && e.status >= 400 && e.status < 500) && count < 2,
      },
    },
  });
}

/** Query keys shared by features (they may not import each other, but they share the cache). */
export const queryKeys = {
  me: ['me'] as const,
  notebooks: ['notebooks'] as const,
  notebook: (id: string) => ['notebooks', id] as const,
  users: ['users'] as const,
  tokens: ['tokens'] as const,
};
