import path from 'node:path';
import type http from 'node:http';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import type WebSocket from 'ws';
import { AuditService } from '../../audit/audit.service';
import { loadConfig } from '../../config';
import { KernelPool } from '../../kernels/pool';
import { KernelSessionManager } from '../../kernels/sessions/kernel-session-manager';
import { NotebookService } from '../../notebooks/notebook.service';
import { codeCell, notebookOf } from '../../notebooks/testing/notebook-builders';
import { redisChangeChannel, type RedisChangeChannel } from '../../queue/user-changes-channel';
import { startRunsFixture, type Runner, type RunsFixture } from '../../runs/testing/runs-fixture';
import { openSqliteStore } from '../../store/sqlite/sqlite-store';
import type { Store } from '../../store/store';
import { closeServer, listen, testFetch } from '../../testing/http';
import { AuthService } from '../../users/auth.service';
import { PrincipalWatcher, SESSION_ENDED } from '../../users/principal-watch';
import { UserChangeHub } from '../../users/user-changes';
import { UsersService } from '../../users/users.service';
import { createApp } from '../app';
import { attachKernelSockets, SESSION_ENDED_CLOSE_CODE, type KernelSockets } from '../kernel/kernel.socket';
import { connectKernelWs, statusIs } from '../kernel/kernel.socket.fixture';

/**
 * "At once" across web processes: two web processes (two apps, each with its own store connection to one SQLite file,
 * its own announcements hub) meet on one real redis-server. An admin acts through process A; a user's kernel socket and
 * run stream are open on process B. B's periodic re-check is an hour, so only the announcement over Redis can close
 * them within the test.
 */
const HOUR = 3_600_000;
let fx: RunsFixture;
let runner: Runner;
let live: KernelPool;
let sessions: KernelSessionManager;
let a: WebProcess;
let b: WebProcess;
const open: WebSocket[] = [];

interface WebProcess {
  url: string;
  store: Store;
  auth: AuthService;
  users: UsersService;
  server: http.Server;
  channel: RedisChangeChannel;
  sockets: KernelSockets;
}

async function webProcess(store: Store): Promise<WebProcess> {
  const config = loadConfig({ DATA_DIR: fx.dir, LOG_LEVEL: 'silent' });
  const logger = fx.logger;
  const channel = redisChangeChannel(`redis://127.0.0.1:${fx.redis.port}`, logger);
  const changes = new UserChangeHub(channel);
  const audit = new AuditService({ audit: store.audit, logger });
  const auth = new AuthService({ store, logger, audit, changes });
  const users = new UsersService(store, { auth, audit });
  const watcher = new PrincipalWatcher({ auth, changes, recheckMs: HOUR });
  const notebooks = new NotebookService({ notebooks: store.notebooks, limits: config.limits, users: store.users });
  const app = createApp({
    config,
    logger,
    store,
    auth,
    audit,
    notebooks,
    users,
    watcher,
    runs: runner.service,
    runProgress: runner.progress,
  });
  const { server, url } = await listen(app);
  const sockets = attachKernelSockets(server, { auth, changes, notebooks, sessions, logger, revalidateMs: HOUR });
  await channel.ready;
  return { url, store, auth, users, server, channel, sockets };
}

beforeAll(async () => {
  fx = await startRunsFixture({ poolSize: 1 });
  runner = fx.startRunner();
  live = new KernelPool({ settings: fx.jupyter.settings, size: 0, logger: fx.logger });
  await live.start();
  sessions = new KernelSessionManager({ kernels: live, logger: fx.logger, idleMs: HOUR });
  a = await webProcess(openSqliteStore(path.join(fx.dir, 'folio.db')));
  b = await webProcess(fx.store);
  await a.users.create({ email: 'admin@live.test', role: 'admin', password: 'admin-password' });
});
afterEach(async () => {
  for (const ws of open.splice(0)) ws.close();
  for (const s of sessions.list()) await sessions.endNotebook(s.notebookId);
});
afterAll(async () => {
  for (const p of [a, b]) {
    if (!p) continue;
    await p.sockets.close();
    await closeServer(p.server);
    await p.channel.close();
  }
  await sessions?.shutdown();
  await live?.shutdown();
  await a?.store.close();
  await runner?.close();
  await fx?.stop();
});

let n = 0;
/** An author signed in on process B, with a notebook. */
async function authorOnB() {
  const email = `author-${++n}@live.test`;
  const user = await b.users.create({ email, role: 'author', password: 'author-password' });
  const cookie = `folio_session=${(await b.auth.login(email, 'author-password')).token}`;
  const res = await testFetch(`${b.url}/api/notebooks`, {
    method: 'POST',
    headers: { cookie, 'content-type': 'application/json' },
    body: JSON.stringify({ name: 'Live', content: notebookOf([codeCell('c1', '1 + 1')]) }),
  });
  expect(res.status).toBe(201);
  return { id: user.id, cookie, notebookId: ((await res.json()) as { id: string }).id };
}

/** The admin, through process A's HTTP API. */
async function adminOnA(method: string, route: string, body?: unknown) {
  const cookie = `folio_session=${(await a.auth.login('admin@live.test', 'admin-password')).token}`;
  const res = await testFetch(`${a.url}/api/users${route}`, {
    method,
    headers: { cookie, 'content-type': 'application/json' },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  expect(res.status).toBe(200);
}

async function kernelSocketOnB(user: { cookie: string; notebookId: string }) {
  const c = await connectKernelWs(
    `${b.url.replace('http', 'ws')}/api/notebooks/${user.notebookId}/kernel`,
    user.cookie,
  );
  open.push(c.ws);
  await c.next('status', statusIs('idle'));
  return c;
}

describe('a change made on one web process reaches open connections on another at once (Redis)', () => {
  it('disabling a user closes their kernel socket on the other process', async () => {
    const user = await authorOnB();
    const c = await kernelSocketOnB(user);
    await adminOnA('PATCH', `/${user.id}`, { disabled: true });
    expect(await c.closed).toEqual({ code: SESSION_ENDED_CLOSE_CODE, reason: SESSION_ENDED });
  });

  it('a role change closes the socket (the session rotates)', async () => {
    const user = await authorOnB();
    const c = await kernelSocketOnB(user);
    await adminOnA('PATCH', `/${user.id}`, { role: 'viewer' });
    expect((await c.closed).code).toBe(SESSION_ENDED_CLOSE_CODE);
  });

  it('ending the sessions, or disabling, ends an open run stream with an error event', async () => {
    await runner.worker.worker.pause(); // the run stays queued: its stream stays open
    try {
      for (const act of [
        (id: string) => adminOnA('DELETE', `/${id}/sessions`),
        (id: string) => adminOnA('PATCH', `/${id}`, { disabled: true }),
      ]) {
        const user = await authorOnB();
        const run = await testFetch(`${b.url}/api/notebooks/${user.notebookId}/runs`, {
          method: 'POST',
          headers: { cookie: user.cookie, 'content-type': 'application/json' },
          body: '{}',
        });
        const { id: runId } = (await run.json()) as { id: string };
        const stream = await testFetch(`${b.url}/api/runs/${runId}/events`, { headers: { cookie: user.cookie } });
        expect(stream.status).toBe(200);
        const reader = stream.body!.pipeThrough(new TextDecoderStream()).getReader();
        let text = '';
        const until = async (pattern: RegExp) => {
          while (!pattern.test(text)) {
            const { value, done } = await reader.read();
            if (done) return false;
            text += value;
          }
          return true;
        };
        expect(await until(/event: run\n/)).toBe(true);
        await act(user.id);
        expect(await until(/event: error\ndata: (.*)\n\n/)).toBe(true);
        expect(JSON.parse(/event: error\ndata: (.*)\n\n/.exec(text)![1]!)).toEqual({
          code: 'unauthenticated',
          message: SESSION_ENDED,
        });
        expect((await reader.read()).done).toBe(true); // and the stream ends
      }
    } finally {
      runner.worker.worker.resume();
    }
  });
});
