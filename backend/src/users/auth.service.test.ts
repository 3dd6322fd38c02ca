import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { Principal } from '../contracts/principal';
import { openSqliteStore } from '../store/sqlite/sqlite-store';
import type { Store } from '../store/store';
import { ACCOUNT_DISABLED, AuthService, INVALID_CREDENTIALS, SESSION_TOUCH_MS, hashToken } from './auth.service';
import { UserChangeHub } from './user-changes';
import { UsersService } from './users.service';
import { captureLogger, domainError } from './testing/test-helpers';

const MINUTE = 60_000;
const HOUR = 60 * MINUTE;

describe('AuthService (real SQLite file, injected clock)', () => {
  let dir: string;
  let store: Store;
  let auth: AuthService;
  let clock: number;
  let changes: UserChangeHub;
  let quant: Principal;
  beforeEach(async () => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'folio-auth-'));
    store = openSqliteStore(path.join(dir, 'folio.db'));
    clock = Date.parse('2026-11-20T08:00:00Z');
    changes = new UserChangeHub();
    auth = new AuthService({ store, logger: captureLogger().logger, now: () => clock, changes });
    quant = await new UsersService(store).create({
      email: 'quant@bank.example',
      name: 'Quant',
      role: 'author',
      password: 'right-password',
    });
  });
  afterEach(async () => {
    await store.close();
    fs.rmSync(dir, { recursive: true, force: true });
  });

  it('signs in with valid credentials and stores only the sha256 of the token', async () => {
    const r = await auth.login('  QUANT@bank.example ', 'right-password');
    expect(r.principal).toEqual({
      id: quant.id,
      email: 'quant@bank.example',
      name: 'Quant',
      role: 'author',
      credential: { kind: 'session', sessionId: hashToken(r.token) },
    });
    expect(r.token.length).toBeGreaterThanOrEqual(40);
    expect(r.expiresAt).toBe('2026-11-20T20:00:00.000Z');
    expect(await store.sessions.get(r.token)).toBeNull();
    expect(await store.sessions.get(hashToken(r.token))).toEqual({
      id: hashToken(r.token),
      userId: quant.id,
      createdAt: '2026-11-20T08:00:00.000Z',
      expiresAt: '2026-11-20T20:00:00.000Z',
      lastSeenAt: '2026-11-20T08:00:00.000Z',
    });
    expect(await auth.principalFromToken(r.token)).toEqual(r.principal);
    expect((await store.users.getById(quant.id))?.lastLoginAt).toBe('2026-11-20T08:00:00.000Z');
  });

  it('gives the same 401 for a wrong password, an unknown email and an account without a password', async () => {
    await new UsersService(store).create({ email: 'invited@bank.example', role: 'author' });
    const failures = [
      auth.login('quant@bank.example', 'wrong-password'),
      auth.login('nobody@bank.example', 'right-password'),
      auth.login('invited@bank.example', 'right-password'),
      auth.login('invited@bank.example', ''),
    ];
    for (const e of await Promise.all(failures.map(domainError))) {
      expect([e.status, e.code, e.message]).toEqual([401, 'unauthenticated', INVALID_CREDENTIALS]);
    }
  });

  it('refuses a disabled account: 403 only with the right password, and counted as a failure', async () => {
    await store.users.update(quant.id, { disabled: true });
    const right = await domainError(auth.login('quant@bank.example', 'right-password'));
    expect([right.status, right.message]).toEqual([403, ACCOUNT_DISABLED]);
    expect((await domainError(auth.login('quant@bank.example', 'wrong-password'))).message).toBe(INVALID_CREDENTIALS);
    for (let i = 0; i < 8; i++) await domainError(auth.login('quant@bank.example', 'right-password'));
    expect((await domainError(auth.login('quant@bank.example', 'right-password'))).status).toBe(429);
    const user = (await store.users.getById(quant.id))!;
    expect((await domainError(auth.startSession(user))).status).toBe(403);
  });

  it('ends a session 12 hours after sign-in however active (absolute expiry)', async () => {
    const { token } = await auth.login('quant@bank.example', 'right-password');
    for (let t = 0; t < 12 * 60 - 10; t += 10) {
      clock += 10 * MINUTE;
      expect(await auth.principalFromToken(token), `after ${t + 10} min`).not.toBeNull();
    }
    clock = Date.parse('2026-11-20T20:00:00Z');
    expect(await auth.principalFromToken(token)).toBeNull();
    expect(await store.sessions.get(hashToken(token))).toBeNull();
  });

  it('ends a session after 30 minutes without a request (idle expiry); requests keep it alive', async () => {
    const { token } = await auth.login('quant@bank.example', 'right-password');
    clock += 29 * MINUTE;
    expect(await auth.principalFromToken(token)).not.toBeNull();
    clock += 29 * MINUTE; // 58 min after sign-in, 29 after the last request
    expect(await auth.principalFromToken(token)).not.toBeNull();
    clock += 30 * MINUTE;
    expect(await auth.principalFromToken(token)).toBeNull();
    expect(await store.sessions.get(hashToken(token))).toBeNull();
  });

  it('background requests do not count as activity', async () => {
    const { token } = await auth.login('quant@bank.example', 'right-password');
    for (let i = 0; i < 5; i++) {
      clock += 5 * MINUTE;
      expect(await auth.principalFromToken(token, { touch: false })).not.toBeNull();
    }
    clock += 5 * MINUTE;
    expect(await auth.principalFromToken(token, { touch: false })).toBeNull();
  });

  it('writes activity at most once a minute, not on every request', async () => {
    const { token } = await auth.login('quant@bank.example', 'right-password');
    const seen = async () => (await store.sessions.get(hashToken(token)))?.lastSeenAt;
    clock += SESSION_TOUCH_MS - 1;
    await auth.principalFromToken(token);
    expect(await seen()).toBe('2026-11-20T08:00:00.000Z');
    clock += 1;
    await auth.principalFromToken(token);
    expect(await seen()).toBe(new Date(clock).toISOString());
    clock += 1_000;
    await auth.principalFromToken(token);
    expect(await seen()).toBe(new Date(clock - 1_000).toISOString());
  });

  it('takes idle and absolute expiry from its options', async () => {
    const short = new AuthService({
      store,
      logger: captureLogger().logger,
      now: () => clock,
      idleMs: 5 * MINUTE,
      absoluteMs: HOUR,
    });
    const { token, expiresAt } = await short.login('quant@bank.example', 'right-password');
    expect(expiresAt).toBe('2026-11-20T09:00:00.000Z');
    clock += 5 * MINUTE;
    expect(await short.principalFromToken(token)).toBeNull();
  });

  it('rotates the session id on sign-in: the session the browser had ends', async () => {
    const first = await auth.login('quant@bank.example', 'right-password');
    const other = await auth.login('quant@bank.example', 'right-password'); // another browser
    const second = await auth.login('quant@bank.example', 'right-password', { replaces: first.token });
    expect(second.token).not.toBe(first.token);
    expect(await auth.principalFromToken(first.token)).toBeNull();
    expect(await auth.principalFromToken(second.token)).not.toBeNull();
    expect(await auth.principalFromToken(other.token)).not.toBeNull();
  });

  it('logs out: the token stops working, other sessions keep working, the change is announced', async () => {
    const a = await auth.login('quant@bank.example', 'right-password');
    const b = await auth.login('quant@bank.example', 'right-password');
    let announced = 0;
    changes.subscribe(quant.id, () => announced++);
    await auth.logout(a.token);
    expect(announced).toBe(1);
    expect(await auth.principalFromToken(a.token)).toBeNull();
    expect(await auth.principalFromToken(b.token)).not.toBeNull();
  });

  it('rejects unknown, empty and oversized tokens', async () => {
    expect(await auth.principalFromToken('not-a-token')).toBeNull();
    expect(await auth.principalFromToken('')).toBeNull();
    expect(await auth.principalFromToken(undefined)).toBeNull();
    expect(await auth.principalFromToken('x'.repeat(10_000))).toBeNull();
  });

  it('reads the session from a raw Cookie header (WebSocket upgrades)', async () => {
    const { token, principal } = await auth.login('quant@bank.example', 'right-password');
    expect(await auth.principalFromCookieHeader(`theme=dark; folio_session=${token}; other=1`)).toEqual(principal);
    expect(await auth.principalFromCookieHeader('theme=dark')).toBeNull();
    expect(await auth.principalFromCookieHeader(undefined)).toBeNull();
    expect(await auth.principalFromCookieHeader(`xfolio_session=${token}`)).toBeNull();
  });

  describe('revalidate (long-lived connections)', () => {
    it('follows the role, says when the session would end, and does not touch unless asked', async () => {
      const { principal } = await auth.login('quant@bank.example', 'right-password');
      const withIp = { ...principal, ip: '203.0.113.9' };
      clock += 10 * MINUTE;
      expect(await auth.revalidate(withIp)).toEqual({
        principal: withIp,
        expiresAt: Date.parse('2026-11-20T08:30:00Z'),
      });
      await store.users.update(quant.id, { role: 'viewer' });
      const touched = await auth.revalidate(withIp, { touch: true });
      expect(touched).toEqual({ principal: { ...withIp, role: 'viewer' }, expiresAt: clock + 30 * MINUTE });
      await store.users.update(quant.id, { disabled: true });
      expect(await auth.revalidate(withIp)).toBeNull();
    });

    it('checks token principals through the account', async () => {
      const token: Principal = { ...quant, credential: { kind: 'token', tokenId: 't1', scopes: ['notebooks:read'] } };
      expect(await auth.revalidate(token)).toEqual({ principal: token, expiresAt: null });
      await store.users.update(quant.id, { disabled: true });
      expect(await auth.revalidate(token)).toBeNull();
      expect(await auth.activeUser(quant.id)).toBeNull();
    });
  });

  describe('changePassword', () => {
    it('checks the current password, sets the next and ends the other sessions only', async () => {
      const mine = await auth.login('quant@bank.example', 'right-password');
      const other = await auth.login('quant@bank.example', 'right-password');
      const wrong = await domainError(auth.changePassword(mine.principal, 'wrong-password', 'next-password'));
      expect([wrong.status, wrong.details]).toEqual([400, { field: 'current' }]);
      const short = await domainError(auth.changePassword(mine.principal, 'right-password', 'short'));
      expect([short.status, short.details]).toEqual([400, { field: 'next' }]);
      const same = await domainError(auth.changePassword(mine.principal, 'right-password', 'right-password'));
      expect(same.details).toEqual({ field: 'next' });
      expect(await auth.principalFromToken(other.token)).not.toBeNull(); // nothing changed yet

      await auth.changePassword(mine.principal, 'right-password', 'next-password');
      expect(await auth.principalFromToken(mine.token)).not.toBeNull();
      expect(await auth.principalFromToken(other.token)).toBeNull();
      expect((await domainError(auth.login('quant@bank.example', 'right-password'))).status).toBe(401);
      expect((await auth.login('quant@bank.example', 'next-password')).principal.id).toBe(quant.id);
    });

    it('is throttled like a sign-in, so a stolen session cannot guess the password faster', async () => {
      const { principal } = await auth.login('quant@bank.example', 'right-password');
      for (let i = 0; i < 10; i++) await domainError(auth.changePassword(principal, `guess-${i}`, 'next-password'));
      expect((await domainError(auth.changePassword(principal, 'right-password', 'next-password'))).status).toBe(429);
    });

    it('refuses an account without a password', async () => {
      const sso = await new UsersService(store).create({ email: 'sso@bank.example', role: 'author' });
      const user = (await store.users.getById(sso.id))!;
      const { principal } = await auth.startSession(user, { method: 'oidc' });
      expect((await domainError(auth.changePassword(principal, 'anything', 'next-password'))).details).toEqual({
        field: 'current',
      });
    });
  });
});
