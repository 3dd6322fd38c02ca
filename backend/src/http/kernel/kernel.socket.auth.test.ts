import pino from 'pino';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import type WebSocket from 'ws';
import { KernelPool } from '../../kernels/pool';
import { KernelSessionManager } from '../../kernels/sessions/kernel-session-manager';
import { startTestJupyter, type TestJupyter } from '../../kernels/testing/jupyter-fixture';
import { NotebookService } from '../../notebooks/notebook.service';
import { AuthService } from '../../users/auth.service';
import { startTestApp, type TestApp } from '../test-app';
import { attachKernelSockets, SESSION_ENDED_CLOSE_CODE, sessionExpiryFrom, type KernelSockets } from './kernel.socket';
import { connectKernelWs, runCells, statusIs } from './kernel.socket.fixture';

/** Sign-in sessions stay checked while a kernel socket is open: logout and expiry close it (4401). */
let jupyter: TestJupyter;
let pool: KernelPool;
let sessions: KernelSessionManager;
/** `t` re-checks idle sockets at the default pace (60 s); `eager` every 100 ms. */
let t: TestApp;
let eager: TestApp;
const sockets: KernelSockets[] = [];
const open: WebSocket[] = [];

beforeAll(async () => {
  [jupyter, t, eager] = await Promise.all([startTestJupyter('folio-kernel-ws-auth-'), startTestApp(), startTestApp()]);
  pool = new KernelPool({ settings: jupyter.settings, size: 0, logger: jupyter.logger });
  await pool.start();
  sessions = new KernelSessionManager({ kernels: pool, logger: jupyter.logger, idleMs: 60_000 });
  for (const [app, revalidateMs] of [
    [t, undefined],
    [eager, 100],
  ] as const) {
    const notebooks = new NotebookService({ notebooks: app.store.notebooks, limits: app.config.limits });
    sockets.push(
      attachKernelSockets(app.server, {
        auth: app.auth,
        notebooks,
        sessions,
        logger: jupyter.logger,
        sessionExpiresAt: sessionExpiryFrom(app.store.sessions),
        revalidateMs,
      }),
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
  await Promise.all([jupyter?.stop(), t?.close(), eager?.close()]);
});

async function newNotebook(app: TestApp, cookie: string): Promise<string> {
  const res = await fetch(`${app.url}/api/notebooks`, {
    method: 'POST',
    headers: { cookie, 'content-type': 'application/json' },
    body: JSON.stringify({ name: 'live' }),
  });
  return ((await res.json()) as { id: string }).id;
}

async function connect(app: TestApp, notebookId: string, cookie: string) {
  const c = await connectKernelWs(`${app.url.replace('http', 'ws')}/api/notebooks/${notebookId}/kernel`, cookie);
  open.push(c.ws);
  return c;
}

describe('kernel sockets after the sign-in session ends', () => {
  it('refuses an execute after logout through the HTTP API and closes with 4401', async () => {
    const user = await t.signIn('author');
    const id = await newNotebook(t, user.cookie);
    const c = await connect(t, id, user.cookie);
    await c.next('status', statusIs('idle'));
    await runCells(c, [['a', 'x = 1']]); // works while signed in
    const logout = await fetch(`${t.url}/api/auth/logout`, { method: 'POST', headers: { cookie: user.cookie } });
    expect(logout.status).toBe(204);

    c.send({ type: 'execute', requestId: 'after', cells: [{ cellId: 'b', code: 'print("ran")' }] });
    expect(await c.next('error', (m) => m.requestId === 'after')).toEqual({
      type: 'error',
      requestId: 'after',
      message: 'Your session has ended; sign in again.',
    });
    expect(await c.closed).toEqual({
      code: SESSION_ENDED_CLOSE_CODE,
      reason: 'Your session has ended; sign in again.',
    });
    expect(c.events.some((e) => (e.type === 'cell_started' || e.type === 'cell_done') && e.cellId === 'b')).toBe(false);
  });

  it('closes an idle socket when its session expires', async () => {
    const user = await t.signIn('author', 'expiring@folio.test');
    const id = await newNotebook(t, user.cookie);
    // A session that lasts 3 s (the upgrade must happen within it), signed in with the same store.
    const shortLived = new AuthService({ store: t.store, logger: pino({ level: 'silent' }), sessionTtlMs: 3_000 });
    const { token } = await shortLived.login('expiring@folio.test', 'test-password');
    const c = await connect(t, id, `folio_session=${token}`);
    expect(await c.closed).toEqual({
      code: SESSION_ENDED_CLOSE_CODE,
      reason: 'Your session has ended; sign in again.',
    });
    expect(await t.auth.principalFromToken(token)).toBeNull();
  });

  it('closes an idle socket soon after a logout elsewhere (periodic re-check)', async () => {
    const user = await eager.signIn('author');
    const id = await newNotebook(eager, user.cookie);
    const c = await connect(eager, id, user.cookie);
    await c.next('status', statusIs('idle'));
    await fetch(`${eager.url}/api/auth/logout`, { method: 'POST', headers: { cookie: user.cookie } });
    expect((await c.closed).code).toBe(SESSION_ENDED_CLOSE_CODE);
  });

  it('keeps a socket whose session is live', async () => {
    const user = await eager.signIn('author');
    const c = await connect(eager, await newNotebook(eager, user.cookie), user.cookie);
    await c.next('status', statusIs('idle'));
    // Several re-checks (every 100 ms) pass while a cell waits on a Python-side timer; the socket stays open.
    const [done] = await runCells(c, [['a', 'import time\ntime.sleep(0.5)\n1']]);
    expect(done!.status).toBe('ok');
    expect(c.ws.readyState).toBe(c.ws.OPEN);
  });
});
