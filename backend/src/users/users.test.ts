import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { Writable } from 'node:stream';
import pino from 'pino';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { isDomainError, type DomainError } from '../errors';
import { openSqliteStore } from '../store/sqlite/sqlite-store';
import type { Store } from '../store/store';
import { AuthService, INVALID_CREDENTIALS, hashToken, readCookie } from './auth.service';
import { bootstrapAdmin } from './bootstrap-admin';
import { verifyPassword } from './password';
import { UsersService, requireOwnerOrAdmin, requireRole } from './users.service';

function captureLogger() {
  const lines: Record<string, unknown>[] = [];
  const stream = new Writable({
    write(chunk: Buffer, _enc, cb) {
      lines.push(JSON.parse(chunk.toString()) as Record<string, unknown>);
      cb();
    },
  });
  return { logger: pino({ level: 'debug' }, stream), lines };
}

const domainError = async (p: Promise<unknown>): Promise<DomainError> => {
  const e = await p.then(
    () => undefined,
    (err: unknown) => err,
  );
  if (!isDomainError(e)) throw new Error(`expected a DomainError, got ${String(e)}`);
  return e;
};

describe('users and auth (real SQLite file)', () => {
  let dir: string;
  let store: Store;
  beforeEach(() => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'folio-users-'));
    store = openSqliteStore(path.join(dir, 'folio.db'));
  });
  afterEach(async () => {
    await store.close();
    fs.rmSync(dir, { recursive: true, force: true });
  });

  describe('bootstrapAdmin', () => {
    it('creates the configured admin once, and never again', async () => {
      const { logger, lines } = captureLogger();
      const first = await bootstrapAdmin({
        store,
        logger,
        admin: { email: 'Root@Bank.example', password: 'configured-pw' },
      });
      expect(first.createdAdminId).toEqual(expect.any(String));
      expect(first.generatedPassword).toBeUndefined();
      const admin = await store.users.getByEmail('root@bank.example');
      expect(admin?.role).toBe('admin');
      expect(await verifyPassword('configured-pw', admin?.passwordHash ?? '')).toBe(true);
      expect(JSON.stringify(lines)).not.toContain('configured-pw');
      const again = await bootstrapAdmin({
        store,
        logger,
        admin: { email: 'other@bank.example', password: 'another-pw' },
      });
      expect(again.createdAdminId).toBeNull();
      expect(await store.users.count()).toBe(1);
    });

    it('generates a password when none is configured and logs it exactly once', async () => {
      const { logger, lines } = captureLogger();
      const r = await bootstrapAdmin({ store, logger, admin: { email: 'admin@folio.local' } });
      const pw = r.generatedPassword ?? '';
      expect(pw).toMatch(/^[A-Za-z0-9_-]{24}$/);
      const auth = new AuthService({ store, logger });
      expect((await auth.login('admin@folio.local', pw)).principal.role).toBe('admin');
      await bootstrapAdmin({ store, logger, admin: { email: 'admin@folio.local' } });
      const mentions = lines.filter((l) => JSON.stringify(l).includes(pw));
      expect(mentions).toHaveLength(1);
      expect(mentions[0]?.msg).toMatch(/admin@folio\.local .*generated password .*only this once/);
    });

    it('lets only one of two concurrent first starts create the admin', async () => {
      const { logger } = captureLogger();
      const other = openSqliteStore(path.join(dir, 'folio.db'));
      const results = await Promise.all([
        bootstrapAdmin({ store, logger, admin: { email: 'a@folio.local', password: 'password-1' } }),
        bootstrapAdmin({ store: other, logger, admin: { email: 'a@folio.local', password: 'password-1' } }),
      ]);
      await other.close();
      expect(results.filter((r) => r.createdAdminId).length).toBe(1);
      expect(await store.users.count()).toBe(1);
    });
  });

  describe('AuthService', () => {
    let auth: AuthService;
    let clock: number;
    beforeEach(async () => {
      clock = Date.parse('2026-11-20T08:00:00Z');
      auth = new AuthService({ store, logger: captureLogger().logger, now: () => clock });
      await new UsersService(store).create({
        email: 'quant@bank.example',
        name: 'Quant',
        role: 'author',
        password: 'right-password',
      });
    });

    it('signs in with valid credentials and stores only the sha256 of the token', async () => {
      const r = await auth.login('  QUANT@bank.example ', 'right-password');
      expect(r.principal).toEqual({
        id: expect.any(String),
        email: 'quant@bank.example',
        name: 'Quant',
        role: 'author',
        credential: { kind: 'session', sessionId: hashToken(r.token) },
      });
      expect(r.token.length).toBeGreaterThanOrEqual(40);
      expect(r.expiresAt).toBe('2026-11-20T20:00:00.000Z');
      expect(await store.sessions.get(r.token)).toBeNull();
      expect((await store.sessions.get(hashToken(r.token)))?.userId).toBe(r.principal.id);
      expect(await auth.principalFromToken(r.token)).toEqual(r.principal);
    });

    it('gives the same 401 for a wrong password and an unknown email', async () => {
      const wrong = await domainError(auth.login('quant@bank.example', 'wrong-password'));
      const unknown = await domainError(auth.login('nobody@bank.example', 'right-password'));
      for (const e of [wrong, unknown]) {
        expect(e.status).toBe(401);
        expect(e.code).toBe('unauthenticated');
        expect(e.message).toBe(INVALID_CREDENTIALS);
      }
    });

    it('expires sessions 12 hours after sign-in (fixed, not sliding)', async () => {
      const { token } = await auth.login('quant@bank.example', 'right-password');
      clock += 11 * 3600_000;
      expect(await auth.principalFromToken(token)).not.toBeNull();
      clock += 3600_000;
      expect(await auth.principalFromToken(token)).toBeNull();
      expect(await store.sessions.get(hashToken(token))).toBeNull();
    });

    it('logs out: the token stops working, other sessions keep working', async () => {
      const a = await auth.login('quant@bank.example', 'right-password');
      const b = await auth.login('quant@bank.example', 'right-password');
      await auth.logout(a.token);
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
  });

  describe('readCookie', () => {
    it('parses pairs, quotes and percent-encoding', () => {
      expect(readCookie('a=1; b="two"; c=%E2%82%AC', 'b')).toBe('two');
      expect(readCookie('a=1; b="two"; c=%E2%82%AC', 'c')).toBe('€');
      expect(readCookie('a=%E2%ZZ', 'a')).toBe('%E2%ZZ');
      expect(readCookie('novalue; a=1', 'novalue')).toBeUndefined();
    });
  });

  describe('UsersService and role checks', () => {
    it('validates new accounts precisely', async () => {
      const users = new UsersService(store);
      expect(
        (await domainError(users.create({ email: 'x', role: 'viewer', password: 'long-enough' }))).details,
      ).toEqual({ field: 'email' });
      expect((await domainError(users.create({ email: 'v@b.c', role: 'viewer', password: 'short' }))).details).toEqual({
        field: 'password',
      });
      await users.create({ email: 'v@b.c', role: 'viewer', password: 'long-enough' });
      expect(
        (await domainError(users.create({ email: 'V@B.C', role: 'author', password: 'long-enough' }))).status,
      ).toBe(409);
    });

    it('checks roles and ownership', async () => {
      const users = new UsersService(store);
      const viewer = await users.create({ email: 'v@b.c', role: 'viewer', password: 'long-enough' });
      const admin = await users.create({ email: 'a@b.c', role: 'admin', password: 'long-enough' });
      expect(() => requireRole(viewer, 'admin', 'author')).toThrow(/admin or author role; you are signed in as viewer/);
      expect(() => requireRole(admin, 'admin')).not.toThrow();
      expect(
        (await domainError(users.createAs(viewer, { email: 'n@b.c', role: 'admin', password: 'long-enough' }))).status,
      ).toBe(403);
      expect(await users.list(admin)).toHaveLength(2);
      expect(() => requireOwnerOrAdmin(viewer, 'someone-else', 'this notebook')).toThrow(/owner of this notebook/);
      expect(() => requireOwnerOrAdmin(viewer, viewer.id)).not.toThrow();
      expect(() => requireOwnerOrAdmin(admin, 'someone-else')).not.toThrow();
    });
  });
});
