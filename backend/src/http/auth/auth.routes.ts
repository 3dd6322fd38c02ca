import { Router, type CookieOptions, type Request } from 'express';
import type { AuthService } from '../../users/auth.service';
import { SESSION_COOKIE } from '../../users/auth.service';
import { principalOf, userView } from '../context';
import { sessionTokenOf } from '../middleware/auth';
import { parseInput } from '../middleware/validate';
import { LoginSchema } from './auth.schema';

export interface AuthRoutesDeps {
  auth: AuthService;
}

/**
 * httpOnly (no script reads it), SameSite=Lax (no cross-site POSTs carry it), Secure when the browser talks https:
 * to us directly (`req.secure`, which also follows X-Forwarded-Proto when express' `trust proxy` trusts the hop), or
 * to a TLS-terminating proxy that says so in X-Forwarded-Proto. Trusting that header for this alone is safe even
 * without `trust proxy`: Secure only restricts the cookie, so a forged header can only lose the forger's own session.
 */
export const cookieOptions = (req: Request): CookieOptions => ({
  httpOnly: true,
  sameSite: 'lax',
  secure: req.secure || forwardedProto(req) === 'https',
  path: '/',
});

/** The client-facing scheme a proxy reports: the first X-Forwarded-Proto value, lower-cased. */
const forwardedProto = (req: Request) => req.get('x-forwarded-proto')?.split(',')[0]?.trim().toLowerCase();

/**
 * Mount on /api (the session middleware runs first; only POST /auth/login is public).
 *   POST /auth/login  {email, password} → 200 {user: Principal, expiresAt} + Set-Cookie folio_session; 401 otherwise;
 *                     429 overloaded + Retry-After after too many failures for the email or the client IP (`req.ip`,
 *                     which follows X-Forwarded-For only when express' `trust proxy` is set)
 *   POST /auth/logout                   → 204, the session is ended and the cookie cleared
 *   GET  /me                            → {user: Principal}
 */
export function authRoutes({ auth }: AuthRoutesDeps): Router {
  const router = Router();

  router.post('/auth/login', async (req, res) => {
    const { email, password } = parseInput(LoginSchema, req.body ?? {}, 'body');
    const session = await auth.login(email, password, { ip: req.ip });
    res.cookie(SESSION_COOKIE, session.token, { ...cookieOptions(req), expires: new Date(session.expiresAt) });
    res.setHeader('Cache-Control', 'no-store');
    res.json({ user: userView(session.principal), expiresAt: session.expiresAt });
  });

  router.post('/auth/logout', async (req, res) => {
    const token = sessionTokenOf(req.cookies);
    if (token) await auth.logout(token);
    res.clearCookie(SESSION_COOKIE, cookieOptions(req));
    res.status(204).end();
  });

  router.get('/me', (req, res) => {
    res.setHeader('Cache-Control', 'no-store');
    res.json({ user: userView(principalOf(req)) });
  });

  return router;
}
