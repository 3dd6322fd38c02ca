import fs from 'node:fs';
import { afterAll, afterEach, beforeAll, describe, expect, it, vi } from 'vitest';
import type WebSocket from 'ws';
import { KernelPool } from '../../kernels/pool';
import { KernelSessionManager } from '../../kernels/sessions/kernel-session-manager';
import { startTestJupyter, type TestJupyter } from '../../kernels/testing/jupyter-fixture';
import { NotebookService } from '../../notebooks/notebook.service';
import { startTestApp, type TestApp } from '../test-app';
import { attachKernelSockets, type KernelSockets } from './kernel.socket';
import { connectKernelWs, runCells, statusIs, streamText } from './kernel.socket.fixture';

/** The live kernel caps, from config: FOLIO_MAX_KERNELS_PER_USER=1, FOLIO_MAX_LIVE_KERNELS=2. */
let jupyter: TestJupyter;
let pool: KernelPool;
let t: TestApp;
let sessions: KernelSessionManager;
let sockets: KernelSockets;
const open: WebSocket[] = [];

beforeAll(async () => {
  [jupyter, t] = await Promise.all([
    startTestJupyter('folio-kernel-caps-'),
    startTestApp({ env: { FOLIO_MAX_KERNELS_PER_USER: '1', FOLIO_MAX_LIVE_KERNELS: '2' } }),
  ]);
  pool = new KernelPool({ settings: jupyter.settings, size: 0, logger: jupyter.logger });
  await pool.start();
  sessions = new KernelSessionManager({
    kernels: pool,
    logger: jupyter.logger,
    idleMs: 60_000,
    maxKernelsPerUser: t.config.kernels.maxPerUser,
    maxLiveKernels: t.config.kernels.maxLive,
  });
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

async function newNotebook(cookie: string): Promise<string> {
  const res = await fetch(`${t.url}/api/notebooks`, {
    method: 'POST',
    headers: { cookie, 'content-type': 'application/json' },
    body: JSON.stringify({ name: 'capped' }),
  });
  return ((await res.json()) as { id: string }).id;
}

async function connect(notebookId: string, cookie: string) {
  const c = await connectKernelWs(`${t.url.replace('http', 'ws')}/api/notebooks/${notebookId}/kernel`, cookie);
  open.push(c.ws);
  return c;
}

describe('live kernel caps', () => {
  it('refuses a second notebook of a user whose one kernel is open in a tab; shutting it down frees the slot', async () => {
    const user = await t.signIn('author');
    const first = await connect(await newNotebook(user.cookie), user.cookie);
    await first.next('status', statusIs('idle'));

    const second = await connect(await newNotebook(user.cookie), user.cookie);
    expect(await second.next('error')).toEqual({
      type: 'error',
      code: 'overloaded',
      message:
        'You have 1 notebook with a running kernel, open in a tab or running cells; shut it down in Running kernels and run a cell again.',
    });
    // The truth: there is no kernel (none was started), not a dead one.
    await second.next('status', statusIs('none'));
    const [refused] = await runCells(second, [['a', 'print("capped")']]);
    expect(refused).toMatchObject({ status: 'aborted', startedAt: null });
    expect((await second.next('error')).code).toBe('overloaded');
    expect(second.events.some((e) => e.type === 'status' && (e.status === 'starting' || e.status === 'dead'))).toBe(
      false,
    );

    first.send({ type: 'shutdown' });
    await first.next('status', statusIs('none'));
    const [ran] = await runCells(second, [['b', 'print("now")']]);
    expect(ran!.status).toBe('ok');
    const out = second.events.filter((e) => e.type === 'outputs' && e.cellId === 'b').at(-1) as { outputs: unknown[] };
    expect(streamText(out.outputs)).toBe('now\n');
  });

  it("makes room by shutting down the user's least recently used idle kernel without tabs; a busy one is kept", async () => {
    const user = await t.signIn('author');
    const evicted: string[] = [];
    const onEvicted = (s: { notebookId: string }) => evicted.push(s.notebookId);
    sessions.on('evicted', onEvicted);
    try {
      const closedNb = await newNotebook(user.cookie);
      const first = await connect(closedNb, user.cookie);
      await runCells(first, [['a', 'x = 1']]);
      first.ws.close(); // closing the notebook keeps its kernel …
      await vi.waitFor(() => expect(sessions.list().find((s) => s.notebookId === closedNb)?.clients).toBe(0));
      expect(sessions.list().find((s) => s.notebookId === closedNb)?.kernelId).not.toBeNull();

      // … until the cap needs its room: the next notebook gets a kernel, the closed one's is shut down.
      const second = await connect(await newNotebook(user.cookie), user.cookie);
      await second.next('status', statusIs('idle'));
      expect(evicted).toEqual([closedNb]);
      expect(sessions.list().some((s) => s.notebookId === closedNb)).toBe(false);
      expect(second.events.some((e) => e.type === 'error')).toBe(false);

      // A kernel still running cells without a tab is never taken: the third notebook is refused.
      const gate = `/tmp/folio-caps-${Math.random().toString(36).slice(2)}`;
      second.send({
        type: 'execute',
        requestId: 'busy',
        cells: [
          {
            cellId: 'w',
            code: `import os, time\nwhile not os.path.exists(${JSON.stringify(gate)}):\n    time.sleep(0.05)`,
          },
        ],
      });
      await second.next('cell_started', (m) => m.requestId === 'busy');
      second.ws.close();
      const third = await connect(await newNotebook(user.cookie), user.cookie);
      expect((await third.next('error')).code).toBe('overloaded');
      expect(evicted).toEqual([closedNb]);
      // Reopening the closed notebook says why its variables are gone (here it is refused a kernel too: all busy or shown).
      const back = await connect(closedNb, user.cookie);
      expect((await back.next('error', (m) => m.code === 'evicted')).message).toMatch(
        /^This notebook's kernel was shut down at \d\d:\d\d UTC to make room for another notebook \(kernel limit reached\); its variables are lost\.$/,
      );
      expect((await back.next('error', (m) => m.code === 'overloaded')).message).toMatch(/^You have 1 notebook with a running kernel/);
      fs.writeFileSync(gate, '');
      fs.rmSync(gate);
    } finally {
      sessions.off('evicted', onEvicted);
    }
  });

  it('refuses a kernel beyond the server-wide cap to any user', async () => {
    const [a, b, c] = await Promise.all([t.signIn('author'), t.signIn('author'), t.signIn('author')]);
    for (const u of [a, b])
      await (await connect(await newNotebook(u.cookie), u.cookie)).next('status', statusIs('idle'));
    const third = await connect(await newNotebook(c.cookie), c.cookie);
    expect(await third.next('error')).toEqual({
      type: 'error',
      code: 'overloaded',
      message: 'The server is running its maximum of 2 live kernels; try again in a few minutes.',
    });
    expect(sessions.list().filter((s) => s.kernelId !== null)).toHaveLength(2);
  });
});
