import fs from 'node:fs';
import type http from 'node:http';
import type { AddressInfo } from 'node:net';
import { Redis } from 'ioredis';
import type { Config } from './config';
import { defaultKernelVenv } from './embedded/jupyter-server';
import { superviseJupyterServer, superviseRedisServer } from './embedded/supervised-children';
import { AppService } from './apps/app.service';
import { seedExampleApps } from './apps/seed-example-apps';
import { AuditService } from './audit/audit.service';
import { createApp } from './http/app';
import { createHttpServer } from './http/server';
import { HealthService, jupyterCheck, redisCheck, storeCheck, supervisedCheck } from './http/health/health.service';
import { attachKernelSockets } from './http/kernel/kernel.socket';
import { createJupyterSettings } from './kernels/connection';
import { KernelPool } from './kernels/pool';
import { KernelSessionManager } from './kernels/sessions/kernel-session-manager';
import { WarmFirstKernelSource } from './kernels/sessions/warm-first-kernel-source';
import { kernelMemoryReader } from './kernels/sessions/kernel-memory';
import { RunningKernelsService } from './kernels/sessions/running-kernels.service';
import { Lifecycle } from './lifecycle';
import type { Logger } from './logger';
import { seedExamples, seededExamples } from './notebooks/seed-examples';
import { ACCESS_REDUCED, NotebookAccess } from './notebooks/notebook-access';
import { NotebookService } from './notebooks/notebook.service';
import { NotebookFilesService } from './notebook-files/notebook-files.service';
import { producerConnection, workerConnection } from './queue/connection';
import { BullRunEvents } from './queue/run-events';
import { BullRunQueue } from './queue/run-queue';
import { startRunWorker } from './queue/workers';
import { RunExecution } from './runs/run-execution';
import { contentsRunWorkdirs, runFilesFrom, sweepRunWorkdirs } from './runs/run-workdir';
import { JupyterWorkdirs } from './kernels/workdirs/jupyter-workdirs';
import { liveScope } from './kernels/workdirs/workdir-path';
import { kernelWorkspaces, sweepLiveWorkdirs } from './notebook-files/kernel-workspaces';
import { ChangeHub } from './util/change-hub';
import { RunLifecycle } from './runs/run-lifecycle';
import { RunProgressService } from './runs/run-progress';
import { RunReconciler } from './runs/run-reconciler';
import { RunService } from './runs/run.service';
import { openSqliteStore } from './store/sqlite/sqlite-store';
import type { Store } from './store/store';
import { NOTEBOOK_FILE_CHANGES_CHANNEL, redisChangeChannel } from './queue/user-changes-channel';
import { AuthService } from './users/auth.service';
import { bootstrapAdmin } from './users/bootstrap-admin';
import { oidcServiceFor } from './users/oidc.service';
import { FolioMetrics } from './metrics/metrics';
import { startMetricsServer } from './metrics/metrics-endpoint';
import { observeRunTransitions } from './metrics/run-metrics';
import { watchConnections, watchKernelPool, watchLiveKernels, watchRunQueue } from './metrics/sources';
import { openEventStreams } from './http/runs/sse';
import { LoginThrottle } from './users/login-throttle';
import { TokensService } from './users/tokens.service';
import { PrincipalWatcher } from './users/principal-watch';
import { UserChangeHub } from './users/user-changes';
import { UsersService } from './users/users.service';

/**
 * The composition root: starts the embedded children (unless REDIS_URL / JUPYTER_URL), opens the store, builds
 * the services of the configured role and, for the web role, listens on PORT. Everything started is registered
 * with the Lifecycle so `shutdown()` ends it in order. If start-up fails half-way, what was started is stopped.
 */
export interface Folio {
  /** http://localhost:PORT for the web roles; undefined for FOLIO_ROLE=worker. */
  url?: string;
  shutdown(): Promise<boolean>;
}

/** A start-up failure with a message meant for the operator (no stack trace needed). */
export class StartupError extends Error {
  override name = 'StartupError';
}

/** Imports warmed in every pooled kernel, so a run's first cell does not pay for them. */
const KERNEL_PREAMBLE = 'import numpy, pandas, matplotlib.pyplot';
/** The whole stop's deadline: the runs' drain, then 15 s to interrupt cells, end kernels and children (at least 30 s). */
const shutdownDeadline = (config: Config) => Math.max(30_000, config.shutdown.drainMs + 15_000);
/** How often a worker looks for runs the queue has lost (runs/run-reconciler.ts). */
const RECONCILE_INTERVAL_MS = 30_000;

export async function startFolio(config: Config, logger: Logger): Promise<Folio> {
  const life = new Lifecycle(logger);
  try {
    return await compose(config, logger, life);
  } catch (e) {
    await life.shutdown(shutdownDeadline(config));
    throw e;
  }
}

async function compose(config: Config, logger: Logger, life: Lifecycle): Promise<Folio> {
  const web = config.role !== 'worker';
  const worker = config.role !== 'web';
  const metrics = new FolioMetrics({ role: config.role }); // GET /metrics (web) or FOLIO_METRICS_PORT (worker)
  // The web role binds PORT first, so a port in use fails in a second, not after Jupyter has started.
  // Until the app is built every request gets 503 (so /readyz says "not yet").
  let handler: http.RequestListener = (_req, res) => {
    res.writeHead(503, { 'content-type': 'application/json', 'retry-after': '2' });
    res.end(JSON.stringify({ error: { code: 'unavailable', message: 'Folio is starting.' } }));
  };
  const server = web ? createHttpServer((req, res) => handler(req, res)) : undefined; // keep-alive: http/server.ts
  if (server) {
    await listen(server, config.port);
    life.add('http', 'http server', () => closeServer(server));
  }
  fs.mkdirSync(config.dataDir, { recursive: true });
  const store = openStore(config);
  life.add('store', 'store', () => store.close());

  // Redis and Jupyter Server start side by side: they are the slow part of a start. Embedded ones are supervised:
  // restarted with backoff on the same port (and token) if they die, /readyz down meanwhile; after a Jupyter restart
  // the pools replace their (gone) kernels.
  const pools: KernelPool[] = [];
  const [redis, jupyter] = await allOrFirstError([
    config.redis.url
      ? { url: config.redis.url, supervisor: undefined }
      : superviseRedisServer({ dataDir: config.dataDir, logger }).then((r) => {
          life.add('children', 'redis-server', () => r.supervisor.stop());
          return r;
        }),
    config.jupyter.url
      ? { url: config.jupyter.url, token: config.jupyter.token, supervisor: undefined }
      : superviseJupyterServer({ dataDir: config.dataDir, venvDir: defaultKernelVenv, logger, onRestarted: () => pools.forEach((p) => p.serverRestarted()) }).then((j) => {
          life.add('children', 'jupyter-server', () => j.supervisor.stop());
          return j;
        }),
  ] as const);
  const redisUrl = redis.url;
  const settings = createJupyterSettings(jupyter);
  // Kernels' working directories, written through the Jupyter Server's Contents API (kernels/workdirs/).
  const workdirs = new JupyterWorkdirs({ settings });
  const poolOf = (name: string, size = config.kernels.poolSize) => {
    const pool = new KernelPool({ settings, size, preamble: KERNEL_PREAMBLE, logger });
    pools.push(pool);
    watchKernelPool(metrics, name, pool);
    life.add('pools', `${name} kernel pool`, () => pool.shutdown());
    return pool;
  };

  const pending: Promise<unknown>[] = [];
  let warmPool: KernelPool | undefined; // FOLIO_ROLE=all: the runs' pool serves live editing too (below)
  if (worker) {
    const runsPool = poolOf('runs');
    warmPool = runsPool;
    const lifecycle = new RunLifecycle({ runs: observeRunTransitions(store.runs, metrics), notebooks: store.notebooks, logger });
    const execution = new RunExecution({
      lifecycle,
      kernels: runsPool,
      workdirs: contentsRunWorkdirs(workdirs, runFilesFrom(store.notebookFiles)),
      cellTimeoutMs: config.kernels.cellTimeoutMs,
      maxOutputBytes: config.kernels.maxOutputBytes,
      maxRunOutputBytes: config.kernels.maxRunOutputBytes,
      logger,
    });
    // The reconciler's view of the queue (job states, re-enqueue): a producer, failing fast while Redis is away.
    const jobs = new BullRunQueue({ connection: producerConnection(redisUrl) });
    life.add('queue', 'run jobs', () => jobs.close());
    if (!web) watchRunQueue(metrics, jobs.queue);
    const reconciler = new RunReconciler({ runs: store.runs, jobs, lifecycle, logger });
    life.add('workers', 'run reconciler', () => reconciler.stop());
    // Folders of runs a crashed worker left behind (their runs have ended by now, or end as lost): swept at start.
    const swept = sweepRunWorkdirs({ workdirs, runs: store.runs, logger }).catch((err: unknown) => logger.warn({ err }, 'could not sweep the working directories of ended runs'));
    pending.push(swept);
    const runWorker = runsPool.start().then(() => {
      const w = startRunWorker({
        connection: workerConnection(redisUrl),
        concurrency: config.kernels.poolSize,
        execution,
        onJobTrouble: (runId) => void reconciler.reconcileOne(runId).catch((err: unknown) => logger.warn({ err, runId }, 'could not reconcile a stalled run')),
        drainMs: config.shutdown.drainMs,
        logger,
      });
      reconciler.start(RECONCILE_INTERVAL_MS);
      return w;
    });
    life.add('workers', 'run worker', async () => (await runWorker).close());
    pending.push(runWorker);
  }
  if (!server) {
    if (config.metrics.port !== undefined && config.metrics.token) {
      const endpoint = await startMetricsServer({ metrics, port: config.metrics.port, token: config.metrics.token, logger });
      life.add('http', 'metrics listener', () => endpoint.close());
    }
    await Promise.all(pending);
    logger.info({ role: config.role, concurrency: config.kernels.poolSize }, 'Folio worker ready');
    return { shutdown: () => life.shutdown(shutdownDeadline(config)) };
  }

  await bootstrapAdmin({ store, logger, admin: config.admin, dataDir: config.dataDir });
  await seedExamples({ store, logger });
  // Live editing takes a warm kernel for good when one is idle (its pool starts a replacement, at once if a run needs
  // it: runs never wait on a live session) and starts one on demand otherwise (open notebooks are not capped at
  // KERNEL_POOL_SIZE).
  // With FOLIO_ROLE=all that is the runs' pool: KERNEL_POOL_SIZE warm kernels in all, not twice as many.
  if (!warmPool) {
    warmPool = poolOf('live');
    pending.push(warmPool.start());
  }
  // Live kernels' working directories follow the notebook's files: uploads and deletes in any web process are
  // announced over Redis, and each process updates the folders of its own kernels (notebook-files/kernel-workspaces.ts).
  const fileChangesChannel = redisChangeChannel(redisUrl, logger, NOTEBOOK_FILE_CHANGES_CHANNEL);
  life.add('queue', 'notebook file changes channel', () => fileChangesChannel.close());
  const fileChanges = new ChangeHub(fileChangesChannel, (err) => logger.debug({ err }, 'could not announce a notebook file change'));
  // Live kernels' folders are scoped by server: an embedded one's by this process (its kernels die with it).
  const scope = config.jupyter.url ? liveScope({ url: config.jupyter.url }) : liveScope({ embeddedBy: process.pid });
  pending.push(sweepLiveWorkdirs({ workdirs, settings, scope, logger }).catch((err: unknown) => logger.warn({ err }, 'could not sweep the working directories of ended live kernels')));
  const sessions = new KernelSessionManager({
    kernels: new WarmFirstKernelSource(warmPool, poolOf('on-demand live', 0)),
    workspaces: kernelWorkspaces({ workdirs, files: store.notebookFiles, changes: fileChanges, scope, logger }),
    logger,
    idleMs: config.kernels.idleMs,
    busyDetachedMs: config.kernels.busyDetachedMs,
    maxOutputBytes: config.kernels.maxOutputBytes,
    maxKernelsPerUser: config.kernels.maxPerUser,
    maxLiveKernels: config.kernels.maxLive,
  });
  life.add('sessions', 'live kernel sessions', () => sessions.shutdown());

  const probe = new Redis({ ...producerConnection(redisUrl), lazyConnect: true });
  probe.connect().catch(() => undefined); // reconnects by itself; readyz reports the state meanwhile
  life.add('queue', 'readiness redis client', () => probe.disconnect());
  const runQueue = new BullRunQueue({ connection: producerConnection(redisUrl) });
  life.add('queue', 'run queue', () => runQueue.close());
  watchRunQueue(metrics, runQueue.queue);
  // One QueueEvents for every SSE client of the run queue; workers may be other processes.
  const runEvents = new BullRunEvents({ connection: workerConnection(redisUrl), logger });
  life.add('queue', 'run events', () => runEvents.close());

  // Users' sign-in changes (disable, role, sessions ended) reach every web process's open sockets through Redis.
  const changesChannel = redisChangeChannel(redisUrl, logger);
  life.add('queue', 'user changes channel', () => changesChannel.close());
  const changes = new UserChangeHub(changesChannel, (err) => logger.debug({ err }, 'could not announce a user change'));
  // Failed sign-ins are counted in Redis, so every web process sees the same counts (users/login-throttle.ts).
  const throttleRedis = new Redis(producerConnection(redisUrl));
  throttleRedis.on('error', () => undefined); // the throttle counts in memory meanwhile; readyz reports Redis
  life.add('queue', 'sign-in throttle redis client', () => throttleRedis.disconnect());
  const throttle = new LoginThrottle({ redis: throttleRedis, logger });
  // The audit trail: services record their actions through it (synchronously: see audit/audit.service.ts).
  const audit = new AuditService({ audit: store.audit, logger });
  const auth = new AuthService({
    store,
    logger,
    audit,
    changes,
    throttle,
    passwordSignIn: config.signIn.password,
    idleMs: config.sessions.idleMs,
    absoluteMs: config.sessions.absoluteMs,
  });
  const users = new UsersService(store, { auth, audit, inviteMs: config.sessions.inviteMs });
  const watcher = new PrincipalWatcher({ auth, changes, onError: (err) => logger.warn({ err }, 'could not re-check a stream') });
  const tokens = new TokensService({ tokens: store.apiTokens, users: store.users, activeUser: (id) => auth.activeUser(id), audit, logger });
  const oidc = oidcServiceFor(config.signIn.oidc, { store, audit, logger, startSession: (u, from) => auth.startSession(u, { ...from, method: 'oidc' }), endSession: (token) => auth.logout(token), endSessions: (id) => auth.endSessions(id) });
  // One set of notebook access rules for every service that reaches notebooks (notebooks/notebook-access.ts).
  const examples = () => seededExamples(store.meta);
  const access = new NotebookAccess({ notebooks: store.notebooks, shares: store.notebookShares, examples, audit });
  const notebooks = new NotebookService({
    notebooks: store.notebooks,
    access,
    shares: store.notebookShares,
    limits: config.limits,
    onDeleted: (id) => void sessions.endNotebook(id),
    // Their live kernels on it end, and every web process re-checks their open sockets at once (closed with 4403).
    onAccessReduced: (id, userIds) => userIds.forEach((u) => (void sessions.endFor(u, id, ACCESS_REDUCED), changes.publish(u))),
    examples,
    users: store.users,
    audit,
  });
  const notebookFiles = new NotebookFilesService({
    files: store.notebookFiles,
    notebooks: store.notebooks,
    access,
    limits: config.limits,
    users: store.users,
    changes: fileChanges,
  });
  // Published apps; the example notebooks are also published as apps on the first start with apps.
  const apps = new AppService({ apps: store.apps, notebooks: store.notebooks, files: store.notebookFiles, notebookAccess: access, users: store.users, audit });
  await seedExampleApps({ store, apps, logger });
  const runs = new RunService({ notebooks: store.notebooks, access, runs: observeRunTransitions(store.runs, metrics), queue: runQueue, logger, audit });
  const runProgress = new RunProgressService({ runs, events: runEvents });
  const health = new HealthService({
    store: storeCheck(store),
    redis: supervisedCheck(redis.supervisor, redisCheck(probe)),
    jupyter: supervisedCheck(jupyter.supervisor, jupyterCheck(jupyter)),
  });
  const kernels = new RunningKernelsService({
    sessions,
    notebookName: async (id) => (await store.notebooks.get(id))?.name ?? null,
    userName: async (id) => {
      const u = await store.users.getById(id);
      return u ? u.name || u.email : null;
    },
    memoryOf: kernelMemoryReader(() => {
      const s = jupyter.supervisor?.state();
      return s?.state === 'up' ? s.pid : null;
    }),
  });
  watchLiveKernels(metrics, sessions);
  watchConnections(metrics, 'sse', openEventStreams);
  const app = createApp({ config, logger, store, auth, oidc, tokens, notebooks, notebookFiles, apps, runs, runProgress, health, kernels, metrics, audit, users, watcher });

  await Promise.all(pending);
  handler = app;
  const sockets = attachKernelSockets(server, { auth, tokens, changes, notebooks, sessions, logger });
  life.add('http', 'kernel sockets', () => sockets.close());
  watchConnections(metrics, 'kernel_ws', () => sockets.openCount());
  const url = `http://localhost:${(server.address() as AddressInfo).port}`;
  logger.info({ role: config.role, dataDir: config.dataDir }, `Folio ready on ${url}`);
  return { url, shutdown: () => life.shutdown(shutdownDeadline(config)) };
}

/** Like Promise.all, but waits for every promise to settle first, so nothing is left starting behind a failure. */
async function allOrFirstError<T extends readonly unknown[]>(promises: { [K in keyof T]: T[K] | Promise<T[K]> }): Promise<T> {
  const settled = await Promise.allSettled(promises);
  const failed = settled.find((r): r is PromiseRejectedResult => r.status === 'rejected');
  if (failed) throw failed.reason;
  return settled.map((r) => (r as PromiseFulfilledResult<unknown>).value) as unknown as T;
}

function openStore(config: Config): Store {
  if (config.store.kind === 'mongo') {
    throw new StartupError('MONGODB_URL is set, but this build has no MongoDB store adapter yet; unset it to use SQLite.');
  }
  return openSqliteStore(config.store.file);
}

function listen(server: http.Server, port: number): Promise<void> {
  return new Promise((resolve, reject) => {
    server.once('error', (e: NodeJS.ErrnoException) => {
      if (e.code === 'EADDRINUSE') {
        reject(new StartupError(`Port ${port} is already in use (PORT=${port}). Stop the other program or set PORT to a free port.`));
      } else if (e.code === 'EACCES') {
        reject(new StartupError(`Not allowed to listen on port ${port} (PORT=${port}). Use a port above 1023.`));
      } else reject(e);
    });
    server.listen(port, () => resolve());
  });
}

async function closeServer(server: http.Server): Promise<void> {
  const closed = new Promise<void>((resolve) => server.close(() => resolve()));
  server.closeIdleConnections();
  // Long-lived responses (SSE) would hold close() open; they get a moment, then are cut.
  const timer = setTimeout(() => server.closeAllConnections(), 5_000);
  await closed;
  clearTimeout(timer);
}
