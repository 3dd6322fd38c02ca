import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import type WebSocket from 'ws';
import { KernelPool } from '../../kernels/pool';
import { KernelSessionManager } from '../../kernels/sessions/kernel-session-manager';
import { startTestJupyter, type TestJupyter } from '../../kernels/testing/jupyter-fixture';
import { NotebookService } from '../../notebooks/notebook.service';
import { SESSION_ENDED } from '../../users/principal-watch';
import { startTestApp, type TestApp } from '../test-app';
import { testFetch } from '../../testing/http';
import {
  ACCESS_LOST_CLOSE_CODE,
  attachKernelSockets,
  SESSION_ENDED_CLOSE_CODE,
  type KernelSockets,
} from './kernel.socket';
import { connectKernelWs, runCells, statusIs } from './kernel.socket.fixture';

/**
 * The principal behind an open kernel socket stays checked: logout, expiry, a disable, an admin ending the sessions
 * and a role change close it (4401, or 4403 when the new role may not use the notebook), at once when announced and
 * before every message otherwise.
 */
let jupyter: TestJupyter;
let pool: KernelPool;
let sessions: KernelSessionManager;
let clock = Date.now();
/** Sockets re-check on announcements and before messages (the periodic re-check at its 60 s default never fires here). */
let t: TestApp;
/** No announcements reach its sockets (a change made in a process they do not hear from): only message re-checks. */
let deaf: TestApp;
/** Re-checks idle sockets every 100 ms. */
let eager: TestApp;
const sockets: KernelSockets[] = [];
const open: WebSocket[] = [];

beforeAll(async () => {
  [jupyter, t, deaf, eager] = await Promise.all([
    startTestJupyter('folio-kernel-ws-auth-'),
    startTestApp({ now: () => clock }),
    startTestApp(),
    startTestApp(),
  ]);
  pool = new KernelPool({ settings: jupyter.settings, size: 0, logger: jupyter.logger });
  await pool.start();
  sessions = new KernelSessionManager({ kernels: pool, logger: jupyter.logger, idleMs: 60_000 });
  for (const [app, opts] of [
    [t, { changes: t.changes }],
    [deaf, {}],
    [eager, { changes: eager.changes, revalidateMs: 100 }],
  ] as const) {
    const notebooks = new NotebookService({ notebooks: app.store.notebooks, limits: app.config.limits });
    sockets.push(
      attachKernelSockets(app.server, { auth: app.auth, notebooks, sessions, logger: jupyter.logger, ...opts }),
    );
  }
});
afterEach(async () => {
  for (const ws of open.splice(0)) ws.close();
  for (const s of sessions.list()) await sessions.endNotebook(s.notebookId);
});
afterAll(async () => {
  await Promise.all(sockets.map((s) => s.close()));
  await sessions?.shutdown();
  await pool?.shutdown();
  expect(await jupyter.runningKernelIds()).toEqual([]);
  await Promise.all([jupyter?.stop(), t?.close(), deaf?.close(), eager?.close()]);
});

async function newNotebook(app: TestApp, cookie: string): Promise<string> {
  const res = await testFetch(`${app.url}/api/notebooks`, {
    method: 'POST',
    headers: { cookie, 'content-type': 'application/json' },
    body: JSON.stringify({ name: 'live' }),
  });
  return ((await res.json()) as { id: string }).id;
}

/** A signed-in author with a notebook open on a live kernel socket. */
async function openSocket(app: TestApp) {
  const user = await app.signIn('author');
  const id = await newNotebook(app, user.cookie);
  const c = await connectKernelWs(`${app.url.replace('http', 'ws')}/api/notebooks/${id}/kernel`, user.cookie);
  open.push(c.ws);
  await c.next('status', statusIs('idle'));
  return { ...user, notebookId: id, c };
}

const sessionEnded = { code: SESSION_ENDED_CLOSE_CODE, reason: SESSION_ENDED };

describe('kernel sockets after the sign-in session ends', () => {
  it('closes at once on logout through the HTTP API (announced; no message needed)', async () => {
    const { cookie, c } = await openSocket(t);
    await runCells(c, [['a', 'x = 1']]); // works while signed in
    const logout = await testFetch(`${t.url}/api/auth/logout`, { method: 'POST', headers: { cookie } });
    expect(logout.status).toBe(204);
    expect(await c.closed).toEqual(sessionEnded);
  });

  it('refuses the next message when the logout was not announced to this process, and closes with 4401', async () => {
    const { cookie, c } = await openSocket(deaf);
    const logout = await testFetch(`${deaf.url}/api/auth/logout`, { method: 'POST', headers: { cookie } });
    expect(logout.status).toBe(204);
    c.send({ type: 'execute', requestId: 'after', cells: [{ cellId: 'b', code: 'print("ran")' }] });
    expect(await c.next('error', (m) => m.requestId === 'after')).toEqual({
      type: 'error',
      requestId: 'after',
      message: SESSION_ENDED,
    });
    expect(await c.closed).toEqual(sessionEnded);
    expect(c.events.some((e) => (e.type === 'cell_started' || e.type === 'cell_done') && e.cellId === 'b')).toBe(false);
  });

  it('closes when the session has idled out (injected clock), at the next re-check', async () => {
    const { userId, cookie, c } = await openSocket(t);
    clock += 31 * 60_000;
    t.changes.publish(userId); // any re-check finds it expired; here an announcement triggers one
    expect(await c.closed).toEqual(sessionEnded);
    expect(await t.auth.principalFromToken(cookie.replace('folio_session=', ''))).toBeNull();
  });

  it('closes an idle socket soon after a logout that was not announced (periodic re-check)', async () => {
    const { userId, cookie, c } = await openSocket(eager);
    await eager.store.sessions.deleteByUser(userId); // as another process without Redis would
    expect(await eager.auth.principalFromToken(cookie.replace('folio_session=', ''))).toBeNull();
    expect((await c.closed).code).toBe(SESSION_ENDED_CLOSE_CODE);
  });

  it('keeps a socket whose session is live', async () => {
    const { c } = await openSocket(eager);
    // Several re-checks (every 100 ms) pass while a cell waits on a Python-side timer; the socket stays open.
    const [done] = await runCells(c, [['a', 'import time\ntime.sleep(0.5)\n1']]);
    expect(done!.status).toBe('ok');
    expect(c.ws.readyState).toBe(c.ws.OPEN);
  });
});

describe('kernel sockets when an admin changes the user', () => {
  const asAdmin = async () => {
    const admin = await t.signIn('admin');
    return (method: string, path: string, body?: unknown) =>
      testFetch(`${t.url}/api/users${path}`, {
        method,
        headers: { cookie: admin.cookie, 'content-type': 'application/json' },
        body: body === undefined ? undefined : JSON.stringify(body),
      });
  };

  it('closes at once when the user is disabled, and the cookie stops working', async () => {
    const admin = await asAdmin();
    const { userId, cookie, c } = await openSocket(t);
    const res = await admin('PATCH', `/${userId}`, { disabled: true });
    expect(res.status).toBe(200);
    expect(await c.closed).toEqual(sessionEnded);
    expect((await testFetch(`${t.url}/api/me`, { headers: { cookie } })).status).toBe(401);
  });

  it('closes at once when an admin ends the sessions', async () => {
    const admin = await asAdmin();
    const { userId, c } = await openSocket(t);
    expect(await (await admin('DELETE', `/${userId}/sessions`)).json()).toEqual({ ended: 1 });
    expect(await c.closed).toEqual(sessionEnded);
  });

  it('closes at once on a role change: the session rotates, the user signs in again with the new role', async () => {
    const admin = await asAdmin();
    const { userId, cookie, c } = await openSocket(t);
    expect((await admin('PATCH', `/${userId}`, { role: 'viewer' })).status).toBe(200);
    expect(await c.closed).toEqual(sessionEnded);
    expect((await testFetch(`${t.url}/api/me`, { headers: { cookie } })).status).toBe(401);
  });

  it('re-authorizes with the new role when the credential outlives the change, closing with 4403 when refused', async () => {
    // An API token outlives a role change; its socket keeps its credential. Here the role is changed in the store
    // without ending the session, as for such a credential, and announced.
    const { userId, c } = await openSocket(t);
    await t.store.users.update(userId, { role: 'admin' });
    t.changes.publish(userId);
    await runCells(c, [['a', '1']]); // admins may use it: the socket stays
    await t.store.users.update(userId, { role: 'viewer' });
    t.changes.publish(userId);
    const closed = await c.closed;
    expect(closed.code).toBe(ACCESS_LOST_CLOSE_CODE);
    expect(closed.reason).toMatch(/^You can no longer use this notebook: /);
  });
});
