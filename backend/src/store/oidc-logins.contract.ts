import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { StoreFactory, StoreHandle } from './store.contract';
import type { OidcLoginRecord, Store } from './store';

/** The single sign-on logins-in-progress part of the Store contract: every adapter's test calls it. */
export function oidcLoginsContract(adapter: string, factory: StoreFactory): void {
  describe(`Store contract: ${adapter} single sign-on logins`, () => {
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

    const login = (id: string, expiresAt = '2026-03-02T09:10:00.000Z'): OidcLoginRecord => ({
      id,
      state: `state-${id}`,
      nonce: `nonce-${id}`,
      codeVerifier: `verifier-${id}`,
      next: '/notebooks/abc?tab=runs',
      createdAt: '2026-03-02T09:00:00.000Z',
      expiresAt,
    });

    it('gives a login back once: take returns it and deletes it', async () => {
      await store.oidcLogins.create(login('a'));
      await store.oidcLogins.create(login('b'));
      expect(await store.oidcLogins.take('a')).toEqual(login('a'));
      expect(await store.oidcLogins.take('a')).toBeNull();
      expect(await store.oidcLogins.take('nope')).toBeNull();
      expect(await store.oidcLogins.take('b')).toEqual(login('b'));
    });

    it('hands a login to only one of two takes at once', async () => {
      await store.oidcLogins.create(login('a'));
      const both = await Promise.all([store.oidcLogins.take('a'), store.oidcLogins.take('a')]);
      expect(both.filter(Boolean)).toHaveLength(1);
    });

    it('deletes expired logins only', async () => {
      await store.oidcLogins.create(login('old', '2026-03-02T09:00:00.000Z'));
      await store.oidcLogins.create(login('new', '2026-03-02T09:20:00.000Z'));
      expect(await store.oidcLogins.deleteExpired('2026-03-02T09:10:00.000Z')).toBe(1);
      expect(await store.oidcLogins.take('old')).toBeNull();
      expect(await store.oidcLogins.take('new')).toEqual(login('new', '2026-03-02T09:20:00.000Z'));
    });
  });
}
