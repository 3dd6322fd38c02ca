import { useMutation, useQueryClient } from '@tanstack/react-query';
import { z } from 'zod';
import { api } from '../../../lib/api-client';
import { queryKeys } from '../../../lib/query-client';
import { MeResponseSchema } from './get-me';

export const LoginInputSchema = z.object({
  email: z.string().trim().min(1, 'Enter your email.'),
  password: z.string().min(1, 'Enter your password.'),
});
export type LoginInput = z.infer<typeof LoginInputSchema>;

export const login = (input: LoginInput) => api('/api/auth/login', { method: 'POST', json: input }, MeResponseSchema);

export function useLogin() {
  const qc = useQueryClient();
  return useMutation({
    mutationFn: login,
    onSuccess: (principal) => {
      qc.clear();
      qc.setQueryData(queryKeys.me, principal);
    },
  });
}
