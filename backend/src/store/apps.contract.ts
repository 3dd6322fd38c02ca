import { createHash, randomUUID } from 'node:crypto';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { sampleNotebook, type StoreFactory, type StoreHandle } from './store.contract';
import type { AppRecord, NewAppVersion, Store } from './store';

/** The apps part of the Store contract (store.contract.ts's pattern): every adapter's test calls it. */
export function appsContract(adapter: string, factory: StoreFactory): void {
  describe(`Store contract: ${adapter} apps`, () => {
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

    const T1 = '2026-03-02T09:00:00.000Z';
    const T2 = '2026-03-02T10:00:00.000Z';
    const bytes = (s: string) => Buffer.from(s);
    const sha = (b: Buffer) => createHash('sha256').update(b).digest('hex');
    const version = (over: Partial<NewAppVersion> = {}): NewAppVersion => ({
      notebookId: 'nb-1',
      notebookVersion: 3,
      content: sampleNotebook(),
      contentHash: 'h'.repeat(64),
      cells: [{ id: 'md-1', show: 'output' }],
      params: [
        {
          name: 'x',
          type: 'int',
          default: 1,
          defaultSource: '1',
          label: 'X',
          nullable: false,
          required: false,
          widget: 'number',
        },
      ],
      paramRefinements: [{ name: 'x', label: 'X' }],
      cache: { maxAgeSeconds: null },
      files: [{ path: 'data/a.csv', size: 4, sha256: sha(bytes('a,b\n')), data: bytes('a,b\n') }],
      publishedBy: 'owner-1',
      publishedAt: T1,
      ...over,
    });
    const newApp = (slug = 'fx-report') =>
      store.apps.create(
        {
          id: randomUUID(),
          slug,
          title: 'FX report',
          description: 'Daily',
          ownerId: 'owner-1',
          access: { mode: 'users', users: ['u-1', 'u-2'] },
          cache: { maxAgeSeconds: 600 },
          createdAt: T1,
        },
        version(),
      );
    const created = async (slug?: string): Promise<AppRecord> => {
      const r = await newApp(slug);
      if (!r.ok) throw new Error('slug taken');
      return r.app;
    };

    it('creates an app with its version 1 and reads both back, snapshot and files included', async () => {
      const r = await newApp();
      expect(r.ok).toBe(true);
      if (!r.ok) return;
      expect(r.app).toMatchObject({
        slug: 'fx-report',
        title: 'FX report',
        description: 'Daily',
        ownerId: 'owner-1',
        currentVersion: 1,
        access: { mode: 'users', users: ['u-1', 'u-2'] },
        cache: { maxAgeSeconds: 600 },
        createdAt: T1,
        updatedAt: T1,
        unpublishedAt: null,
        unpublishedBy: null,
      });
      expect(await store.apps.getBySlug('fx-report')).toEqual(r.app);
      expect(r.version).toMatchObject({ appId: r.app.id, version: 1, notebookVersion: 3 });
      const { content, files: _files, ...meta } = version();
      const full = await store.apps.getVersion(r.app.id, 1);
      expect(full).toEqual({
        ...meta,
        appId: r.app.id,
        version: 1,
        content,
        files: [{ path: 'data/a.csv', size: 4, sha256: sha(bytes('a,b\n')) }],
      });
      expect(await store.apps.getVersionFiles(r.app.id, 1)).toEqual([
        { path: 'data/a.csv', size: 4, sha256: sha(bytes('a,b\n')), data: bytes('a,b\n') },
      ]);
      expect(await store.apps.getVersion(r.app.id, 2)).toBeNull();
      expect(await store.apps.getBySlug('nope')).toBeNull();
    });

    it('refuses a second app with a taken slug, unpublished ones included, writing nothing', async () => {
      const first = await created('taken');
      expect(await newApp('taken')).toEqual({ ok: false, reason: 'slug_taken' });
      await store.apps.unpublish(first.id, 'owner-1', T2);
      expect(await newApp('taken')).toEqual({ ok: false, reason: 'slug_taken' });
      expect((await store.apps.list()).map((a) => a.slug)).toEqual(['taken']);
    });

    it('appends versions with the next number, makes them current, applies settings and keeps every version', async () => {
      const app = await created();
      const v2 = await store.apps.addVersion(
        app.id,
        version({ notebookVersion: 4, publishedAt: T2, files: [] }),
        { title: 'FX v2', access: { mode: 'signed_in', users: [] } },
      );
      if (!v2?.ok) throw new Error('not added');
      expect(v2.version.version).toBe(2);
      expect(v2.app).toMatchObject({
        currentVersion: 2,
        title: 'FX v2',
        description: 'Daily',
        access: { mode: 'signed_in', users: [] },
        cache: { maxAgeSeconds: 600 },
        updatedAt: T2,
      });
      expect((await store.apps.listVersions(app.id)).map((v) => [v.version, v.notebookVersion, v.files.length])).toEqual([
        [2, 4, 0],
        [1, 3, 1],
      ]);
      expect(await store.apps.addVersion('no-such-app', version(), {})).toBeNull();
    });

    it('gives racing publishes distinct version numbers, all kept', async () => {
      const app = await created();
      const second = await handle.open(); // another connection to the same database, as another process has
      const results = await Promise.all(
        Array.from({ length: 8 }, (_, i) =>
          (i % 2 ? second : store).apps.addVersion(app.id, version({ notebookVersion: 10 + i }), {}),
        ),
      );
      await second.close();
      const numbers = results.map((r) => (r?.ok ? r.version.version : 0)).sort((a, b) => a - b);
      expect(numbers).toEqual([2, 3, 4, 5, 6, 7, 8, 9]);
      expect((await store.apps.listVersions(app.id)).length).toBe(9);
      expect((await store.apps.getBySlug(app.slug))?.currentVersion).toBe(9);
    });

    it('adds a version only as the number expected, when one is given (compare-and-set)', async () => {
      const app = await created();
      const [a, b] = await Promise.all([
        store.apps.addVersion(app.id, version(), {}, 2),
        store.apps.addVersion(app.id, version(), { title: 'loser' }, 2),
      ]);
      expect(a).toMatchObject({ ok: true, version: { version: 2 } });
      expect(b).toEqual({ ok: false, reason: 'version_taken', latest: 2 });
      expect((await store.apps.getBySlug(app.slug))?.title).toBe('FX report');
      expect((await store.apps.listVersions(app.id)).map((v) => v.version)).toEqual([2, 1]);
    });

    it('stores identical file bytes once and serves each version its own files', async () => {
      const app = await created();
      const b = bytes('other');
      await store.apps.addVersion(
        app.id,
        version({
          files: [
            { path: 'data/a.csv', size: 4, sha256: 'ignored', data: bytes('a,b\n') },
            { path: 'z.txt', size: 5, sha256: 'ignored', data: b },
          ],
        }),
        {},
      );
      expect((await store.apps.getVersionFiles(app.id, 2)).map((f) => [f.path, f.sha256, f.data.toString()])).toEqual([
        ['data/a.csv', sha(bytes('a,b\n')), 'a,b\n'],
        ['z.txt', sha(b), 'other'],
      ]);
      expect((await store.apps.getVersionFiles(app.id, 1)).map((f) => f.path)).toEqual(['data/a.csv']);
    });

    it('rolls back to an existing version only', async () => {
      const app = await created();
      await store.apps.addVersion(app.id, version(), {});
      expect(await store.apps.setCurrentVersion(app.id, 1, T2)).toMatchObject({ currentVersion: 1, updatedAt: T2 });
      expect(await store.apps.setCurrentVersion(app.id, 7, T2)).toBeNull();
      expect(await store.apps.setCurrentVersion('no-such-app', 1, T2)).toBeNull();
      expect((await store.apps.getBySlug(app.slug))?.currentVersion).toBe(1);
    });

    it('updates settings without touching versions', async () => {
      const app = await created();
      const updated = await store.apps.update(app.id, { description: '', cache: { maxAgeSeconds: null } }, T2);
      expect(updated).toMatchObject({ title: 'FX report', description: '', cache: { maxAgeSeconds: null }, updatedAt: T2 });
      expect(updated?.access).toEqual(app.access);
      expect(await store.apps.update('no-such-app', { title: 'x' }, T2)).toBeNull();
      expect((await store.apps.listVersions(app.id)).length).toBe(1);
    });

    it('unpublishes once (compare-and-set), keeps the history, and a new version publishes it again', async () => {
      const app = await created();
      const gone = await store.apps.unpublish(app.id, 'admin-1', T2);
      expect(gone).toMatchObject({ unpublishedAt: T2, unpublishedBy: 'admin-1', currentVersion: 1 });
      expect(await store.apps.unpublish(app.id, 'admin-1', T2)).toBeNull();
      expect(await store.apps.getVersion(app.id, 1)).not.toBeNull();
      const back = await store.apps.addVersion(app.id, version({ publishedAt: T2 }), {});
      expect(back?.ok && back.app).toMatchObject({ unpublishedAt: null, unpublishedBy: null, currentVersion: 2 });
    });

    it('keeps apps and versions across a reopen', async () => {
      const app = await created();
      await store.close();
      store = await handle.open();
      expect(await store.apps.getBySlug(app.slug)).toEqual(app);
      expect((await store.apps.getVersion(app.id, 1))?.content).toEqual(sampleNotebook());
    });
  });
}
