import { randomUUID } from 'node:crypto';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { isDomainError } from '../errors';
import type { Notebook } from '../contracts/nbformat';
import type { RevisionPolicy, RunRecord, Store } from './store';

/**
 * The behaviour every Store adapter must have. An adapter's test calls `storeContract(name, factory)`; the factory
 * makes a fresh, empty database each time, and `open()` can be called again on it to test that data survives a
 * close and reopen.
 */
export interface StoreHandle {
  open(): Promise<Store>;
  destroy(): Promise<void>;
}
export type StoreFactory = () => Promise<StoreHandle>;

export const sampleNotebook = (text = 'print(1)'): Notebook => ({
  nbformat: 4,
  nbformat_minor: 5,
  metadata: {
    kernelspec: { name: 'python3', display_name: 'Python 3', language: 'python' },
    custom: { nested: [1, 'two', { three: null }], unicode: 'Δ€ 日本 🚀' },
  },
  cells: [
    { id: 'md-1', cell_type: 'markdown', source: ['# Title\n', 'text'], metadata: {} },
    {
      id: 'code-1',
      cell_type: 'code',
      source: text,
      metadata: { tags: ['parameters'], collapsed: false },
      execution_count: 3,
      outputs: [{ output_type: 'stream', name: 'stdout', text: ['1\n'] }],
    },
  ],
});

const sampleRun = (notebookId: string, over: Partial<RunRecord> = {}): RunRecord => ({
  id: randomUUID(),
  notebookId,
  notebookVersion: 1,
  params: { as_of: '2026-11-20', currencies: ['EUR', 'GBP'] },
  paramsHash: 'abc',
  trigger: 'manual',
  actorId: 'u1',
  status: 'queued',
  cells: [],
  createdAt: new Date().toISOString(),
  ...over,
});

/** Save times for the revision rules: minute `m` after a fixed instant. */
const T0 = Date.parse('2026-03-02T09:00:00.000Z');
const at = (minutes: number) => new Date(T0 + minutes * 60_000).toISOString();
const TEN_MINUTES = 10 * 60_000;
/** A save that always makes its own revision and prunes nothing, unless told otherwise. */
const plain = (over: Partial<RevisionPolicy> = {}): RevisionPolicy => ({
  at: new Date().toISOString(),
  checkpoint: false,
  coalesceWithinMs: 0,
  keep: 1000,
  ...over,
});

export function storeContract(adapter: string, factory: StoreFactory): void {
  describe(`Store contract: ${adapter}`, () => {
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
      store.users.create({ id: randomUUID(), email, name: 'Ada', role: 'author', passwordHash: 'scrypt$x' });
    const newNotebook = (name = 'nb', ownerId = 'owner-1') =>
      store.notebooks.create({ id: randomUUID(), name, ownerId, content: sampleNotebook() });

    it('pings', async () => {
      await expect(store.ping()).resolves.toBeUndefined();
    });

    describe('users', () => {
      it('creates users with a lower-case email and finds them by id and by email, case-insensitively', async () => {
        const u = await newUser('Ada@Example.COM');
        expect(u.email).toBe('ada@example.com');
        expect(Date.parse(u.createdAt)).not.toBeNaN();
        expect(await store.users.getById(u.id)).toEqual(u);
        expect(await store.users.getByEmail('ADA@example.com')).toEqual(u);
        expect(await store.users.getByEmail('nobody@example.com')).toBeNull();
        expect(await store.users.getById('missing')).toBeNull();
      });

      it('rejects a second user with the same email as a conflict, keeping the first', async () => {
        const first = await newUser('ada@example.com');
        const err = await newUser('ADA@example.com').catch((e: unknown) => e);
        expect(isDomainError(err) && err.code).toBe('conflict');
        expect(await store.users.count()).toBe(1);
        expect(await store.users.getByEmail('ada@example.com')).toEqual(first);
      });

      it('lists and counts users', async () => {
        expect(await store.users.count()).toBe(0);
        await newUser('a@example.com');
        await newUser('b@example.com');
        expect(await store.users.count()).toBe(2);
        expect((await store.users.list()).map((u) => u.email).sort()).toEqual(['a@example.com', 'b@example.com']);
      });
    });

    describe('sessions', () => {
      it('creates, reads, deletes and expires sessions', async () => {
        const u = await newUser('s@example.com');
        const past = '2020-01-01T00:00:00.000Z';
        const future = '2999-01-01T00:00:00.000Z';
        await store.sessions.create({ id: 'h1', userId: u.id, createdAt: past, expiresAt: past, lastSeenAt: past });
        const h2 = { id: 'h2', userId: u.id, createdAt: past, expiresAt: future, lastSeenAt: past };
        await store.sessions.create(h2);
        expect(await store.sessions.get('h2')).toEqual(h2);
        expect(await store.sessions.deleteExpired(new Date().toISOString())).toBe(1);
        expect(await store.sessions.get('h1')).toBeNull();
        await store.sessions.delete('h2');
        expect(await store.sessions.get('h2')).toBeNull();
      });
    });

    describe('notebooks', () => {
      it('creates version 1 with its first revision and keeps the document verbatim', async () => {
        const nb = await newNotebook('Report');
        expect(nb).toMatchObject({ name: 'Report', ownerId: 'owner-1', version: 1, cellCount: 2 });
        expect(nb.content).toEqual(sampleNotebook());
        expect(await store.notebooks.get(nb.id)).toEqual(nb);
        expect(await store.notebooks.listRevisions(nb.id)).toEqual([
          { notebookId: nb.id, version: 1, savedBy: 'owner-1', startedAt: nb.createdAt, savedAt: nb.createdAt, checkpoint: true },
        ]);
        expect(await store.notebooks.get('missing')).toBeNull();
      });

      it('lists summaries without content', async () => {
        const a = await newNotebook('A');
        const b = await newNotebook('B');
        const list = await store.notebooks.list();
        expect(list.map((n) => n.id).sort()).toEqual([a.id, b.id].sort());
        for (const s of list) expect(s).not.toHaveProperty('content');
      });

      it('updates when the expected version is current, and keeps a revision per save', async () => {
        const nb = await newNotebook('v1');
        const r = await store.notebooks.update(nb.id, 1, { name: 'v2', content: sampleNotebook('x = 2') }, 'editor-9', plain());
        expect(r?.ok).toBe(true);
        if (!r?.ok) return;
        expect(r.notebook).toMatchObject({ id: nb.id, name: 'v2', version: 2, createdAt: nb.createdAt });
        expect(r.notebook.content.cells[1]?.source).toBe('x = 2');
        expect(await store.notebooks.get(nb.id)).toEqual(r.notebook);
        const revs = await store.notebooks.listRevisions(nb.id);
        expect(revs.map((v) => [v.version, v.savedBy])).toEqual([
          [2, 'editor-9'],
          [1, 'owner-1'],
        ]);
        const rev1 = await store.notebooks.getRevision(nb.id, 1);
        expect(rev1).toMatchObject({ notebookId: nb.id, version: 1, name: 'v1', content: sampleNotebook() });
        expect((await store.notebooks.getRevision(nb.id, 2))?.content.cells[1]?.source).toBe('x = 2');
        expect(await store.notebooks.getRevision(nb.id, 3)).toBeNull();
      });

      it('refuses a stale version and returns the current record untouched', async () => {
        const nb = await newNotebook();
        await store.notebooks.update(nb.id, 1, { name: 'second', content: sampleNotebook('a') }, 'u', plain());
        const stale = await store.notebooks.update(nb.id, 1, { name: 'lost', content: sampleNotebook('b') }, 'u', plain());
        expect(stale?.ok).toBe(false);
        if (stale?.ok !== false) return;
        expect(stale.current).toMatchObject({ version: 2, name: 'second' });
        expect(await store.notebooks.get(nb.id)).toEqual(stale.current);
        expect((await store.notebooks.listRevisions(nb.id)).length).toBe(2);
      });

      it('lets exactly one of two concurrent saves of the same version win', async () => {
        const nb = await newNotebook();
        const results = await Promise.all(
          ['a', 'b', 'c'].map((s) => store.notebooks.update(nb.id, 1, { name: s, content: sampleNotebook(s) }, s, plain())),
        );
        expect(results.filter((r) => r?.ok).length).toBe(1);
        expect((await store.notebooks.get(nb.id))?.version).toBe(2);
        expect((await store.notebooks.listRevisions(nb.id)).length).toBe(2);
      });

      it('returns null when updating a notebook that does not exist', async () => {
        expect(await store.notebooks.update('missing', 1, { name: 'x', content: sampleNotebook() }, 'u', plain())).toBeNull();
      });

      it('deletes a notebook by archiving it: gone from every read and write, its runs kept', async () => {
        const nb = await newNotebook();
        const keep = await newNotebook('keep');
        await store.notebooks.update(nb.id, 1, { name: 'n', content: sampleNotebook('z') }, 'u', plain());
        const run = sampleRun(nb.id, { executed: sampleNotebook('ran') });
        await store.runs.create(run);
        const deletion = { by: 'owner-1', at: new Date().toISOString() };
        expect(await store.notebooks.delete(nb.id, deletion)).toBe(true);
        expect(await store.notebooks.get(nb.id)).toBeNull();
        expect((await store.notebooks.list()).map((n) => n.id)).toEqual([keep.id]);
        expect(await store.notebooks.listRevisions(nb.id)).toEqual([]);
        expect(await store.notebooks.getRevision(nb.id, 1)).toBeNull();
        expect(
          await store.notebooks.update(nb.id, 2, { name: 'x', content: sampleNotebook() }, 'u', plain()),
        ).toBeNull();
        // The audit trail outlives the notebook: its runs keep their record and executed notebook.
        expect(await store.runs.get(run.id)).toEqual(run);
        expect((await store.runs.listByNotebook(nb.id, 10)).map((r) => r.id)).toEqual([run.id]);
        expect(await store.notebooks.delete(nb.id, deletion)).toBe(false);
        expect(await store.notebooks.get(keep.id)).not.toBeNull();
        expect((await store.notebooks.listRevisions(keep.id)).length).toBe(1);
      });

      it('keeps archived notebooks across a close and reopen, still hidden', async () => {
        const nb = await newNotebook();
        await store.notebooks.delete(nb.id, { by: 'owner-1', at: new Date().toISOString() });
        await store.close();
        store = await handle.open();
        expect(await store.notebooks.get(nb.id)).toBeNull();
        expect(await store.notebooks.list()).toEqual([]);
      });
    });

    describe('revision history', () => {
      /** Saves `name` on top of whatever is current, as `by`, with `policy`; returns the new version. */
      const save = async (id: string, name: string, by: string, policy: Partial<RevisionPolicy>) => {
        const current = await store.notebooks.get(id);
        const r = await store.notebooks.update(id, current!.version, { name, content: sampleNotebook(name) }, by, plain(policy));
        if (!r?.ok) throw new Error(`save ${name} was refused`);
        return r.notebook.version;
      };
      const history = async (id: string) =>
        (await store.notebooks.listRevisions(id)).map((r) => [r.version, r.savedBy, r.startedAt, r.savedAt, r.checkpoint]);
      const burst = { coalesceWithinMs: TEN_MINUTES };

      it('keeps a burst of saves by one user as one revision holding the last save; creation stays a checkpoint', async () => {
        const nb = await newNotebook('created', 'ada');
        for (const [i, m] of [0, 3, 9].entries()) await save(nb.id, `edit ${i}`, 'ada', { ...burst, at: at(m) });
        expect(await history(nb.id)).toEqual([
          [4, 'ada', at(0), at(9), false],
          [1, 'ada', nb.createdAt, nb.createdAt, true],
        ]);
        expect(await store.notebooks.get(nb.id)).toMatchObject({ version: 4, name: 'edit 2', updatedAt: at(9) });
        expect(await store.notebooks.getRevision(nb.id, 4)).toMatchObject({ name: 'edit 2', content: sampleNotebook('edit 2') });
        expect(await store.notebooks.getRevision(nb.id, 2)).toBeNull();
        expect(await store.notebooks.getRevision(nb.id, 3)).toBeNull();
        expect(await store.notebooks.getRevision(nb.id, 1)).toMatchObject({ name: 'created', content: sampleNotebook() });
      });

      it('ends a burst the window after it started, even while saves keep coming', async () => {
        const nb = await newNotebook('n', 'ada');
        for (const m of [0, 6, 10, 15]) await save(nb.id, `at ${m}`, 'ada', { ...burst, at: at(m) });
        expect((await history(nb.id)).slice(0, 2)).toEqual([
          [5, 'ada', at(10), at(15), false],
          [3, 'ada', at(0), at(6), false],
        ]);
      });

      it('never replaces another user’s revision, a checkpoint, or a revision a run was made from', async () => {
        const nb = await newNotebook('n', 'ada');
        await save(nb.id, 'ada', 'ada', { ...burst, at: at(0) }); // v2
        await save(nb.id, 'bob 1', 'bob', { ...burst, at: at(1) }); // v3: not ada's burst
        await save(nb.id, 'bob checkpoint', 'bob', { ...burst, at: at(2), checkpoint: true }); // v4: always new
        await save(nb.id, 'bob 2', 'bob', { ...burst, at: at(3) }); // v5: v4 is a checkpoint
        await store.runs.create(sampleRun(nb.id, { notebookVersion: 5 }));
        await save(nb.id, 'bob 3', 'bob', { ...burst, at: at(4) }); // v6: a run was made from v5
        await save(nb.id, 'bob 4', 'bob', { ...burst, at: at(5) }); // v7 replaces v6
        expect(await history(nb.id)).toEqual([
          [7, 'bob', at(4), at(5), false],
          [5, 'bob', at(3), at(3), false],
          [4, 'bob', at(2), at(2), true],
          [3, 'bob', at(1), at(1), false],
          [2, 'ada', at(0), at(0), false],
          [1, 'ada', nb.createdAt, nb.createdAt, true],
        ]);
        expect((await store.notebooks.getRevision(nb.id, 5))?.name).toBe('bob 2');
      });

      it('keeps at most `keep` revisions: the oldest plain ones go first, then the oldest kept ones, never the new one', async () => {
        const nb = await newNotebook('n', 'ada');
        const keep = 3;
        await save(nb.id, 'v2', 'ada', { keep }); // a run is made from it below
        await store.runs.create(sampleRun(nb.id, { notebookVersion: 2 }));
        await save(nb.id, 'v3', 'ada', { keep });
        await save(nb.id, 'v4', 'ada', { keep });
        const versions = async () => (await store.notebooks.listRevisions(nb.id)).map((r) => r.version);
        expect(await versions()).toEqual([4, 2, 1]); // v3 was the oldest plain revision
        await save(nb.id, 'v5', 'ada', { keep });
        expect(await versions()).toEqual([5, 2, 1]);
        await save(nb.id, 'v6', 'ada', { keep: 2, checkpoint: true });
        expect(await versions()).toEqual([6, 2]); // v5 (plain), then v1 (the oldest kept)
        await save(nb.id, 'v7', 'ada', { keep: 1 });
        expect(await versions()).toEqual([7]);
        expect(await store.notebooks.get(nb.id)).toMatchObject({ version: 7, name: 'v7' });
        expect(await store.notebooks.getRevision(nb.id, 2)).toBeNull();
      });

      it('changes no revision when the save is refused as stale', async () => {
        const nb = await newNotebook('n', 'ada');
        await save(nb.id, 'v2', 'ada', { ...burst, at: at(0) });
        const before = await history(nb.id);
        const stale = await store.notebooks.update(nb.id, 1, { name: 'x', content: sampleNotebook('x') }, 'ada', plain({ ...burst, keep: 1 }));
        expect(stale?.ok).toBe(false);
        expect(await history(nb.id)).toEqual(before);
      });
    });

    describe('runs', () => {
      it('creates, moves and reads runs as documents, each move a compare-and-set on status and attempt', async () => {
        const nb = await newNotebook();
        const run = sampleRun(nb.id);
        await store.runs.create(run);
        expect(await store.runs.get(run.id)).toEqual(run);
        const running = await store.runs.transition(run.id, { status: ['queued'] }, { status: 'running', attemptId: 'a1', startedAt: '2026-01-01T00:00:00.000Z' });
        expect(running).toEqual({ ...run, status: 'running', attemptId: 'a1', startedAt: '2026-01-01T00:00:00.000Z' });
        // Wrong status, wrong attempt: refused, nothing changes.
        expect(await store.runs.transition(run.id, { status: ['queued'] }, { status: 'cancelled' })).toBeNull();
        expect(await store.runs.transition(run.id, { status: ['running'], attemptId: 'a2' }, { status: 'failed' })).toBeNull();
        const cells = [{ cellId: 'code-1', executionCount: 1, status: 'error' as const, outputs: [] }];
        const failed = await store.runs.transition(run.id, { status: ['running'], attemptId: 'a1' }, {
          status: 'failed',
          error: { code: 'cell_error', message: 'boom' },
          cells,
        });
        expect(failed).toMatchObject({ status: 'failed', error: { code: 'cell_error', message: 'boom' }, cells });
        expect(await store.runs.get(run.id)).toEqual(failed);
        expect(await store.runs.transition(run.id, { status: ['running'], attemptId: 'a1' }, { status: 'succeeded' })).toBeNull();
        expect(await store.runs.transition('missing', { status: ['queued'] }, { status: 'running' })).toBeNull();
        expect(await store.runs.get('missing')).toBeNull();
      });

      it('keeps id, notebook, version and creation time whatever a patch says, and drops keys patched to undefined', async () => {
        const nb = await newNotebook();
        const run = sampleRun(nb.id, { error: { code: 'x', message: 'y' } });
        await store.runs.create(run);
        const patch = { id: 'other', notebookId: 'other', notebookVersion: 9, createdAt: 'then', error: undefined } as never;
        const moved = await store.runs.transition(run.id, { status: ['queued'] }, patch);
        expect(moved).toEqual({ ...run, error: undefined });
        expect(Object.keys((await store.runs.get(run.id))!)).not.toContain('error');
      });

      it('lets exactly one of many racing writers move a run', async () => {
        const nb = await newNotebook();
        const run = sampleRun(nb.id);
        await store.runs.create(run);
        const attempts = Array.from({ length: 20 }, (_, i) => `attempt-${i}`);
        const won = await Promise.all(attempts.map((a) => store.runs.transition(run.id, { status: ['queued'] }, { status: 'running', attemptId: a })));
        expect(won.filter(Boolean)).toHaveLength(1);
        const winner = won.find(Boolean)!.attemptId!;
        const finals = await Promise.all(
          attempts.map((a) => store.runs.transition(run.id, { status: ['running'], attemptId: a }, { status: 'succeeded', error: { code: a, message: '' } })),
        );
        expect(finals.filter(Boolean)).toHaveLength(1);
        expect((await store.runs.get(run.id))?.error?.code).toBe(winner);
      });

      it('records heartbeats of the attempt holding a running run only, and reports a cancel request', async () => {
        const nb = await newNotebook();
        const run = sampleRun(nb.id);
        await store.runs.create(run);
        expect(await store.runs.heartbeat(run.id, 'a1', '2026-01-01T00:00:01.000Z')).toBeNull(); // still queued
        await store.runs.transition(run.id, { status: ['queued'] }, { status: 'running', attemptId: 'a1' });
        expect(await store.runs.heartbeat(run.id, 'a1', '2026-01-01T00:00:02.000Z')).toEqual({ status: 'running' });
        expect(await store.runs.heartbeat(run.id, 'a2', '2026-01-01T00:00:03.000Z')).toBeNull();
        expect((await store.runs.get(run.id))?.heartbeatAt).toBe('2026-01-01T00:00:02.000Z');
        await store.runs.transition(run.id, { status: ['running'] }, { cancelRequestedAt: '2026-01-01T00:00:04.000Z' });
        expect(await store.runs.heartbeat(run.id, 'a1', '2026-01-01T00:00:05.000Z')).toEqual({
          status: 'running',
          cancelRequestedAt: '2026-01-01T00:00:04.000Z',
        });
        await store.runs.transition(run.id, { status: ['running'], attemptId: 'a1' }, { status: 'cancelled' });
        expect(await store.runs.heartbeat(run.id, 'a1', '2026-01-01T00:00:06.000Z')).toBeNull();
      });

      it('lists unfinished runs, oldest first', async () => {
        const nb = await newNotebook();
        const a = sampleRun(nb.id, { createdAt: '2026-01-01T00:00:02.000Z' });
        const b = sampleRun(nb.id, { createdAt: '2026-01-01T00:00:01.000Z' });
        const c = sampleRun(nb.id, { createdAt: '2026-01-01T00:00:00.000Z' });
        for (const r of [a, b, c]) await store.runs.create(r);
        await store.runs.transition(b.id, { status: ['queued'] }, { status: 'running', attemptId: 'x' });
        await store.runs.transition(c.id, { status: ['queued'] }, { status: 'cancelled' });
        expect((await store.runs.listUnfinished(10)).map((r) => r.id)).toEqual([b.id, a.id]);
        expect((await store.runs.listUnfinished(1)).map((r) => r.id)).toEqual([b.id]);
      });

      it('lists a notebook’s runs newest first, up to the limit', async () => {
        const nb = await newNotebook();
        const other = await newNotebook('other');
        const times = ['2026-01-01T00:00:01.000Z', '2026-01-01T00:00:03.000Z', '2026-01-01T00:00:02.000Z'];
        for (const createdAt of times) await store.runs.create(sampleRun(nb.id, { createdAt }));
        await store.runs.create(sampleRun(other.id));
        const two = await store.runs.listByNotebook(nb.id, 2);
        expect(two.map((r) => r.createdAt)).toEqual(['2026-01-01T00:00:03.000Z', '2026-01-01T00:00:02.000Z']);
        expect((await store.runs.listByNotebook(nb.id, 10)).length).toBe(3);
      });
    });

    describe('meta', () => {
      it('gets and overwrites values', async () => {
        expect(await store.meta.get('k')).toBeNull();
        await store.meta.set('k', 'one');
        await store.meta.set('k', 'two');
        expect(await store.meta.get('k')).toBe('two');
      });
    });

    it('keeps everything across a close and reopen', async () => {
      const u = await newUser('keep@example.com');
      const nb = await newNotebook('kept');
      await store.meta.set('marker', 'yes');
      await store.close();
      store = await handle.open();
      expect(await store.users.getById(u.id)).toEqual(u);
      expect((await store.notebooks.get(nb.id))?.content).toEqual(sampleNotebook());
      expect(await store.meta.get('marker')).toBe('yes');
    });
  });
}
