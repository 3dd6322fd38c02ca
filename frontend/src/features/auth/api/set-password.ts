import { useMutation, useQuery } from '@tanstack/react-query';
import { z } from 'zod';
import { api } from '../../../lib/api-client';

/** What a live one-time link is for (POST /api/auth/set-password/check; 404 for a used or expired link). */
export const LinkInfoSchema = z.object({
  email: z.string(),
  name: z.string(),
  purpose: z.enum(['invite', 'reset']),
  expiresAt: z.string(),
});
export type LinkInfo = z.infer<typeof LinkInfoSchema>;

export const checkLink = (token: string) =>
  api('/api/auth/set-password/check', { method: 'POST', json: { token } }, LinkInfoSchema);

/** Asked once per page: the answer does not change while the page is open (it is used up only by setting). */
export const useLinkInfo = (token: string) =>
  useQuery({
    queryKey: ['set-password-link', token],
    queryFn: () => checkLink(token),
    enabled: !!token,
    staleTime: Infinity,
  });

export const setPasswordWithLink = (input: { token: string; password: string }) =>
  api('/api/auth/set-password', { method: 'POST', json: input });

export const useSetPassword = () => useMutation({ mutationFn: setPasswordWithLink });

export const changeMyPassword = (input: { current: string; next: string }) =>
  api('/api/me/password', { method: 'PUT', json: input });

export const useChangePassword = () => useMutation({ mutationFn: changeMyPassword });
