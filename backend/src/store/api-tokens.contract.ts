import { randomUUID } from 'node:crypto';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { StoreFactory, StoreHandle } from './store.contract';
import type { ApiTokenRecord, Store } from './store';

/** The API-tokens part of the Store contract (store.contract.ts's pattern): every adapter's test calls it. */
export function apiTokensContract(adapter: string, factory: StoreFactory): void {
  describe(`Store contract: ${adapter} API tokens`, () => {
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

    const newUser = async () => {
      const id = randomUUID();
      await store.users.create({ id, email: `${id}@folio.test`, name: 'U', role: 'author', passwordHash: 'x' });
      return id;
    };
    let n = 0;
    const token = (userId: string, over: Partial<ApiTokenRecord> = {}): ApiTokenRecord => ({
      id: randomUUID(),
      secretHash: randomUUID().replaceAll('-', ''),
      userId,
      name: 'CI',
      scopes: ['apps:read', 'notebooks:write'],
      createdBy: userId,
      createdAt: `2026-03-02T09:00:0${n++ % 10}.000Z`,
      expiresAt: '2026-06-01T00:00:00.000Z',
      lastUsedAt: null,
      revokedAt: null,
      revokedBy: null,
      ...over,
    });

    it('stores a token as given and finds it by id and by secret hash', async () => {
      const userId = await newUser();
      const t = token(userId);
      await store.apiTokens.create(t);
      expect(await store.apiTokens.getById(t.id)).toEqual(t);
      expect(await store.apiTokens.getBySecretHash(t.secretHash)).toEqual(t);
      expect(await store.apiTokens.getById('missing')).toBeNull();
      expect(await store.apiTokens.getBySecretHash('missing')).toBeNull();
    });

    it('refuses a second token with the same secret hash', async () => {
      const userId = await newUser();
      const t = token(userId);
      await store.apiTokens.create(t);
      await expect(store.apiTokens.create(token(userId, { secretHash: t.secretHash }))).rejects.toThrow();
    });

    it('lists newest first, per user or all', async () => {
      const a = await newUser();
      const b = await newUser();
      const a1 = token(a, { createdAt: '2026-03-02T09:00:00.000Z' });
      const a2 = token(a, { createdAt: '2026-03-02T10:00:00.000Z' });
      const b1 = token(b, { createdAt: '2026-03-02T09:30:00.000Z' });
      for (const t of [a1, a2, b1]) await store.apiTokens.create(t);
      expect((await store.apiTokens.list({ userId: a })).map((t) => t.id)).toEqual([a2.id, a1.id]);
      expect((await store.apiTokens.list()).map((t) => t.id)).toEqual([a2.id, b1.id, a1.id]);
      expect(await store.apiTokens.list({ userId: 'nobody' })).toEqual([]);
    });

    it('revokes once: a second revocation changes nothing', async () => {
      const userId = await newUser();
      const t = token(userId);
      await store.apiTokens.create(t);
      const revoked = await store.apiTokens.revoke(t.id, '2026-03-03T00:00:00.000Z', 'admin-1');
      expect(revoked).toEqual({ ...t, revokedAt: '2026-03-03T00:00:00.000Z', revokedBy: 'admin-1' });
      expect(await store.apiTokens.revoke(t.id, '2026-03-04T00:00:00.000Z', userId)).toBeNull();
      expect(await store.apiTokens.getById(t.id)).toEqual(revoked);
      expect(await store.apiTokens.revoke('missing', '2026-03-04T00:00:00.000Z', userId)).toBeNull();
    });

    it('moves the last-used time forward only', async () => {
      const userId = await newUser();
      const t = token(userId);
      await store.apiTokens.create(t);
      await store.apiTokens.touch(t.id, '2026-03-02T12:00:00.000Z');
      expect((await store.apiTokens.getById(t.id))?.lastUsedAt).toBe('2026-03-02T12:00:00.000Z');
      await store.apiTokens.touch(t.id, '2026-03-02T11:00:00.000Z');
      expect((await store.apiTokens.getById(t.id))?.lastUsedAt).toBe('2026-03-02T12:00:00.000Z');
      await store.apiTokens.touch(t.id, '2026-03-02T12:01:00.000Z');
      expect((await store.apiTokens.getById(t.id))?.lastUsedAt).toBe('2026-03-02T12:01:00.000Z');
    });

    it('keeps tokens across a close and reopen', async () => {
      const userId = await newUser();
      const t = token(userId);
      await store.apiTokens.create(t);
      await store.close();
      store = await handle.open();
      expect(await store.apiTokens.getById(t.id)).toEqual(t);
    });
  });
}
