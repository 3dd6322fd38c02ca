import { Router, type Request, type Response } from 'express';
import { DomainError } from '../../errors';
import type { Logger } from '../../logger';
import { SESSION_COOKIE } from '../../users/auth.service';
import { OidcSignInError, type OidcFailure, type OidcService } from '../../users/oidc.service';
import { sessionTokenOf } from '../middleware/auth';
import { cookieOptions } from './auth.routes';

export interface OidcRoutesDeps {
  /** Null when single sign-on is not configured: GET /auth/config says so and the oidc routes answer 404. */
  oidc: OidcService | null;
  passwordSignIn: boolean;
  logger: Logger;
}

/** The httpOnly cookie that ties a provider's callback to the browser that started the sign-in. */
export const OIDC_LOGIN_COOKIE = 'folio_oidc';
const LOGIN_COOKIE_PATH = '/api/auth/oidc';

/** The login page, with the reason of a failed single sign-on (the page words it; no provider text, no stack). */
const loginPageWith = (reason: OidcFailure | 'failed') => `/login?sso_error=${reason}`;

/**
 * Mount on /api (all public: see PUBLIC_API_ROUTES). Without single sign-on configured the oidc routes answer 404.
 *   GET /auth/config              → {password: boolean, oidc: {name, loginUrl} | null}: the sign-in methods, for the login page
 *   GET /auth/oidc/login?next=    → 302 to the provider (a sign-in in progress, its id in an httpOnly cookie);
 *                                    `next` kept only when a path of this site
 *   GET /auth/oidc/callback       → 303 to `next` with the session cookie set; or 303 to /login?sso_error=<reason>
 * Both oidc routes are browser navigations, so failures redirect to the login page rather than answer JSON.
 */
export function oidcRoutes({ oidc, passwordSignIn, logger }: OidcRoutesDeps): Router {
  const router = Router();
  const log = logger.child({ component: 'oidc' });

  router.get('/auth/config', (_req, res) => {
    res.setHeader('Cache-Control', 'no-store');
    res.json({ password: passwordSignIn, oidc: oidc ? { name: oidc.name, loginUrl: '/api/auth/oidc/login' } : null });
  });

  if (!oidc) {
    // Mounted all the same (route lists, the access matrix): without single sign-on they do not exist.
    router.get(['/auth/oidc/login', '/auth/oidc/callback'], () => {
      throw new DomainError('not_found', 'Single sign-on is not configured.');
    });
    return router;
  }

  const loginCookie = (req: Request) => ({ ...cookieOptions(req), path: LOGIN_COOKIE_PATH });
  const fail = (res: Response, e: unknown) => {
    if (e instanceof OidcSignInError) {
      log.info({ reason: e.reason, ...e.details }, `single sign-on refused: ${e.message}`);
      return res.redirect(303, loginPageWith(e.reason));
    }
    log.error({ err: e }, 'single sign-on failed');
    return res.redirect(303, loginPageWith('failed'));
  };

  router.get('/auth/oidc/login', async (req, res) => {
    res.setHeader('Cache-Control', 'no-store');
    try {
      const { redirectTo, loginCookie: secret, maxAgeMs } = await oidc.begin(req.query.next);
      res.cookie(OIDC_LOGIN_COOKIE, secret, { ...loginCookie(req), maxAge: maxAgeMs });
      res.redirect(302, redirectTo);
    } catch (e) {
      fail(res, e);
    }
  });

  router.get('/auth/oidc/callback', async (req, res) => {
    res.setHeader('Cache-Control', 'no-store');
    // The sign-in in progress is used once, whatever the outcome.
    res.clearCookie(OIDC_LOGIN_COOKIE, loginCookie(req));
    const raw = req.cookies?.[OIDC_LOGIN_COOKIE];
    try {
      const query = new URL(req.originalUrl, 'http://callback.invalid').searchParams;
      const result = await oidc.complete({
        loginCookie: typeof raw === 'string' ? raw : undefined,
        query,
        ip: req.ip,
        replaces: sessionTokenOf(req.cookies), // the browser's old session ends: the session id rotates on sign-in
      });
      res.cookie(SESSION_COOKIE, result.session.token, {
        ...cookieOptions(req),
        expires: new Date(result.session.expiresAt),
      });
      res.redirect(303, result.next);
    } catch (e) {
      fail(res, e);
    }
  });

  return router;
}
