/**
 * `npm run bench:workdirs` — what each run's fresh working directory (backend/src/runs/run-workdir.ts) costs.
 *
 * On one warm pooled kernel (embedded Jupyter Server, real redis-server and SQLite), BENCH_REPS (default 20) of:
 *   steps     the steps alone — create the folder with its files (Contents API) side by side with the kernel's chdir (a
 *             silent execute), then remove the folder — for a notebook without files and one with 5 files (a 100 KB
 *             CSV, 4 small), next to one silent `pass` execute on the same kernel (the floor of any kernel request);
 *   end to end a headless run of a 1-cell notebook, RunService.start → the worker's `completed` event, with the real
 *             workdirs and with a no-op stand-in, interleaved. The removal comes after the run's result is saved (a
 *             reader sees the run ended before it), but before the job completes, so it is counted here.
 * Prints medians. Not a test: no thresholds.
 */
import { createHash, randomUUID } from 'node:crypto';
import { executeCode } from '../backend/src/kernels/executor';
import type { KernelPool } from '../backend/src/kernels/pool';
import { JupyterWorkdirs } from '../backend/src/kernels/workdirs/jupyter-workdirs';
import { runWorkdir, type WorkdirPath } from '../backend/src/kernels/workdirs/workdir-path';
import { codeCell, notebookOf } from '../backend/src/notebooks/testing/notebook-builders';
import { contentsRunWorkdirs, runFilesFrom, type RunWorkdirs } from '../backend/src/runs/run-workdir';
import { startRunsFixture, type RunsFixture } from '../backend/src/runs/testing/runs-fixture';

const REPS = Number(process.env.BENCH_REPS ?? 20);
const median = (xs: number[]) => {
  const s = [...xs].sort((a, b) => a - b);
  const m = Math.floor(s.length / 2);
  return s.length % 2 ? s[m]! : (s[m - 1]! + s[m]!) / 2;
};
const fmt = (x: number) => `${x.toFixed(1)} ms`;
const author = { id: 'u-bench', email: 'bench@folio.local', name: 'Bench', role: 'author' as const };

async function waitForWarmPool(pool: KernelPool): Promise<void> {
  while (pool.health().idle < pool.size) await new Promise((r) => setTimeout(r, 5));
}

async function notebook(fx: RunsFixture, files: Array<{ path: string; data: Buffer }>): Promise<string> {
  const nb = await fx.store.notebooks.create({
    id: `nb-${randomUUID()}`,
    name: 'bench',
    ownerId: author.id,
    content: notebookOf([codeCell('a', 'x = 1')]),
  });
  for (const f of files) {
    await fx.store.notebookFiles.put({
      notebookId: nb.id,
      path: f.path,
      size: f.data.length,
      sha256: createHash('sha256').update(f.data).digest('hex'),
      data: f.data,
      updatedAt: new Date().toISOString(),
      updatedBy: author.id,
    });
  }
  return nb.id;
}

const FIVE_FILES = [
  { path: 'positions.csv', data: Buffer.from('ticker,qty,price\n' + 'AAA,100,101.25\n'.repeat(6_500)) },
  { path: 'config.json', data: Buffer.from('{"currency":"EUR"}') },
  { path: 'img/logo.png', data: Buffer.alloc(4_096, 7) },
  { path: 'data/a.txt', data: Buffer.from('a') },
  { path: 'data/b.txt', data: Buffer.from('b') },
];

async function main(): Promise<void> {
  const fx = await startRunsFixture({ poolSize: 1 });
  try {
    const workdirs = new JupyterWorkdirs({ settings: fx.jupyter.settings });
    const real = contentsRunWorkdirs(workdirs, runFilesFrom(fx.store.notebookFiles));
    const none: RunWorkdirs = { open: async () => runWorkdir('none'), remove: async () => undefined };
    const cases = { 'no files': await notebook(fx, []), '5 files (106 KB)': await notebook(fx, FIVE_FILES) };

    console.log(`steps alone (median of ${REPS}):`);
    for (const [label, nbId] of Object.entries(cases)) {
      const t = { floor: [] as number[], open: [] as number[], remove: [] as number[] };
      for (let i = 0; i < REPS; i++) {
        await waitForWarmPool(fx.pool);
        const kernel = await fx.pool.acquire(30_000);
        let at = performance.now();
        await executeCode(kernel, 'pass', { silent: true, storeHistory: false });
        t.floor.push(performance.now() - at);
        const run = { id: randomUUID(), notebookId: nbId } as Parameters<RunWorkdirs['open']>[0];
        at = performance.now();
        const dir: WorkdirPath = await real.open(run, kernel);
        t.open.push(performance.now() - at);
        at = performance.now();
        await real.remove(dir);
        t.remove.push(performance.now() - at);
        fx.pool.release(kernel);
      }
      console.log(
        `  ${label.padEnd(18)} create + chdir (side by side, on the run's path) ${fmt(median(t.open))}  remove ${fmt(median(t.remove))}  (one silent \`pass\` execute: ${fmt(median(t.floor))})`,
      );
    }

    console.log(`end to end, start → completed (median of ${REPS}, interleaved):`);
    const withDirs = fx.startRunner({ workdirs: real, concurrency: 1 });
    const without = fx.startRunner({ workdirs: none, concurrency: 1 });
    for (const [label, nbId] of Object.entries(cases)) {
      const times = { with: [] as number[], without: [] as number[] };
      for (let i = 0; i < REPS; i++) {
        for (const [kind, runner] of [
          ['with', withDirs],
          ['without', without],
        ] as const) {
          await waitForWarmPool(fx.pool);
          const at = performance.now();
          const run = await runner.service.start(author, nbId, {});
          await runner.settled(run.id);
          times[kind].push(performance.now() - at);
        }
      }
      const w = median(times.with),
        wo = median(times.without);
      console.log(`  ${label.padEnd(18)} with ${fmt(w)}  without ${fmt(wo)}  added ${fmt(w - wo)}`);
    }
  } finally {
    await fx.stop();
  }
}

await main();
