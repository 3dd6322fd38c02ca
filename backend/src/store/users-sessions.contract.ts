import { randomUUID } from 'node:crypto';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { StoreFactory, StoreHandle } from './store.contract';
import type { Role, SessionRecord, Store } from './store';

/**
 * Accounts and sign-in sessions beyond creation (store.contract.ts has that): patches and the last-admin guard,
 * accounts without a password, idle and absolute session expiry, ending a user's sessions. Every adapter's test calls it.
 */
export function usersSessionsContract(adapter: string, factory: StoreFactory): void {
  describe(`Store contract: ${adapter} users and sessions`, () => {
    let handle: StoreHandle;
    let store: Store;
    beforeEach(async () => {
      handle = await factory();
      store = await handle.open();
    });
    afterEach(async () => {
      await store.close();
      await handle.destroy();
    });

    const newUser = (email: string, role: Role = 'author', passwordHash: string | null = 'scrypt$x') =>
      store.users.create({ id: randomUUID(), email, name: email.split('@')[0]!, role, passwordHash });
    const at = (minute: number) => new Date(Date.UTC(2026, 2, 2, 9, minute)).toISOString();
    const session = (userId: string, id: string, over: Partial<SessionRecord> = {}): SessionRecord => ({
      id,
      userId,
      createdAt: at(0),
      expiresAt: at(60),
      lastSeenAt: at(0),
      ...over,
    });

    describe('users', () => {
      it('creates enabled accounts that have not signed in yet; an account may have no password', async () => {
        const u = await newUser('ada@example.com');
        expect(u).toMatchObject({ disabled: false, lastLoginAt: null, passwordHash: 'scrypt$x' });
        const invited = await newUser('bob@example.com', 'viewer', null);
        expect(invited.passwordHash).toBeNull();
        expect(await store.users.getById(invited.id)).toEqual(invited);
        const off = await store.users.create({ ...invited, id: randomUUID(), email: 'c@example.com', disabled: true });
        expect((await store.users.getByEmail('c@example.com'))?.disabled).toBe(true);
        expect(off.disabled).toBe(true);
      });

      it('patches only the given fields and returns the updated user; null for an unknown id', async () => {
        const u = await newUser('ada@example.com');
        const r = await store.users.update(u.id, { name: 'Ada L.', role: 'viewer', lastLoginAt: at(5) });
        expect(r).toEqual({ ok: true, user: { ...u, name: 'Ada L.', role: 'viewer', lastLoginAt: at(5) } });
        expect(await store.users.getById(u.id)).toEqual(r?.ok && r.user);
        const cleared = await store.users.update(u.id, { passwordHash: null, disabled: true });
        expect(cleared?.ok && cleared.user).toMatchObject({ passwordHash: null, disabled: true, name: 'Ada L.' });
        const set = await store.users.update(u.id, { passwordHash: 'scrypt$y', disabled: false });
        expect(set?.ok && set.user).toMatchObject({ passwordHash: 'scrypt$y', disabled: false });
        expect(await store.users.update('missing', { name: 'x' })).toBeNull();
        expect(await store.users.update(u.id, {})).toEqual({ ok: true, user: (await store.users.getById(u.id))! });
      });

      it('with the guard, refuses a patch that leaves no enabled admin and writes nothing', async () => {
        const a = await newUser('a@example.com', 'admin');
        const b = await newUser('b@example.com', 'admin');
        const guard = { activeAdminRemains: true };
        expect((await store.users.update(a.id, { disabled: true }, guard))?.ok).toBe(true);
        expect(await store.users.update(b.id, { role: 'author' }, guard)).toEqual({ ok: false, reason: 'last_admin' });
        expect(await store.users.update(b.id, { disabled: true, name: 'B' }, guard)).toEqual({
          ok: false,
          reason: 'last_admin',
        });
        expect(await store.users.getById(b.id)).toEqual(b);
        expect((await store.users.update(b.id, { name: 'B' }, guard))?.ok).toBe(true); // still an admin after it
        // Without the guard the adapter applies it: asking for the rule is the service's part.
        expect((await store.users.update(b.id, { disabled: true }))?.ok).toBe(true);
        expect((await store.users.update(b.id, { disabled: false }))?.ok).toBe(true);
        expect((await store.users.update(a.id, { disabled: false }, guard))?.ok).toBe(true);
        expect((await store.users.update(b.id, { role: 'viewer' }, guard))?.ok).toBe(true);
      });

      it('lets only one of two admins demoting each other at once win, over two connections', async () => {
        const a = await newUser('a@example.com', 'admin');
        const b = await newUser('b@example.com', 'admin');
        const second = await handle.open();
        try {
          const guard = { activeAdminRemains: true };
          const results = await Promise.all([
            store.users.update(a.id, { role: 'author' }, guard),
            second.users.update(b.id, { role: 'author' }, guard),
          ]);
          expect(results.filter((r) => r?.ok)).toHaveLength(1);
          const admins = (await store.users.list()).filter((u) => u.role === 'admin' && !u.disabled);
          expect(admins).toHaveLength(1);
        } finally {
          await second.close();
        }
      });
    });

    describe('sessions', () => {
      it('expires sessions past their absolute expiry or idle since before the cutoff', async () => {
        const u = await newUser('s@example.com');
        await store.sessions.create(session(u.id, 'live', { lastSeenAt: at(20) }));
        await store.sessions.create(session(u.id, 'idle', { lastSeenAt: at(9) }));
        await store.sessions.create(session(u.id, 'old', { expiresAt: at(30), lastSeenAt: at(29) }));
        expect(await store.sessions.deleteExpired(at(30), at(10))).toBe(2);
        expect(await store.sessions.get('live')).not.toBeNull();
        expect(await store.sessions.get('idle')).toBeNull();
        expect(await store.sessions.get('old')).toBeNull();
        // Without an idle cutoff only the absolute expiry counts.
        expect(await store.sessions.deleteExpired(at(59))).toBe(0);
        expect(await store.sessions.deleteExpired(at(60))).toBe(1);
      });

      it('touch moves lastSeenAt forward only', async () => {
        const u = await newUser('s@example.com');
        await store.sessions.create(session(u.id, 'h', { lastSeenAt: at(10) }));
        await store.sessions.touch('h', at(12));
        expect((await store.sessions.get('h'))?.lastSeenAt).toBe(at(12));
        await store.sessions.touch('h', at(11));
        expect((await store.sessions.get('h'))?.lastSeenAt).toBe(at(12));
        await store.sessions.touch('missing', at(13));
        expect(await store.sessions.get('missing')).toBeNull();
      });

      it("ends all of a user's sessions, or all but one, and no one else's", async () => {
        const u = await newUser('u@example.com');
        const other = await newUser('o@example.com');
        for (const id of ['u1', 'u2', 'u3']) await store.sessions.create(session(u.id, id));
        await store.sessions.create(session(other.id, 'o1'));
        expect(await store.sessions.deleteByUser(u.id, { except: 'u2' })).toBe(2);
        expect(await store.sessions.get('u2')).not.toBeNull();
        expect(await store.sessions.get('u1')).toBeNull();
        expect(await store.sessions.deleteByUser(u.id)).toBe(1);
        expect(await store.sessions.get('o1')).not.toBeNull();
      });

      it('reports live sessions per user with the latest activity', async () => {
        const u = await newUser('u@example.com');
        const other = await newUser('o@example.com');
        await store.sessions.create(session(u.id, 'u1', { lastSeenAt: at(20) }));
        await store.sessions.create(session(u.id, 'u2', { lastSeenAt: at(25) }));
        await store.sessions.create(session(u.id, 'u-idle', { lastSeenAt: at(1) }));
        await store.sessions.create(session(other.id, 'o-old', { expiresAt: at(29), lastSeenAt: at(28) }));
        expect(await store.sessions.activity(at(30), at(10))).toEqual([
          { userId: u.id, sessions: 2, lastSeenAt: at(25) },
        ]);
      });
    });
  });
}
