import { CheckLinkSchema, SetPasswordSchema } from '../../auth/auth.schema';
import { ChangePasswordSchema, CreateUserSchema, UpdateUserSchema, UserIdParamsSchema } from '../../users/users.schema';
import type { ApiOperation } from '../operation';

const tag = 'Users';
const signIn = 'Sign-in';
const user =
  '`{user: UserSummary}` (id, email, name, role, disabled, createdAt, lastLoginAt, sessions, lastSeenAt, hasPassword, pendingLink)';
const link = '`{url, purpose, expiresAt}`: a one-time set-password link, shown this once (only its hash is stored)';

/** Accounts (admins) and passwords: users.routes.ts, and the password routes of auth.routes.ts. */
export const USER_OPERATIONS: ApiOperation[] = [
  {
    method: 'GET',
    path: '/api/users',
    tag,
    auth: 'admin',
    scope: 'admin',
    summary: 'List accounts with their sessions and pending set-password links',
    responses: { 200: '`{users: UserSummary[]}`', 403: 'Not an admin.' },
  },
  {
    method: 'POST',
    path: '/api/users',
    tag,
    auth: 'admin',
    scope: 'admin',
    summary: 'Create an account, with a password or an invitation link',
    description: 'Without `password` the answer carries `invite`: ' + link + '.',
    body: { schema: CreateUserSchema },
    responses: { 201: `${user} and \`invite?\``, 403: 'Not an admin.', 409: 'The email is taken.' },
  },
  {
    method: 'GET',
    path: '/api/users/:id',
    tag,
    auth: 'admin',
    scope: 'admin',
    summary: 'One account',
    params: UserIdParamsSchema,
    responses: { 200: user, 403: 'Not an admin.', 404: 'No such user.' },
  },
  {
    method: 'PATCH',
    path: '/api/users/:id',
    tag,
    auth: 'admin',
    scope: 'admin',
    summary: 'Change name or role, disable or enable',
    description:
      'A role change or a disable ends the user’s sessions at once (open kernel sockets and run streams close; the user ' +
      'signs in again and gets a new session id).',
    params: UserIdParamsSchema,
    body: { schema: UpdateUserSchema },
    responses: { 200: user, 403: 'Not an admin.', 404: 'No such user.', 409: 'It would leave no enabled admin.' },
  },
  {
    method: 'POST',
    path: '/api/users/:id/password',
    tag,
    auth: 'admin',
    scope: 'admin',
    summary: 'Reset a password: the current one stops working, sessions end, a one-time link is made',
    params: UserIdParamsSchema,
    responses: { 200: `\`{invite}\`: ${link}`, 403: 'Not an admin.', 404: 'No such user.' },
  },
  {
    method: 'DELETE',
    path: '/api/users/:id/sessions',
    tag,
    auth: 'admin',
    scope: 'admin',
    summary: 'End every session of a user (their open sockets and streams close at once)',
    params: UserIdParamsSchema,
    responses: { 200: '`{ended: number}`', 403: 'Not an admin.', 404: 'No such user.' },
  },
  {
    method: 'PUT',
    path: '/api/me/password',
    tag: signIn,
    auth: 'user',
    summary: 'Change your password (your other sessions end)',
    body: { schema: ChangePasswordSchema },
    responses: {
      204: 'Changed.',
      400: 'The current password is wrong (field `current`), or the new one is not acceptable (field `next`).',
      403: 'With an API token (sign in to change your password).',
      429: 'Too many wrong current passwords; Retry-After.',
    },
  },
  {
    method: 'POST',
    path: '/api/auth/set-password/check',
    tag: signIn,
    auth: 'public',
    summary: 'Who a set-password link is for (the secret from the link’s #fragment)',
    body: { schema: CheckLinkSchema },
    responses: { 200: '`{email, name, purpose, expiresAt}`', 404: 'The link was used, replaced or has expired.' },
  },
  {
    method: 'POST',
    path: '/api/auth/set-password',
    tag: signIn,
    auth: 'public',
    summary: 'Set the password through a one-time link (the link is used up)',
    body: { schema: SetPasswordSchema },
    responses: {
      204: 'Set; sign in with it.',
      403: 'The account is disabled.',
      404: 'The link was used, replaced or has expired.',
    },
  },
];
