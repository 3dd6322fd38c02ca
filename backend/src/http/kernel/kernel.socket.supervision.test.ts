import { EventEmitter, once } from 'node:events';
import fs from 'node:fs';
import type { Socket } from 'node:net';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import WebSocket from 'ws';
import { KernelPool, type KernelPoolEvent } from '../../kernels/pool';
import type { KernelSession } from '../../kernels/sessions/kernel-session';
import { KernelSessionManager } from '../../kernels/sessions/kernel-session-manager';
import type { SessionEvent } from '../../kernels/sessions/session-events';
import { startTestJupyter, type TestJupyter } from '../../kernels/testing/jupyter-fixture';
import { NotebookService } from '../../notebooks/notebook.service';
import { startTestApp, type TestApp } from '../test-app';
import { attachKernelSockets, type KernelSocketDeps, type KernelSockets } from './kernel.socket';
import type { ServerMessage } from './kernel.protocol';
import { connectKernelWs, runCells, statusIs, streamText, type KernelWsClient } from './kernel.socket.fixture';

/**
 * Supervision of live kernel sockets and sessions: heartbeats, backpressure, busy sessions without tabs, restarts
 * that hang. One Jupyter Server; two apps, because a heartbeat short enough to test is too short for a client
 * that pauses reading on purpose.
 */
interface LiveApp {
  t: TestApp;
  sessions: KernelSessionManager;
  sockets: KernelSockets;
  author: { cookie: string; userId: string };
}

let jupyter: TestJupyter;
let pool: KernelPool;
const poolEvents = new EventEmitter<{ event: [KernelPoolEvent] }>();
/** Pings every second; sessions without tabs are culled after 300 ms idle. */
let pinged: LiveApp;
/** Default heartbeat; restarts time out after 1 s; outputs wait while 64 KB are unsent. */
let main: LiveApp;
const HIGH_WATER = 64 * 1024;
const open: WebSocket[] = [];

async function startLiveApp(
  manager: ConstructorParameters<typeof KernelSessionManager>[0],
  socket: Partial<KernelSocketDeps>,
): Promise<LiveApp> {
  const t = await startTestApp();
  const sessions = new KernelSessionManager(manager);
  const notebooks = new NotebookService({ notebooks: t.store.notebooks, limits: t.config.limits });
  const sockets = attachKernelSockets(t.server, {
    auth: t.auth,
    notebooks,
    sessions,
    logger: jupyter.logger,
    ...socket,
  });
  return { t, sessions, sockets, author: await t.signIn('author') };
}

beforeAll(async () => {
  jupyter = await startTestJupyter('folio-kernel-supervision-');
  pool = new KernelPool({
    settings: jupyter.settings,
    size: 0,
    logger: jupyter.logger,
    onEvent: (e) => poolEvents.emit('event', e),
  });
  await pool.start();
  const logger = jupyter.logger;
  [pinged, main] = await Promise.all([
    startLiveApp({ kernels: pool, logger, idleMs: 300, cullIntervalMs: 50 }, { pingIntervalMs: 1_000 }),
    startLiveApp(
      { kernels: pool, logger, idleMs: 60_000, outputThrottleMs: 20, restartTimeoutMs: 1_000 },
      { sendHighWaterBytes: HIGH_WATER },
    ),
  ]);
});
afterAll(async () => {
  for (const ws of open.splice(0)) ws.terminate();
  for (const app of [pinged, main]) {
    await app?.sockets.close();
    await app?.sessions.shutdown();
  }
  await pool?.shutdown();
  expect(await jupyter.runningKernelIds()).toEqual([]);
  await Promise.all([jupyter?.stop(), pinged?.t.close(), main?.t.close()]);
});

async function newNotebook(app: LiveApp): Promise<string> {
  const res = await fetch(`${app.t.url}/api/notebooks`, {
    method: 'POST',
    headers: { cookie: app.author.cookie, 'content-type': 'application/json' },
    body: JSON.stringify({ name: 'supervised' }),
  });
  return ((await res.json()) as { id: string }).id;
}

async function connect(app: LiveApp, notebookId: string, options?: WebSocket.ClientOptions): Promise<KernelWsClient> {
  const c = await connectKernelWs(
    `${app.t.url.replace('http', 'ws')}/api/notebooks/${notebookId}/kernel`,
    app.author.cookie,
    options,
  );
  open.push(c.ws);
  return c;
}

/** An in-process tab: records every event, `until` resolves with the first event matching (now or later). */
function tab() {
  const events: SessionEvent[] = [];
  let waiters: Array<() => boolean> = [];
  return {
    events,
    client: {
      send(e: SessionEvent) {
        events.push(e);
        waiters = waiters.filter((w) => !w());
      },
    },
    until(f: (e: SessionEvent) => boolean): Promise<SessionEvent> {
      return new Promise((resolve) => {
        const look = () => {
          const hit = events.find(f);
          if (hit) resolve(hit);
          return Boolean(hit);
        };
        if (!look()) waiters.push(look);
      });
    },
  };
}

const isIdle = (e: SessionEvent) => e.type === 'status' && e.status === 'idle';
const printed = (cellId: string, text: string) => (e: SessionEvent) =>
  e.type === 'outputs' && e.cellId === cellId && streamText(e.outputs).includes(text);
const lastOutputs = (events: Array<ServerMessage | SessionEvent>, cellId: string) =>
  events
    .filter((e): e is Extract<ServerMessage, { type: 'outputs' }> => e.type === 'outputs' && e.cellId === cellId)
    .at(-1)?.outputs;

describe('heartbeat', () => {
  it('terminates a socket that stops answering pings; its session is detached and culled as an idle one', async () => {
    const [silentId, healthyId] = await Promise.all([newNotebook(pinged), newNotebook(pinged)]);
    const culled = new Promise<KernelSession>((resolve) =>
      pinged.sessions.on('culled', (s) => void (s.notebookId === silentId && resolve(s))),
    );
    const silent = await connect(pinged, silentId, { autoPong: false });
    const healthy = await connect(pinged, healthyId);
    let pings = 0;
    const threePings = new Promise<void>((resolve) => healthy.ws.on('ping', () => void (++pings === 3 && resolve())));
    // The silent one may be terminated before its kernel is even up: its session is culled all the same.
    expect((await silent.closed).code).toBe(1006); // terminated: no close frame
    const session = await culled;
    expect(session.kernelId).toBeNull();
    expect(pinged.sessions.get(pinged.author.userId, silentId)).toBeUndefined();

    await healthy.next('status', statusIs('idle'));
    await threePings; // a client that answers stays connected
    expect(healthy.ws.readyState).toBe(WebSocket.OPEN);
    expect(pinged.sessions.get(pinged.author.userId, healthyId)?.clientCount).toBe(1);
  });
});

describe('backpressure', () => {
  it("holds outputs back from a client that stops reading (bounded buffer) and sends it each cell's final state", async () => {
    const id = await newNotebook(main);
    // The server's side of the coming connection: the most it ever holds unsent for this client.
    let maxUnsent = 0;
    main.t.server.once('upgrade', (_req, socket: Socket) => {
      const write = socket.write.bind(socket) as (...args: unknown[]) => boolean;
      socket.write = ((...args: unknown[]) => {
        const ok = write(...args);
        maxUnsent = Math.max(maxUnsent, socket.writableLength);
        return ok;
      }) as typeof socket.write;
    });
    const c = await connect(main, id);
    await c.next('status', statusIs('idle'));
    const spy = tab(); // a second tab, in process: sees every event as the session sends it
    const session = main.sessions.open(main.author.userId, id, spy.client);

    c.ws.pause(); // stop reading: the TCP window fills up, then the server's send buffer would
    const code = `import time\nfor i in range(1000):\n    print(f'{i:04d} ' + 'x' * 1018, flush=True)\n    time.sleep(0.002)`;
    c.send({ type: 'execute', requestId: 'flood', cells: [{ cellId: 'f', code }] });
    await spy.until((e) => e.type === 'cell_done' && e.cellId === 'f');
    const final = lastOutputs(spy.events, 'f')!;
    expect(streamText(final)).toHaveLength(1000 * 1024);
    const largest = Buffer.byteLength(JSON.stringify({ type: 'outputs', cellId: 'f', outputs: final }));
    const spyOutputs = spy.events.filter((e) => e.type === 'outputs' && e.cellId === 'f').length;
    // At most the high-water mark plus one message (and a frame header) ever waited in the server's buffer.
    expect(maxUnsent).toBeLessThanOrEqual(HIGH_WATER + largest + 16);

    c.ws.resume();
    const done = await c.next('cell_done', (m) => m.cellId === 'f');
    expect(done.status).toBe('ok');
    expect(lastOutputs(c.events, 'f')).toEqual(final);
    const clientOutputs = c.events.filter((e) => e.type === 'outputs' && e.cellId === 'f').length;
    console.info(
      `backpressure: max unsent ${maxUnsent} B (largest message ${largest} B); outputs messages: ${clientOutputs} sent of ${spyOutputs}`,
    );
    main.sessions.leave(session, spy.client);
  });
});

describe('restart timeout', () => {
  it('replaces a kernel whose restart takes too long and tells the tab', async () => {
    const id = await newNotebook(main);
    const c = await connect(main, id);
    await runCells(c, [['a', 'v = 1']]);
    const session = main.sessions.get(main.author.userId, id)!;
    const old = session.kernelId!;
    // Busy and deaf to SIGINT and SIGTERM: Jupyter interrupts it, sends the shutdown request, waits out its whole
    // shutdown wait (5 s, SIGTERM halfway), then SIGKILLs it and starts it again.
    const spin = `import signal\nsignal.signal(signal.SIGINT, signal.SIG_IGN)\nsignal.signal(signal.SIGTERM, signal.SIG_IGN)\nprint('spinning', flush=True)\nwhile True:\n    pass`;
    c.send({ type: 'execute', requestId: 'spin', cells: [{ cellId: 's', code: spin }] });
    await c.next('outputs', printed('s', 'spinning'));
    const discarded = new Promise<void>((resolve) =>
      poolEvents.on('event', (e) => void (e.type === 'discarded' && e.kernelId === old && resolve())),
    );

    const mark = c.events.length;
    c.send({ type: 'restart' });
    await c.next('status', statusIs('restarting'), mark);
    const idle = await c.next('status', statusIs('idle'), mark);
    const told = c.events.findIndex(
      (e, i) => i >= mark && e.type === 'error' && /did not restart within 1 s; it was replaced/.test(e.message),
    );
    expect(told).toBeGreaterThan(-1);
    expect(told).toBeLessThan(c.events.indexOf(idle)); // told before the fresh kernel is ready
    expect((await c.next('cell_done', (m) => m.cellId === 's')).status).toBe('aborted');
    expect(session.kernelId).not.toBe(old);

    const [done] = await runCells(c, [['b', "print('v' in dir())"]]);
    expect(done).toMatchObject({ status: 'ok', executionCount: 1 });
    expect(streamText(lastOutputs(c.events, 'b')!)).toBe('False\n');
    await discarded; // the old kernel is shut down once Jupyter's own restart of it has settled
  });
});

describe('busy sessions without tabs', () => {
  it('interrupts, then culls, a session still running cells after its last tab left (not one with a tab)', async () => {
    const manager = new KernelSessionManager({
      kernels: pool,
      logger: jupyter.logger,
      idleMs: 60_000,
      busyDetachedMs: 300,
      cullIntervalMs: 50,
    });
    const marker = path.join(jupyter.dataDir, `interrupted-${Date.now()}`);
    const spin = `try:\n    print('spinning', flush=True)\n    while True:\n        pass\nexcept KeyboardInterrupt:\n    open(${JSON.stringify(marker)}, 'w').write('interrupted')\n    raise`;
    const gone = tab();
    const stays = tab();
    try {
      const left = manager.open(main.author.userId, 'nb-left', gone.client);
      const watched = manager.open(main.author.userId, 'nb-watched', stays.client);
      await Promise.all([gone.until(isIdle), stays.until(isIdle)]);
      watched.execute({ requestId: 'w', cells: [{ cellId: 'w', code: 'while True:\n    pass' }] });
      left.execute({ requestId: 'l', cells: [{ cellId: 'l', code: spin }] });
      await Promise.all([gone.until(printed('l', 'spinning')), stays.until((e) => e.type === 'cell_started')]);
      const busyBefore = pool.health().busy;

      const culled = once(manager, 'culled') as Promise<[KernelSession]>;
      manager.leave(left, gone.client);
      expect((await culled)[0]).toBe(left);
      expect(fs.readFileSync(marker, 'utf8')).toBe('interrupted'); // interrupted first, not just killed
      expect(left.kernelId).toBeNull();
      expect(pool.health().busy).toBe(busyBefore - 1);
      // The session with a tab, busy for longer, is left alone.
      expect(manager.list().map((s) => [s.notebookId, s.status])).toEqual([['nb-watched', 'busy']]);
    } finally {
      await manager.shutdown();
    }
  });
});
