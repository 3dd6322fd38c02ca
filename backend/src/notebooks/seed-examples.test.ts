import { execFile } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import pino from 'pino';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { openSqliteStore } from '../store/sqlite/sqlite-store';
import type { Store } from '../store/store';
import { bootstrapAdmin } from '../users/bootstrap-admin';
import { cellTags, sourceText, type Notebook } from '../contracts/nbformat';
import { DEFAULT_EXAMPLES_DIR, EXAMPLES_SEEDED_KEY, seedExamples } from './seed-examples';

const run = promisify(execFile);
const PYTHON = path.resolve(DEFAULT_EXAMPLES_DIR, '../kernels/.venv/bin/python');
const EXAMPLES = fs
  .readdirSync(DEFAULT_EXAMPLES_DIR)
  .filter((f) => f.endsWith('.ipynb'))
  .sort();
const logger = pino({ level: 'silent' });

describe('seedExamples (real SQLite file)', () => {
  let dir: string;
  let store: Store;
  let adminId: string;
  beforeEach(async () => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'folio-seed-'));
    store = openSqliteStore(path.join(dir, 'folio.db'));
    adminId = (
      await bootstrapAdmin({
        store,
        logger,
        admin: { email: 'admin@folio.local', password: 'admin-password' },
        dataDir: dir,
      })
    ).createdAdminId as string;
  });
  afterEach(async () => {
    await store.close();
    fs.rmSync(dir, { recursive: true, force: true });
  });

  it('imports every example once, owned by the admin, and never again', async () => {
    const first = await seedExamples({ store, logger });
    expect(first).toEqual({ alreadySeeded: false, created: ['fx-rates-report', 'portfolio-var', 'yield-curve-fit'] });
    const list = await store.notebooks.list();
    expect(list.map((n) => n.name).sort()).toEqual(first.created);
    for (const n of list) expect(n).toMatchObject({ ownerId: adminId, version: 1 });
    expect(await store.meta.get(EXAMPLES_SEEDED_KEY)).toContain('fx-rates-report');

    // A deleted example stays deleted on the next start.
    await store.notebooks.delete(list[0]?.id ?? '', { by: 'admin', at: new Date().toISOString() });
    expect(await seedExamples({ store, logger })).toEqual({ alreadySeeded: true, created: [] });
    expect((await store.notebooks.list()).length).toBe(2);
  });

  it('keeps the notebooks verbatim: ids, tags and kernelspec', async () => {
    await seedExamples({ store, logger });
    for (const s of await store.notebooks.list()) {
      const nb = await store.notebooks.get(s.id);
      const file = JSON.parse(fs.readFileSync(path.join(DEFAULT_EXAMPLES_DIR, `${s.name}.ipynb`), 'utf8')) as unknown;
      expect(nb?.content).toEqual(file);
    }
  });

  it('skips invalid files and names already present, and still marks the seeding done', async () => {
    const examples = path.join(dir, 'examples');
    fs.mkdirSync(examples);
    fs.copyFileSync(path.join(DEFAULT_EXAMPLES_DIR, 'portfolio-var.ipynb'), path.join(examples, 'portfolio-var.ipynb'));
    fs.copyFileSync(
      path.join(DEFAULT_EXAMPLES_DIR, 'fx-rates-report.ipynb'),
      path.join(examples, 'fx-rates-report.ipynb'),
    );
    fs.writeFileSync(path.join(examples, 'broken.ipynb'), '{"cells": ');
    fs.writeFileSync(path.join(examples, 'notes.txt'), 'not a notebook');
    const existing = JSON.parse(fs.readFileSync(path.join(examples, 'fx-rates-report.ipynb'), 'utf8'));
    await store.notebooks.create({ id: 'pre', name: 'fx-rates-report', ownerId: adminId, content: existing });
    const r = await seedExamples({ store, logger, dir: examples });
    expect(r.created).toEqual(['portfolio-var']);
    expect((await store.notebooks.list()).map((n) => n.name).sort()).toEqual(['fx-rates-report', 'portfolio-var']);
    expect(await store.meta.get(EXAMPLES_SEEDED_KEY)).not.toBeNull();
  });

  it('refuses to seed without an admin to own the notebooks', async () => {
    const empty = openSqliteStore(path.join(dir, 'empty.db'));
    await expect(seedExamples({ store: empty, logger })).rejects.toThrow(/no admin/);
    expect(await empty.meta.get(EXAMPLES_SEEDED_KEY)).toBeNull();
    await empty.close();
  });
});

describe('the example notebooks', () => {
  it('are at least three, each with a first code cell tagged parameters in `name: type = value  # help` style', () => {
    expect(EXAMPLES.length).toBeGreaterThanOrEqual(3);
    for (const file of EXAMPLES) {
      const nb = JSON.parse(fs.readFileSync(path.join(DEFAULT_EXAMPLES_DIR, file), 'utf8')) as Notebook;
      expect([nb.nbformat, nb.nbformat_minor]).toEqual([4, 5]);
      const firstCode = nb.cells.find((c) => c.cell_type === 'code');
      expect(firstCode && cellTags(firstCode)).toContain('parameters');
      for (const line of sourceText(firstCode?.source ?? '').split('\n')) {
        expect(line).toMatch(/^[a-z_][a-z0-9_]*: (str|int|float|bool|list) = .+ {2}# .+$/);
      }
      for (const c of nb.cells) if (c.cell_type === 'code') expect(c.outputs).toEqual([]);
    }
  });

  it('pass nbformat.validate and run top to bottom without errors in the kernel venv', async () => {
    const script = `
import sys, nbformat
from nbclient import NotebookClient
for path in sys.argv[1:]:
    nb = nbformat.read(path, as_version=4)
    nbformat.validate(nb)
    NotebookClient(nb, timeout=120, kernel_name="python3").execute()
    errors = [o for c in nb.cells if c.cell_type == "code" for o in c.outputs if o.output_type == "error"]
    assert not errors, (path, errors)
    print("ok", path)
`;
    const files = EXAMPLES.map((f) => path.join(DEFAULT_EXAMPLES_DIR, f));
    const { stdout } = await run(PYTHON, ['-c', script, ...files], { timeout: 300_000 });
    expect(stdout.trim().split('\n')).toEqual(files.map((f) => `ok ${f}`));
  });
});
