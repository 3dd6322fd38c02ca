import { randomUUID } from 'node:crypto';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { StoreFactory, StoreHandle } from './store.contract';
import type { Store, UserIdentityRecord } from './store';

/** The single sign-on identities part of the Store contract (store.contract.ts's pattern): every adapter's test calls it. */
export function userIdentitiesContract(adapter: string, factory: StoreFactory): void {
  describe(`Store contract: ${adapter} user identities`, () => {
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

    const newUser = (email: string) =>
      store.users.create({ id: randomUUID(), email, name: email, role: 'author', passwordHash: null });
    const identity = (userId: string, over: Partial<UserIdentityRecord> = {}): UserIdentityRecord => ({
      issuer: 'https://idp.bank.example',
      subject: 'sub-1',
      userId,
      email: 'ada@bank.example',
      createdAt: '2026-03-02T09:00:00.000Z',
      lastSignInAt: '2026-03-02T09:00:00.000Z',
      ...over,
    });

    it('links (issuer, subject) to one user, and refuses a second link of the same pair', async () => {
      const ada = await newUser('ada@bank.example');
      const eve = await newUser('eve@bank.example');
      expect(await store.userIdentities.create(identity(ada.id))).toBe(true);
      expect(await store.userIdentities.create(identity(eve.id))).toBe(false);
      expect(await store.userIdentities.get('https://idp.bank.example', 'sub-1')).toEqual(identity(ada.id));
      // The same subject at another issuer is someone else.
      expect(await store.userIdentities.get('https://other.example', 'sub-1')).toBeNull();
      expect(await store.userIdentities.create(identity(eve.id, { issuer: 'https://other.example' }))).toBe(true);
      expect((await store.userIdentities.get('https://other.example', 'sub-1'))?.userId).toBe(eve.id);
    });

    it("lists a user's identities oldest first and records sign-ins", async () => {
      const ada = await newUser('ada@bank.example');
      await store.userIdentities.create(identity(ada.id, { subject: 'b', createdAt: '2026-03-02T10:00:00.000Z' }));
      await store.userIdentities.create(identity(ada.id, { subject: 'a', createdAt: '2026-03-02T11:00:00.000Z' }));
      expect((await store.userIdentities.listByUser(ada.id)).map((i) => i.subject)).toEqual(['b', 'a']);
      expect(await store.userIdentities.listByUser('nobody')).toEqual([]);
      await store.userIdentities.recordSignIn(
        'https://idp.bank.example',
        'a',
        '2026-03-03T08:00:00.000Z',
        'ada@new.example',
      );
      expect(await store.userIdentities.get('https://idp.bank.example', 'a')).toMatchObject({
        lastSignInAt: '2026-03-03T08:00:00.000Z',
        email: 'ada@new.example',
        createdAt: '2026-03-02T11:00:00.000Z',
      });
    });

    it('updates the linked user (email, name, role); a taken email is a conflict and changes nothing', async () => {
      const ada = await newUser('ada@bank.example');
      await newUser('eve@bank.example');
      expect(await store.users.update(ada.id, { email: 'Ada.L@Bank.example', role: 'viewer' })).toMatchObject({
        ok: true,
        user: { email: 'ada.l@bank.example', role: 'viewer', name: 'ada@bank.example' },
      });
      await expect(store.users.update(ada.id, { email: 'eve@bank.example', name: 'X' })).rejects.toMatchObject({
        code: 'conflict',
      });
      expect(await store.users.getById(ada.id)).toMatchObject({
        email: 'ada.l@bank.example',
        name: 'ada@bank.example',
      });
      expect(await store.users.update('nobody', { name: 'x' })).toBeNull();
    });
  });
}
