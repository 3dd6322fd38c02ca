import { createHash, randomUUID } from 'node:crypto';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { sampleNotebook, type StoreFactory, type StoreHandle } from './store.contract';
import type { NotebookFileRecord, Store } from './store';

/** The notebook-files part of the Store contract (store.contract.ts's pattern): every adapter's test calls it. */
export function notebookFilesContract(adapter: string, factory: StoreFactory): void {
  describe(`Store contract: ${adapter} notebook files`, () => {
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

    const newNotebook = () =>
      store.notebooks.create({ id: randomUUID(), name: 'nb', ownerId: 'owner-1', content: sampleNotebook() });
    const file = (notebookId: string, path: string, text: string, over: Partial<NotebookFileRecord> = {}) => {
      const data = Buffer.from(text);
      return {
        notebookId,
        path,
        size: data.length,
        sha256: createHash('sha256').update(data).digest('hex'),
        data,
        updatedAt: '2026-03-02T09:00:00.000Z',
        updatedBy: 'owner-1',
        ...over,
      };
    };

    it('stores bytes verbatim, lists summaries by path without data, per notebook', async () => {
      const nb = await newNotebook();
      const other = await newNotebook();
      const binary = { ...file(nb.id, 'img/logo.png', ''), data: Buffer.from([0, 255, 1, 254]), size: 4 };
      expect(await store.notebookFiles.put(file(nb.id, 'positions.csv', 'a,b\n1,2\n'))).toEqual({
        file: {
          notebookId: nb.id,
          path: 'positions.csv',
          size: 8,
          sha256: createHash('sha256').update('a,b\n1,2\n').digest('hex'),
          updatedAt: '2026-03-02T09:00:00.000Z',
          updatedBy: 'owner-1',
        },
        created: true,
      });
      await store.notebookFiles.put(binary);
      await store.notebookFiles.put(file(other.id, 'positions.csv', 'other'));

      const list = await store.notebookFiles.list(nb.id);
      expect(list.map((f) => f.path)).toEqual(['img/logo.png', 'positions.csv']);
      for (const f of list) expect(f).not.toHaveProperty('data');
      const got = await store.notebookFiles.get(nb.id, 'img/logo.png');
      expect(got?.data.equals(binary.data)).toBe(true);
      expect(got).toMatchObject({ size: 4, path: 'img/logo.png', notebookId: nb.id });
      expect((await store.notebookFiles.get(other.id, 'positions.csv'))?.data.toString()).toBe('other');
      expect(await store.notebookFiles.get(nb.id, 'missing.csv')).toBeNull();
      expect(await store.notebookFiles.list('no-such-notebook')).toEqual([]);
    });

    it('replaces a file in place, saying it was not created', async () => {
      const nb = await newNotebook();
      await store.notebookFiles.put(file(nb.id, 'a.txt', 'one'));
      const second = await store.notebookFiles.put(
        file(nb.id, 'a.txt', 'second', { updatedBy: 'admin-1', updatedAt: '2026-03-02T10:00:00.000Z' }),
      );
      expect(second).toMatchObject({ created: false, file: { size: 6, updatedBy: 'admin-1' } });
      expect((await store.notebookFiles.get(nb.id, 'a.txt'))?.data.toString()).toBe('second');
      expect(await store.notebookFiles.list(nb.id)).toHaveLength(1);
    });

    it('stores nothing for a notebook that does not exist', async () => {
      expect(await store.notebookFiles.put(file('missing', 'a.txt', 'x'))).toBeNull();
      expect(await store.notebookFiles.list('missing')).toEqual([]);
    });

    it('deletes one file, and all of a notebook\u2019s files with the notebook', async () => {
      const nb = await newNotebook();
      await store.notebookFiles.put(file(nb.id, 'a.txt', 'a'));
      await store.notebookFiles.put(file(nb.id, 'b.txt', 'b'));
      expect(await store.notebookFiles.delete(nb.id, 'a.txt')).toBe(true);
      expect(await store.notebookFiles.delete(nb.id, 'a.txt')).toBe(false);
      expect((await store.notebookFiles.list(nb.id)).map((f) => f.path)).toEqual(['b.txt']);
      await store.notebooks.delete(nb.id, { by: 'owner-1', at: new Date().toISOString() });
      expect(await store.notebookFiles.get(nb.id, 'b.txt')).toBeNull();
      await newNotebook(); // a new notebook never sees old rows
    });

    it('keeps files across a close and reopen', async () => {
      const nb = await newNotebook();
      await store.notebookFiles.put(file(nb.id, 'kept/data.csv', 'x,y'));
      await store.close();
      store = await handle.open();
      expect((await store.notebookFiles.get(nb.id, 'kept/data.csv'))?.data.toString()).toBe('x,y');
    });
  });
}
