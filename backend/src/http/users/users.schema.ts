import { z } from 'zod';
import { MAX_PASSWORD_LENGTH, MIN_PASSWORD_LENGTH } from '../../users/password';

/** Request shapes of /api/users (admins) and /api/me/password. Rules beyond shape are UsersService's / AuthService's. */
export const RoleSchema = z.enum(['admin', 'author', 'viewer'], 'must be admin, author or viewer');
const NameSchema = z.string().trim().min(1, 'must not be empty').max(200, 'must be at most 200 characters');
export const NewPasswordSchema = z
  .string()
  .min(MIN_PASSWORD_LENGTH, `must be at least ${MIN_PASSWORD_LENGTH} characters`)
  .max(MAX_PASSWORD_LENGTH, `must be at most ${MAX_PASSWORD_LENGTH} characters`);

export const UserIdParamsSchema = z.object({ id: z.string().min(1).max(100) });

export const CreateUserSchema = z.object({
  email: z.string().trim().min(1, 'is required').max(320, 'is too long'),
  /** Default: the part of the email before the @. */
  name: NameSchema.optional(),
  role: RoleSchema,
  /** Omitted: the answer carries a one-time set-password link (an invitation) instead. */
  password: NewPasswordSchema.optional(),
  /** A service account: no password, no invitation; it acts through API tokens an admin makes for it. */
  serviceAccount: z.boolean('must be true or false').optional(),
});
export type CreateUser = z.infer<typeof CreateUserSchema>;

export const UpdateUserSchema = z
  .object({
    name: NameSchema.optional(),
    role: RoleSchema.optional(),
    disabled: z.boolean('must be true or false').optional(),
  })
  .strict()
  .refine((b) => b.name !== undefined || b.role !== undefined || b.disabled !== undefined, {
    message: 'give a name, a role or disabled',
    path: ['name'],
  });
export type UpdateUser = z.infer<typeof UpdateUserSchema>;

export const ChangePasswordSchema = z.object({
  current: z.string().min(1, 'is required').max(MAX_PASSWORD_LENGTH, 'is too long'),
  next: NewPasswordSchema,
});
export type ChangePassword = z.infer<typeof ChangePasswordSchema>;
