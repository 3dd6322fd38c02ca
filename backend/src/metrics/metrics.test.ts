import { randomUUID } from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { Queue } from 'bullmq';
import pino from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startRedisServer, type RedisServer } from '../embedded/redis-server';
import { startTestApp, type TestApp } from '../http/test-app';
import { KernelPool } from '../kernels/pool';
import { startTestJupyter, type TestJupyter } from '../kernels/testing/jupyter-fixture';
import { notebookOf } from '../notebooks/testing/notebook-builders';
import { guards } from '../runs/run-state';
import { testFetch } from '../testing/http';
import { FolioMetrics } from './metrics';
import { startMetricsServer } from './metrics-endpoint';
import { observeRunTransitions } from './run-metrics';
import { watchConnections, watchKernelPool, watchRunQueue } from './sources';

const METRICS_TOKEN = 'metrics-token-0123456789abcdef';

/** The value of one sample line (`name{labels} value`), or undefined. */
const sample = (text: string, name: string, labels: Record<string, string> = {}) => {
  for (const line of text.split('\n')) {
    if (!line.startsWith(`${name}{`) && !line.startsWith(`${name} `)) continue;
    if (Object.entries(labels).every(([k, v]) => line.includes(`${k}="${v}"`))) return Number(line.split(' ').pop());
  }
  return undefined;
};

describe('GET /metrics on the web role', () => {
  let t: TestApp;
  let metrics: FolioMetrics;
  beforeAll(async () => {
    metrics = new FolioMetrics({ role: 'web' });
    t = await startTestApp({ env: { FOLIO_METRICS_TOKEN: METRICS_TOKEN }, overrides: { metrics } });
  });
  afterAll(() => t.close());
  const scrape = (headers: Record<string, string>) => testFetch(`${t.url}/metrics`, { headers });

  it('needs the metrics token or an admin: 401 without credentials or with a wrong token, 403 for an author', async () => {
    expect((await scrape({})).status).toBe(401);
    expect((await scrape({ authorization: 'Bearer wrong-token-0123456789abcdef' })).status).toBe(401);
    const author = await t.signIn('author');
    expect((await scrape({ cookie: author.cookie })).status).toBe(403);
    const viewer = await t.signIn('viewer');
    expect((await scrape({ cookie: viewer.cookie })).status).toBe(403);
    const admin = await t.signIn('admin');
    const byAdmin = await scrape({ cookie: admin.cookie });
    expect(byAdmin.status).toBe(200);
    const byToken = await scrape({ authorization: `Bearer ${METRICS_TOKEN}` });
    expect(byToken.status).toBe(200);
    expect(byToken.headers.get('content-type')).toMatch(/^text\/plain; version=0\.0\.4/);
  });

  it("accepts an admin's API token with the admin scope, and no other token", async () => {
    const admin = await t.signIn('admin');
    const author = await t.signIn('author');
    const token = async (cookie: string, scopes: string[]) => {
      const res = await testFetch(`${t.url}/api/tokens`, {
        method: 'POST',
        headers: { cookie, origin: t.url, 'content-type': 'application/json' },
        body: JSON.stringify({ name: `scrape ${scopes.join(' ')}`, scopes }),
      });
      expect(res.status).toBe(201);
      return ((await res.json()) as { token: string }).token;
    };
    const withAdminScope = await token(admin.cookie, ['admin']);
    const withoutIt = await token(admin.cookie, ['notebooks:read']);
    const authors = await token(author.cookie, ['notebooks:read']);
    expect((await scrape({ authorization: `Bearer ${withAdminScope}` })).status).toBe(200);
    expect((await scrape({ authorization: `Bearer ${withoutIt}` })).status).toBe(403);
    expect((await scrape({ authorization: `Bearer ${authors}` })).status).toBe(403);
  });

  it('counts requests by route pattern and status, never by raw path, with latency histograms', async () => {
    const { cookie } = await t.signIn('author');
    const created = await testFetch(`${t.url}/api/notebooks`, {
      method: 'POST',
      headers: { cookie, 'content-type': 'application/json' },
      body: JSON.stringify({ name: 'Metrics' }),
    });
    const { id } = (await created.json()) as { id: string };
    await testFetch(`${t.url}/api/notebooks/${id}`, { headers: { cookie } }); // 200
    await testFetch(`${t.url}/api/notebooks/${id}`); // 401: refused before its route, labelled by it all the same
    const missing = `missing-${randomUUID()}`;
    await testFetch(`${t.url}/api/notebooks/${missing}`, { headers: { cookie } }); // 404
    const junk = `junk-${randomUUID()}`;
    await testFetch(`${t.url}/api/${junk}`, { headers: { cookie } }); // no such route
    const text = await (await scrape({ authorization: `Bearer ${METRICS_TOKEN}` })).text();
    const route = '/api/notebooks/:id';
    expect(sample(text, 'folio_http_requests_total', { method: 'GET', route, status: '200' })).toBe(1);
    expect(sample(text, 'folio_http_requests_total', { method: 'GET', route, status: '401' })).toBe(1);
    expect(sample(text, 'folio_http_requests_total', { method: 'GET', route, status: '404' })).toBe(1);
    expect(sample(text, 'folio_http_requests_total', { method: 'POST', route: '/api/notebooks', status: '201' })).toBe(
      1,
    );
    expect(sample(text, 'folio_http_requests_total', { route: 'unmatched', status: '404' })).toBe(1);
    expect(sample(text, 'folio_http_request_duration_seconds_count', { method: 'GET', route, status: '200' })).toBe(1);
    expect(sample(text, 'folio_http_request_duration_seconds_bucket', { route, status: '200', le: '+Inf' })).toBe(1);
    for (const raw of [id, missing, junk]) expect(text).not.toContain(raw);
  });

  it("exposes Node's process metrics, labelled with the role", async () => {
    const text = await (await scrape({ authorization: `Bearer ${METRICS_TOKEN}` })).text();
    expect(sample(text, 'process_resident_memory_bytes', { role: 'web' })).toBeGreaterThan(0);
    expect(sample(text, 'nodejs_heap_size_used_bytes', { role: 'web' })).toBeGreaterThan(0);
    expect(text).toMatch(/^nodejs_eventloop_lag_seconds\{role="web"\} /m);
  });
});

describe('run metrics', () => {
  let t: TestApp;
  beforeAll(async () => {
    t = await startTestApp();
  });
  afterAll(() => t.close());

  it('observes the claims and ends written through the repository: count, duration and queue wait', async () => {
    const metrics = new FolioMetrics({ role: 'worker' });
    const runs = observeRunTransitions(t.store.runs, metrics);
    const { userId } = await t.signIn('author');
    const nb = await t.store.notebooks.create({
      id: randomUUID(),
      name: 'Runs',
      ownerId: userId,
      content: notebookOf([]),
    });
    const run = (id: string, createdAt: string) => ({
      id,
      notebookId: nb.id,
      notebookVersion: 1,
      params: {},
      paramsHash: 'h',
      trigger: 'manual' as const,
      actorId: userId,
      status: 'queued' as const,
      cells: [],
      createdAt,
    });
    await runs.create(run('r1', '2030-01-01T00:00:00.000Z'));
    await runs.create(run('r2', '2030-01-01T00:00:00.000Z'));
    expect(
      await runs.transition('r1', guards.claimQueued, {
        status: 'running',
        attemptId: 'a1',
        startedAt: '2030-01-01T00:00:02.000Z',
      }),
    ).not.toBeNull();
    expect(
      await runs.transition('r1', guards.held('a1'), { status: 'succeeded', endedAt: '2030-01-01T00:00:32.000Z' }),
    ).not.toBeNull();
    // A move that loses its compare-and-set (already ended) is not counted again.
    expect(
      await runs.transition('r1', guards.held('a1'), { status: 'failed', endedAt: '2030-01-01T00:01:00.000Z' }),
    ).toBeNull();
    expect(
      await runs.transition('r2', guards.unclaimed, { status: 'cancelled', endedAt: '2030-01-01T00:00:05.000Z' }),
    ).not.toBeNull();
    const { body } = await metrics.scrape();
    expect(sample(body, 'folio_runs_finished_total', { status: 'succeeded' })).toBe(1);
    expect(sample(body, 'folio_runs_finished_total', { status: 'cancelled' })).toBe(1);
    expect(sample(body, 'folio_runs_finished_total', { status: 'failed' })).toBeUndefined();
    expect(sample(body, 'folio_run_duration_seconds_sum', { status: 'succeeded' })).toBe(30);
    expect(sample(body, 'folio_run_queue_wait_seconds_sum')).toBe(2);
    expect(sample(body, 'folio_run_queue_wait_seconds_count')).toBe(1);
    // Reads pass through untouched.
    expect((await runs.get('r1'))?.status).toBe('succeeded');
  });
});

describe('gauges read at scrape time from a real kernel pool, Redis queue and connection counts', () => {
  let jupyter: TestJupyter;
  let redis: RedisServer;
  let dir: string;
  beforeAll(async () => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'folio-metrics-'));
    [jupyter, redis] = await Promise.all([
      startTestJupyter('folio-metrics-jupyter-'),
      startRedisServer({ dataDir: dir, logger: pino({ level: 'silent' }) }),
    ]);
  });
  afterAll(async () => {
    await Promise.all([jupyter?.stop(), redis?.stop()]);
    fs.rmSync(dir, { recursive: true, force: true });
  });

  it('kernel pool states and size, queue jobs by state, open connections', async () => {
    const metrics = new FolioMetrics({ role: 'all' });
    const pool = new KernelPool({ settings: jupyter.settings, size: 1, logger: jupyter.logger });
    const queue = new Queue(`metrics-${randomUUID()}`, { connection: { host: '127.0.0.1', port: redis.port } });
    let sse = 3;
    try {
      await pool.start();
      watchKernelPool(metrics, 'runs', pool);
      watchRunQueue(metrics, queue);
      watchConnections(metrics, 'sse', () => sse);
      watchConnections(metrics, 'kernel_ws', () => 2);
      await queue.add('run-notebook', { runId: 'x' });
      await queue.add('run-notebook', { runId: 'y' }, { delay: 60_000 });
      let { body } = await metrics.scrape();
      expect(sample(body, 'folio_kernel_pool_kernels', { pool: 'runs', state: 'idle' })).toBe(1);
      expect(sample(body, 'folio_kernel_pool_kernels', { pool: 'runs', state: 'busy' })).toBe(0);
      expect(sample(body, 'folio_kernel_pool_target_size', { pool: 'runs' })).toBe(1);
      expect(sample(body, 'folio_run_queue_jobs', { state: 'waiting' })).toBe(1);
      expect(sample(body, 'folio_run_queue_jobs', { state: 'delayed' })).toBe(1);
      expect(sample(body, 'folio_open_connections', { kind: 'sse' })).toBe(3);
      expect(sample(body, 'folio_open_connections', { kind: 'kernel_ws' })).toBe(2);
      const k = await pool.acquire(30_000);
      sse = 0;
      ({ body } = await metrics.scrape());
      expect(sample(body, 'folio_kernel_pool_kernels', { pool: 'runs', state: 'busy' })).toBe(1);
      expect(sample(body, 'folio_open_connections', { kind: 'sse' })).toBe(0);
      pool.release(k, { discard: true });
    } finally {
      await queue.obliterate({ force: true }).catch(() => undefined);
      await queue.close();
      await pool.shutdown();
    }
  });

  it('a source that fails (Redis gone) is left out of the scrape instead of failing it', async () => {
    const metrics = new FolioMetrics({ role: 'web' });
    watchRunQueue(metrics, { getJobCounts: () => Promise.reject(new Error('Connection is closed.')) });
    watchConnections(metrics, 'sse', () => 1);
    const { body } = await metrics.scrape();
    expect(sample(body, 'folio_run_queue_jobs', { state: 'waiting' })).toBeUndefined();
    expect(sample(body, 'folio_open_connections', { kind: 'sse' })).toBe(1);
  });
});

describe('the worker role metrics listener (FOLIO_METRICS_PORT)', () => {
  it('serves GET /metrics for the metrics token only, and nothing else', async () => {
    const metrics = new FolioMetrics({ role: 'worker' });
    const endpoint = await startMetricsServer({
      metrics,
      port: 0,
      token: METRICS_TOKEN,
      logger: pino({ level: 'silent' }),
    });
    try {
      expect((await testFetch(endpoint.url)).status).toBe(401);
      expect((await testFetch(endpoint.url, { headers: { authorization: 'Bearer nope' } })).status).toBe(401);
      const ok = await testFetch(endpoint.url, { headers: { authorization: `Bearer ${METRICS_TOKEN}` } });
      expect(ok.status).toBe(200);
      expect(sample(await ok.text(), 'process_resident_memory_bytes', { role: 'worker' })).toBeGreaterThan(0);
      expect((await testFetch(endpoint.url.replace('/metrics', '/api/me'))).status).toBe(404);
    } finally {
      await endpoint.close();
    }
  });
});
