import { randomUUID } from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { ConnectionOptions } from 'bullmq';
import { startRedisServer, type RedisServer } from '../../embedded/redis-server';
import { KernelPool } from '../../kernels/pool';
import { startTestJupyter, type TestJupyter } from '../../kernels/testing/jupyter-fixture';
import type { Logger } from '../../logger';
import { BullRunEvents } from '../../queue/run-events';
import { BullRunQueue } from '../../queue/run-queue';
import { startRunWorker, type RunWorker, type RunWorkerOptions } from '../../queue/workers';
import { openSqliteStore } from '../../store/sqlite/sqlite-store';
import type { Store } from '../../store/store';
import { JupyterWorkdirs } from '../../kernels/workdirs/jupyter-workdirs';
import { RunExecution, type KernelSource } from '../run-execution';
import { contentsRunWorkdirs, runFilesFrom, type RunWorkdirs } from '../run-workdir';
import { RunLifecycle } from '../run-lifecycle';
import { RunProgressService } from '../run-progress';
import { RunReconciler } from '../run-reconciler';
import type { Liveness } from '../run-state';
import type { AuditRecorder } from '../../audit/audit.service';
import { RunService } from '../run.service';

/**
 * For run integration tests and the engine bench: a real Jupyter Server, a warm KernelPool, a real
 * redis-server and a temp SQLite store, on free ports under one temp dir. `startRunner()` adds a run queue
 * with a unique name, its worker and a RunService; `settled(runId)` waits for the worker's event.
 */
export interface RunsFixture {
  dir: string;
  jupyter: TestJupyter;
  redis: RedisServer;
  pool: KernelPool;
  store: Store;
  connection: ConnectionOptions;
  logger: Logger;
  startRunner(opts?: RunnerOptions): Runner;
  stop(): Promise<void>;
}

export interface RunnerOptions {
  kernels?: KernelSource;
  acquireTimeoutMs?: number;
  cellTimeoutMs?: number;
  concurrency?: number;
  /** Heartbeat period and silence threshold of running attempts. Default the production ones. */
  liveness?: Liveness;
  /** BullMQ lock / stalled-check settings of the worker. */
  lock?: RunWorkerOptions['lock'];
  drainMs?: number;
  publishTimeoutMs?: number;
  /** An existing queue name: a second runner (another "worker process") on the same queue. */
  queueName?: string;
  /** Another Redis than the fixture's (a test that stops it). */
  connection?: { host: string; port: number };
  /** The audit trail the RunService records to. Default none. */
  audit?: AuditRecorder;
  /** Runs' working directories. Default: on the fixture's Jupyter Server, with the notebooks' files (as compose.ts). */
  workdirs?: RunWorkdirs;
}

export type JobEvent =
  | { kind: 'completed'; result: unknown }
  | { kind: 'failed'; final: boolean; message: string; attemptsMade: number }
  | { kind: 'progress'; progress: unknown };

export interface Runner {
  queueName: string;
  queue: BullRunQueue;
  worker: RunWorker;
  service: RunService;
  lifecycle: RunLifecycle;
  reconciler: RunReconciler;
  /** The web side of progress: a QueueEvents of the runner's queue and the SSE service on it. */
  runEvents: BullRunEvents;
  progress: RunProgressService;
  /** Events of a job (= run id) so far, oldest first. */
  events(runId: string): JobEvent[];
  /** Resolves at the first event of the run's job matching `match` (already seen ones included). */
  waitFor(runId: string, match: (e: JobEvent) => boolean): Promise<JobEvent>;
  /** Completed, or failed for good. */
  settled(runId: string): Promise<JobEvent>;
  close(): Promise<void>;
}

export async function startRunsFixture(opts: { poolSize?: number; preamble?: string } = {}): Promise<RunsFixture> {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'folio-runs-'));
  const jupyter = await startTestJupyter();
  const logger = jupyter.logger;
  const redis = await startRedisServer({ dataDir: dir, logger });
  const pool = new KernelPool({ settings: jupyter.settings, size: opts.poolSize ?? 2, preamble: opts.preamble, logger });
  await pool.start();
  const store = openSqliteStore(path.join(dir, 'folio.db'));
  const fixtureConnection: ConnectionOptions = { host: '127.0.0.1', port: redis.port };
  const runners = new Set<Runner>();

  const startRunner = (r: RunnerOptions = {}): Runner => {
    const queueName = r.queueName ?? `runs-test-${randomUUID()}`;
    const connection = r.connection ?? fixtureConnection;
    const queue = new BullRunQueue({ connection, name: queueName });
    const lifecycle = new RunLifecycle({ runs: store.runs, notebooks: store.notebooks, logger, liveness: r.liveness });
    const execution = new RunExecution({
      lifecycle,
      kernels: r.kernels ?? pool,
      workdirs: r.workdirs ?? contentsRunWorkdirs(new JupyterWorkdirs({ settings: jupyter.settings }), runFilesFrom(store.notebookFiles)),
      cellTimeoutMs: r.cellTimeoutMs ?? 60_000,
      maxOutputBytes: 20 * 1024 * 1024,
      acquireTimeoutMs: r.acquireTimeoutMs ?? 30_000,
      publishTimeoutMs: r.publishTimeoutMs,
      logger,
    });
    const reconciler = new RunReconciler({ runs: store.runs, jobs: queue, lifecycle, logger, graceMs: 0 });
    const worker = startRunWorker({
      // As in production (queue/connection.ts workerConnection): commands wait for Redis to come back.
      connection: { ...connection, maxRetriesPerRequest: null, enableOfflineQueue: true },
      queueName,
      concurrency: r.concurrency ?? pool.size,
      execution,
      onJobTrouble: (runId) => void reconciler.reconcileOne(runId).catch(() => undefined),
      drainMs: r.drainMs,
      lock: r.lock,
      logger,
    });
    const runEvents = new BullRunEvents({ connection: { ...connection, maxRetriesPerRequest: null }, name: queueName, logger });
    const service = new RunService({ notebooks: store.notebooks, runs: store.runs, queue, logger, audit: r.audit });
    const seen = new Map<string, JobEvent[]>();
    const listeners = new Set<() => void>();
    const push = (id: string | undefined, e: JobEvent) => {
      if (!id) return;
      seen.set(id, [...(seen.get(id) ?? []), e]);
      for (const l of [...listeners]) l();
    };
    worker.worker.on('progress', (job, progress) => push(job.id, { kind: 'progress', progress }));
    worker.worker.on('completed', (job, result) => push(job.id, { kind: 'completed', result }));
    worker.worker.on('failed', (job, err) => {
      if (!job) return;
      const final = err.name === 'UnrecoverableError' || job.attemptsMade >= (job.opts.attempts ?? 1);
      push(job.id, { kind: 'failed', final, message: err.message, attemptsMade: job.attemptsMade });
    });
    const waitFor = (runId: string, match: (e: JobEvent) => boolean) =>
      new Promise<JobEvent>((resolve) => {
        const check = () => {
          const hit = (seen.get(runId) ?? []).find(match);
          if (!hit) return;
          listeners.delete(check);
          resolve(hit);
        };
        listeners.add(check);
        check();
      });
    const runner: Runner = {
      queueName,
      queue,
      worker,
      service,
      lifecycle,
      reconciler,
      runEvents,
      progress: new RunProgressService({ runs: service, events: runEvents }),
      events: (runId) => seen.get(runId) ?? [],
      waitFor,
      settled: (runId) => waitFor(runId, (e) => e.kind === 'completed' || (e.kind === 'failed' && e.final)),
      async close() {
        runners.delete(runner);
        await worker.close();
        await reconciler.stop();
        await runEvents.close();
        if (!r.queueName) await queue.queue.obliterate({ force: true }).catch(() => undefined);
        await queue.close();
      },
    };
    runners.add(runner);
    return runner;
  };

  return {
    dir,
    jupyter,
    redis,
    pool,
    store,
    connection: fixtureConnection,
    logger,
    startRunner,
    async stop() {
      for (const r of [...runners]) await r.close();
      await pool.shutdown();
      await store.close();
      await redis.stop();
      await jupyter.stop();
      fs.rmSync(dir, { recursive: true, force: true });
    },
  };
}
