import { Router, type Request } from 'express';
import type { NewLink } from '../../users/invites';
import type { UsersService } from '../../users/users.service';
import { principalOf } from '../context';
import { parseInput } from '../middleware/validate';
import { CreateUserSchema, UpdateUserSchema, UserIdParamsSchema } from './users.schema';

export interface UsersRoutesDeps {
  users: UsersService;
}

/**
 * The path of the set-password page for a link's secret. The secret is in the fragment: browsers never send a
 * fragment to a server, so it stays out of access logs, proxies and Referer headers.
 */
export const SET_PASSWORD_PATH = '/set-password';

/** A link as the API shows it: the full URL (shown once to the admin, never stored) and its expiry. */
export function presentLink(req: Request, link: NewLink) {
  return {
    url: `${req.protocol}://${req.host}${SET_PASSWORD_PATH}#${link.token}`,
    purpose: link.purpose,
    expiresAt: link.expiresAt,
  };
}

/**
 * Accounts, for admins (mount at /api/users; 403 for everyone else). Every answer is the account as the Users page
 * shows it (UserSummary: no hash, no session id, no link secret except the one just made).
 *   GET    /                 → {users: UserSummary[]}
 *   POST   /  {email, name?, role, password?}
 *                            → 201 {user, invite?: {url, purpose, expiresAt}} (+ Location) — without a password, a
 *                              one-time set-password link, shown this once; 409 for a taken email
 *   GET    /:id              → {user}
 *   PATCH  /:id {name?, role?, disabled?}
 *                            → {user}; a role change or a disable ends the user's sessions (and open sockets) at once;
 *                              409 when it would leave no enabled admin
 *   POST   /:id/password     → {invite: {url, purpose: 'reset', expiresAt}}: the password stops working, sessions end,
 *                              the link (shown this once) lets the user choose a new one
 *   DELETE /:id/sessions     → {ended: n}: every session of the user ends; their open sockets and streams close
 */
export function usersRoutes({ users }: UsersRoutesDeps): Router {
  const router = Router();

  router.get('/', async (req, res) => {
    res.setHeader('Cache-Control', 'no-store');
    res.json({ users: await users.list(principalOf(req)) });
  });

  router.post('/', async (req, res) => {
    const body = parseInput(CreateUserSchema, req.body ?? {}, 'body');
    const { user, link } = await users.createAs(principalOf(req), body);
    res.setHeader('Cache-Control', 'no-store');
    res
      .status(201)
      .location(`/api/users/${user.id}`)
      .json(link ? { user, invite: presentLink(req, link) } : { user });
  });

  router.get('/:id', async (req, res) => {
    const { id } = parseInput(UserIdParamsSchema, req.params, 'params');
    res.setHeader('Cache-Control', 'no-store');
    res.json({ user: await users.get(principalOf(req), id) });
  });

  router.patch('/:id', async (req, res) => {
    const { id } = parseInput(UserIdParamsSchema, req.params, 'params');
    const body = parseInput(UpdateUserSchema, req.body ?? {}, 'body');
    res.json({ user: await users.update(principalOf(req), id, body) });
  });

  router.post('/:id/password', async (req, res) => {
    const { id } = parseInput(UserIdParamsSchema, req.params, 'params');
    const link = await users.resetPassword(principalOf(req), id);
    res.setHeader('Cache-Control', 'no-store');
    res.json({ invite: presentLink(req, link) });
  });

  router.delete('/:id/sessions', async (req, res) => {
    const { id } = parseInput(UserIdParamsSchema, req.params, 'params');
    res.json({ ended: await users.endSessions(principalOf(req), id) });
  });

  return router;
}
