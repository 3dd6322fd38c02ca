import { createHash, randomUUID } from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Principal } from '../contracts/principal';
import { codeCell as code, notebookOf } from '../notebooks/testing/notebook-builders';
import type { Notebook, Output } from '../contracts/nbformat';
import { JupyterWorkdirs } from '../kernels/workdirs/jupyter-workdirs';
import { RUN_WORKDIRS, runWorkdir } from '../kernels/workdirs/workdir-path';
import { sweepRunWorkdirs } from './run-workdir';
import { startRunsFixture, type Runner, type RunsFixture } from './testing/runs-fixture';

/**
 * Headless runs see their files in a fresh working directory of their own (real Jupyter Server and kernel, Redis,
 * SQLite). Pool size 1: every run here executes on the same pooled kernel, restarted between runs, so a leak from one
 * run to the next would show.
 */
let fx: RunsFixture;
let runner: Runner;
const author: Principal = { id: 'u-files', email: 'files@workdir.test', name: 'Files', role: 'author' };

beforeAll(async () => {
  fx = await startRunsFixture({ poolSize: 1 });
  runner = fx.startRunner();
});
afterAll(async () => {
  await runner?.close();
  await fx?.stop();
});

const root = () => path.join(fx.jupyter.dataDir, 'workspace');
const runDirOnDisk = (runId: string) => path.join(root(), runWorkdir(runId));

async function notebookWith(files: Record<string, string>, ...cells: string[]): Promise<string> {
  const nb = await fx.store.notebooks.create({
    id: `nb-${randomUUID()}`,
    name: 'workdir',
    ownerId: author.id,
    content: notebookOf(cells.map((src, i): Notebook['cells'][number] => code(`c${i}`, src))),
  });
  for (const [p, text] of Object.entries(files)) {
    const data = Buffer.from(text);
    await fx.store.notebookFiles.put({
      notebookId: nb.id,
      path: p,
      size: data.length,
      sha256: createHash('sha256').update(data).digest('hex'),
      data,
      updatedAt: new Date().toISOString(),
      updatedBy: author.id,
    });
  }
  return nb.id;
}

/** Runs the notebook to its end; its stdout per code cell. */
async function run(notebookId: string): Promise<{ id: string; status: string; out: string[] }> {
  const started = await runner.service.start(author, notebookId, {});
  await runner.settled(started.id);
  const done = await runner.service.get(author, started.id);
  const text = (o: Output) => (o.output_type === 'stream' ? [o.text].flat().join('') : '');
  return { id: done.id, status: done.status, out: done.cells.map((c) => c.outputs.map(text).join('')) };
}

const LIST = 'import os\nprint(sorted(os.path.relpath(os.path.join(d, f)) for d, _, fs in os.walk(".") for f in fs))';

describe('a headless run', () => {
  it('reads the notebook\u2019s files, nested ones too, from its cwd: a folder of its own, gone after the run', async () => {
    const nb = await notebookWith(
      { 'prices.csv': 'ticker,price\nAAA,101.5\nBBB,99.25\n', 'data/x.txt': 'nested hello' },
      'import csv\nprint([r["ticker"] + "=" + r["price"] for r in csv.DictReader(open("prices.csv"))])',
      'print(open("data/x.txt").read())',
      'import os\nprint(os.getcwd())',
    );
    const r = await run(nb);
    expect(r.status).toBe('succeeded');
    expect(r.out[0]).toBe("['AAA=101.5', 'BBB=99.25']\n");
    expect(r.out[1]).toBe('nested hello\n');
    expect(r.out[2]).toBe(`${runDirOnDisk(r.id)}\n`);
    expect(fs.existsSync(runDirOnDisk(r.id))).toBe(false);
  });

  it('cannot change what the next run of the notebook reads (same pooled kernel), nor leave anything behind', async () => {
    const nb = await notebookWith(
      { 'prices.csv': 'original\n', 'data/x.txt': 'x' },
      LIST,
      'print(open("prices.csv").read())',
      'open("prices.csv", "w").write("changed\\n")\nopen("new.txt", "w").write("left behind")\nimport os\nos.remove("data/x.txt")\nos.makedirs("out/deep")\nopen("out/deep/r.txt", "w").write("r")',
      LIST,
    );
    const first = await run(nb);
    expect(first.status).toBe('succeeded');
    expect(first.out[0]).toBe("['data/x.txt', 'prices.csv']\n");
    expect(first.out[1]).toBe('original\n\n');
    expect(first.out[3]).toBe("['new.txt', 'out/deep/r.txt', 'prices.csv']\n");

    const other = await notebookWith({}, LIST); // no files: still a folder of its own, empty
    const between = await run(other);
    expect(between.out[0]).toBe('[]\n');

    const second = await run(nb);
    expect(second.out[0]).toBe("['data/x.txt', 'prices.csv']\n");
    expect(second.out[1]).toBe('original\n\n');
    for (const r of [first, between, second]) expect(fs.existsSync(runDirOnDisk(r.id))).toBe(false);
    expect(fs.readdirSync(path.join(root(), RUN_WORKDIRS))).toEqual([]);
  });

  it('removes its folder after a failed run', async () => {
    const nb = await notebookWith({ 'a.txt': 'a' }, 'open("written.txt", "w").write("w")\nraise ValueError("boom")');
    const r = await run(nb);
    expect(r.status).toBe('failed');
    expect(fs.existsSync(runDirOnDisk(r.id))).toBe(false);
  });

  it('removes its folder after a cancelled run', async () => {
    const nb = await notebookWith(
      { 'a.txt': 'a' },
      'open("written.txt", "w").write("w")',
      'import time\ntime.sleep(120)',
    );
    const started = await runner.service.start(author, nb, {});
    await runner.waitFor(
      started.id,
      (e) => e.kind === 'progress' && (e.progress as { cellId: string }).cellId === 'c1',
    );
    expect(fs.readdirSync(runDirOnDisk(started.id)).sort()).toEqual(['a.txt', 'written.txt']);
    await runner.service.cancel(author, started.id);
    await runner.settled(started.id);
    expect((await fx.store.runs.get(started.id))?.status).toBe('cancelled');
    expect(fs.existsSync(runDirOnDisk(started.id))).toBe(false);
  });
});

describe('sweeping run folders left by a crash', () => {
  it('removes the folders of ended or unknown runs, keeps those of runs still queued or running and others', async () => {
    const workdirs = new JupyterWorkdirs({ settings: fx.jupyter.settings });
    const nb = await notebookWith({}, 'pass');
    const ended = await run(nb);
    const base = (await fx.store.runs.get(ended.id))!;
    const running = { ...base, id: randomUUID(), status: 'running' as const, attemptId: 'a', endedAt: undefined };
    await fx.store.runs.create(running);
    const unknown = randomUUID();
    for (const id of [ended.id, running.id, unknown])
      await workdirs.create(runWorkdir(id), [{ path: 'f.txt', data: Buffer.from('f') }]);
    fs.mkdirSync(path.join(root(), RUN_WORKDIRS, 'not.ours'));
    const removed = await sweepRunWorkdirs({ workdirs, runs: fx.store.runs, logger: fx.logger });
    expect(removed).toBe(2);
    expect(fs.readdirSync(path.join(root(), RUN_WORKDIRS)).sort()).toEqual([running.id, 'not.ours'].sort());
    await workdirs.remove(runWorkdir(running.id));
    fs.rmdirSync(path.join(root(), RUN_WORKDIRS, 'not.ours'));
  });
});
