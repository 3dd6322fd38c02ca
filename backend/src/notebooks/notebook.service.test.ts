import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { Principal } from '../contracts/principal';
import { openSqliteStore } from '../store/sqlite/sqlite-store';
import type { Store } from '../store/store';
import { MAX_REVISIONS, NotebookService, REVISION_BURST_MS } from './notebook.service';

/** The history rule as the service applies it, on a real SQLite file, with a clock the test moves. */
let dir: string;
let store: Store;
let clock: number;
beforeEach(() => {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'folio-nbsvc-'));
  store = openSqliteStore(path.join(dir, 'folio.db'));
  clock = Date.parse('2026-03-02T09:00:00.000Z');
});
afterEach(async () => {
  await store.close();
  fs.rmSync(dir, { recursive: true, force: true });
});

const ada: Principal = { id: 'ada', email: 'ada@folio.test', name: 'Ada', role: 'author' };
const service = (revisions?: { keep?: number }) =>
  new NotebookService({ notebooks: store.notebooks, limits: { maxUploadBytes: 1 << 20 }, now: () => clock, revisions });
const minutes = (m: number) => m * 60_000;

describe('NotebookService history', () => {
  it('has the documented defaults', () => {
    expect(REVISION_BURST_MS).toBe(minutes(10));
    expect(MAX_REVISIONS).toBe(100);
  });

  it('coalesces autosaves for 10 minutes from the start of a burst, then starts a new revision', async () => {
    const svc = service();
    let nb = await svc.create(ada, { name: 'n' });
    for (const step of [0, 4, 5, 1]) {
      clock += minutes(step);
      nb = await svc.update(ada, nb.id, { version: nb.version, name: `v${nb.version + 1}` });
    }
    // Saves at +0, +4, +9 form one burst; +10 from its start begins the next.
    const revs = await svc.listRevisions(ada, nb.id);
    expect(revs.map((r) => [r.version, r.startedAt, r.savedAt])).toEqual([
      [5, new Date(clock).toISOString(), new Date(clock).toISOString()],
      [4, '2026-03-02T09:00:00.000Z', '2026-03-02T09:09:00.000Z'],
      [1, nb.createdAt, nb.createdAt],
    ]);
    expect(nb.updatedAt).toBe(new Date(clock).toISOString());
  });

  it('makes checkpoint saves and restores their own revisions, and keeps at most `keep`', async () => {
    const svc = service({ keep: 3 });
    let nb = await svc.create(ada, { name: 'n' });
    nb = await svc.update(ada, nb.id, { version: 1, name: 'a', checkpoint: true });
    nb = await svc.update(ada, nb.id, { version: 2, name: 'b' });
    nb = await svc.restoreRevision(ada, nb.id, 1);
    const revs = await svc.listRevisions(ada, nb.id);
    expect(revs.map((r) => [r.version, r.checkpoint])).toEqual([
      [4, true],
      [2, true],
      [1, true],
    ]); // the plain revision 3 went first
    expect(nb).toMatchObject({ version: 4, name: 'n' });
  });
});

describe('NotebookService: overwrite never empties code the client never saw', () => {
  const cell = (id: string, source: string) => ({
    id,
    cell_type: 'code' as const,
    source,
    metadata: {},
    execution_count: null,
    outputs: [],
  });
  const doc = (...cells: ReturnType<typeof cell>[]) => ({ nbformat: 4, nbformat_minor: 5, metadata: {}, cells });
  const sources = (nb: { content: { cells: { source: unknown }[] } }) => nb.content.cells.map((c) => c.source);
  const refusal = (p: Promise<unknown>) =>
    p.then(
      () => null,
      (e: { status?: number; details?: unknown }) => ({ status: e.status, details: e.details }),
    );

  /** v1: a and b empty (a tab loads it); v2: another tab writes code into a (a new revision: 11 minutes later). */
  async function twoTabs() {
    const svc = service();
    const nb = await svc.create(ada, { name: 'n', content: doc(cell('a', ''), cell('b', '')) });
    clock += minutes(11);
    await svc.update(ada, nb.id, { version: 1, content: doc(cell('a', 'x = 1'), cell('b', '')) });
    return { svc, id: nb.id };
  }

  it('refuses (409 would_blank, nothing saved) an overwrite that empties code written after the version it saw', async () => {
    const { svc, id } = await twoTabs();
    const r = await refusal(
      svc.update(ada, id, { version: 1, overwriteVersion: 2, content: doc(cell('a', '  '), cell('b', 'y = 2')) }),
    );
    expect(r).toEqual({
      status: 409,
      details: { currentVersion: 2, reason: 'would_blank', blanked: [{ id: 'a', source: 'x = 1' }] },
    });
    expect(sources(await svc.get(ada, id))).toEqual(['x = 1', '']);
    // With that code filled in, the same overwrite goes through.
    const saved = await svc.update(ada, id, {
      version: 1,
      overwriteVersion: 2,
      content: doc(cell('a', 'x = 1'), cell('b', 'y = 2')),
    });
    expect(sources(saved)).toEqual(['x = 1', 'y = 2']);
  });

  it('lets a save empty code the client saw: a plain save, or an overwrite whose cell had that code at its version', async () => {
    const { svc, id } = await twoTabs();
    // Tab 2 saw v2 (a = 'x = 1') and then someone saved v3 elsewhere (b only): its overwrite may clear a.
    clock += minutes(11);
    await svc.update(ada, id, { version: 2, content: doc(cell('a', 'x = 1'), cell('b', 'z')) });
    const over = await svc.update(ada, id, {
      version: 2,
      overwriteVersion: 3,
      content: doc(cell('a', ''), cell('b', 'mine')),
    });
    expect(sources(over)).toEqual(['', 'mine']);
    // A plain save on the current version clears whatever it likes.
    await svc.update(ada, id, { version: 4, content: doc(cell('a', 'back'), cell('b', 'mine')) });
    expect(sources(await svc.update(ada, id, { version: 5, content: doc(cell('a', ''), cell('b', '')) }))).toEqual([
      '',
      '',
    ]);
  });

  it('counts a version coalesced away as not seen, and refuses a stale overwrite or a version newer than it', async () => {
    const svc = service();
    const nb = await svc.create(ada, { name: 'n', content: doc(cell('a', '')) });
    await svc.update(ada, nb.id, { version: 1, content: doc(cell('a', 'one')) }); // v2, a new revision after creation
    await svc.update(ada, nb.id, { version: 2, content: doc(cell('a', 'two')) }); // v3 replaces revision 2 (burst)
    expect(
      (await refusal(svc.update(ada, nb.id, { version: 2, overwriteVersion: 3, content: doc(cell('a', '')) })))
        ?.details,
    ).toMatchObject({ reason: 'would_blank', blanked: [{ id: 'a', source: 'two' }] });
    expect(
      (await refusal(svc.update(ada, nb.id, { version: 1, overwriteVersion: 2, content: doc(cell('a', 'x')) })))
        ?.status,
    ).toBe(409);
    expect(
      (await refusal(svc.update(ada, nb.id, { version: 3, overwriteVersion: 2, content: doc(cell('a', 'x')) })))
        ?.status,
    ).toBe(400);
    expect((await svc.get(ada, nb.id)).version).toBe(3);
  });
});
