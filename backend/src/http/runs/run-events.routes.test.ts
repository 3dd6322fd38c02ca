import fs from 'node:fs';
import type http from 'node:http';
import type { AddressInfo } from 'node:net';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { loadConfig } from '../../config';
import type { Notebook } from '../../contracts/nbformat';
import { NotebookService } from '../../notebooks/notebook.service';
import { codeCell as code, notebookOf } from '../../notebooks/testing/notebook-builders';
import { startRunsFixture, type Runner, type RunsFixture } from '../../runs/testing/runs-fixture';
import { AuthService } from '../../users/auth.service';
import { UsersService } from '../../users/users.service';
import { startRedisServer } from '../../embedded/redis-server';
import { BullRunEvents } from '../../queue/run-events';
import { RunProgressService } from '../../runs/run-progress';
import { createApp } from '../app';
import { testFetch } from '../../testing/http';

/** GET /api/runs/:id/events end to end: worker → job progress in Redis → QueueEvents → SSE over real HTTP. */
let fx: RunsFixture;
let runner: Runner;
let server: http.Server;
let base: string;
let cookie: string;
let auth: AuthService;
let notebooks: NotebookService;

async function startRun(cells: Notebook['cells']): Promise<string> {
  const nb = await testFetch(`${base}/api/notebooks`, {
    method: 'POST',
    headers: { cookie, 'content-type': 'application/json' },
    body: JSON.stringify({ name: 'Events', content: notebookOf(cells) }),
  });
  const { id } = (await nb.json()) as { id: string };
  const run = await testFetch(`${base}/api/notebooks/${id}/runs`, {
    method: 'POST',
    headers: { cookie, 'content-type': 'application/json' },
    body: '{}',
  });
  expect(run.status).toBe(202);
  return ((await run.json()) as { id: string }).id;
}

interface SseEvent {
  event: string;
  data: Record<string, unknown>;
}

/** Opens the stream; `next()` resolves with the next event, or undefined once the server has closed it. */
async function openEvents(runId: string, signal?: AbortSignal) {
  const res = await testFetch(`${base}/api/runs/${runId}/events`, { headers: { cookie }, signal });
  expect(res.status).toBe(200);
  const reader = res.body!.pipeThrough(new TextDecoderStream()).getReader();
  let buffer = '';
  const next = async (): Promise<SseEvent | undefined> => {
    for (;;) {
      const end = buffer.indexOf('\n\n');
      if (end >= 0) {
        const frame = buffer.slice(0, end);
        buffer = buffer.slice(end + 2);
        const lines = frame.split('\n').filter((l) => !l.startsWith(':'));
        if (lines.length === 0) continue;
        const field = (name: string) => lines.find((l) => l.startsWith(`${name}: `))?.slice(name.length + 2);
        return { event: field('event')!, data: JSON.parse(field('data')!) as Record<string, unknown> };
      }
      const { value, done } = await reader.read();
      if (done) return undefined;
      buffer += value;
    }
  };
  const rest = async () => {
    const all: SseEvent[] = [];
    for (let e = await next(); e; e = await next()) all.push(e);
    return all;
  };
  return { res, next, rest };
}

beforeAll(async () => {
  fx = await startRunsFixture({ poolSize: 1 });
  runner = fx.startRunner();
  const config = loadConfig({ DATA_DIR: fx.dir, LOG_LEVEL: 'silent' });
  auth = new AuthService({ store: fx.store, logger: fx.logger });
  notebooks = new NotebookService({ notebooks: fx.store.notebooks, limits: config.limits });
  const app = createApp({
    config,
    logger: fx.logger,
    store: fx.store,
    auth,
    notebooks,
    runs: runner.service,
    runProgress: runner.progress,
  });
  server = await new Promise<http.Server>((resolve) => {
    const s = app.listen(0, '127.0.0.1', () => resolve(s));
  });
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  await new UsersService(fx.store).create({ email: 'author@events.test', role: 'author', password: 'test-password' });
  cookie = `folio_session=${(await auth.login('author@events.test', 'test-password')).token}`;
});

afterAll(async () => {
  server?.closeAllConnections();
  await new Promise<void>((resolve) => (server ? server.close(() => resolve()) : resolve()));
  await fx?.stop();
});

describe('GET /api/runs/:id/events', () => {
  it('streams the state, each cell start and end, then the end, in order, and closes', async () => {
    await runner.worker.worker.pause();
    let id: string;
    try {
      id = await startRun([code('a', 'x = 1'), code('b', 'print(x)'), code('c', 'x + 1')]);
      const stream = await openEvents(id);
      expect(stream.res.headers.get('content-type')).toMatch(/^text\/event-stream/);
      expect(stream.res.headers.get('cache-control')).toBe('no-cache');
      expect(stream.res.headers.get('x-accel-buffering')).toBe('no');
      expect(await stream.next()).toEqual({ event: 'run', data: { id, status: 'queued', done: 0, total: 0 } });
      runner.worker.worker.resume();
      const p = (done: number, cellId: string, status: string) => ({
        event: 'progress',
        data: { done, total: 3, cellId, status },
      });
      expect(await stream.rest()).toEqual([
        p(0, 'a', 'running'),
        p(1, 'a', 'ok'),
        p(1, 'b', 'running'),
        p(2, 'b', 'ok'),
        p(2, 'c', 'running'),
        p(3, 'c', 'ok'),
        { event: 'end', data: { id, status: 'succeeded' } },
      ]);
    } finally {
      runner.worker.worker.resume();
    }
    expect(runner.runEvents.listenerCount(id)).toBe(0);
  });

  it('sends the state and the end at once for a run that has ended', async () => {
    const id = await startRun([code('a', '1 / 0'), code('b', '2')]);
    await runner.settled(id);
    const stream = await openEvents(id);
    expect(await stream.rest()).toEqual([
      { event: 'run', data: { id, status: 'failed', done: 1, total: 2 } },
      { event: 'end', data: { id, status: 'failed' } },
    ]);
    expect(runner.runEvents.listenerCount()).toBe(0);
  });

  it('needs a session and a known run', async () => {
    const unknown = '00000000-0000-4000-8000-000000000000';
    expect((await testFetch(`${base}/api/runs/${unknown}/events`)).status).toBe(401);
    const res = await testFetch(`${base}/api/runs/${unknown}/events`, { headers: { cookie } });
    expect(res.status).toBe(404);
    expect(((await res.json()) as { error: { code: string } }).error.code).toBe('not_found');
    expect((await testFetch(`${base}/api/runs/not-a-uuid/events`, { headers: { cookie } })).status).toBe(400);
    expect(runner.runEvents.listenerCount()).toBe(0);
  });

  it('stops listening when the client disconnects', async () => {
    const flag = path.join(fx.dir, `events-go-${Date.now()}`);
    const id = await startRun([
      code('gate', `import os, time\nwhile not os.path.exists(${JSON.stringify(flag)}):\n    time.sleep(0.01)`),
    ]);
    const subscribe = runner.runEvents.subscribe.bind(runner.runEvents);
    let released!: () => void;
    const unsubscribed = new Promise<void>((resolve) => (released = resolve));
    const spy = vi.spyOn(runner.runEvents, 'subscribe').mockImplementation(async (runId, listener) => {
      const stop = await subscribe(runId, listener);
      return () => {
        stop();
        released();
      };
    });
    try {
      const client = new AbortController();
      const stream = await openEvents(id, client.signal);
      expect((await stream.next())?.event).toBe('run');
      expect(runner.runEvents.listenerCount(id)).toBe(1);
      client.abort();
      await unsubscribed;
      expect(runner.runEvents.listenerCount(id)).toBe(0);
    } finally {
      spy.mockRestore();
      fs.writeFileSync(flag, '');
    }
    expect((await runner.settled(id)).kind).toBe('completed');
  });

  it('checks who asks before subscribing to anything', async () => {
    const spy = vi.spyOn(runner.runEvents, 'subscribe');
    try {
      const unknown = '00000000-0000-4000-8000-000000000001';
      expect((await testFetch(`${base}/api/runs/${unknown}/events`, { headers: { cookie } })).status).toBe(404);
      expect(spy).not.toHaveBeenCalled();
    } finally {
      spy.mockRestore();
    }
  });

  it('answers 503 with Retry-After at once while Redis is unreachable, and still serves an ended run', async () => {
    const flag = path.join(fx.dir, `events-redis-${Date.now()}`);
    const ended = await startRun([code('a', '1')]);
    await runner.settled(ended); // first: the pool has one kernel, which the gated run then holds
    const running = await startRun([
      code('gate', `import os, time\nwhile not os.path.exists(${JSON.stringify(flag)}):\n    time.sleep(0.01)`),
    ]);
    // A web process whose event connection has lost its Redis (a redis-server of its own, stopped).
    const own = await startRedisServer({ dataDir: fs.mkdtempSync(path.join(fx.dir, 'redis-')), logger: fx.logger });
    const events = new BullRunEvents({
      connection: { host: '127.0.0.1', port: own.port, maxRetriesPerRequest: null },
      name: runner.queueName,
      logger: fx.logger,
    });
    const progress = new RunProgressService({ runs: runner.service, events });
    const app = createApp({
      config: loadConfig({ DATA_DIR: fx.dir, LOG_LEVEL: 'silent' }),
      logger: fx.logger,
      store: fx.store,
      auth,
      notebooks,
      runs: runner.service,
      runProgress: progress,
    });
    const other = await new Promise<http.Server>((resolve) => {
      const srv = app.listen(0, '127.0.0.1', () => resolve(srv));
    });
    const otherBase = `http://127.0.0.1:${(other.address() as AddressInfo).port}`;
    try {
      expect(await events.whenAvailable(10_000)).toBe(true);
      await own.stop();
      await vi.waitFor(async () => expect(await events.whenAvailable(0)).toBe(false), {
        timeout: 10_000,
        interval: 20,
      });
      const res = await testFetch(`${otherBase}/api/runs/${running}/events`, { headers: { cookie } });
      expect(res.status).toBe(503);
      expect(res.headers.get('retry-after')).toBe('5');
      expect(((await res.json()) as { error: { message: string } }).error.message).toMatch(/Redis/);
      // An ended run needs no live events: it is served from the store.
      const done = await testFetch(`${otherBase}/api/runs/${ended}/events`, { headers: { cookie } });
      expect(done.status).toBe(200);
      expect(await done.text()).toContain('event: end');
    } finally {
      other.closeAllConnections();
      await new Promise<void>((resolve) => other.close(() => resolve()));
      await events.close();
      await own.stop();
      fs.writeFileSync(flag, '');
    }
    expect((await runner.settled(running)).kind).toBe('completed');
  });
});
