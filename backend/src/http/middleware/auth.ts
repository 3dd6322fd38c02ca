import type { RequestHandler } from 'express';
import { unauthenticated } from '../../errors';
import { SESSION_COOKIE, type AuthService } from '../../users/auth.service';

/** Routes under /api that need no session (method + path relative to /api). Everything else requires one. */
export const PUBLIC_API_ROUTES: ReadonlyArray<{ method: string; path: string }> = [
  { method: 'POST', path: '/auth/login' },
  { method: 'GET', path: '/auth/config' },
  { method: 'GET', path: '/auth/oidc/login' },
  { method: 'GET', path: '/auth/oidc/callback' },
];

/** The session token of a request: the `folio_session` cookie (API tokens with `Authorization: Bearer` come later). */
export const sessionTokenOf = (cookies: unknown): string | undefined => {
  const value = (cookies as Record<string, unknown> | undefined)?.[SESSION_COOKIE];
  return typeof value === 'string' && value ? value : undefined;
};

/**
 * Mount on `/api` (after cookie-parser): sets `req.principal` from the session cookie, or answers 401 — for every
 * route, known or not, except PUBLIC_API_ROUTES.
 */
export function requireSession(auth: Pick<AuthService, 'principalFromToken'>): RequestHandler {
  return async (req, _res, next) => {
    const path = req.path.replace(/\/+$/, '') || '/';
    if (PUBLIC_API_ROUTES.some((r) => r.method === req.method && r.path === path)) return next();
    const principal = await auth.principalFromToken(sessionTokenOf(req.cookies));
    if (!principal) throw unauthenticated();
    req.principal = { ...principal, ip: req.ip };
    next();
  };
}
