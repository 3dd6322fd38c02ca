import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { openSqliteStore } from '../store/sqlite/sqlite-store';
import type { Store } from '../store/store';
import { AuthService, hashToken, readCookie } from './auth.service';
import { bootstrapAdmin, INITIAL_PASSWORD_FILE } from './bootstrap-admin';
import { LINK_NOT_VALID } from './invites';
import { verifyPassword } from './password';
import { UserChangeHub } from './user-changes';
import { UsersService, requireOwnerOrAdmin, requireRole } from './users.service';
import { captureLogger, domainError } from './testing/test-helpers';

describe('users (real SQLite file)', () => {
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
        dataDir: dir,
      });
      expect(first.createdAdminId).toEqual(expect.any(String));
      expect(first.generatedPassword).toBeUndefined();
      expect(fs.existsSync(path.join(dir, INITIAL_PASSWORD_FILE))).toBe(false);
      const admin = await store.users.getByEmail('root@bank.example');
      expect(admin?.role).toBe('admin');
      expect(await verifyPassword('configured-pw', admin?.passwordHash ?? '')).toBe(true);
      expect(JSON.stringify(lines)).not.toContain('configured-pw');
      const again = await bootstrapAdmin({
        store,
        logger,
        admin: { email: 'other@bank.example', password: 'another-pw' },
        dataDir: dir,
      });
      expect(again.createdAdminId).toBeNull();
      expect(await store.users.count()).toBe(1);
    });

    it('writes a generated password to a 0600 file in the data dir, logs the path and never the password', async () => {
      const { logger, lines } = captureLogger();
      fs.writeFileSync(path.join(dir, INITIAL_PASSWORD_FILE), 'stale, world-readable', { mode: 0o644 });
      const r = await bootstrapAdmin({ store, logger, admin: { email: 'admin@folio.local' }, dataDir: dir });
      const pw = r.generatedPassword ?? '';
      expect(pw).toMatch(/^[A-Za-z0-9_-]{24}$/);
      const file = path.join(dir, INITIAL_PASSWORD_FILE);
      expect(r.passwordFile).toBe(file);
      expect(fs.statSync(file).mode & 0o777).toBe(0o600);
      expect(fs.readFileSync(file, 'utf8')).toBe(`email: admin@folio.local\npassword: ${pw}\n`);
      const auth = new AuthService({ store, logger });
      expect((await auth.login('admin@folio.local', pw)).principal.role).toBe('admin');
      await bootstrapAdmin({ store, logger, admin: { email: 'admin@folio.local' }, dataDir: dir });
      expect(JSON.stringify(lines)).not.toContain(pw);
      const told = lines.filter((l) => String(l.msg).includes(file));
      expect(told).toHaveLength(1);
      expect(told[0]).toMatchObject({ file, email: 'admin@folio.local' });
      expect(told[0]?.msg).toMatch(/generated password, written to .*initial-admin-password\.txt/);
    });

    it('lets only one of two concurrent first starts create the admin', async () => {
      const { logger } = captureLogger();
      const other = openSqliteStore(path.join(dir, 'folio.db'));
      const results = await Promise.all([
        bootstrapAdmin({ store, logger, admin: { email: 'a@folio.local', password: 'password-1' }, dataDir: dir }),
        bootstrapAdmin({
          store: other,
          logger,
          admin: { email: 'a@folio.local', password: 'password-1' },
          dataDir: dir,
        }),
      ]);
      await other.close();
      expect(results.filter((r) => r.createdAdminId).length).toBe(1);
      expect(await store.users.count()).toBe(1);
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

  describe('UsersService', () => {
    let clock: number;
    let auth: AuthService;
    let users: UsersService;
    let changes: UserChangeHub;
    let admin: Awaited<ReturnType<UsersService['create']>>;
    const DAY = 24 * 3600_000;
    beforeEach(async () => {
      clock = Date.parse('2026-11-20T08:00:00Z');
      changes = new UserChangeHub();
      auth = new AuthService({ store, logger: captureLogger().logger, now: () => clock, changes });
      users = new UsersService(store, { auth, now: () => clock });
      admin = await users.create({ email: 'admin@bank.example', role: 'admin', password: 'admin-password' });
    });
    /** Who heard of a change, in order. */
    const heard = (userId: string) => {
      const times: number[] = [];
      changes.subscribe(userId, () => times.push(times.length + 1));
      return times;
    };

    it('validates new accounts precisely, naming the field', async () => {
      const field = async (p: Promise<unknown>) => (await domainError(p)).details;
      expect(await field(users.create({ email: 'x', role: 'viewer', password: 'long-enough' }))).toEqual({
        field: 'email',
      });
      expect(await field(users.create({ email: 'v@b.c', role: 'viewer', password: 'short' }))).toEqual({
        field: 'password',
      });
      expect(await field(users.create({ email: 'v@b.c', role: 'boss' as never }))).toEqual({ field: 'role' });
      expect(await field(users.create({ email: 'v@b.c', role: 'viewer', name: 'x'.repeat(201) }))).toEqual({
        field: 'name',
      });
      await users.create({ email: 'v@b.c', role: 'viewer', password: 'long-enough' });
      expect(
        (await domainError(users.create({ email: 'V@B.C', role: 'author', password: 'long-enough' }))).status,
      ).toBe(409);
    });

    it('checks roles and ownership', async () => {
      const viewer = await users.create({ email: 'v@b.c', role: 'viewer', password: 'long-enough' });
      expect(() => requireRole(viewer, 'admin', 'author')).toThrow(/admin or author role; you are signed in as viewer/);
      expect(() => requireRole(admin, 'admin')).not.toThrow();
      for (const call of [
        users.createAs(viewer, { email: 'n@b.c', role: 'admin', password: 'long-enough' }),
        users.list(viewer),
        users.get(viewer, admin.id),
        users.update(viewer, admin.id, { role: 'viewer' }),
        users.resetPassword(viewer, admin.id),
        users.endSessions(viewer, admin.id),
      ]) {
        expect((await domainError(call)).status).toBe(403);
      }
      expect(await users.list(admin)).toHaveLength(2);
      expect(() => requireOwnerOrAdmin(viewer, 'someone-else', 'this notebook')).toThrow(/owner of this notebook/);
      expect(() => requireOwnerOrAdmin(viewer, viewer.id)).not.toThrow();
      expect(() => requireOwnerOrAdmin(admin, 'someone-else')).not.toThrow();
    });

    it('invites: an account without a password and a one-time link, stored hashed, that expires', async () => {
      const { user, link } = await users.createAs(admin, { email: 'new@bank.example', name: 'New', role: 'author' });
      expect(user).toMatchObject({
        hasPassword: false,
        pendingLink: { purpose: 'invite', expiresAt: link!.expiresAt },
      });
      expect(link!.expiresAt).toBe(new Date(clock + 7 * DAY).toISOString());
      expect(await store.invites.getLive(link!.token, new Date(clock).toISOString())).toBeNull(); // only the hash
      expect(await users.checkLink(link!.token)).toEqual({
        email: 'new@bank.example',
        name: 'New',
        purpose: 'invite',
        expiresAt: link!.expiresAt,
      });
      // No password yet: nobody can sign in as them.
      expect((await domainError(auth.login('new@bank.example', ''))).status).toBe(401);

      // Too short a password does not use the link up.
      expect((await domainError(users.setPasswordWithLink(link!.token, 'short'))).details).toEqual({
        field: 'password',
      });
      await users.setPasswordWithLink(link!.token, 'chosen-password');
      expect((await auth.login('new@bank.example', 'chosen-password')).principal.id).toBe(user.id);
      for (const again of [users.setPasswordWithLink(link!.token, 'other-password'), users.checkLink(link!.token)]) {
        const e = await domainError(again);
        expect([e.status, e.message]).toEqual([404, LINK_NOT_VALID]);
      }
      expect((await users.get(admin, user.id)).pendingLink).toBeNull();

      const late = await users.createAs(admin, { email: 'late@bank.example', role: 'viewer' });
      clock += 7 * DAY - 1;
      expect((await users.checkLink(late.link!.token)).email).toBe('late@bank.example');
      clock += 1;
      expect((await domainError(users.setPasswordWithLink(late.link!.token, 'chosen-password'))).status).toBe(404);
      // The Users page says the link expired (a new one is needed), not that there is none.
      expect((await users.get(admin, late.user.id)).pendingLink).toEqual({
        purpose: 'invite',
        expiresAt: late.link!.expiresAt,
      });
      expect((await domainError(users.checkLink('made-up'))).message).toBe(LINK_NOT_VALID);
    });

    it('with a password: no link', async () => {
      const r = await users.createAs(admin, { email: 'pw@bank.example', role: 'viewer', password: 'given-password' });
      expect(r.link).toBeUndefined();
      expect(r.user).toMatchObject({ hasPassword: true, pendingLink: null, sessions: 0, lastLoginAt: null });
    });

    it('refuses to disable or demote the last enabled admin (409), atomically', async () => {
      for (const change of [{ role: 'author' as const }, { disabled: true }]) {
        const e = await domainError(users.update(admin, admin.id, change));
        expect(e.status).toBe(409);
        expect(e.message).toMatch(/admin@bank\.example is the last enabled admin/);
        expect(e.details).toEqual({ field: 'role' in change ? 'role' : 'disabled' });
      }
      const second = await users.create({ email: 'second@bank.example', role: 'admin', password: 'long-enough' });
      expect((await users.update(admin, second.id, { disabled: true })).disabled).toBe(true);
      // A disabled admin does not count.
      expect((await domainError(users.update(admin, admin.id, { role: 'viewer' }))).status).toBe(409);
      await users.update(admin, second.id, { disabled: false });
      expect((await users.update(admin, admin.id, { role: 'author' })).role).toBe('author');
      expect((await store.users.getById(admin.id))?.role).toBe('author');
    });

    it('a role change or a disable ends the sessions at once and is announced; a rename does neither', async () => {
      const u = await users.create({ email: 'u@bank.example', role: 'author', password: 'user-password' });
      const announced = heard(u.id);
      const a = await auth.login('u@bank.example', 'user-password');
      await users.update(admin, u.id, { name: 'Renamed' });
      expect((await auth.principalFromToken(a.token))?.name).toBe('Renamed');
      expect(announced).toHaveLength(0);

      await users.update(admin, u.id, { role: 'viewer' });
      expect(await auth.principalFromToken(a.token)).toBeNull();
      expect(announced).toHaveLength(1);
      const b = await auth.login('u@bank.example', 'user-password');
      expect(b.principal.role).toBe('viewer');

      const disabled = await users.update(admin, u.id, { disabled: true });
      expect(disabled).toMatchObject({ disabled: true, sessions: 0 });
      expect(await auth.principalFromToken(b.token)).toBeNull();
      expect(await auth.activeUser(u.id)).toBeNull();
      expect(announced).toHaveLength(2);
      expect((await domainError(auth.login('u@bank.example', 'user-password'))).status).toBe(403);
      await users.update(admin, u.id, { disabled: false });
      expect((await auth.login('u@bank.example', 'user-password')).principal.id).toBe(u.id);
    });

    it('a reset clears the password, ends the sessions and makes a one-time link', async () => {
      const u = await users.create({ email: 'u@bank.example', role: 'author', password: 'old-password' });
      const s = await auth.login('u@bank.example', 'old-password');
      const link = await users.resetPassword(admin, u.id);
      expect(link.purpose).toBe('reset');
      expect(await auth.principalFromToken(s.token)).toBeNull();
      expect((await domainError(auth.login('u@bank.example', 'old-password'))).status).toBe(401);
      expect((await users.get(admin, u.id)).pendingLink).toEqual({ purpose: 'reset', expiresAt: link.expiresAt });
      // A newer link replaces the older one.
      const newer = await users.resetPassword(admin, u.id);
      expect((await domainError(users.setPasswordWithLink(link.token, 'new-password'))).status).toBe(404);
      await users.setPasswordWithLink(newer.token, 'new-password');
      expect((await auth.login('u@bank.example', 'new-password')).principal.id).toBe(u.id);
    });

    it('a disabled account cannot use its link', async () => {
      const { user, link } = await users.createAs(admin, { email: 'off@bank.example', role: 'author' });
      await users.update(admin, user.id, { disabled: true });
      expect((await domainError(users.setPasswordWithLink(link!.token, 'chosen-password'))).status).toBe(403);
      await users.update(admin, user.id, { disabled: false });
      await users.setPasswordWithLink(link!.token, 'chosen-password');
    });

    it("ends all of a user's sessions on an admin's request, and lists activity", async () => {
      const u = await users.create({ email: 'u@bank.example', role: 'author', password: 'user-password' });
      const a = await auth.login('u@bank.example', 'user-password');
      clock += 60_000;
      const b = await auth.login('u@bank.example', 'user-password');
      const listed = (await users.list(admin)).find((x) => x.id === u.id);
      expect(listed).toMatchObject({
        sessions: 2,
        lastSeenAt: new Date(clock).toISOString(),
        lastLoginAt: new Date(clock).toISOString(),
      });
      const announced = heard(u.id);
      expect(await users.endSessions(admin, u.id)).toBe(2);
      expect(announced).toHaveLength(1);
      for (const t of [a.token, b.token]) expect(await auth.principalFromToken(t)).toBeNull();
      expect(await store.sessions.get(hashToken(a.token))).toBeNull();
      expect((await domainError(users.endSessions(admin, 'no-such-user'))).status).toBe(404);
      expect((await domainError(users.update(admin, 'no-such-user', { name: 'x' }))).status).toBe(404);
    });
  });
});
