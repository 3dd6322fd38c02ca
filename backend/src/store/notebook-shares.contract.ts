import { randomUUID } from 'node:crypto';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { sampleNotebook, type StoreFactory, type StoreHandle } from './store.contract';
import type { Store } from './store';

/** The notebook access lists part of the Store contract (store.contract.ts's pattern): every adapter's test calls it. */
export function notebookSharesContract(adapter: string, factory: StoreFactory): void {
  describe(`Store contract: ${adapter} notebook shares`, () => {
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
      store.users.create({ id: randomUUID(), email, name: email, role: 'author', passwordHash: 'scrypt$x' });
    const newNotebook = () =>
      store.notebooks.create({ id: randomUUID(), name: 'nb', ownerId: 'owner-1', content: sampleNotebook() });
    const T1 = '2026-03-02T09:00:00.000Z';
    const T2 = '2026-03-02T10:00:00.000Z';

    it('replaces the whole list, keeping who granted an unchanged entry and when', async () => {
      const [ada, bob, cy] = await Promise.all(['ada@x.test', 'bob@x.test', 'cy@x.test'].map(newUser));
      const nb = await newNotebook();
      expect(await store.notebookShares.list(nb.id)).toEqual([]);
      const first = await store.notebookShares.replace(
        nb.id,
        [
          { userId: ada!.id, permission: 'read' },
          { userId: bob!.id, permission: 'edit' },
        ],
        'owner-1',
        T1,
      );
      expect(first).toEqual([
        { notebookId: nb.id, userId: ada!.id, permission: 'read', grantedBy: 'owner-1', grantedAt: T1 },
        { notebookId: nb.id, userId: bob!.id, permission: 'edit', grantedBy: 'owner-1', grantedAt: T1 },
      ]);
      // bob unchanged (keeps T1), ada upgraded (T2, by admin), cy added, nobody else.
      const second = await store.notebookShares.replace(
        nb.id,
        [
          { userId: cy!.id, permission: 'read' },
          { userId: bob!.id, permission: 'edit' },
          { userId: ada!.id, permission: 'edit' },
        ],
        'admin-1',
        T2,
      );
      expect(second).toEqual(await store.notebookShares.list(nb.id));
      expect(second?.map((s) => [s.userId, s.permission, s.grantedBy, s.grantedAt])).toEqual([
        [bob!.id, 'edit', 'owner-1', T1],
        [cy!.id, 'read', 'admin-1', T2],
        [ada!.id, 'edit', 'admin-1', T2],
      ]);
      expect(await store.notebookShares.get(nb.id, ada!.id)).toMatchObject({ permission: 'edit' });
      expect(await store.notebookShares.replace(nb.id, [], 'owner-1', T2)).toEqual([]);
      expect(await store.notebookShares.get(nb.id, ada!.id)).toBeNull();
    });

    it('keeps one entry per user: the last one given wins', async () => {
      const ada = await newUser('ada@x.test');
      const nb = await newNotebook();
      const list = await store.notebookShares.replace(
        nb.id,
        [
          { userId: ada.id, permission: 'edit' },
          { userId: ada.id, permission: 'read' },
        ],
        'owner-1',
        T1,
      );
      expect(list?.map((s) => s.permission)).toEqual(['read']);
    });

    it('lists the notebooks shared with a user, and changes nothing for a notebook that does not exist', async () => {
      const ada = await newUser('ada@x.test');
      const [a, b, c] = [await newNotebook(), await newNotebook(), await newNotebook()];
      await store.notebookShares.replace(a.id, [{ userId: ada.id, permission: 'read' }], 'owner-1', T1);
      await store.notebookShares.replace(b.id, [{ userId: ada.id, permission: 'edit' }], 'owner-1', T2);
      expect((await store.notebookShares.listForUser(ada.id)).map((s) => [s.notebookId, s.permission])).toEqual([
        [a.id, 'read'],
        [b.id, 'edit'],
      ]);
      expect(await store.notebookShares.listForUser('nobody')).toEqual([]);
      expect(await store.notebookShares.list(c.id)).toEqual([]);
      expect(
        await store.notebookShares.replace('missing', [{ userId: ada.id, permission: 'read' }], 'o', T1),
      ).toBeNull();
    });

    it('deletes a notebook’s list when the notebook is deleted (archived), and refuses to share an archived one', async () => {
      const ada = await newUser('ada@x.test');
      const nb = await newNotebook();
      await store.notebookShares.replace(nb.id, [{ userId: ada.id, permission: 'edit' }], 'owner-1', T1);
      await store.notebooks.delete(nb.id, { by: 'owner-1', at: T2 });
      expect(await store.notebookShares.list(nb.id)).toEqual([]);
      expect(await store.notebookShares.listForUser(ada.id)).toEqual([]);
      expect(await store.notebookShares.replace(nb.id, [{ userId: ada.id, permission: 'read' }], 'o', T2)).toBeNull();
    });

    it('keeps lists across a close and reopen', async () => {
      const ada = await newUser('ada@x.test');
      const nb = await newNotebook();
      await store.notebookShares.replace(nb.id, [{ userId: ada.id, permission: 'read' }], 'owner-1', T1);
      await store.close();
      store = await handle.open();
      expect(await store.notebookShares.get(nb.id, ada.id)).toMatchObject({ permission: 'read', grantedAt: T1 });
    });
  });
}
