import { randomUUID } from 'node:crypto';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { StoreFactory, StoreHandle } from './store.contract';
import type { InviteRecord, Store } from './store';

/** One-time set-password links (invitations and resets). Every adapter's test calls it. */
export function invitesContract(adapter: string, factory: StoreFactory): void {
  describe(`Store contract: ${adapter} set-password links`, () => {
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

    const at = (day: number) => new Date(Date.UTC(2026, 2, 1 + day, 9)).toISOString();
    const newUser = (email: string) =>
      store.users.create({ id: randomUUID(), email, name: 'x', role: 'author', passwordHash: null });
    const link = (userId: string, id: string, over: Partial<InviteRecord> = {}): Omit<InviteRecord, 'usedAt'> => ({
      id,
      userId,
      purpose: 'invite',
      createdBy: 'admin-1',
      createdAt: at(0),
      expiresAt: at(7),
      ...over,
    });

    it('finds a link while it is unused and unexpired', async () => {
      const u = await newUser('a@example.com');
      await store.invites.create(link(u.id, 'h1'));
      expect(await store.invites.getLive('h1', at(1))).toEqual({ ...link(u.id, 'h1'), usedAt: null });
      expect(await store.invites.getLive('h1', at(7))).toBeNull(); // expired at its expiresAt
      expect(await store.invites.getLive('nope', at(1))).toBeNull();
    });

    it('is used once: of two racing uses one wins; a used or expired link cannot be used', async () => {
      const u = await newUser('a@example.com');
      await store.invites.create(link(u.id, 'h1'));
      const [first, second] = await Promise.all([
        store.invites.consume('h1', at(1)),
        store.invites.consume('h1', at(1)),
      ]);
      expect([first, second].filter(Boolean)).toHaveLength(1);
      expect(first ?? second).toEqual({ ...link(u.id, 'h1'), usedAt: at(1) });
      expect(await store.invites.getLive('h1', at(1))).toBeNull();
      expect(await store.invites.consume('h1', at(2))).toBeNull();
      await store.invites.create(link(u.id, 'h2', { purpose: 'reset', expiresAt: at(3) }));
      expect(await store.invites.consume('h2', at(3))).toBeNull();
      expect(await store.invites.consume('h2', at(4))).toBeNull();
    });

    it("replaces a user's unused links with a new one, leaving other users' alone", async () => {
      const u = await newUser('a@example.com');
      const other = await newUser('b@example.com');
      await store.invites.create(link(u.id, 'old'));
      await store.invites.create(link(other.id, 'theirs'));
      await store.invites.create(link(u.id, 'new', { purpose: 'reset', createdAt: at(1) }));
      expect(await store.invites.getLive('old', at(1))).toBeNull();
      expect((await store.invites.listUnused()).map((i) => i.id).sort()).toEqual(['new', 'theirs']);
      expect(await store.invites.revokeForUser(u.id)).toBe(1);
      expect((await store.invites.listUnused()).map((i) => i.id)).toEqual(['theirs']);
      // Expired but unused: still listed (the Users page says the link expired); used: gone.
      expect(await store.invites.getLive('theirs', at(8))).toBeNull();
      expect((await store.invites.listUnused()).map((i) => i.id)).toEqual(['theirs']);
      expect(await store.invites.consume('theirs', at(1))).not.toBeNull();
      expect(await store.invites.listUnused()).toEqual([]);
    });
  });
}
