import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { AuditEvent } from '../../contracts/audit';
import type { Principal } from '../../contracts/principal';
import { hashToken } from '../../users/auth.service';
import { LINK_NOT_VALID } from '../../users/invites';
import { testFetch } from '../../testing/http';
import { startTestApp, type TestApp } from '../test-app';

/** The Users API, passwords, set-password links and sessions, over real HTTP on a real SQLite file (injected clock). */
const MINUTE = 60_000;
let clock = Date.parse('2026-11-20T08:00:00Z');
let t: TestApp;
let admin: { cookie: string; userId: string };
let adminPrincipal: Principal;
let n = 0;

beforeAll(async () => {
  t = await startTestApp({ now: () => clock });
  admin = await t.signIn('admin', 'root@bank.example');
  adminPrincipal = { id: admin.userId, email: 'root@bank.example', name: 'root', role: 'admin' };
});
afterAll(() => t?.close());

type Json = Record<string, any>; // eslint-disable-line @typescript-eslint/no-explicit-any
async function call(
  method: string,
  path: string,
  opts: { cookie?: string; body?: unknown; headers?: Record<string, string> } = {},
) {
  const res = await testFetch(`${t.url}${path}`, {
    method,
    headers: {
      ...(opts.cookie ? { cookie: opts.cookie } : {}),
      ...(opts.body === undefined ? {} : { 'content-type': 'application/json' }),
      ...opts.headers,
    },
    body: opts.body === undefined ? undefined : typeof opts.body === 'string' ? opts.body : JSON.stringify(opts.body),
  });
  const text = await res.text();
  return { status: res.status, headers: res.headers, body: (text ? JSON.parse(text) : undefined) as Json };
}
/** As the admin, signed in afresh (the tests move the clock past sessions' expiry). */
const asAdmin = async (method: string, path: string, body?: unknown) =>
  call(method, path, {
    cookie: `folio_session=${(await t.auth.login('root@bank.example', 'test-password')).token}`,
    body,
  });
const login = async (email: string, password: string, cookie?: string) => {
  const res = await testFetch(`${t.url}/api/auth/login`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', ...(cookie ? { cookie } : {}) },
    body: JSON.stringify({ email, password }),
  });
  const setCookie = res.headers.get('set-cookie') ?? '';
  return { status: res.status, cookie: setCookie.split(';')[0] ?? '', body: (await res.json()) as Json };
};
const me = async (cookie: string, headers: Record<string, string> = {}) =>
  (await call('GET', '/api/me', { cookie, headers })).status;
const secretOf = (url: string) => new URL(url).hash.slice(1);
const newEmail = () => `user-${++n}@bank.example`;
/** A user with a password, signed in. */
async function member(role: 'author' | 'viewer' | 'admin' = 'author') {
  const email = newEmail();
  const created = await asAdmin('POST', '/api/users', { email, role, password: 'member-password' });
  expect(created.status).toBe(201);
  const session = await login(email, 'member-password');
  expect(session.status).toBe(200);
  return { id: created.body.user.id as string, email, cookie: session.cookie };
}
/** Audit events about a user, oldest first. */
async function eventsAbout(userId: string): Promise<AuditEvent[]> {
  return (await t.audit.list(adminPrincipal, { target: `user:${userId}`, limit: 500 })).events.reverse();
}

describe('POST /api/users', () => {
  it('creates an account with a password: 201, Location, the account as the Users page shows it', async () => {
    const email = newEmail();
    const res = await asAdmin('POST', '/api/users', {
      email: email.toUpperCase(),
      name: ' Ada ',
      role: 'author',
      password: 'given-password',
    });
    expect(res.status).toBe(201);
    expect(res.headers.get('location')).toBe(`/api/users/${res.body.user.id}`);
    expect(res.body).toEqual({
      user: {
        id: expect.any(String),
        email,
        name: 'Ada',
        role: 'author',
        disabled: false,
        createdAt: expect.any(String),
        lastLoginAt: null,
        sessions: 0,
        lastSeenAt: null,
        hasPassword: true,
        pendingLink: null,
      },
    });
    expect((await login(email, 'given-password')).status).toBe(200);
    const [created] = await eventsAbout(res.body.user.id);
    expect(created).toMatchObject({
      action: 'user.create',
      actor: { type: 'user', userId: admin.userId },
      target: { type: 'user', id: res.body.user.id, name: email },
      details: { role: 'author', name: 'Ada', invited: false },
    });
    expect(JSON.stringify(created)).not.toContain('given-password');
  });

  it('without a password: an invitation link, shown once, stored hashed, in the URL fragment', async () => {
    const email = newEmail();
    const res = await asAdmin('POST', '/api/users', { email, role: 'viewer' });
    expect(res.status).toBe(201);
    expect(res.headers.get('cache-control')).toBe('no-store');
    const invite = res.body.invite;
    expect(invite).toEqual({
      url: expect.stringMatching(new RegExp(`^${t.url}/set-password#[A-Za-z0-9_-]{43}$`)),
      purpose: 'invite',
      expiresAt: new Date(clock + 7 * 24 * 60 * MINUTE).toISOString(),
    });
    expect(res.body.user).toMatchObject({
      hasPassword: false,
      pendingLink: { purpose: 'invite', expiresAt: invite.expiresAt },
    });
    const secret = secretOf(invite.url);
    const now = new Date(clock).toISOString();
    expect(await t.store.invites.getLive(secret, now)).toBeNull();
    expect(await t.store.invites.getLive(hashToken(secret), now)).toMatchObject({ userId: res.body.user.id });
    // Listed afterwards without the link.
    const listed = await asAdmin('GET', '/api/users');
    expect(JSON.stringify(listed.body)).not.toContain(secret);
    expect(JSON.stringify(await eventsAbout(res.body.user.id))).not.toContain(secret);
  });

  it('answers 400 naming the field, and 409 for a taken email', async () => {
    const cases: Array<[unknown, string]> = [
      [{ role: 'author' }, 'Invalid body field "email"'],
      [{ email: newEmail(), role: 'boss' }, 'Invalid body field "role"'],
      [{ email: newEmail(), role: 'author', password: 'short' }, 'Invalid body field "password"'],
      [{ email: newEmail(), role: 'author', name: '' }, 'Invalid body field "name"'],
    ];
    for (const [body, message] of cases) {
      const res = await asAdmin('POST', '/api/users', body);
      expect(res.status, JSON.stringify(body)).toBe(400);
      expect(res.body.error.message).toMatch(new RegExp(`^${message.replace(/"/g, '\\"')}`));
    }
    const notEmail = await asAdmin('POST', '/api/users', { email: 'not-an-email', role: 'author' });
    expect([notEmail.status, notEmail.body.error.details]).toEqual([400, { field: 'email' }]);
    const taken = await asAdmin('POST', '/api/users', { email: 'ROOT@bank.example', role: 'author' });
    expect(taken.status).toBe(409);
    expect(taken.body.error.message).toBe('A user with the email root@bank.example already exists.');
  });

  it('is for admins only: 403 for an author, 401 signed out', async () => {
    const author = await member('author');
    expect(
      (await call('POST', '/api/users', { cookie: author.cookie, body: { email: newEmail(), role: 'author' } })).status,
    ).toBe(403);
    expect((await call('GET', '/api/users', { cookie: author.cookie })).status).toBe(403);
    expect((await call('GET', '/api/users')).status).toBe(401);
  });
});

describe('GET /api/users and /api/users/:id', () => {
  it('lists accounts with their live sessions and latest activity; 404 for an unknown id', async () => {
    const u = await member('author');
    clock += 2 * MINUTE;
    expect(await me(u.cookie)).toBe(200);
    const list = await asAdmin('GET', '/api/users');
    expect(list.status).toBe(200);
    expect(list.body.users.find((x: Json) => x.id === u.id)).toMatchObject({
      email: u.email,
      sessions: 1,
      lastSeenAt: new Date(clock).toISOString(),
    });
    expect((await asAdmin('GET', `/api/users/${u.id}`)).body.user.email).toBe(u.email);
    const missing = await asAdmin('GET', '/api/users/no-such-user');
    expect([missing.status, missing.body.error.message]).toEqual([404, 'User not found.']);
  });
});

describe('PATCH /api/users/:id', () => {
  it('renames without touching the sessions', async () => {
    const u = await member();
    const res = await asAdmin('PATCH', `/api/users/${u.id}`, { name: 'Grace' });
    expect([res.status, res.body.user.name]).toEqual([200, 'Grace']);
    expect(await me(u.cookie)).toBe(200);
    expect((await eventsAbout(u.id)).at(-1)).toMatchObject({
      action: 'user.update',
      details: { changes: { name: { from: u.email.split('@')[0], to: 'Grace' } } },
    });
  });

  it('a role change ends the sessions (the id rotates): the user signs in again and has the new role', async () => {
    const u = await member('author');
    const res = await asAdmin('PATCH', `/api/users/${u.id}`, { role: 'viewer' });
    expect([res.status, res.body.user.role, res.body.user.sessions]).toEqual([200, 'viewer', 0]);
    expect(await me(u.cookie)).toBe(401);
    const again = await login(u.email, 'member-password');
    expect(again.body.user.role).toBe('viewer');
    const events = await eventsAbout(u.id);
    expect(events.map((e) => e.action)).toEqual(['user.create', 'auth.login', 'user.update', 'auth.login']);
    expect(events[2]).toMatchObject({
      action: 'user.update',
      actor: { userId: admin.userId },
      details: { changes: { role: { from: 'author', to: 'viewer' } } },
    });
  });

  it('a disable stops the sessions at once and refuses sign-in; enabling lets the user sign in again', async () => {
    const u = await member();
    const res = await asAdmin('PATCH', `/api/users/${u.id}`, { disabled: true });
    expect([res.status, res.body.user.disabled]).toEqual([200, true]);
    expect(await me(u.cookie)).toBe(401);
    const refused = await login(u.email, 'member-password');
    expect([refused.status, refused.body.error.message]).toEqual([
      403,
      'This account is disabled. Ask an administrator to enable it.',
    ]);
    expect((await login(u.email, 'wrong-password')).body.error.message).toBe('Invalid email or password.');
    expect((await asAdmin('PATCH', `/api/users/${u.id}`, { disabled: false })).body.user.disabled).toBe(false);
    expect((await login(u.email, 'member-password')).status).toBe(200);
    const actions = (await eventsAbout(u.id)).map((e) => e.action);
    expect(actions.slice(-3)).toEqual(['user.disable', 'user.update', 'auth.login']);
  });

  it('refuses to demote or disable the last enabled admin (409 naming the field)', async () => {
    for (const [body, field] of [
      [{ role: 'author' }, 'role'],
      [{ disabled: true }, 'disabled'],
    ] as const) {
      const res = await asAdmin('PATCH', `/api/users/${admin.userId}`, body);
      expect(res.status).toBe(409);
      expect(res.body.error).toEqual({
        code: 'conflict',
        message: expect.stringMatching(/^root@bank\.example is the last enabled admin: make another user an admin/),
        details: { field },
      });
    }
    expect((await asAdmin('GET', '/api/me')).status).toBe(200);
  });

  it('answers 400 naming the field for a bad patch, 404 for an unknown user', async () => {
    const u = await member();
    const bad: Array<[unknown, RegExp]> = [
      [{}, /^Invalid body field "name": give a name, a role or disabled/],
      [{ role: 'owner' }, /^Invalid body field "role"/],
      [{ disabled: 'yes' }, /^Invalid body field "disabled"/],
      [{ name: '   ' }, /^Invalid body field "name"/],
      [{ email: 'x@y.z' }, /^Invalid body/],
    ];
    for (const [body, message] of bad) {
      const res = await asAdmin('PATCH', `/api/users/${u.id}`, body);
      expect(res.status, JSON.stringify(body)).toBe(400);
      expect(res.body.error.message).toMatch(message);
    }
    expect((await asAdmin('PATCH', '/api/users/nobody', { name: 'x' })).status).toBe(404);
  });
});

describe('POST /api/users/:id/password (admin reset) and the set-password link', () => {
  it('clears the password and the sessions at once; the one-time link sets a new password, once', async () => {
    const u = await member();
    const res = await asAdmin('POST', `/api/users/${u.id}/password`);
    expect(res.status).toBe(200);
    expect(res.headers.get('cache-control')).toBe('no-store');
    expect(res.body.invite).toMatchObject({ purpose: 'reset', url: expect.stringContaining('/set-password#') });
    expect(await me(u.cookie)).toBe(401);
    expect((await login(u.email, 'member-password')).status).toBe(401);
    const token = secretOf(res.body.invite.url);

    const check = await call('POST', '/api/auth/set-password/check', { body: { token } });
    expect(check).toMatchObject({ status: 200, body: { email: u.email, purpose: 'reset' } });
    const short = await call('POST', '/api/auth/set-password', { body: { token, password: 'short' } });
    expect([short.status, short.body.error.message]).toEqual([
      400,
      expect.stringMatching(/^Invalid body field "password"/),
    ]);
    expect(
      (await call('POST', '/api/auth/set-password', { body: { token, password: 'brand-new-password' } })).status,
    ).toBe(204);
    expect((await login(u.email, 'brand-new-password')).status).toBe(200);
    for (const again of [
      await call('POST', '/api/auth/set-password', { body: { token, password: 'another-password' } }),
      await call('POST', '/api/auth/set-password/check', { body: { token } }),
    ]) {
      expect([again.status, again.body.error.message]).toEqual([404, LINK_NOT_VALID]);
    }
    const details = (await eventsAbout(u.id)).map((e) => [e.action, e.details]);
    expect(details).toContainEqual(['user.update', { passwordChange: 'reset' }]);
    expect(details).toContainEqual(['user.update', { passwordChange: 'set', link: 'reset' }]);
    expect(JSON.stringify(details)).not.toContain(token);
  });

  it('an invitation works until it expires (7 days), and not after', async () => {
    const [early, late] = [newEmail(), newEmail()];
    const a = await asAdmin('POST', '/api/users', { email: early, role: 'author' });
    const b = await asAdmin('POST', '/api/users', { email: late, role: 'author' });
    clock += 7 * 24 * 60 * MINUTE - 1;
    const ok = await call('POST', '/api/auth/set-password', {
      body: { token: secretOf(a.body.invite.url), password: 'in-time-password' },
    });
    expect(ok.status).toBe(204);
    expect((await login(early, 'in-time-password')).status).toBe(200);
    clock += 1;
    const expired = await call('POST', '/api/auth/set-password', {
      body: { token: secretOf(b.body.invite.url), password: 'too-late-password' },
    });
    expect([expired.status, expired.body.error.message]).toEqual([404, LINK_NOT_VALID]);
    // Still listed, so the Users page says "Link expired" (a new one is needed); the used one is gone.
    expect((await asAdmin('GET', `/api/users/${b.body.user.id}`)).body.user.pendingLink).toEqual({
      purpose: 'invite',
      expiresAt: b.body.invite.expiresAt,
    });
    expect((await asAdmin('GET', `/api/users/${a.body.user.id}`)).body.user.pendingLink).toBeNull();
  });

  it('rejects a made-up or malformed secret the same way, naming the field when it is missing', async () => {
    const made = await call('POST', '/api/auth/set-password/check', { body: { token: 'made-up' } });
    expect([made.status, made.body.error.message]).toEqual([404, LINK_NOT_VALID]);
    const missing = await call('POST', '/api/auth/set-password', { body: { password: 'long-enough' } });
    expect(missing.body.error.message).toMatch(/^Invalid body field "token"/);
  });
});

describe('DELETE /api/users/:id/sessions', () => {
  it("ends every session of the user, and no one else's", async () => {
    const u = await member();
    const second = await login(u.email, 'member-password');
    const other = await member();
    const res = await asAdmin('DELETE', `/api/users/${u.id}/sessions`);
    expect(res).toMatchObject({ status: 200, body: { ended: 2 } });
    expect(await me(u.cookie)).toBe(401);
    expect(await me(second.cookie)).toBe(401);
    expect(await me(other.cookie)).toBe(200);
    expect((await eventsAbout(u.id)).at(-1)).toMatchObject({
      action: 'auth.logout',
      actor: { userId: admin.userId },
      details: { allSessions: true },
    });
    expect((await asAdmin('DELETE', '/api/users/nobody/sessions')).status).toBe(404);
  });
});

describe('PUT /api/me/password', () => {
  it('re-checks the current password, then ends the other sessions and keeps this one', async () => {
    const u = await member();
    const other = await login(u.email, 'member-password');
    const wrong = await call('PUT', '/api/me/password', {
      cookie: u.cookie,
      body: { current: 'nope', next: 'next-password' },
    });
    expect([wrong.status, wrong.body.error]).toEqual([
      400,
      { code: 'bad_request', message: 'The current password is not right.', details: { field: 'current' } },
    ]);
    const short = await call('PUT', '/api/me/password', {
      cookie: u.cookie,
      body: { current: 'member-password', next: 'x' },
    });
    expect(short.body.error.message).toMatch(/^Invalid body field "next"/);
    const ok = await call('PUT', '/api/me/password', {
      cookie: u.cookie,
      body: { current: 'member-password', next: 'next-password' },
    });
    expect(ok.status).toBe(204);
    expect(await me(u.cookie)).toBe(200);
    expect(await me(other.cookie)).toBe(401);
    expect((await login(u.email, 'next-password')).status).toBe(200);
    expect((await eventsAbout(u.id)).map((e) => [e.action, e.details])).toContainEqual([
      'user.update',
      { passwordChange: 'changed' },
    ]);
  });
});

describe('API tokens on the Users routes', () => {
  it('need the admin scope to manage accounts, and can never change a password', async () => {
    const mint = async (scopes: string[]) =>
      (await asAdmin('POST', '/api/tokens', { name: `t-${++n}`, scopes })).body.token as string;
    const [narrow, full] = [await mint(['notebooks:read']), await mint(['admin'])];
    const bearer = (token: string) => ({ authorization: `Bearer ${token}` });
    const denied = await call('GET', '/api/users', { headers: bearer(narrow) });
    expect([denied.status, denied.body.error.details]).toEqual([403, { requiredScope: 'admin' }]);
    expect((await call('GET', '/api/users', { headers: bearer(full) })).status).toBe(200);
    const pw = await call('PUT', '/api/me/password', {
      headers: bearer(full),
      body: { current: 'test-password', next: 'whatever-password' },
    });
    expect(pw.status).toBe(403);
  });
});

describe('sessions over HTTP (injected clock)', () => {
  it('idle expiry: 30 minutes without a request ends the session; requests keep it alive; polling does not', async () => {
    const u = await member();
    for (let i = 0; i < 4; i++) {
      clock += 20 * MINUTE;
      expect(await me(u.cookie), `after ${(i + 1) * 20} min`).toBe(200);
    }
    const background = { 'x-folio-background': '1' };
    clock += 20 * MINUTE;
    expect(await me(u.cookie, background)).toBe(200);
    clock += 10 * MINUTE; // 30 min after the last request that counted
    expect(await me(u.cookie, background)).toBe(401);
  });

  it('absolute expiry: 12 hours after sign-in, however active', async () => {
    const u = await member();
    for (let i = 1; i < 36; i++) {
      clock += 20 * MINUTE;
      expect(await me(u.cookie), `after ${i * 20} min`).toBe(200);
    }
    clock += 20 * MINUTE; // 12 h after sign-in, 20 min after the last request
    expect(await me(u.cookie)).toBe(401);
  });

  it('rotates the session id on sign-in: the cookie the browser had stops working', async () => {
    const u = await member();
    const next = await login(u.email, 'member-password', u.cookie);
    expect(next.cookie).not.toBe(u.cookie);
    expect(await me(u.cookie)).toBe(401);
    expect(await me(next.cookie)).toBe(200);
  });

  it('records sign-in, failed sign-in (the email tried, never the password) and sign-out', async () => {
    const u = await member();
    expect((await login(u.email, 'wrong-password')).status).toBe(401);
    expect((await login('nobody@bank.example', 'secret-guess')).status).toBe(401);
    const out = await call('POST', '/api/auth/logout', { cookie: u.cookie });
    expect(out.status).toBe(204);
    const mine = (await eventsAbout(u.id)).map((e) => e.action);
    expect(mine).toEqual(['user.create', 'auth.login', 'auth.logout']);
    const failed = (await t.audit.list(adminPrincipal, { action: 'auth.login_failed', limit: 10 })).events;
    expect(failed.slice(0, 2).map((e) => [e.actor, e.details])).toEqual([
      [
        { type: 'anonymous', email: 'nobody@bank.example' },
        { method: 'password', reason: 'unknown_email' },
      ],
      [
        { type: 'anonymous', email: u.email },
        { method: 'password', reason: 'wrong_password' },
      ],
    ]);
    expect(JSON.stringify(failed)).not.toMatch(/secret-guess|wrong-password/);
  });
});
