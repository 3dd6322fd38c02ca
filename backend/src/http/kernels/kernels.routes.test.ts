import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import type WebSocket from 'ws';
import { KernelPool } from '../../kernels/pool';
import { kernelMemoryReader } from '../../kernels/sessions/kernel-memory';
import { KernelSessionManager } from '../../kernels/sessions/kernel-session-manager';
import { RunningKernelsService, type RunningKernel } from '../../kernels/sessions/running-kernels.service';
import { startTestJupyter, type TestJupyter } from '../../kernels/testing/jupyter-fixture';
import { NotebookService } from '../../notebooks/notebook.service';
import { startTestApp, type TestApp } from '../test-app';
import { attachKernelSockets, type KernelSockets } from '../kernel/kernel.socket';
import { connectKernelWs, runCells, statusIs } from '../kernel/kernel.socket.fixture';

/** GET|DELETE /api/kernels[/:id]: the Running kernels panel, against a real Jupyter Server and kernels. */
let jupyter: TestJupyter;
let pool: KernelPool;
let t: TestApp;
let sessions: KernelSessionManager;
let sockets: KernelSockets;
const open: WebSocket[] = [];

beforeAll(async () => {
  jupyter = await startTestJupyter('folio-kernels-routes-');
  pool = new KernelPool({ settings: jupyter.settings, size: 0, logger: jupyter.logger });
  await pool.start();
  sessions = new KernelSessionManager({ kernels: pool, logger: jupyter.logger, idleMs: 60_000 });
  const kernels = new RunningKernelsService({
    sessions,
    notebookName: async (id) => (await t.store.notebooks.get(id))?.name ?? null,
    userName: async (id) => (await t.store.users.getById(id))?.email ?? null,
    memoryOf: kernelMemoryReader(() => jupyter.server.pid),
  });
  t = await startTestApp({ overrides: { kernels } });
  const notebooks = new NotebookService({ notebooks: t.store.notebooks, limits: t.config.limits });
  sockets = attachKernelSockets(t.server, { auth: t.auth, notebooks, sessions, logger: jupyter.logger });
});
afterEach(async () => {
  for (const ws of open.splice(0)) ws.close();
  for (const s of sessions.list()) await sessions.endNotebook(s.notebookId);
});
afterAll(async () => {
  await sockets?.close();
  await sessions?.shutdown();
  await pool?.shutdown();
  expect(await jupyter.runningKernelIds()).toEqual([]);
  await Promise.all([jupyter?.stop(), t?.close()]);
});

const api = (cookie: string, path: string, method = 'GET') =>
  fetch(`${t.url}/api/kernels${path}`, { method, headers: { cookie, origin: t.url } });
const listOf = async (cookie: string) => ((await (await api(cookie, '')).json()) as { kernels: RunningKernel[] }).kernels;

async function openNotebook(who: { cookie: string }, name: string) {
  const res = await fetch(`${t.url}/api/notebooks`, {
    method: 'POST',
    headers: { cookie: who.cookie, 'content-type': 'application/json', origin: t.url },
    body: JSON.stringify({ name }),
  });
  const { id } = (await res.json()) as { id: string };
  const c = await connectKernelWs(`${t.url.replace('http', 'ws')}/api/notebooks/${id}/kernel`, who.cookie);
  open.push(c.ws);
  await c.next('status', statusIs('idle'));
  return { id, c };
}

describe('/api/kernels', () => {
  it('lists my live kernels with notebook, times, state and memory; never another user’s', async () => {
    const [me, other] = await Promise.all([t.signIn('author'), t.signIn('author')]);
    const mine = await openNotebook(me, 'pricing');
    await runCells(mine.c, [['a', 'x = bytearray(64 * 1024 * 1024)']]);
    await openNotebook(other, 'theirs');

    const rows = await listOf(me.cookie);
    expect(rows).toHaveLength(1);
    const row = rows[0]!;
    expect(row).toMatchObject({
      notebookId: mine.id,
      notebookName: 'pricing',
      userId: me.userId,
      executionState: 'idle',
      connections: 1,
      kernelId: sessions.get(me.userId, mine.id)!.kernelId,
    });
    expect(Date.parse(row.startedAt!)).toBeLessThanOrEqual(Date.parse(row.lastActivity));
    // RSS of the kernel process (embedded server): more than the 64 MB the cell holds.
    expect(row.memoryBytes).toBeGreaterThan(64 * 1024 * 1024);
    expect((await listOf(other.cookie)).map((r) => r.notebookName)).toEqual(['theirs']);
  });

  it("shuts down one of mine (tabs are told, with status none); 404 for someone else's; 400 for a bad id; 401 signed out", async () => {
    const [me, other] = await Promise.all([t.signIn('author'), t.signIn('author')]);
    const mine = await openNotebook(me, 'mine');
    const theirs = await openNotebook(other, 'theirs');
    const [theirRow] = await listOf(other.cookie);
    expect((await api(me.cookie, `/${theirRow!.id}`, 'DELETE')).status).toBe(404);
    expect(sessions.get(other.userId, theirs.id)?.kernelId).not.toBeNull();
    expect((await api(me.cookie, '/not-a-uuid', 'DELETE')).status).toBe(400);
    expect((await fetch(`${t.url}/api/kernels`)).status).toBe(401);

    const [myRow] = await listOf(me.cookie);
    const mark = mine.c.events.length;
    expect((await api(me.cookie, `/${myRow!.id}`, 'DELETE')).status).toBe(204);
    await mine.c.next('status', statusIs('none'), mark);
    expect((await mine.c.next('error', () => true, mark)).message).toMatch(/shut down from Running kernels/);
    expect(await listOf(me.cookie)).toEqual([]);
    expect((await api(me.cookie, `/${myRow!.id}`, 'DELETE')).status).toBe(404);
  });

  it('shuts down all of mine; an admin sees and can stop everyone’s', async () => {
    const [me, other, admin] = await Promise.all([t.signIn('author'), t.signIn('author'), t.signIn('admin')]);
    await openNotebook(me, 'one');
    const second = await openNotebook(me, 'two');
    second.c.ws.close(); // a closed notebook keeps its kernel: it is listed too
    await openNotebook(other, 'theirs');
    expect((await listOf(me.cookie)).map((r) => r.notebookName).sort()).toEqual(['one', 'two']);

    const all = await listOf(admin.cookie);
    expect(all.map((r) => r.notebookName).sort()).toEqual(['one', 'theirs', 'two']);
    expect(all.find((r) => r.notebookName === 'theirs')?.userName).toMatch(/@folio\.test$/);

    const res = await api(me.cookie, '', 'DELETE');
    expect(await res.json()).toEqual({ shutDown: 2 });
    expect(await listOf(me.cookie)).toEqual([]);
    expect((await listOf(other.cookie)).map((r) => r.notebookName)).toEqual(['theirs']);

    const [theirs] = await listOf(other.cookie);
    expect((await api(admin.cookie, `/${theirs!.id}`, 'DELETE')).status).toBe(204);
    expect(await listOf(other.cookie)).toEqual([]);
  });
});
