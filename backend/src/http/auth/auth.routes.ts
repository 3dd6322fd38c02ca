import { Router, type CookieOptions, type Request } from 'express';
import type { AuthService } from '../../users/auth.service';
import { SESSION_COOKIE } from '../../users/auth.service';
import { principalOf, userView } from '../context';
import { sessionTokenOf } from '../middleware/auth';
import { parseInput } from '../middleware/validate';
import type { UsersService } from '../../users/users.service';
import { ChangePasswordSchema } from '../users/users.schema';
import { CheckLinkSchema, LoginSchema, SetPasswordSchema } from './auth.schema';

export interface AuthRoutesDeps {
  auth: AuthService;
  /** The public set-password links (invitations, resets); without it those routes are not mounted. */
  users?: UsersService;
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
 *                     403 for the right password of a disabled account. Signing in ends the session the browser
 *                     had (the session id rotates).
 *   POST /auth/logout                   → 204, the session is ended and the cookie cleared
 *   GET  /me                            → {user: Principal}
 *   PUT  /me/password {current, next}   → 204; 400 naming `current` when it is wrong; the user's other sessions end
 * Public (no session), for the set-password page of a one-time link (the secret comes from the link's #fragment):
 *   POST /auth/set-password/check {token}          → {email, name, purpose, expiresAt}; 404 for a used/expired link
 *   POST /auth/set-password {token, password}      → 204; the link is used up; then sign in with the new password
 */
export function authRoutes({ auth, users }: AuthRoutesDeps): Router {
  const router = Router();

  router.post('/auth/login', async (req, res) => {
    const { email, password } = parseInput(LoginSchema, req.body ?? {}, 'body');
    const session = await auth.login(email, password, { ip: req.ip, replaces: sessionTokenOf(req.cookies) });
    res.cookie(SESSION_COOKIE, session.token, { ...cookieOptions(req), expires: new Date(session.expiresAt) });
    res.setHeader('Cache-Control', 'no-store');
    res.json({ user: userView(session.principal), expiresAt: session.expiresAt });
  });

  router.post('/auth/logout', async (req, res) => {
    const token = sessionTokenOf(req.cookies);
    if (token) await auth.logout(token, req.principal);
    res.clearCookie(SESSION_COOKIE, cookieOptions(req));
    res.status(204).end();
  });

  router.get('/me', (req, res) => {
    res.setHeader('Cache-Control', 'no-store');
    res.json({ user: userView(principalOf(req)) });
  });

  router.put('/me/password', async (req, res) => {
    const { current, next } = parseInput(ChangePasswordSchema, req.body ?? {}, 'body');
    await auth.changePassword(principalOf(req), current, next);
    res.status(204).end();
  });

  if (users) {
    router.post('/auth/set-password/check', async (req, res) => {
      const { token } = parseInput(CheckLinkSchema, req.body ?? {}, 'body');
      res.setHeader('Cache-Control', 'no-store');
      res.json(await users.checkLink(token));
    });

    router.post('/auth/set-password', async (req, res) => {
      const { token, password } = parseInput(SetPasswordSchema, req.body ?? {}, 'body');
      await users.setPasswordWithLink(token, password, { ip: req.ip });
      res.status(204).end();
    });
  }

  return router;
}
