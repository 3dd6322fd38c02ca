import fs from 'node:fs';
import { once } from 'node:events';
import path from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import WebSocket from 'ws';
import { KernelPool } from '../../kernels/pool';
import { KernelSessionManager } from '../../kernels/sessions/kernel-session-manager';
import { startTestJupyter, type TestJupyter } from '../../kernels/testing/jupyter-fixture';
import { NotebookService } from '../../notebooks/notebook.service';
import { startTestApp, type TestApp } from '../test-app';
import { attachKernelSockets, type KernelSockets } from './kernel.socket';
import type { ClientMessage, ServerMessage } from './kernel.protocol';
import { connectKernelWs, runCells, statusIs, streamText, type KernelWsClient } from './kernel.socket.fixture';

let jupyter: TestJupyter;
let pool: KernelPool;
let t: TestApp;
let sessions: KernelSessionManager;
let sockets: KernelSockets;
let author: { cookie: string; userId: string };
const open: WebSocket[] = [];

beforeAll(async () => {
  [jupyter, t] = await Promise.all([startTestJupyter('folio-kernel-ws-'), startTestApp()]);
  // Size 0: every session starts its own kernel and gives it back (shut down) when it ends.
  pool = new KernelPool({ settings: jupyter.settings, size: 0, logger: jupyter.logger });
  await pool.start();
  sessions = new KernelSessionManager({ kernels: pool, logger: jupyter.logger, idleMs: 60_000, outputThrottleMs: 20 });
  const notebooks = new NotebookService({ notebooks: t.store.notebooks, limits: t.config.limits });
  sockets = attachKernelSockets(t.server, { auth: t.auth, notebooks, sessions, logger: jupyter.logger });
  author = await t.signIn('author');
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

async function newNotebook(): Promise<string> {
  const res = await fetch(`${t.url}/api/notebooks`, {
    method: 'POST',
    headers: { cookie: author.cookie, 'content-type': 'application/json' },
    body: JSON.stringify({ name: 'live' }),
  });
  return ((await res.json()) as { id: string }).id;
}

type Client = KernelWsClient;
const run = runCells;

async function connect(notebookId: string, who = author): Promise<Client> {
  const c = await connectKernelWs(`${t.url.replace('http', 'ws')}/api/notebooks/${notebookId}/kernel`, who.cookie);
  open.push(c.ws);
  return c;
}

describe('WS /api/notebooks/:id/kernel upgrade', () => {
  const refusal = async (url: string, headers: Record<string, string>) => {
    const ws = new WebSocket(url, { headers });
    ws.on('error', () => undefined); // terminate() below reports the aborted handshake
    const [, res] = (await once(ws, 'unexpected-response')) as [unknown, { statusCode: number }];
    ws.terminate();
    return res.statusCode;
  };

  it('refuses unauthenticated (401), viewers (403), other origins (403) and unknown notebooks (404)', async () => {
    const id = await newNotebook();
    const url = `${t.url.replace('http', 'ws')}/api/notebooks/${id}/kernel`;
    const viewer = await t.signIn('viewer');
    expect(await refusal(url, {})).toBe(401);
    expect(await refusal(url, { cookie: 'folio_session=forged' })).toBe(401);
    expect(await refusal(url, { cookie: viewer.cookie })).toBe(403);
    expect(await refusal(url, { cookie: author.cookie, origin: 'https://evil.example' })).toBe(403);
    expect(await refusal(url.replace(id, 'nope'), { cookie: author.cookie })).toBe(404);
    expect(sessions.list()).toEqual([]);
  });
});

describe('live kernel sessions', () => {
  it('executes a cell: status, cell_started, outputs streamed while it runs, then cell_done', async () => {
    const id = await newNotebook();
    const c = await connect(id);
    await c.next('status', statusIs('idle'));
    expect(c.events[0]).toEqual({ type: 'status', status: 'starting' }); // a new tab starts the kernel
    const gate = path.join(jupyter.dataDir, `gate-${id}`);
    const code = `import os, time\nprint('first', flush=True)\nwhile not os.path.exists(${JSON.stringify(gate)}):\n    time.sleep(0.02)\nprint('second')\n6 * 7`;
    c.send({ type: 'execute', requestId: 'r1', cells: [{ cellId: 'c1', code }] });
    const started = await c.next('cell_started', (m) => m.cellId === 'c1');
    expect(started).toMatchObject({ requestId: 'r1', executionCount: 1 });
    const partial = await c.next('outputs', (m) => m.cellId === 'c1' && streamText(m.outputs).includes('first'));
    expect(streamText(partial.outputs)).toBe('first\n');
    expect(c.events.some((e) => e.type === 'cell_done')).toBe(false); // still running: outputs came first
    fs.writeFileSync(gate, '');
    const done = await c.next('cell_done', (m) => m.cellId === 'c1');
    expect(done).toMatchObject({ requestId: 'r1', status: 'ok', executionCount: 1 });
    const last = c.events.filter((e): e is Extract<ServerMessage, { type: 'outputs' }> => e.type === 'outputs').at(-1)!;
    expect(last.outputs).toEqual([
      { output_type: 'stream', name: 'stdout', text: 'first\nsecond\n' },
      { output_type: 'execute_result', execution_count: 1, data: { 'text/plain': '42' }, metadata: {} },
    ]);
    expect(await c.next('progress')).toEqual({ type: 'progress', requestId: 'r1', done: 1, total: 1 });
  });

  it('runs cells in order and aborts the rest after an error (state of earlier cells kept)', async () => {
    const c = await connect(await newNotebook());
    const [a, b, d] = await run(c, [['a', 'x = 1'], ['b', '1/0'], ['d', 'x = 2']], 'all');
    expect([a!.status, b!.status, d!.status]).toEqual(['ok', 'error', 'aborted']);
    expect(d).toMatchObject({ executionCount: null, startedAt: null });
    const errors = c.events.filter((e) => e.type === 'outputs' && e.cellId === 'b').at(-1) as { outputs: Array<{ ename?: string }> };
    expect(errors.outputs[0]?.ename).toBe('ZeroDivisionError');
    // The request has ended (the aborted cell counts as handled): the last progress says so, no bar is left behind.
    expect(c.events.filter((e) => e.type === 'progress').map((e) => e.type === 'progress' && e.done)).toEqual([1, 2, 3]);
    expect(c.events.filter((e) => e.type === 'progress').at(-1)).toMatchObject({ requestId: 'all', done: 3, total: 3 });
    await run(c, [['e', 'print(x)']]);
    expect(streamText((c.events.filter((e) => e.type === 'outputs' && e.cellId === 'e').at(-1) as { outputs: unknown[] }).outputs)).toBe('1\n');
  });

  it('interrupts a long cell, aborting what was queued behind it', async () => {
    const c = await connect(await newNotebook());
    c.send({ type: 'execute', requestId: 'sleep', cells: [{ cellId: 's', code: 'import time\ntime.sleep(30)' }] });
    c.send({ type: 'execute', requestId: 'later', cells: [{ cellId: 'l', code: 'print("never")' }] });
    await c.next('cell_started', (m) => m.cellId === 's');
    c.send({ type: 'interrupt' });
    const done = await c.next('cell_done', (m) => m.cellId === 's');
    expect(done.status).toBe('error');
    const out = c.events.filter((e) => e.type === 'outputs' && e.cellId === 's').at(-1) as { outputs: Array<{ ename?: string }> };
    expect(out.outputs[0]?.ename).toBe('KeyboardInterrupt');
    expect((await c.next('cell_done', (m) => m.cellId === 'l')).status).toBe('aborted');
    expect(await c.next('progress', (m) => m.requestId === 'later')).toMatchObject({ done: 1, total: 1 });
  });

  it('restarts: same session, variables gone, execution count reset', async () => {
    const c = await connect(await newNotebook());
    await run(c, [['a', 'y = 5']]);
    const mark = c.events.length;
    c.send({ type: 'restart' });
    await c.next('status', statusIs('restarting'), mark);
    await c.next('status', statusIs('idle'), mark);
    const [done] = await run(c, [['b', "print('y' in dir())"]]);
    expect(done).toMatchObject({ status: 'ok', executionCount: 1 });
    expect(streamText((c.events.filter((e) => e.type === 'outputs' && e.cellId === 'b').at(-1) as { outputs: unknown[] }).outputs)).toBe('False\n');
  });

  it('reconnects a refreshed tab to the same kernel (a variable survives)', async () => {
    const id = await newNotebook();
    const first = await connect(id);
    await run(first, [['a', 'z = 42']]);
    const kernelId = sessions.get(author.userId, id)?.kernelId;
    first.ws.close();
    await once(first.ws, 'close');
    const second = await connect(id);
    await second.next('status', statusIs('idle'));
    expect(sessions.get(author.userId, id)?.kernelId).toBe(kernelId);
    await run(second, [['b', 'print(z)']]);
    expect(streamText((second.events.filter((e) => e.type === 'outputs' && e.cellId === 'b').at(-1) as { outputs: unknown[] }).outputs)).toBe('42\n');
  });

  it('completes and inspects through the kernel', async () => {
    const c = await connect(await newNotebook());
    await c.next('status', statusIs('idle'));
    c.send({ type: 'complete', requestId: 'k1', code: 'import o', cursorPos: 8 });
    const completion = await c.next('complete_reply');
    expect(completion).toMatchObject({ requestId: 'k1', cursorStart: 7, cursorEnd: 8 });
    expect(completion.matches).toContain('os');
    // Cursor offsets are UTF-16 on our side and code points for the kernel: an emoji before the cursor must not shift them.
    c.send({ type: 'complete', requestId: 'k2', code: 's = "😀"; import o', cursorPos: 18 });
    expect(await c.next('complete_reply', (m) => m.requestId === 'k2')).toMatchObject({ cursorStart: 17, cursorEnd: 18 });
    c.send({ type: 'inspect', requestId: 'i1', code: 'len', cursorPos: 3 });
    const doc = await c.next('inspect_reply');
    expect(doc.found).toBe(true);
    expect(String(doc.data['text/plain'])).toMatch(/Return the number of items in a container/);
  });

  it('reports a dead kernel and restarts with a fresh one', async () => {
    const c = await connect(await newNotebook());
    const [died] = await run(c, [['a', 'import os\nos._exit(1)']]);
    expect(died!.status).toBe('error');
    await c.next('status', statusIs('dead'));
    expect((await c.next('error')).message).toMatch(/kernel died/i);
    // The cell itself says so (as nbclient's DeadKernelError), not only the banner.
    const out = c.events.filter((e) => e.type === 'outputs' && e.cellId === 'a').at(-1) as { outputs: Array<{ ename?: string; evalue?: string }> };
    expect(out.outputs.at(-1)).toMatchObject({ ename: 'DeadKernelError', evalue: expect.stringMatching(/kernel died/) });
    const mark = c.events.length;
    c.send({ type: 'restart' });
    await c.next('status', statusIs('starting'), mark);
    await c.next('status', statusIs('idle'), mark);
    const [ok] = await run(c, [['b', '1 + 1']]);
    expect(ok).toMatchObject({ status: 'ok', executionCount: 1 });
  });

  it('sends display updates to the cell that showed the display', async () => {
    const c = await connect(await newNotebook());
    await run(c, [['a', "h = display('before', display_id=True)"]]);
    const mark = c.events.length;
    await run(c, [['b', "h.update('after')"]]);
    const updated = await c.next('outputs', (m) => m.cellId === 'a', mark);
    expect(updated.outputs).toEqual([{ output_type: 'display_data', data: { 'text/plain': "'after'" }, metadata: {} }]);
  });

  it('shuts the kernel down on request; the next execute starts a fresh one', async () => {
    const id = await newNotebook();
    const c = await connect(id);
    await run(c, [['a', 'w = 1']]);
    const before = pool.health().busy;
    const down = c.events.length;
    c.send({ type: 'shutdown' });
    await c.next('status', statusIs('none'), down); // no kernel: shut down, not dead
    expect(pool.health().busy).toBe(before - 1);
    expect(sessions.get(author.userId, id)?.kernelId).toBeNull();
    const mark = c.events.length;
    const [done] = await run(c, [['b', "print('w' in dir())"]]);
    expect(done).toMatchObject({ status: 'ok', executionCount: 1 });
    await c.next('status', statusIs('starting'), mark);
    expect(streamText((c.events.filter((e) => e.type === 'outputs' && e.cellId === 'b').at(-1) as { outputs: unknown[] }).outputs)).toBe('False\n');
  });

  it('answers input() and getpass() through the tab; the answer is echoed (a password masked)', async () => {
    const id = await newNotebook();
    const c = await connect(id);
    c.send({
      type: 'execute',
      requestId: 'ask',
      cells: [{ cellId: 'q', code: "import getpass\nname = input('Name: ')\npw = getpass.getpass('Password: ')\nprint(name, len(pw))" }],
    });
    expect(await c.next('input_request')).toEqual({ type: 'input_request', cellId: 'q', prompt: 'Name: ', password: false });
    c.send({ type: 'input_reply', value: 'Ada' });
    expect(await c.next('input_done')).toEqual({ type: 'input_done', cellId: 'q' });
    expect(await c.next('input_request')).toMatchObject({ cellId: 'q', prompt: 'Password: ', password: true });
    // A tab that connects meanwhile is asked too; the first answer wins and closes both boxes.
    const other = await connect(id);
    expect(await other.next('input_request')).toMatchObject({ cellId: 'q', password: true });
    other.send({ type: 'input_reply', value: 's3cret' });
    await Promise.all([c.next('input_done'), other.next('input_done')]);
    expect((await c.next('cell_done', (m) => m.cellId === 'q')).status).toBe('ok');
    const out = c.events.filter((e) => e.type === 'outputs' && e.cellId === 'q').at(-1) as { outputs: unknown[] };
    expect(streamText(out.outputs)).toBe('Name: Ada\nPassword: ········\nAda 6\n');
  });

  it('clears a pending input() on interrupt (KeyboardInterrupt) and on restart', async () => {
    const c = await connect(await newNotebook());
    c.send({ type: 'execute', requestId: 'i1', cells: [{ cellId: 'q', code: "input('? ')" }] });
    await c.next('input_request');
    c.send({ type: 'interrupt' });
    await c.next('input_done');
    expect((await c.next('cell_done', (m) => m.requestId === 'i1')).status).toBe('error');
    const out = c.events.filter((e) => e.type === 'outputs' && e.cellId === 'q').at(-1) as { outputs: Array<{ ename?: string }> };
    expect(out.outputs.at(-1)?.ename).toBe('KeyboardInterrupt');

    c.send({ type: 'execute', requestId: 'i2', cells: [{ cellId: 'r', code: "input('? ')" }] });
    await c.next('input_request', (m) => m.cellId === 'r');
    c.send({ type: 'restart' });
    await c.next('input_done', (m) => m.cellId === 'r');
    expect((await c.next('cell_done', (m) => m.requestId === 'i2')).status).not.toBe('ok');
    await c.next('status', statusIs('idle'), c.events.findIndex((e) => e.type === 'status' && e.status === 'restarting'));
    c.send({ type: 'input_reply', value: 'late' }); // nothing pending: ignored
    const [ok] = await run(c, [['s', '1 + 1']]);
    expect(ok).toMatchObject({ status: 'ok', executionCount: 1 });
  });

  it('answers bad messages with an error naming the problem', async () => {
    const c = await connect(await newNotebook());
    c.ws.send('not json');
    expect((await c.next('error')).message).toBe('Messages must be JSON.');
    c.send({ type: 'execute', requestId: 'x', cells: [] } as ClientMessage);
    expect(await c.next('error')).toMatchObject({ requestId: 'x', message: expect.stringMatching(/at cells/) });
  });
});

describe('complete and inspect replies', () => {
  it('go only to the tab that asked', async () => {
    const id = await newNotebook();
    const a = await connect(id);
    const b = await connect(id);
    await a.next('status', statusIs('idle'));
    a.send({ type: 'complete', requestId: 'mine', code: 'import o', cursorPos: 8 });
    b.send({ type: 'inspect', requestId: 'theirs', code: 'len', cursorPos: 3 });
    expect((await a.next('complete_reply')).requestId).toBe('mine');
    expect((await b.next('inspect_reply')).requestId).toBe('theirs');
    // A broadcast sent after both replies reaches each tab behind anything sent to it before.
    await run(a, [['c', '1']]);
    await b.next('cell_done', (m) => m.cellId === 'c');
    expect(b.events.filter((e) => e.type === 'complete_reply')).toEqual([]);
    expect(a.events.filter((e) => e.type === 'inspect_reply')).toEqual([]);
  });

  it('answer a request the busy kernel cannot answer in time with an error to the asking tab alone', async () => {
    const manager = new KernelSessionManager({ kernels: pool, logger: jupyter.logger, idleMs: 60_000, requestTimeoutMs: 300 });
    const id = await newNotebook();
    const gate = path.join(jupyter.dataDir, `gate-complete-${id}`);
    const tab = () => {
      const events: ServerMessage[] = [];
      let wake = () => undefined as void;
      return {
        events,
        client: { send: (e: ServerMessage) => (events.push(e), wake()) },
        until: (f: (e: ServerMessage) => boolean) =>
          new Promise<ServerMessage>((resolve) => {
            const look = () => {
              const hit = events.find(f);
              if (hit) resolve(hit);
              return Boolean(hit);
            };
            if (!look()) wake = () => void look();
          }),
      };
    };
    const asker = tab();
    const other = tab();
    try {
      const session = manager.open(author.userId, id, asker.client);
      manager.open(author.userId, id, other.client);
      await asker.until((e) => e.type === 'status' && e.status === 'idle');
      const code = `import os, time\nwhile not os.path.exists(${JSON.stringify(gate)}):\n    time.sleep(0.02)`;
      session.execute({ requestId: 'busy', cells: [{ cellId: 'g', code }] });
      await asker.until((e) => e.type === 'cell_started');
      await session.complete(asker.client, { requestId: 'slow', code: 'import o', cursorPos: 8 });
      expect(asker.events.at(-1)).toEqual({ type: 'error', requestId: 'slow', message: 'Completion failed: no reply within 300 ms' });
      fs.writeFileSync(gate, '');
      await other.until((e) => e.type === 'cell_done');
      expect(other.events.filter((e) => 'requestId' in e && e.requestId === 'slow')).toEqual([]);
    } finally {
      await manager.shutdown();
    }
  });
});

describe('idle culling', () => {
  it('gives the kernel of a session without tabs back after the idle time', async () => {
    const culling = new KernelSessionManager({ kernels: pool, logger: jupyter.logger, idleMs: 200, cullIntervalMs: 50 });
    const id = await newNotebook();
    let ready!: () => void;
    const idle = new Promise<void>((resolve) => (ready = resolve));
    const client = { send: (e: ServerMessage) => void (e.type === 'status' && e.status === 'idle' && ready()) };
    try {
      const session = culling.open(author.userId, id, client);
      await idle;
      expect(await jupyter.runningKernelIds()).toContain(session.kernelId);
      expect(pool.health().busy).toBe(1);
      culling.leave(session, client);
      const [culled] = await once(culling, 'culled');
      expect(culled).toBe(session);
      expect(culling.list()).toEqual([]);
      expect(session.kernelId).toBeNull();
      expect(pool.health().busy).toBe(0); // given back to the pool, which shuts it down (size 0)
    } finally {
      await culling.shutdown();
    }
  });
});
