import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type http from 'node:http';
import { randomUUID } from 'node:crypto';
import type express from 'express';
import { Redis } from 'ioredis';
import pino from 'pino';
import { AppService } from '../../apps/app.service';
import { AuditService } from '../../audit/audit.service';
import { loadConfig, type Config } from '../../config';
import { startRedisServer, type RedisServer } from '../../embedded/redis-server';
import { KernelPool } from '../../kernels/pool';
import { KernelSessionManager } from '../../kernels/sessions/kernel-session-manager';
import { RunningKernelsService } from '../../kernels/sessions/running-kernels.service';
import { startTestJupyter, type TestJupyter } from '../../kernels/testing/jupyter-fixture';
import { NotebookFilesService } from '../../notebook-files/notebook-files.service';
import { ACCESS_REDUCED, NotebookAccess } from '../../notebooks/notebook-access';
import { NotebookService } from '../../notebooks/notebook.service';
import { BullRunEvents } from '../../queue/run-events';
import { BullRunQueue } from '../../queue/run-queue';
import { RunProgressService } from '../../runs/run-progress';
import { RunService } from '../../runs/run.service';
import { openSqliteStore } from '../../store/sqlite/sqlite-store';
import type { Store } from '../../store/store';
import { listen } from '../../testing/http';
import { AuthService } from '../../users/auth.service';
import { oidcServiceFor } from '../../users/oidc.service';
import { TokensService } from '../../users/tokens.service';
import { FolioMetrics } from '../../metrics/metrics';
import { PrincipalWatcher } from '../../users/principal-watch';
import { UserChangeHub } from '../../users/user-changes';
import { UsersService } from '../../users/users.service';
import { createApp } from '../app';
import { HealthService, jupyterCheck, redisCheck, storeCheck } from '../health/health.service';
import { attachKernelSockets, type KernelSockets } from '../kernel/kernel.socket';

/**
 * For tests over the whole API (the access matrix, route lists): Folio's web role wired as compose.ts wires it —
 * every service and route, the kernel WebSocket on the same http.Server — over a temp SQLite file, a real
 * redis-server (a run queue of its own, no worker: runs stay queued) and a real Jupyter Server (live kernels
 * started on demand). Keep it in step with compose.ts when a service or route is added there.
 */
export interface FullApp {
  url: string;
  app: express.Express;
  config: Config;
  store: Store;
  auth: AuthService;
  tokens: TokensService;
  notebooks: NotebookService;
  apps: AppService;
  runs: RunService;
  audit: AuditService;
  sessions: KernelSessionManager;
  server: http.Server;
  close(): Promise<void>;
}

export async function startFullApp(opts: { env?: Record<string, string> } = {}): Promise<FullApp> {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'folio-full-app-'));
  const config = loadConfig({ DATA_DIR: dir, LOG_LEVEL: 'silent', ...opts.env });
  let redis: RedisServer | undefined;
  let jupyter: TestJupyter | undefined;
  try {
    [redis, jupyter] = await Promise.all([
      startRedisServer({ dataDir: dir, logger: pino({ level: 'silent' }) }),
      startTestJupyter('folio-full-app-jupyter-'),
    ]);
  } catch (e) {
    await Promise.allSettled([redis?.stop(), jupyter?.stop()]);
    throw e;
  }
  const logger = jupyter.logger;
  const store = openSqliteStore(path.join(dir, 'folio.db'));
  const connection = { host: '127.0.0.1', port: redis.port };
  const queueName = `full-app-${randomUUID()}`;
  const runQueue = new BullRunQueue({ connection, name: queueName });
  const runEvents = new BullRunEvents({
    connection: { ...connection, maxRetriesPerRequest: null },
    name: queueName,
    logger,
  });
  const probe = new Redis({ ...connection, lazyConnect: true, maxRetriesPerRequest: 1 });
  await probe.connect();
  const pool = new KernelPool({ settings: jupyter.settings, size: 0, logger });
  await pool.start();
  const sessions = new KernelSessionManager({ kernels: pool, logger, idleMs: config.kernels.idleMs });

  const changes = new UserChangeHub();
  const audit = new AuditService({ audit: store.audit, logger });
  const auth = new AuthService({
    store,
    logger,
    audit,
    changes,
    passwordSignIn: config.signIn.password,
    idleMs: config.sessions.idleMs,
    absoluteMs: config.sessions.absoluteMs,
  });
  const users = new UsersService(store, { auth, audit, inviteMs: config.sessions.inviteMs });
  const watcher = new PrincipalWatcher({ auth, changes });
  const oidc = oidcServiceFor(config.signIn.oidc, {
    audit,
    store,
    logger,
    startSession: (u, from) => auth.startSession(u, { ...from, method: 'oidc' }),
    endSession: (token) => auth.logout(token),
    endSessions: (id) => auth.endSessions(id),
  });
  const tokens = new TokensService({
    tokens: store.apiTokens,
    users: store.users,
    activeUser: (id) => auth.activeUser(id),
    audit,
    logger,
  });
  const access = new NotebookAccess({ notebooks: store.notebooks, shares: store.notebookShares, audit });
  const notebooks = new NotebookService({
    notebooks: store.notebooks,
    access,
    shares: store.notebookShares,
    limits: config.limits,
    onDeleted: (id) => void sessions.endNotebook(id),
    // Their live kernels on it end, and every web process re-checks their open sockets at once (closed with 4403).
    onAccessReduced: (id, userIds) =>
      userIds.forEach((u) => {
        void sessions.endFor(u, id, ACCESS_REDUCED);
        changes.publish(u);
      }),
    users: store.users,
    audit,
  });
  const notebookFiles = new NotebookFilesService({
    files: store.notebookFiles,
    notebooks: store.notebooks,
    access,
    limits: config.limits,
    users: store.users,
  });
  const apps = new AppService({
    apps: store.apps,
    notebooks: store.notebooks,
    files: store.notebookFiles,
    notebookAccess: access,
    users: store.users,
    audit,
  });
  const runs = new RunService({ notebooks: store.notebooks, access, runs: store.runs, queue: runQueue, logger, audit });
  const runProgress = new RunProgressService({ runs, events: runEvents });
  const server = jupyter.server;
  const health = new HealthService({
    store: storeCheck(store),
    redis: redisCheck(probe),
    jupyter: jupyterCheck(server),
  });
  const kernels = new RunningKernelsService({
    sessions,
    notebookName: async (id) => (await store.notebooks.get(id))?.name ?? null,
    userName: async (id) => (await store.users.getById(id))?.email ?? null,
  });
  const app = createApp({
    config,
    logger,
    store,
    auth,
    oidc,
    tokens,
    notebooks,
    notebookFiles,
    apps,
    runs,
    runProgress,
    health,
    kernels,
    audit,
    metrics: new FolioMetrics({ role: 'web' }), // GET /metrics, as compose.ts mounts it
    users,
    watcher,
  });
  const { server: http, url } = await listen(app);
  const sockets: KernelSockets = attachKernelSockets(http, {
    auth,
    tokens,
    changes,
    notebooks,
    sessions,
    logger,
  });

  return {
    url,
    app,
    config,
    store,
    auth,
    tokens,
    notebooks,
    apps,
    runs,
    audit,
    sessions,
    server: http,
    async close() {
      await sockets.close();
      http.closeAllConnections();
      await new Promise<void>((resolve) => http.close(() => resolve()));
      await sessions.shutdown();
      await pool.shutdown();
      await runEvents.close();
      await runQueue.queue.obliterate({ force: true }).catch(() => undefined);
      await runQueue.close();
      probe.disconnect();
      await store.close();
      await Promise.all([redis.stop(), jupyter.stop()]);
      fs.rmSync(dir, { recursive: true, force: true });
    },
  };
}
