import { LoginSchema } from '../../auth/auth.schema';
import type { ApiOperation } from '../operation';

const tag = 'Sign-in';

export const AUTH_OPERATIONS: ApiOperation[] = [
  {
    method: 'POST',
    path: '/api/auth/login',
    tag,
    auth: 'public',
    summary: 'Sign in with email and password (sets the session cookie)',
    body: { schema: LoginSchema },
    responses: {
      200: '`{user, expiresAt}`',
      401: 'Wrong email or password (the same answer for both).',
      429: 'Too many failed sign-ins; Retry-After.',
    },
  },
  {
    method: 'POST',
    path: '/api/auth/logout',
    tag,
    auth: 'user',
    summary: 'Sign out (ends the session server-side)',
    responses: { 204: 'Signed out.' },
  },
  {
    method: 'GET',
    path: '/api/me',
    tag,
    auth: 'user',
    summary: 'Who is signed in',
    responses: { 200: '`{user: {id, email, name, role}}`' },
  },
  {
    method: 'GET',
    path: '/api/auth/config',
    tag,
    auth: 'public',
    summary: 'Which sign-in methods exist (for the login page)',
    responses: { 200: '`{password: boolean, oidc: {name, loginUrl} | null}`' },
  },
  {
    method: 'GET',
    path: '/api/auth/oidc/login',
    tag,
    auth: 'public',
    summary: 'Start single sign-on (a browser navigation)',
    description: '`?next=` a path of this site to land on afterwards.',
    responses: {
      302: 'To the identity provider.',
      303: 'Back to the login page with a reason.',
      404: 'Single sign-on is not configured.',
    },
  },
  {
    method: 'GET',
    path: '/api/auth/oidc/callback',
    tag,
    auth: 'public',
    summary: 'Single sign-on callback from the identity provider',
    responses: {
      303: 'To `next` signed in, or to the login page with a reason.',
      404: 'Single sign-on is not configured.',
    },
  },
];
