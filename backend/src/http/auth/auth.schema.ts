import { z } from 'zod';

export const LoginSchema = z.object({
  email: z.string().trim().min(1, 'is required').max(320, 'is too long'),
  password: z.string().min(1, 'is required').max(1024, 'is too long'),
});
export type Login = z.infer<typeof LoginSchema>;
