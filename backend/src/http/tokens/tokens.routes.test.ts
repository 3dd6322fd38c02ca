import path from 'node:path';
import { Writable } from 'node:stream';
import Database from 'better-sqlite3';
import pino from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { TokenScope } from '../../contracts/principal';
import type { Role } from '../../store/store';
import { testFetch } from '../../testing/http';
import { hashSecret, TOKEN_EXPIRY, type TokenView } from '../../users/tokens.service';
import { startTestApp, type TestApp } from '../test-app';

/**
 * /api/tokens and `Authorization: Bearer` over real HTTP on a real SQLite file. The tokens service runs on a clock
 * the test moves (expiry, last-used) and logs into a buffer the test reads (no secret may reach it).
 */
const DAY = 24 * 60 * 60 * 1000;
let clock = Date.parse('2026-03-02T09:00:00.000Z');
const logLines: string[] = [];
const logger = pino(
  { level: 'debug' },
  new Writable({
    write(chunk: Buffer, _enc, done) {
      logLines.push(chunk.toString());
      done();
    },
  }),
);
let t: TestApp;

beforeAll(async () => {
  t = await startTestApp({ overrides: { logger }, tokens: { now: () => clock, logger } });
});
afterAll(() => t?.close());

interface Caller {
  cookie?: string;
  bearer?: string;
  origin?: string;
}
const call = (who: Caller, method: string, path: string, body?: unknown) =>
  testFetch(`${t.url}${path}`, {
    method,
    headers: {
      ...(who.cookie ? { cookie: who.cookie } : {}),
      ...(who.bearer !== undefined ? { authorization: `Bearer ${who.bearer}` } : {}),
      ...(body !== undefined ? { 'content-type': 'application/json' } : {}),
      origin: who.origin ?? t.url,
    },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
const json = async <T = Record<string, unknown>>(res: Response) => (await res.json()) as T;
const errorOf = async (res: Response) => (await json<{ error: { code: string; message: string } }>(res)).error;

async function user(role: Role = 'author') {
  const s = await t.signIn(role);
  return { ...s, role };
}
async function tokenFor(
  who: { cookie: string },
  scopes: TokenScope[],
  extra: Record<string, unknown> = {},
): Promise<{ id: string; token: string; expiresAt: string }> {
  const res = await call(who, 'POST', '/api/tokens', { name: 'CI', scopes, ...extra });
  expect(res.status, JSON.stringify(await res.clone().json())).toBe(201);
  return json(res);
}
const me = async (who: Caller) => {
  const res = await call(who, 'GET', '/api/me');
  return { status: res.status, user: res.ok ? (await json<{ user: { id: string; role: string } }>(res)).user : null };
};

describe('POST /api/tokens', () => {
  it('answers {id, token, name, scopes, expiresAt} once, with a folio_ secret stored only as its hash', async () => {
    const author = await user();
    const res = await call(author, 'POST', '/api/tokens', { name: ' nightly ', scopes: ['notebooks:read'] });
    expect(res.status).toBe(201);
    expect(res.headers.get('cache-control')).toBe('no-store');
    const body = await json<{ id: string; token: string; name: string; scopes: string[]; expiresAt: string }>(res);
    expect(body).toEqual({
      id: expect.any(String),
      token: expect.stringMatching(/^folio_[A-Za-z0-9_-]{43}$/),
      name: 'nightly',
      scopes: ['notebooks:read'],
      expiresAt: new Date(clock + TOKEN_EXPIRY.defaultDays * DAY).toISOString(),
      userId: author.userId,
    });
    const stored = await t.store.apiTokens.getById(body.id);
    expect(stored?.secretHash).toBe(hashSecret(body.token));
    expect(JSON.stringify(stored)).not.toContain(body.token.slice(6));
    // Listed later without the secret.
    const list = await json<{ tokens: TokenView[] }>(await call(author, 'GET', '/api/tokens'));
    expect(list.tokens).toEqual([
      {
        id: body.id,
        name: 'nightly',
        scopes: ['notebooks:read'],
        user: { id: author.userId, email: expect.any(String), name: expect.any(String), role: 'author' },
        createdBy: author.userId,
        createdAt: new Date(clock).toISOString(),
        expiresAt: body.expiresAt,
        lastUsedAt: null,
        revokedAt: null,
        status: 'active',
      },
    ]);
    expect(JSON.stringify(list)).not.toContain(body.token);
    expect(logLines.join('')).toContain(body.id);
    expect(logLines.join('')).not.toContain(body.token.slice(6));
  });

  it('takes expiresInDays from 1 to the maximum, and refuses more', async () => {
    const author = await user();
    const one = await tokenFor(author, ['apps:read'], { expiresInDays: 1 });
    expect(one.expiresAt).toBe(new Date(clock + DAY).toISOString());
    const max = await tokenFor(author, ['apps:read'], { expiresInDays: TOKEN_EXPIRY.maxDays });
    expect(max.expiresAt).toBe(new Date(clock + TOKEN_EXPIRY.maxDays * DAY).toISOString());
    for (const expiresInDays of [0, TOKEN_EXPIRY.maxDays + 1, 1.5]) {
      const res = await call(author, 'POST', '/api/tokens', { name: 'x', scopes: ['apps:read'], expiresInDays });
      expect(res.status).toBe(400);
      expect((await errorOf(res)).message).toContain('expiresInDays');
    }
  });

  it('refuses bad input naming the field: no name, no or unknown scopes', async () => {
    const author = await user();
    const cases: Array<[unknown, string]> = [
      [{ scopes: ['apps:read'] }, 'name'],
      [{ name: '  ', scopes: ['apps:read'] }, 'name'],
      [{ name: 'x', scopes: [] }, 'scopes'],
      [{ name: 'x', scopes: ['apps:write'] }, 'scopes'],
    ];
    for (const [body, field] of cases) {
      const res = await call(author, 'POST', '/api/tokens', body);
      expect(res.status, JSON.stringify(body)).toBe(400);
      expect((await errorOf(res)).message).toContain(field);
    }
  });

  it('refuses scopes the owner’s role can never use: admin for non-admins, notebooks for viewers', async () => {
    const author = await user('author');
    const viewer = await user('viewer');
    const admin = await user('admin');
    const refused = await call(author, 'POST', '/api/tokens', { name: 'x', scopes: ['admin'] });
    expect(refused.status).toBe(400);
    expect((await errorOf(refused)).message).toBe('A token of an author cannot have the scope admin.');
    const viewerRes = await call(viewer, 'POST', '/api/tokens', { name: 'x', scopes: ['apps:run', 'notebooks:read'] });
    expect(viewerRes.status).toBe(400);
    expect((await errorOf(viewerRes)).message).toContain('notebooks:read');
    await tokenFor(viewer, ['apps:read', 'apps:run']);
    await tokenFor(admin, ['admin']);
    // An admin making an admin token for an author is refused too: the owner's role counts.
    const forAuthor = await call(admin, 'POST', '/api/tokens', { name: 'x', scopes: ['admin'], userId: author.userId });
    expect(forAuthor.status).toBe(400);
  });

  it('lets admins create tokens for another user (e.g. a service account); others get 403, unknown users 400', async () => {
    const admin = await user('admin');
    const service = await user('author');
    const author = await user('author');
    const made = await tokenFor(admin, ['notebooks:read'], { userId: service.userId });
    expect((await me({ bearer: made.token })).user?.id).toBe(service.userId);
    const stored = await t.store.apiTokens.getById(made.id);
    expect(stored).toMatchObject({ userId: service.userId, createdBy: admin.userId });
    const list = await json<{ tokens: TokenView[] }>(await call(admin, 'GET', `/api/tokens?userId=${service.userId}`));
    expect(list.tokens.map((x) => x.id)).toEqual([made.id]);

    const notAdmin = await call(author, 'POST', '/api/tokens', {
      name: 'x',
      scopes: ['apps:read'],
      userId: service.userId,
    });
    expect(notAdmin.status).toBe(403);
    const unknown = await call(admin, 'POST', '/api/tokens', { name: 'x', scopes: ['apps:read'], userId: 'nobody' });
    expect(unknown.status).toBe(400);
    expect((await errorOf(unknown)).message).toContain('nobody');
  });
});

describe('service accounts', () => {
  it('an admin creates one (no password, no invitation), it cannot sign in, and acts through its tokens', async () => {
    const admin = await user('admin');
    const created = await call(admin, 'POST', '/api/users', {
      email: 'airflow@service.bank.example',
      name: 'Airflow',
      role: 'author',
      serviceAccount: true,
    });
    expect(created.status).toBe(201);
    const body = await json<{ user: { id: string; hasPassword: boolean; pendingLink: unknown }; invite?: unknown }>(
      created,
    );
    expect(body.invite).toBeUndefined();
    expect(body.user).toMatchObject({ hasPassword: false, pendingLink: null });
    const signIn = await call({}, 'POST', '/api/auth/login', { email: 'airflow@service.bank.example', password: 'x' });
    expect(signIn.status).toBe(401);

    const made = await tokenFor(admin, ['notebooks:write'], { userId: body.user.id });
    expect((await me({ bearer: made.token })).user).toMatchObject({ id: body.user.id, role: 'author' });
    const notebook = await call({ bearer: made.token }, 'POST', '/api/notebooks', { name: 'nightly report' });
    expect(notebook.status).toBe(201);

    const withPassword = await call(admin, 'POST', '/api/users', {
      email: 'ci@service.bank.example',
      role: 'viewer',
      serviceAccount: true,
      password: 'a-long-password',
    });
    expect(withPassword.status).toBe(400);
  });
});

describe('GET /api/tokens', () => {
  it('lists only mine; admins see another user’s with ?userId= and everyone’s with ?all=true', async () => {
    const [a, b, admin] = [await user(), await user(), await user('admin')];
    const ta = await tokenFor(a, ['apps:read']);
    const tb = await tokenFor(b, ['apps:read']);
    const ids = async (who: Caller, q = '') =>
      (await json<{ tokens: TokenView[] }>(await call(who, 'GET', `/api/tokens${q}`))).tokens.map((x) => x.id);
    expect(await ids(a)).toEqual([ta.id]);
    expect(await ids(b)).toEqual([tb.id]);
    expect(await ids(admin)).toEqual([]);
    expect(await ids(admin, `?userId=${a.userId}`)).toEqual([ta.id]);
    const everyone = await ids(admin, '?all=true');
    expect(everyone).toEqual(expect.arrayContaining([ta.id, tb.id]));
    expect((await call(a, 'GET', `/api/tokens?userId=${b.userId}`)).status).toBe(403);
    expect((await call(a, 'GET', '/api/tokens?all=true')).status).toBe(403);
    expect((await call(a, 'GET', `/api/tokens?userId=${a.userId}`)).status).toBe(200);
  });
});

describe('Authorization: Bearer', () => {
  it('authenticates as the owner on /api routes; GET /api/me needs no scope', async () => {
    const author = await user();
    const { token } = await tokenFor(author, ['apps:read']);
    expect(await me({ bearer: token })).toEqual({ status: 200, user: expect.objectContaining({ id: author.userId }) });
  });

  it('answers 401 with WWW-Authenticate for unknown, malformed or empty tokens, the same message for each', async () => {
    for (const bearer of ['folio_unknown', 'not-ours', '', 'folio_' + 'x'.repeat(300)]) {
      const res = await call({ bearer }, 'GET', '/api/me');
      expect(res.status, bearer).toBe(401);
      expect(res.headers.get('www-authenticate')).toBe('Bearer error="invalid_token"');
      expect(await errorOf(res)).toEqual({
        code: 'unauthenticated',
        message: 'The API token is invalid, expired or revoked.',
      });
    }
  });

  it('ignores cookies on bearer requests: the token decides, and a bad token never falls back to the session', async () => {
    const admin = await user('admin');
    const author = await user('author');
    const { token } = await tokenFor(author, ['notebooks:write']);
    expect((await me({ cookie: admin.cookie, bearer: token })).user?.id).toBe(author.userId);
    expect((await me({ cookie: admin.cookie, bearer: 'folio_forged' })).status).toBe(401);
    // Logout with a bearer does not end the session its cookie names.
    expect((await call({ cookie: admin.cookie, bearer: token }, 'POST', '/api/auth/logout')).status).toBe(204);
    expect((await me({ cookie: admin.cookie })).status).toBe(200);
  });

  it('skips the same-origin (CSRF) check for bearer requests only', async () => {
    const author = await user();
    const { token } = await tokenFor(author, ['notebooks:write']);
    const evil = 'https://evil.example';
    const bearer = await call({ bearer: token, origin: evil }, 'POST', '/api/notebooks', { name: 'from CI' });
    expect(bearer.status).toBe(201);
    const cookie = await call({ cookie: author.cookie, origin: evil }, 'POST', '/api/notebooks', { name: 'forged' });
    expect(cookie.status).toBe(403);
    // A cookie with a bad bearer is not a way around the check either: 401, nothing created.
    const both = await call({ cookie: author.cookie, bearer: 'folio_x', origin: evil }, 'POST', '/api/notebooks', {
      name: 'x',
    });
    expect(both.status).toBe(401);
  });

  it('stops working at once when revoked, by its owner or an admin; others get 404', async () => {
    const [owner, other, admin] = [await user(), await user(), await user('admin')];
    const a = await tokenFor(owner, ['apps:read']);
    const b = await tokenFor(owner, ['apps:read']);
    expect((await me({ bearer: a.token })).status).toBe(200);
    expect((await call(other, 'DELETE', `/api/tokens/${a.id}`)).status).toBe(404);
    expect((await call(owner, 'DELETE', '/api/tokens/no-such-token')).status).toBe(404);
    expect((await me({ bearer: a.token })).status).toBe(200);

    expect((await call(owner, 'DELETE', `/api/tokens/${a.id}`)).status).toBe(204);
    expect((await me({ bearer: a.token })).status).toBe(401);
    expect((await call(owner, 'DELETE', `/api/tokens/${a.id}`)).status).toBe(204); // idempotent
    expect((await call(admin, 'DELETE', `/api/tokens/${b.id}`)).status).toBe(204);
    expect((await me({ bearer: b.token })).status).toBe(401);

    const list = await json<{ tokens: TokenView[] }>(await call(owner, 'GET', '/api/tokens'));
    // Both made at the same instant of the test clock: compare as a set.
    expect(list.tokens.map((x) => [x.id, x.status])).toEqual(
      expect.arrayContaining([
        [a.id, 'revoked'],
        [b.id, 'revoked'],
      ]),
    );
    expect(list.tokens).toHaveLength(2);
    const revokedB = await t.store.apiTokens.getById(b.id);
    expect(revokedB).toMatchObject({ revokedBy: admin.userId, revokedAt: new Date(clock).toISOString() });
  });

  it('expires at expiresAt (injected clock) and is listed as expired', async () => {
    const author = await user();
    const start = clock;
    try {
      const made = await tokenFor(author, ['apps:read'], { expiresInDays: 2 });
      clock = start + 2 * DAY - 1;
      expect((await me({ bearer: made.token })).status).toBe(200);
      clock = start + 2 * DAY;
      expect((await me({ bearer: made.token })).status).toBe(401);
      const list = await json<{ tokens: TokenView[] }>(await call(author, 'GET', '/api/tokens'));
      expect(list.tokens[0]).toMatchObject({ id: made.id, status: 'expired' });
    } finally {
      clock = start;
    }
  });

  it('records the last use at most once a minute', async () => {
    const author = await user();
    const start = clock;
    try {
      const made = await tokenFor(author, ['apps:read']);
      const lastUsed = async () => (await t.store.apiTokens.getById(made.id))?.lastUsedAt;
      await me({ bearer: made.token });
      expect(await lastUsed()).toBe(new Date(start).toISOString());
      clock = start + 59_000;
      await me({ bearer: made.token });
      expect(await lastUsed()).toBe(new Date(start).toISOString());
      clock = start + 60_000;
      await me({ bearer: made.token });
      expect(await lastUsed()).toBe(new Date(start + 60_000).toISOString());
    } finally {
      clock = start;
    }
  });

  it('stops at once while its owner is disabled, and works again once they are enabled', async () => {
    const admin = await user('admin');
    const owner = await user('author');
    const made = await tokenFor(owner, ['apps:read']);
    const setDisabled = async (disabled: boolean) =>
      expect((await call(admin, 'PATCH', `/api/users/${owner.userId}`, { disabled })).status).toBe(200);
    await setDisabled(true);
    const refused = await call({ bearer: made.token }, 'GET', '/api/me');
    expect(refused.status).toBe(401);
    expect((await errorOf(refused)).message).toBe('The API token is invalid, expired or revoked.');
    await setDisabled(false);
    expect((await me({ bearer: made.token })).status).toBe(200);
  });

  it('refuses creating a token for a disabled user (400)', async () => {
    const admin = await user('admin');
    const owner = await user('author');
    expect((await call(admin, 'PATCH', `/api/users/${owner.userId}`, { disabled: true })).status).toBe(200);
    const res = await call(admin, 'POST', '/api/tokens', { name: 'x', scopes: ['apps:read'], userId: owner.userId });
    expect(res.status).toBe(400);
  });

  it('manages tokens only with the admin scope, but any token may revoke itself', async () => {
    const admin = await user('admin');
    const plain = await tokenFor(admin, ['notebooks:read', 'apps:read']);
    const scoped = await tokenFor(admin, ['admin']);
    const viaPlain = await call({ bearer: plain.token }, 'POST', '/api/tokens', { name: 'x', scopes: ['apps:read'] });
    expect(viaPlain.status).toBe(403);
    expect((await errorOf(viaPlain)).message).toContain('"admin"');
    expect((await call({ bearer: plain.token }, 'GET', '/api/tokens')).status).toBe(403);
    expect((await call({ bearer: plain.token }, 'DELETE', `/api/tokens/${scoped.id}`)).status).toBe(403);
    expect((await me({ bearer: scoped.token })).status).toBe(200);

    const minted = await call({ bearer: scoped.token }, 'POST', '/api/tokens', { name: 'x', scopes: ['apps:read'] });
    expect(minted.status).toBe(201);
    expect((await call({ bearer: scoped.token }, 'GET', '/api/tokens?all=true')).status).toBe(200);

    expect((await call({ bearer: plain.token }, 'DELETE', `/api/tokens/${plain.id}`)).status).toBe(204);
    expect((await me({ bearer: plain.token })).status).toBe(401);
  });
});

describe('audit trail', () => {
  const eventsOf = async (app: TestApp, action: 'token.create' | 'token.revoke', targetId: string) =>
    app.store.audit.list({ actions: [action], targetId }, { limit: 10 });

  it('records token.create and token.revoke with actor, IP, target and details, never the secret', async () => {
    const admin = await user('admin');
    const owner = await user('author');
    const made = await tokenFor(admin, ['notebooks:read'], { userId: owner.userId, expiresInDays: 7 });
    const [created] = await eventsOf(t, 'token.create', made.id);
    expect(created).toMatchObject({
      actor: { type: 'user', userId: admin.userId, role: 'admin' },
      ip: expect.stringMatching(/127\.0\.0\.1/),
      target: { type: 'token', id: made.id, name: 'CI' },
      details: { userId: owner.userId, scopes: ['notebooks:read'], expiresAt: made.expiresAt },
    });
    expect(JSON.stringify(created)).not.toContain(made.token.slice(6));

    // Revoked by the token itself: the token is the actor (and its owner).
    expect((await call({ bearer: made.token }, 'DELETE', `/api/tokens/${made.id}`)).status).toBe(204);
    expect((await call(owner, 'DELETE', `/api/tokens/${made.id}`)).status).toBe(204); // already revoked: no event
    const revoked = await eventsOf(t, 'token.revoke', made.id);
    expect(revoked).toHaveLength(1);
    expect(revoked[0]).toMatchObject({
      actor: { type: 'token', tokenId: made.id, userId: owner.userId, scopes: ['notebooks:read'] },
      target: { type: 'token', id: made.id, name: 'CI' },
      details: { userId: owner.userId },
    });
  });

  it('fails (503) when the event cannot be written: no token is created that works, none is revoked unrecorded', async () => {
    const app = await startTestApp();
    try {
      const author = await app.signIn('author');
      const post = (body: unknown) =>
        testFetch(`${app.url}/api/tokens`, {
          method: 'POST',
          headers: { cookie: author.cookie, 'content-type': 'application/json' },
          body: JSON.stringify(body),
        });
      const kept = (await (await post({ name: 'kept', scopes: ['apps:read'] })).json()) as {
        id: string;
        token: string;
      };
      // The database refuses audit appends from now on (as a full disk or a broken trail would).
      const db = new Database(path.join(app.config.dataDir, 'folio.db'));
      db.exec(`CREATE TRIGGER refuse_audit BEFORE INSERT ON audit_events BEGIN SELECT RAISE(ABORT, 'disk full'); END;`);
      db.close();

      const res = await post({ name: 'unrecorded', scopes: ['apps:read'] });
      expect(res.status).toBe(503);
      expect(JSON.stringify(await res.json())).not.toContain('folio_');
      const unrecorded = (await app.store.apiTokens.list({ userId: author.userId })).find(
        (x) => x.name === 'unrecorded',
      );
      expect(unrecorded?.revokedAt).not.toBeNull();

      const revoke = await testFetch(`${app.url}/api/tokens/${kept.id}`, {
        method: 'DELETE',
        headers: { cookie: author.cookie },
      });
      expect(revoke.status).toBe(503);
      const me = await testFetch(`${app.url}/api/me`, { headers: { authorization: `Bearer ${kept.token}` } });
      expect(me.status).toBe(200); // not revoked without its event: the revocation can be retried
    } finally {
      await app.close();
    }
  });
});
