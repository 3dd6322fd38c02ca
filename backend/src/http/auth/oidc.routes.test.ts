import path from 'node:path';
import Database from 'better-sqlite3';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { freePort } from '../../embedded/child-process';
import { OIDC_LOGIN_TTL_MS } from '../../users/oidc.service';
import { locationOf, TestBrowser, throughIdp } from '../../users/testing/oidc-browser';
import { startTestIdp, withPayload, type TestIdp } from '../../users/testing/oidc-provider.fixture';
import { UsersService } from '../../users/users.service';
import { testFetch } from '../../testing/http';
import { startTestApp, type TestApp } from '../test-app';

/**
 * Single sign-on against a real OpenID Connect provider (oidc-provider on a free port): the real Folio app, a real
 * SQLite file, and a cookie-jar browser that follows every redirect and submits the provider's login and consent forms.
 */
let idp: TestIdp;
let t: TestApp;
let clockOffset = 0;
const folioPort = await freePort();
const folio = `http://127.0.0.1:${folioPort}`;

const ROLE_MAP = { 'folio-admins': 'admin', quants: 'author', managers: 'viewer' };

async function startFolio(env: Record<string, string> = {}, port = folioPort): Promise<TestApp> {
  return startTestApp({
    port,
    now: () => Date.now() + clockOffset,
    env: {
      FOLIO_PUBLIC_URL: `http://127.0.0.1:${port}`,
      FOLIO_OIDC_ISSUER: idp.issuer,
      FOLIO_OIDC_CLIENT_ID: idp.clientId,
      FOLIO_OIDC_CLIENT_SECRET: idp.clientSecret,
      FOLIO_OIDC_SCOPES: 'openid email profile groups',
      FOLIO_OIDC_NAME: 'Bank SSO',
      FOLIO_OIDC_ROLE_CLAIM: 'groups',
      FOLIO_OIDC_ROLE_MAP: JSON.stringify(ROLE_MAP),
      ...env,
    },
  });
}

beforeAll(async () => {
  idp = await startTestIdp({ redirectUris: [`${folio}/api/auth/oidc/callback`] });
  t = await startFolio();
});
afterAll(async () => {
  await t?.close();
  await idp?.close();
});
afterEach(() => {
  clockOffset = 0;
});

let n = 0;
/** A new IdP account with these claims; returns its id (the `sub`). */
function account(claims: Record<string, unknown>): string {
  const id = `acct-${++n}`;
  idp.setAccount(id, { email: `${id}@bank.example`, email_verified: true, name: `Person ${n}`, ...claims });
  return id;
}

/** Starts a sign-in at Folio; returns the IdP authorization URL it redirected to. */
async function begin(browser: TestBrowser, next = '/notebooks/nb-1?tab=runs', app = t): Promise<string> {
  const res = await browser.request(`${app.url}/api/auth/oidc/login?next=${encodeURIComponent(next)}`);
  expect(res.status).toBe(302);
  const loc = locationOf(res, app.url)!;
  expect(loc.startsWith(`${idp.issuer}/auth?`)).toBe(true);
  return loc;
}

/** Visits Folio's callback; returns where Folio sent the browser. */
async function callback(browser: TestBrowser, url: string): Promise<{ status: number; location: string }> {
  const res = await browser.request(url);
  return { status: res.status, location: res.headers.get('location') ?? '' };
}

/** The whole flow as one person: Folio → IdP login + consent → Folio callback. */
async function signInAs(acct: string, opts: { browser?: TestBrowser; next?: string; app?: TestApp } = {}) {
  const browser = opts.browser ?? new TestBrowser();
  const app = opts.app ?? t;
  const auth = await begin(browser, opts.next, app);
  const cb = await throughIdp(browser, auth, idp.issuer, { account: acct });
  expect(cb.startsWith(`${app.url}/api/auth/oidc/callback?`)).toBe(true);
  return { browser, ...(await callback(browser, cb)), session: () => browser.cookies(app.url).get('folio_session') };
}

const me = async (browser: TestBrowser, app = t) => {
  const res = await testFetch(`${app.url}/api/me`, { headers: { cookie: browser.cookieHeader(app.url) } });
  return {
    status: res.status,
    body: (res.status === 200 ? await res.json() : null) as {
      user: { id: string; email: string; name: string; role: string };
    } | null,
  };
};

/** Audit events on a target (a user id), oldest first. */
const eventsOn = async (targetId: string, app = t) =>
  (await app.store.audit.list({ targetId }, { limit: 100 })).reverse();
/** Failed single sign-ons recorded since `sinceSeq`. */
const failuresSince = async (sinceSeq: number, app = t) =>
  (await app.store.audit.list({ actions: ['auth.login_failed'] }, { limit: 100 })).filter((e) => e.seq > sinceSeq);
const headSeq = async (app = t) => (await app.store.audit.head())?.seq ?? 0;

describe('GET /api/auth/config', () => {
  it('is public and names the sign-in methods for the login page', async () => {
    const res = await testFetch(`${t.url}/api/auth/config`);
    expect(res.status).toBe(200);
    expect(await res.json()).toEqual({ password: true, oidc: { name: 'Bank SSO', loginUrl: '/api/auth/oidc/login' } });
  });

  it('says oidc: null without single sign-on, and the oidc routes do not exist', async () => {
    const plain = await startTestApp();
    try {
      expect(await (await testFetch(`${plain.url}/api/auth/config`)).json()).toEqual({ password: true, oidc: null });
      const login = await testFetch(`${plain.url}/api/auth/oidc/login`, { redirect: 'manual' });
      expect(login.status).toBe(404);
    } finally {
      await plain.close();
    }
  });
});

describe('single sign-on with a real OpenID Connect provider', () => {
  it('first sign-in: PKCE + state + nonce, creates the user with the mapped role, sets the session, goes to next', async () => {
    const acct = account({ groups: ['quants', 'managers'], name: 'Ada Lovelace' });
    const browser = new TestBrowser();
    const auth = new URL(await begin(browser, '/notebooks/nb-1?tab=runs'));
    expect(auth.searchParams.get('code_challenge_method')).toBe('S256');
    expect(auth.searchParams.get('code_challenge')).toMatch(/^[A-Za-z0-9_-]{43}$/);
    expect(auth.searchParams.get('state')).toBeTruthy();
    expect(auth.searchParams.get('nonce')).toBeTruthy();
    expect(auth.searchParams.get('redirect_uri')).toBe(`${folio}/api/auth/oidc/callback`);
    expect(auth.searchParams.get('scope')).toBe('openid email profile groups');
    // The browser holds only a random id of the sign-in, httpOnly, for the callback path only.
    expect(browser.cookies(t.url).get('folio_oidc')).toMatch(/^[A-Za-z0-9_-]{43}$/);

    const cb = await throughIdp(browser, auth.href, idp.issuer, { account: acct });
    const res = await browser.request(cb);
    expect(res.status).toBe(303);
    expect(res.headers.get('location')).toBe('/notebooks/nb-1?tab=runs');
    const setCookies = res.headers.getSetCookie();
    const session = setCookies.find((c) => c.startsWith('folio_session='))!;
    expect(session).toMatch(/; HttpOnly/);
    expect(session).toMatch(/; SameSite=Lax/);
    expect(setCookies.some((c) => /^folio_oidc=;.*Path=\/api\/auth\/oidc/.test(c))).toBe(true);

    const who = await me(browser);
    expect(who.status).toBe(200);
    expect(who.body!.user).toEqual({
      id: expect.any(String),
      email: `${acct}@bank.example`,
      name: 'Ada Lovelace',
      role: 'author',
    });
    const identity = await t.store.userIdentities.get(idp.issuer, acct);
    expect(identity).toMatchObject({ userId: who.body!.user.id, email: `${acct}@bank.example` });
    // An SSO-created account has no password: password sign-in with any password fails.
    expect((await t.store.users.getById(who.body!.user.id))?.passwordHash).toBeNull();
    // Audited: the account created by the single sign-on, then the sign-in (method oidc) by the user, with the IP.
    const events = await eventsOn(who.body!.user.id);
    expect(events.map((e) => e.action)).toEqual(['user.create', 'auth.login']);
    expect(events[0]).toMatchObject({
      actor: { type: 'system', name: 'oidc' },
      ip: '127.0.0.1',
      target: { type: 'user', id: who.body!.user.id, name: `${acct}@bank.example` },
      details: { method: 'oidc', issuer: idp.issuer, subject: acct, role: 'author' },
    });
    expect(events[1]).toMatchObject({
      actor: { type: 'user', userId: who.body!.user.id, email: `${acct}@bank.example`, role: 'author' },
      ip: '127.0.0.1',
      details: { method: 'oidc', issuer: idp.issuer, created: true },
    });
    expect(JSON.stringify(events)).not.toContain(browser.cookies(t.url).get('folio_session'));
  });

  it('rotates the session id: the session the browser had before signing in ends', async () => {
    const acct = account({ groups: ['quants'] });
    const { browser, session } = await signInAs(acct);
    const old = session()!;
    await signInAs(acct, { browser });
    expect(session()).not.toBe(old);
    expect((await me(browser)).status).toBe(200);
    const stale = await testFetch(`${t.url}/api/me`, { headers: { cookie: `folio_session=${old}` } });
    expect(stale.status).toBe(401);
  });

  it('the session is a normal one: logout ends it', async () => {
    const { browser } = await signInAs(account({ groups: ['quants'] }));
    const logout = await testFetch(`${t.url}/api/auth/logout`, {
      method: 'POST',
      headers: { cookie: browser.cookieHeader(t.url) },
    });
    expect(logout.status).toBe(204);
    expect((await me(browser)).status).toBe(401);
  });

  it('re-maps the role from the claim on every sign-in (highest mapped value wins; none mapped → default viewer)', async () => {
    // Another enabled admin exists, so the last-admin rule does not hold the demotion back (its own test below).
    await new UsersService(t.store).create({
      email: `admin-${++n}@bank.example`,
      role: 'admin',
      password: 'an-admin-password',
    });
    const acct = account({ groups: ['quants'] });
    const first = await signInAs(acct);
    const before = (await me(first.browser)).body!.user;
    expect(before.role).toBe('author');

    idp.setAccount(acct, { email: `${acct}@bank.example`, email_verified: true, groups: ['quants', 'folio-admins'] });
    const second = await signInAs(acct);
    const promoted = (await me(second.browser)).body!.user;
    expect(promoted).toMatchObject({ id: before.id, role: 'admin' });

    idp.setAccount(acct, { email: `${acct}@bank.example`, email_verified: true, groups: ['someone-elses-group'] });
    const third = await signInAs(acct);
    expect((await me(third.browser)).body!.user).toMatchObject({ id: promoted.id, role: 'viewer' });
    // Each change of role is a user.update (by the single sign-on mapping); a sign-in without a change records none.
    const changes = (await eventsOn(promoted.id)).filter((e) => e.action === 'user.update');
    expect(changes.map((e) => e.details.role)).toEqual([
      { from: 'author', to: 'admin' },
      { from: 'admin', to: 'viewer' },
    ]);
    expect(changes[0]).toMatchObject({ actor: { type: 'system', name: 'oidc' }, details: { reason: 'claim groups' } });
    await signInAs(acct);
    expect((await eventsOn(promoted.id)).filter((e) => e.action === 'user.update')).toHaveLength(2);
    expect(await t.store.users.list()).toHaveLength(new Set((await t.store.users.list()).map((u) => u.email)).size);
  });

  it("a role change by the claim ends the user's other sessions (as an admin's role change does)", async () => {
    const acct = account({ groups: ['quants'] });
    const laptop = await signInAs(acct);
    const phone = await signInAs(acct);
    expect((await me(laptop.browser)).status).toBe(200);
    idp.setAccount(acct, { email: `${acct}@bank.example`, email_verified: true, groups: ['managers'] });
    const again = await signInAs(acct);
    expect((await me(again.browser)).body!.user.role).toBe('viewer');
    expect((await me(laptop.browser)).status).toBe(401);
    expect((await me(phone.browser)).status).toBe(401);
  });

  it("never demotes the last enabled admin: the claim's change is refused, the sign-in goes on as admin", async () => {
    const port = await freePort();
    const ownIdp = await startTestIdp({ redirectUris: [`http://127.0.0.1:${port}/api/auth/oidc/callback`] });
    const saved = idp;
    idp = ownIdp;
    const app = await startFolio({}, port);
    try {
      idp.setAccount('boss', { email: 'boss@bank.example', email_verified: true, groups: ['folio-admins'] });
      const first = await signInAs('boss', { app });
      const id = (await me(first.browser, app)).body!.user.id;
      expect((await app.store.users.list()).filter((u) => u.role === 'admin' && !u.disabled).map((u) => u.id)).toEqual([
        id,
      ]);
      idp.setAccount('boss', { email: 'boss@bank.example', email_verified: true, groups: ['managers'] });
      const second = await signInAs('boss', { app });
      expect(second.status).toBe(303);
      expect((await me(second.browser, app)).body!.user).toMatchObject({ id, role: 'admin' });
    } finally {
      idp = saved;
      await app.close();
      await ownIdp.close();
    }
  });

  it('refuses a disabled user, changes nothing about them, and says so on the login page', async () => {
    const acct = account({ groups: ['quants'] });
    const first = await signInAs(acct);
    const id = (await me(first.browser)).body!.user.id;
    await t.store.users.update(id, { disabled: true });
    idp.setAccount(acct, {
      email: `${acct}@bank.example`,
      email_verified: true,
      groups: ['folio-admins'],
      name: 'New',
    });
    const since = await headSeq();
    const res = await signInAs(acct);
    expect(res).toMatchObject({ status: 303, location: '/login?sso_error=disabled' });
    expect(res.session()).toBeUndefined();
    expect(await t.store.users.getById(id)).toMatchObject({ role: 'author', disabled: true });
    expect((await failuresSince(since)).map((e) => [e.details.reason, e.details.userId])).toEqual([['disabled', id]]);
  });

  it('keeps one account when the email changes at the provider (the link is issuer + sub), and takes the new email', async () => {
    const acct = account({ groups: ['quants'] });
    const first = await signInAs(acct);
    const id = (await me(first.browser)).body!.user.id;
    idp.setAccount(acct, { email: 'renamed@bank.example', email_verified: true, groups: ['quants'] });
    const second = await signInAs(acct);
    expect((await me(second.browser)).body!.user).toMatchObject({ id, email: 'renamed@bank.example' });
    expect(await t.store.users.getByEmail(`${acct}@bank.example`)).toBeNull();
  });

  it('does not take over a local account with the same email: refused, no session, nothing linked', async () => {
    const local = await new UsersService(t.store).create({
      email: 'local@bank.example',
      role: 'admin',
      password: 'local-password',
    });
    const acct = account({ email: 'local@bank.example', groups: ['folio-admins'] });
    const since = await headSeq();
    const res = await signInAs(acct);
    expect(res).toMatchObject({ status: 303, location: '/login?sso_error=account_exists' });
    expect(res.session()).toBeUndefined();
    expect(await t.store.userIdentities.listByUser(local.id)).toEqual([]);
    expect(await failuresSince(since)).toMatchObject([
      {
        actor: { type: 'anonymous' },
        ip: '127.0.0.1',
        details: { method: 'oidc', reason: 'account_exists', subject: acct, userId: local.id },
      },
    ]);
  });

  it('with FOLIO_OIDC_LINK_BY_EMAIL=true links a local account by verified email only', async () => {
    const port = await freePort();
    const linkIdp = await startTestIdp({ redirectUris: [`http://127.0.0.1:${port}/api/auth/oidc/callback`] });
    const saved = idp;
    idp = linkIdp;
    const app = await startFolio({ FOLIO_OIDC_LINK_BY_EMAIL: 'true' }, port);
    try {
      const users = new UsersService(app.store);
      const ada = await users.create({ email: 'ada@bank.example', role: 'author', password: 'local-password' });
      const eve = await users.create({ email: 'eve@bank.example', role: 'author', password: 'local-password' });
      idp.setAccount('u-eve', { email: 'eve@bank.example', email_verified: false, groups: ['quants'] });
      expect(await signInAs('u-eve', { app })).toMatchObject({ location: '/login?sso_error=account_exists' });
      expect(await app.store.userIdentities.listByUser(eve.id)).toEqual([]);

      idp.setAccount('u-ada', { email: 'ada@bank.example', email_verified: true, groups: ['quants'] });
      const ok = await signInAs('u-ada', { app });
      expect(ok.status).toBe(303);
      expect((await me(ok.browser, app)).body!.user.id).toBe(ada.id);
      expect(await app.store.userIdentities.listByUser(ada.id)).toMatchObject([
        { issuer: idp.issuer, subject: 'u-ada' },
      ]);
    } finally {
      idp = saved;
      await app.close();
      await linkIdp.close();
    }
  });

  it('refuses a callback whose state is not the one this browser started', async () => {
    const browser = new TestBrowser();
    const cb = new URL(
      await throughIdp(browser, await begin(browser), idp.issuer, { account: account({ groups: ['quants'] }) }),
    );
    cb.searchParams.set('state', 'forged-state');
    const since = await headSeq();
    expect(await callback(browser, cb.href)).toEqual({ status: 303, location: '/login?sso_error=state' });
    expect((await failuresSince(since)).map((e) => e.details.reason)).toEqual(['state']);
    expect(browser.cookies(t.url).get('folio_session')).toBeUndefined();
  });

  it('refuses a callback in a browser that did not start the sign-in (login CSRF), and a replayed callback', async () => {
    const browser = new TestBrowser();
    const cb = await throughIdp(browser, await begin(browser), idp.issuer, {
      account: account({ groups: ['quants'] }),
    });
    const victim = new TestBrowser();
    expect(await callback(victim, cb)).toEqual({ status: 303, location: '/login?sso_error=expired' });
    expect(victim.cookies(t.url).get('folio_session')).toBeUndefined();

    const own = await callback(browser, cb);
    expect(own.status).toBe(303);
    expect(own.location).toBe('/notebooks/nb-1?tab=runs');
    // Replaying the same callback with the same login cookie: the sign-in was used up.
    const replay = new TestBrowser();
    replay.cookies(t.url).set('folio_oidc', 'x'.repeat(43));
    expect(await callback(replay, cb)).toEqual({ status: 303, location: '/login?sso_error=expired' });
  });

  it('refuses a sign-in that took longer than 10 minutes (injected clock)', async () => {
    const browser = new TestBrowser();
    const cb = await throughIdp(browser, await begin(browser), idp.issuer, {
      account: account({ groups: ['quants'] }),
    });
    clockOffset = OIDC_LOGIN_TTL_MS + 1000;
    expect(await callback(browser, cb)).toEqual({ status: 303, location: '/login?sso_error=expired' });
    expect(browser.cookies(t.url).get('folio_session')).toBeUndefined();
  });

  it('refuses an ID token with another nonce (a code obtained for a different authorization request)', async () => {
    const browser = new TestBrowser();
    const auth = new URL(await begin(browser));
    auth.searchParams.set('nonce', 'attacker-nonce'); // the same PKCE challenge and state, another nonce
    const cb = await throughIdp(browser, auth.href, idp.issuer, { account: account({ groups: ['quants'] }) });
    expect(await callback(browser, cb)).toEqual({ status: 303, location: '/login?sso_error=invalid_response' });
    expect(browser.cookies(t.url).get('folio_session')).toBeUndefined();
  });

  it('refuses a tampered ID token (a claim added on the way: the signature no longer matches)', async () => {
    // A viewer's ID token, changed to claim the admins' group: without the signature check it would sign in as admin.
    const acct = account({ groups: ['managers'] });
    const browser = new TestBrowser();
    const cb = await throughIdp(browser, await begin(browser), idp.issuer, { account: acct });
    idp.tamperNextIdToken((token) => withPayload(token, (p) => ({ ...p, groups: ['folio-admins'] })));
    const since = await headSeq();
    expect(await callback(browser, cb)).toEqual({ status: 303, location: '/login?sso_error=invalid_response' });
    expect(browser.cookies(t.url).get('folio_session')).toBeUndefined();
    expect(await t.store.userIdentities.get(idp.issuer, acct)).toBeNull();
    const [failed] = await failuresSince(since);
    expect(failed?.details).toMatchObject({ reason: 'invalid_response', error: expect.stringMatching(/signature/i) });
  });

  it('shows access_denied when the user cancels at the provider', async () => {
    const browser = new TestBrowser();
    const cb = await throughIdp(browser, await begin(browser), idp.issuer, { account: 'x', cancel: true });
    expect(new URL(cb).searchParams.get('error')).toBe('access_denied');
    expect(await callback(browser, cb)).toEqual({ status: 303, location: '/login?sso_error=access_denied' });
  });

  it('sends the browser only to paths of this site (no open redirect)', async () => {
    for (const next of [
      'https://evil.example/x',
      '//evil.example/x',
      '/\\evil.example/x',
      'javascript:alert(1)',
      '/%2F%2Fevil',
    ]) {
      const res = await signInAs(account({ groups: ['quants'] }), { next });
      expect(res.status).toBe(303);
      expect(new URL(res.location, 'http://folio.invalid').origin).toBe('http://folio.invalid');
      expect(res.location).toBe(next === '/%2F%2Fevil' ? '/%2F%2Fevil' : '/notebooks');
    }
  });

  it('refuses a new user when no role maps and the default role is none; says so on the login page', async () => {
    const port = await freePort();
    const strictIdp = await startTestIdp({ redirectUris: [`http://127.0.0.1:${port}/api/auth/oidc/callback`] });
    const saved = idp;
    idp = strictIdp;
    const app = await startFolio({ FOLIO_OIDC_DEFAULT_ROLE: 'none', FOLIO_PASSWORD_LOGIN: 'false' }, port);
    try {
      idp.setAccount('outsider', { email: 'outsider@bank.example', email_verified: true, groups: ['hr'] });
      const res = await signInAs('outsider', { app });
      expect(res).toMatchObject({ status: 303, location: '/login?sso_error=not_entitled' });
      expect(await app.store.users.getByEmail('outsider@bank.example')).toBeNull();
      // Password sign-in is off: refused before any password check, and the login page is told.
      expect(await (await testFetch(`${app.url}/api/auth/config`)).json()).toMatchObject({ password: false });
      const pw = await testFetch(`${app.url}/api/auth/login`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ email: 'admin@folio.local', password: 'whatever-password' }),
      });
      expect(pw.status).toBe(403);
    } finally {
      idp = saved;
      await app.close();
      await strictIdp.close();
    }
  });

  it('signs no one in when the audit trail cannot be written (no session is left behind)', async () => {
    const port = await freePort();
    const ownIdp = await startTestIdp({ redirectUris: [`http://127.0.0.1:${port}/api/auth/oidc/callback`] });
    const saved = idp;
    idp = ownIdp;
    const app = await startFolio({}, port);
    try {
      idp.setAccount('ada', { email: 'ada@bank.example', email_verified: true, groups: ['quants'] });
      const first = await signInAs('ada', { app });
      const id = (await me(first.browser, app)).body!.user.id;
      // The database refuses audit appends from now on (as a full disk or a broken trail would).
      const db = new Database(path.join(app.config.dataDir, 'folio.db'));
      db.exec(`CREATE TRIGGER refuse_audit BEFORE INSERT ON audit_events BEGIN SELECT RAISE(ABORT, 'disk full'); END;`);
      db.close();
      const before = await app.store.sessions.activity(new Date().toISOString(), '');
      const res = await signInAs('ada', { app, browser: new TestBrowser() });
      expect(res).toMatchObject({ status: 303, location: '/login?sso_error=failed' });
      expect(res.session()).toBeUndefined();
      const after = await app.store.sessions.activity(new Date().toISOString(), '');
      expect(after.find((a) => a.userId === id)?.sessions).toBe(before.find((a) => a.userId === id)?.sessions);
    } finally {
      idp = saved;
      await app.close();
      await ownIdp.close();
    }
  });

  it('redirects to the login page with unavailable when the provider cannot be reached', async () => {
    const port = await freePort();
    const gone = await startTestIdp({ redirectUris: [`http://127.0.0.1:${port}/api/auth/oidc/callback`] });
    await gone.close();
    const app = await startTestApp({
      port,
      env: {
        FOLIO_PUBLIC_URL: `http://127.0.0.1:${port}`,
        FOLIO_OIDC_ISSUER: gone.issuer,
        FOLIO_OIDC_CLIENT_ID: 'folio',
      },
    });
    try {
      const res = await new TestBrowser().request(`${app.url}/api/auth/oidc/login`);
      expect(res.status).toBe(303);
      expect(res.headers.get('location')).toBe('/login?sso_error=unavailable');
    } finally {
      await app.close();
    }
  });
});
