import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import pino from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { freePort } from './embedded/child-process';
import { isRunning } from './embedded/processes';
import { startRedisServer, type RedisServer } from './embedded/redis-server';
import {
  FolioClient,
  lineCount,
  readyUrl,
  startFolioProcess,
  until,
  type FolioProcess,
} from './embedded/testing/folio-process';
import { connectKernelWs, runCells, streamText, type KernelWsClient } from './http/kernel/kernel.socket.fixture';
import { codeCell, notebookOf } from './notebooks/testing/notebook-builders';

/**
 * Process layouts, with the real entry point as child processes: FOLIO_ROLE=web and FOLIO_ROLE=worker side by side on
 * one external redis-server and one DATA_DIR (SQLite), each with its own embedded Jupyter Server; and the layouts
 * that cannot work, refused at start-up.
 */
const dirs: string[] = [];
const tempDir = (prefix: string) => {
  const d = fs.mkdtempSync(path.join(os.tmpdir(), prefix));
  dirs.push(d);
  return d;
};
const started: FolioProcess[] = [];
afterAll(() => {
  started.forEach((p) => p.child.kill('SIGKILL')); // after a failed test; their children follow (pdeathsig)
  dirs.forEach((d) => fs.rmSync(d, { recursive: true, force: true }));
});

const start = (env: Record<string, string>) => {
  const p = startFolioProcess(env);
  started.push(p);
  return p;
};

describe('layouts that cannot work refuse at start-up', () => {
  it.each(['web', 'worker'])(
    'FOLIO_ROLE=%s without REDIS_URL exits 1 saying to set a shared REDIS_URL, and why',
    async (role) => {
      const p = start({ FOLIO_ROLE: role, DATA_DIR: tempDir('folio-layout-'), PORT: '0' });
      expect(await p.exited).toEqual({ code: 1, signal: null });
      expect(p.stderr()).toContain(`REDIS_URL: required with FOLIO_ROLE=${role}.`);
      expect(p.stderr()).toMatch(
        /Web and worker processes meet only through Redis .*Set REDIS_URL to one Redis shared by every web and worker process/,
      );
      expect(p.logs).toEqual([]); // refused before starting anything
    },
  );
});

describe('FOLIO_ROLE=web and FOLIO_ROLE=worker as two processes on one Redis and one DATA_DIR', () => {
  const password = 'layout-test-pw';
  let redis: RedisServer;
  let dataDir: string;
  let web: FolioProcess;
  let worker: FolioProcess;
  let client: FolioClient;
  let live: KernelWsClient | undefined;
  let workerMetricsPort: number;
  const METRICS_TOKEN = 'layout-metrics-token-0123456789';

  beforeAll(async () => {
    redis = await startRedisServer({ dataDir: tempDir('folio-layout-redis-'), logger: pino({ level: 'silent' }) });
    dataDir = tempDir('folio-layout-data-');
    const common = { REDIS_URL: redis.url, DATA_DIR: dataDir, KERNEL_POOL_SIZE: '1', FOLIO_ADMIN_PASSWORD: password };
    web = start({ ...common, FOLIO_ROLE: 'web', PORT: String(await freePort()), FOLIO_METRICS_TOKEN: METRICS_TOKEN });
    workerMetricsPort = await freePort();
    worker = start({ ...common, FOLIO_ROLE: 'worker', FOLIO_METRICS_TOKEN: METRICS_TOKEN, FOLIO_METRICS_PORT: String(workerMetricsPort) });
    const [url] = await Promise.all([readyUrl(web), worker.waitForLog((l) => l.msg === 'Folio worker ready')]);
    client = new FolioClient(url);
    await client.signIn('admin@folio.local', password);
  });

  afterAll(async () => {
    live?.ws.close();
    for (const p of [web, worker])
      if (p && p.child.exitCode === null && p.child.signalCode === null) p.child.kill('SIGTERM');
    await Promise.all([web?.exited, worker?.exited]);
    await redis?.stop();
  });

  const jupyterPid = async (p: FolioProcess) => (await p.waitForLog((l) => l.msg === 'Jupyter Server ready')).pid!;

  it('a run requested through web is executed once, by the worker', async () => {
    const marker = path.join(tempDir('folio-layout-marker-'), 'executions.txt');
    const id = await client.createNotebook(
      'once',
      notebookOf([codeCell('c1', `with open(${JSON.stringify(marker)}, "a") as f:\n    f.write("ran\\n")`)]),
    );
    const run = await client.ended(await client.startRun(id));
    expect(run.status).toBe('succeeded');
    expect(run.cells.map((c) => [c.cellId, c.status, c.executionCount])).toEqual([['c1', 'ok', 1]]);
    expect(lineCount(marker)).toBe(1);
    // Each process runs a Jupyter Server of its own, with a runtime dir of its own.
    const [webJupyter, workerJupyter] = await Promise.all([jupyterPid(web), jupyterPid(worker)]);
    expect(webJupyter).not.toBe(workerJupyter);
    expect(fs.readdirSync(path.join(dataDir, 'jupyter-runtime'))).toHaveLength(2);
  });

  it('each role exposes its own metrics: the worker on FOLIO_METRICS_PORT (runs it ended), web on /metrics (requests)', async () => {
    const scrape = async (url: string) => {
      const res = await fetch(url, { headers: { authorization: `Bearer ${METRICS_TOKEN}` } });
      expect(res.status).toBe(200);
      return res.text();
    };
    const workerMetrics = await scrape(`http://127.0.0.1:${workerMetricsPort}/metrics`);
    expect(workerMetrics).toMatch(/^folio_runs_finished_total\{status="succeeded",role="worker"\} [1-9]/m);
    expect(workerMetrics).toMatch(/^folio_run_queue_wait_seconds_count\{role="worker"\} [1-9]/m);
    expect(workerMetrics).toMatch(/^folio_kernel_pool_target_size\{pool="runs",role="worker"\} 1$/m);
    expect((await fetch(`http://127.0.0.1:${workerMetricsPort}/metrics`)).status).toBe(401);
    const webMetrics = await scrape(`${client.url}/metrics`);
    expect(webMetrics).toMatch(/^folio_http_requests_total\{method="POST",route="\/api\/notebooks\/:id\/runs",status="202",role="web"\} [1-9]/m);
    expect(webMetrics).toMatch(/^folio_run_queue_jobs\{state="waiting",role="web"\} \d+/m);
  });

  it("stopping the worker (SIGTERM) leaves web's Jupyter Server and live kernels running", async () => {
    const id = await client.createNotebook('live', notebookOf([]));
    live = await connectKernelWs(
      `${client.url.replace(/^http/, 'ws')}/api/notebooks/${id}/kernel`,
      client.cookieHeader,
    );
    const kernelPid = async () => {
      const [done] = await runCells(live!, [['pid', 'import os\nprint(os.getpid())']]);
      expect(done!.status).toBe('ok');
      const outputs = live!.events.filter((e) => e.type === 'outputs' && e.cellId === 'pid').at(-1);
      return Number(streamText(outputs && 'outputs' in outputs ? outputs.outputs : []));
    };
    const before = await kernelPid();
    await runCells(live, [['set', 'kept = "still here"']]);
    const webJupyter = await jupyterPid(web);
    const workerJupyter = await jupyterPid(worker);
    expect(isRunning(before)).toBe(true);

    worker.child.kill('SIGTERM');
    expect(await worker.exited).toEqual({ code: 0, signal: null });
    await until("the worker's Jupyter Server is gone", () => !isRunning(workerJupyter));

    expect(isRunning(webJupyter)).toBe(true);
    expect(isRunning(before)).toBe(true);
    const [done] = await runCells(live, [['after', 'print(kept)']]);
    expect(done!.status).toBe('ok');
    const out = live.events.filter((e) => e.type === 'outputs' && e.cellId === 'after').at(-1);
    expect(streamText(out && 'outputs' in out ? out.outputs : [])).toBe('still here\n');
    expect(await kernelPid()).toBe(before); // the same kernel process, not a replacement
    expect((await client.readyz()).status).toBe(200);
  });
});
