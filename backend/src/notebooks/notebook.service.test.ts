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
