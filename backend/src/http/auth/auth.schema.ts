import { z } from 'zod';
import { NewPasswordSchema } from '../users/users.schema';

export const LoginSchema = z.object({
  email: z.string().trim().min(1, 'is required').max(320, 'is too long'),
  password: z.string().min(1, 'is required').max(1024, 'is too long'),
});
export type Login = z.infer<typeof LoginSchema>;

/** The secret of a set-password link (from the link's #fragment). */
const LinkTokenSchema = z.string().min(1, 'is required').max(256, 'is too long');

export const CheckLinkSchema = z.object({ token: LinkTokenSchema });
export const SetPasswordSchema = z.object({ token: LinkTokenSchema, password: NewPasswordSchema });
