import type { IncomingHttpHeaders } from 'node:http';
import type { RequestHandler, Response } from 'express';
import type { Principal } from '../../contracts/principal';
import { unauthenticated } from '../../errors';
import { SESSION_COOKIE, type AuthService } from '../../users/auth.service';
import type { TokensService } from '../../users/tokens.service';

/** Routes under /api that need no credentials (method + path relative to /api). Everything else requires one. */
export const PUBLIC_API_ROUTES: ReadonlyArray<{ method: string; path: string }> = [
  { method: 'POST', path: '/auth/login' },
  { method: 'GET', path: '/auth/config' },
  { method: 'GET', path: '/auth/oidc/login' },
  { method: 'GET', path: '/auth/oidc/callback' },
  { method: 'POST', path: '/auth/set-password/check' },
  { method: 'POST', path: '/auth/set-password' },
];

/**
 * Requests a page makes by itself (polling) carry this header (`1`): they do not count as activity, so an open tab
 * does not keep an idle session alive.
 */
export const BACKGROUND_HEADER = 'x-folio-background';

/** The session token of a request: the `folio_session` cookie. */
export const sessionTokenOf = (cookies: unknown): string | undefined => {
  const value = (cookies as Record<string, unknown> | undefined)?.[SESSION_COOKIE];
  return typeof value === 'string' && value ? value : undefined;
};

/**
 * The API token of a request: `Authorization: Bearer <token>` (scheme case-insensitive, RFC 6750). `''` when the
 * header says Bearer but carries nothing (refused, never read as "no token"); undefined without a Bearer header
 * (other schemes, e.g. a proxy's Basic, are not ours and are ignored).
 */
export function bearerTokenOf(headers: IncomingHttpHeaders): string | undefined {
  const header = headers.authorization;
  if (!header) return undefined;
  const match = /^Bearer(?:\s+(.*))?$/i.exec(header.trim());
  if (!match) return undefined;
  return match[1]?.trim() ?? '';
}

/** The one message for a bad bearer token: unknown, revoked, expired or of a disabled user look the same. */
export const INVALID_TOKEN = 'The API token is invalid, expired or revoked.';

export interface ApiAuthDeps {
  auth: Pick<AuthService, 'principalFromToken'>;
  /** Bearer tokens; without it (tests of other routes) every bearer request gets 401. */
  tokens?: Pick<TokensService, 'authenticate'>;
}

declare module 'express-serve-static-core' {
  interface Request {
    /**
     * Resolves the request's credential again (the same session or the same API token): the principal as it is now,
     * or null once the session ended, the token was revoked or expired, or the user was disabled. For long-lived
     * responses (SSE) that must stop when the sign-in does.
     */
    reauthenticate?: () => Promise<Principal | null>;
  }
}

/**
 * Mount on `/api` (after cookie-parser): sets `req.principal` or answers 401 — for every route, known or not, except
 * PUBLIC_API_ROUTES.
 *
 * - `Authorization: Bearer <token>`: the API token alone decides. Cookies are ignored (and removed from the
 *   request, so no route acts on a session the bearer request happens to carry); a bad token is a 401 with
 *   `WWW-Authenticate: Bearer error="invalid_token"`, never a fall-back to the cookie. (That is also why the
 *   same-origin check skips bearer requests: same-origin.ts.)
 * - otherwise the `folio_session` cookie.
 */
export function authenticateApi(deps: ApiAuthDeps): RequestHandler {
  return async (req, res, next) => {
    const path = req.path.replace(/\/+$/, '') || '/';
    const bearer = bearerTokenOf(req.headers);
    if (bearer !== undefined) req.cookies = {};
    if (PUBLIC_API_ROUTES.some((r) => r.method === req.method && r.path === path)) return next();
    if (bearer !== undefined) {
      const reauthenticate = async () => (await deps.tokens?.authenticate(bearer))?.principal ?? null;
      const principal = await reauthenticate();
      if (!principal) throw invalidToken(res);
      req.principal = { ...principal, ip: req.ip };
      req.reauthenticate = reauthenticate;
      return next();
    }
    const session = sessionTokenOf(req.cookies);
    const reauthenticate = () => deps.auth.principalFromToken(session, { touch: false });
    const principal = await deps.auth.principalFromToken(session, { touch: req.get(BACKGROUND_HEADER) !== '1' });
    if (!principal) throw unauthenticated();
    req.principal = { ...principal, ip: req.ip };
    req.reauthenticate = reauthenticate;
    next();
  };
}

function invalidToken(res: Response) {
  res.setHeader('WWW-Authenticate', 'Bearer error="invalid_token"');
  return unauthenticated(INVALID_TOKEN);
}
