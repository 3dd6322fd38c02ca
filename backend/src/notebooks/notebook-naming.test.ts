import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { MAX_NOTEBOOK_NAME } from '../contracts/nbformat';
import type { Principal } from '../contracts/principal';
import { openSqliteStore } from '../store/sqlite/sqlite-store';
import type { Store } from '../store/store';
import { NotebookService } from './notebook.service';
import { EXAMPLES_SEEDED_KEY, seededExamples } from './seed-examples';

/** New notebooks' unique names and the example flag of the list, on a real SQLite file. */
let dir: string;
let store: Store;
beforeEach(() => {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'folio-naming-'));
  store = openSqliteStore(path.join(dir, 'folio.db'));
});
afterEach(async () => {
  await store.close();
  fs.rmSync(dir, { recursive: true, force: true });
});

const ada: Principal = { id: 'ada', email: 'ada@folio.test', name: 'Ada', role: 'author' };
const bob: Principal = { id: 'bob', email: 'bob@folio.test', name: 'Bob', role: 'author' };
const service = () =>
  new NotebookService({
    notebooks: store.notebooks,
    limits: { maxUploadBytes: 1 << 20 },
    examples: () => seededExamples(store.meta),
  });
const ipynb = JSON.stringify({ nbformat: 4, nbformat_minor: 5, metadata: {}, cells: [] });

describe('NotebookService: unique names of new notebooks', () => {
  it('names new notebooks "Untitled", "Untitled 2", "Untitled 3"… per owner, filling gaps', async () => {
    const svc = service();
    const names = [];
    for (let i = 0; i < 3; i++) names.push((await svc.create(ada, { name: 'Untitled' })).name);
    expect(names).toEqual(['Untitled', 'Untitled 2', 'Untitled 3']);
    // Another owner starts from "Untitled" again.
    expect((await svc.create(bob, { name: 'Untitled' })).name).toBe('Untitled');
    // A freed name is reused; the check ignores case.
    const second = (await svc.list(ada)).find((n) => n.name === 'Untitled 2')!;
    await svc.delete(ada, second.id);
    expect((await svc.create(ada, { name: 'untitled' })).name).toBe('untitled 2');
  });

  it('keeps a numbered name within the longest name allowed: the wanted name is cut before its number', async () => {
    const svc = service();
    const long = 'r'.repeat(MAX_NOTEBOOK_NAME);
    expect((await svc.create(ada, { name: long })).name).toBe(long);
    const second = (await svc.create(ada, { name: long })).name;
    expect(second).toBe(`${'r'.repeat(MAX_NOTEBOOK_NAME - 2)} 2`);
    expect(second).toHaveLength(MAX_NOTEBOOK_NAME);
  });

  it('gives imports a unique name too, and leaves renames alone', async () => {
    const svc = service();
    const a = await svc.importIpynb(ada, { name: 'Report', body: ipynb });
    expect((await svc.importIpynb(ada, { name: 'Report', body: ipynb })).name).toBe('Report 2');
    const b = await svc.create(ada, { name: 'Other' });
    // Renaming is the author's choice (as in JupyterLab's rename dialog, names are not forced unique here).
    expect((await svc.update(ada, b.id, { version: b.version, name: a.name })).name).toBe('Report');
  });
});

describe('NotebookService: examples in the list', () => {
  it('flags the seeded examples by id, and old markers (names only) by name', async () => {
    const svc = service();
    const ex = await svc.create(ada, { name: 'portfolio-var' });
    const mine = await svc.create(ada, { name: 'mine' });
    expect((await svc.list(ada)).every((n) => n.example === false)).toBe(true);
    await store.meta.set(EXAMPLES_SEEDED_KEY, JSON.stringify({ at: 'x', created: ['portfolio-var'], ids: [ex.id] }));
    const flags = Object.fromEntries((await svc.list(ada)).map((n) => [n.id, n.example]));
    expect(flags).toEqual({ [ex.id]: true, [mine.id]: false });
    await store.meta.set(EXAMPLES_SEEDED_KEY, JSON.stringify({ at: 'x', created: ['mine'] }));
    expect((await svc.list(ada)).find((n) => n.example)?.id).toBe(mine.id);
  });
});
