/**
 * `npm run bench:engine` — Folio's engine against papermill and nbclient, side by side in one run.
 *
 * For each notebook in bench/notebooks (tiny 5-cell, pandas+matplotlib report, 50-cell), N repetitions of:
 *   folio      a headless run through the product path: RunService.start → BullMQ (real redis-server) →
 *              worker → warm KernelPool (embedded Jupyter Server) with the product's warm-up preamble
 *              (compose.ts KERNEL_PREAMBLE) → executeNotebook → SQLite; timed from start() to the worker's
 *              `completed` event. The pool is back to full (restarted kernels warm) between repetitions.
 *   folio-cold the same with a pool without preamble: the notebook pays for its imports, as papermill does.
 *   papermill  the papermill CLI (bench/.venv), wall time of the process.
 *   nbclient   `python -c` running nbclient.NotebookClient(...).execute() (bench/.venv), wall time.
 * Then the median execute round trip of `1+1`, three ways:
 *   folio (WebSocket)   through Folio's own path: a running Folio server, signed in, `WS /api/notebooks/:id/kernel`
 *                       (bench/folio-ws.ts), as the browser editor executes a cell;
 *   engine in-process   executeCode on a pooled kernel in this process (Jupyter Server websocket, no Folio hop);
 *   raw jupyter_client  ZeroMQ straight to a kernel, no server in between (the floor).
 * Prints medians and ratios. Not a test: no thresholds asserted. BENCH_REPS (default 5), BENCH_RTT (default 200).
 */
import { execFileSync, spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { executeCode } from '../backend/src/kernels/executor';
import type { KernelPool } from '../backend/src/kernels/pool';
import type { Notebook } from '../backend/src/contracts/nbformat';
import { startRunsFixture, type Runner, type RunsFixture } from '../backend/src/runs/testing/runs-fixture';
import { folioWebSocketRoundTrips } from './folio-ws';

const here = path.dirname(fileURLToPath(import.meta.url));
const BENCH_PY = path.join(here, '.venv/bin/python');
const PAPERMILL = path.join(here, '.venv/bin/papermill');
const KERNEL_PY = path.join(here, '../kernels/.venv/bin/python');
const REPS = Number(process.env.BENCH_REPS ?? 5);
const RTT = Number(process.env.BENCH_RTT ?? 200);
const NOTEBOOKS = ['tiny', 'report', 'cells50'];
/** Same as KERNEL_PREAMBLE in backend/src/compose.ts (the pool default of `npm start`). */
const PREAMBLE = 'import numpy, pandas, matplotlib.pyplot';

const median = (xs: number[]) => {
  const s = [...xs].sort((a, b) => a - b);
  const m = Math.floor(s.length / 2);
  return s.length % 2 ? s[m]! : (s[m - 1]! + s[m]!) / 2;
};
const ms = (x: number) => `${x.toFixed(x < 10 ? 2 : 0)} ms`;
const now = () => performance.now();

function requireFile(file: string, hint: string): void {
  if (!fs.existsSync(file)) {
    console.error(`${file} is missing: ${hint}`);
    process.exit(2);
  }
}

async function waitForWarmPool(pool: KernelPool): Promise<void> {
  // A bench, not a test: poll the pool until every kernel is idle again (restarted after the last run).
  while (pool.health().idle < pool.size) await new Promise((r) => setTimeout(r, 20));
}

async function timeFolio(fx: RunsFixture, runner: Runner, name: string, nbId: string): Promise<number> {
  await waitForWarmPool(fx.pool);
  const who = { id: 'bench', email: 'bench@folio.local', name: 'bench', role: 'author' as const };
  const t0 = now();
  const run = await runner.service.start(who, nbId, {});
  const e = await runner.settled(run.id);
  const t = now() - t0;
  const rec = await fx.store.runs.get(run.id);
  if (e.kind !== 'completed' || rec?.status !== 'succeeded')
    throw new Error(`folio run of ${name} ended ${rec?.status}: ${JSON.stringify(rec?.error)}`);
  return t;
}

function timeProcess(cmd: string, args: string[]): number {
  const t0 = now();
  const r = spawnSync(cmd, args, { stdio: ['ignore', 'ignore', 'pipe'] });
  const t = now() - t0;
  if (r.status !== 0)
    throw new Error(`${path.basename(cmd)} ${args.join(' ')} failed:\n${r.stderr.toString().slice(-2000)}`);
  return t;
}

const NBCLIENT = `import sys, nbformat, nbclient
nb = nbformat.read(sys.argv[1], 4)
nbclient.NotebookClient(nb, kernel_name="python3", timeout=600).execute()
nbformat.write(nb, sys.argv[2])`;

/** Median `1+1` round trip with raw jupyter_client (ZeroMQ, no server in between): the floor. */
const FLOOR = `import json, statistics, sys, time
from jupyter_client.manager import start_new_kernel
km, kc = start_new_kernel(kernel_name="python3")
try:
    for _ in range(20):
        kc.execute_interactive("1+1", output_hook=lambda m: None, timeout=30)
    xs = []
    for _ in range(int(sys.argv[1])):
        t = time.perf_counter()
        kc.execute_interactive("1+1", output_hook=lambda m: None, timeout=30)
        xs.append((time.perf_counter() - t) * 1000)
    print(json.dumps({"median": statistics.median(xs)}))
finally:
    kc.stop_channels()
    km.shutdown_kernel(now=True)`;

async function main(): Promise<void> {
  requireFile(PAPERMILL, 'run `node scripts/setup.mjs bench` (installs bench/requirements.txt into bench/.venv).');
  requireFile(KERNEL_PY, 'run `npm start` once, or `node scripts/setup.mjs start`, to create kernels/.venv.');
  const cpus = os.cpus();
  console.log(
    `engine bench: ${REPS} reps per notebook, ${RTT} round trips; ${cpus.length} × ${cpus[0]?.model ?? 'cpu'}, node ${process.version}`,
  );
  const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'folio-bench-'));
  const results: Record<string, Record<string, number[]>> = {};
  const add = (nb: string, who: string, t: number) => ((results[nb] ??= {})[who] ??= []).push(t);

  const fixtures: Array<{ label: string; fx: RunsFixture }> = [];
  try {
    fixtures.push({ label: 'folio', fx: await startRunsFixture({ poolSize: 1, preamble: PREAMBLE }) });
    fixtures.push({ label: 'folio-cold', fx: await startRunsFixture({ poolSize: 1 }) });
    const runners = fixtures.map(({ label, fx }) => ({ label, fx, runner: fx.startRunner() }));
    const ids: Record<string, Record<string, string>> = {};
    for (const { label, fx } of runners) {
      for (const name of NOTEBOOKS) {
        const content = JSON.parse(fs.readFileSync(path.join(here, 'notebooks', `${name}.ipynb`), 'utf8')) as Notebook;
        const rec = await fx.store.notebooks.create({ id: `bench-${name}`, name, ownerId: 'bench', content });
        (ids[label] ??= {})[name] = rec.id;
      }
    }

    for (const name of NOTEBOOKS) {
      const input = path.join(here, 'notebooks', `${name}.ipynb`);
      const out = path.join(tmp, `${name}.out.ipynb`);
      // One untimed warm-up of each contender (OS page cache, .pyc files, matplotlib font cache).
      for (const { label, fx, runner } of runners) await timeFolio(fx, runner, name, ids[label]![name]!);
      timeProcess(PAPERMILL, [input, out, '-k', 'python3', '--log-level', 'ERROR']);
      timeProcess(BENCH_PY, ['-c', NBCLIENT, input, out]);
      for (let i = 0; i < REPS; i++) {
        for (const { label, fx, runner } of runners)
          add(name, label, await timeFolio(fx, runner, name, ids[label]![name]!));
        add(name, 'papermill', timeProcess(PAPERMILL, [input, out, '-k', 'python3', '--log-level', 'ERROR']));
        add(name, 'nbclient', timeProcess(BENCH_PY, ['-c', NBCLIENT, input, out]));
      }
      const r = results[name]!;
      const [f, fc, pm, nc] = [r.folio!, r['folio-cold']!, r.papermill!, r.nbclient!].map(median) as [
        number,
        number,
        number,
        number,
      ];
      console.log(
        `${name.padEnd(8)} folio ${ms(f)} | folio-cold ${ms(fc)} | papermill ${ms(pm)} | nbclient ${ms(nc)} || ` +
          `papermill/folio ${(pm / f).toFixed(1)}× (cold ${(pm / fc).toFixed(1)}×), nbclient/folio ${(nc / f).toFixed(1)}× (cold ${(nc / fc).toFixed(1)}×)`,
      );
    }

    // Round trip: through a running Folio (WebSocket), executeCode in-process, raw jupyter_client.
    const { fx } = fixtures[0]!;
    await waitForWarmPool(fx.pool);
    const kernel = await fx.pool.acquire(30_000);
    const rtts: number[] = [];
    try {
      for (let i = 0; i < 20 + RTT; i++) {
        const t0 = now();
        const r = await executeCode(kernel, '1+1');
        const t = now() - t0;
        if (r.status !== 'ok') throw new Error(`1+1 ended ${r.status}`);
        if (i >= 20) rtts.push(t);
      }
    } finally {
      fx.pool.release(kernel);
    }
    const floor = (JSON.parse(execFileSync(KERNEL_PY, ['-c', FLOOR, String(RTT)]).toString()) as { median: number })
      .median;
    const folioRtt = median(rtts);
    const wsRtt = median(await folioWebSocketRoundTrips(RTT));
    console.log(
      `1+1 round trip: folio (WebSocket) ${ms(wsRtt)} | engine in-process ${ms(folioRtt)} | raw jupyter_client ${ms(floor)} || ` +
        `folio/floor ${(wsRtt / floor).toFixed(2)}×, in-process/floor ${(folioRtt / floor).toFixed(2)}×, folio/in-process ${(wsRtt / folioRtt).toFixed(2)}×`,
    );

    console.log('\nsummary (medians):');
    console.log(
      JSON.stringify(
        {
          reps: REPS,
          medians: Object.fromEntries(
            Object.entries(results).map(([k, v]) => [
              k,
              Object.fromEntries(Object.entries(v).map(([w, xs]) => [w, Math.round(median(xs))])),
            ]),
          ),
          rtt: { folioWebSocket: wsRtt, engineInProcess: folioRtt, floor },
        },
        null,
        1,
      ),
    );
  } finally {
    for (const { fx } of fixtures) await fx.stop();
    fs.rmSync(tmp, { recursive: true, force: true });
  }
}

main().then(
  () => process.exit(0),
  (e: unknown) => {
    console.error(e);
    process.exit(1);
  },
);
