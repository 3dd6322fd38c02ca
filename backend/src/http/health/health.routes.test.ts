import { once } from 'node:events';
import fs from 'node:fs';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { Redis } from 'ioredis';
import pino from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { freePort } from '../../embedded/child-process';
import { startRedisServer, type RedisServer } from '../../embedded/redis-server';
import { startTestJupyter, type TestJupyter } from '../../kernels/testing/jupyter-fixture';
import { producerConnection } from '../../queue/connection';
import { startTestApp, type TestApp } from '../test-app';
import { HealthService, jupyterCheck, redisCheck, storeCheck } from './health.service';
import { testFetch } from '../../testing/http';

const logger = pino({ level: 'silent' });

describe('GET /healthz and /readyz (real SQLite, redis-server and Jupyter Server)', () => {
  let redisDir: string;
  let redis: RedisServer;
  let client: Redis;
  let jupyter: TestJupyter;
  let app: TestApp;

  beforeAll(async () => {
    redisDir = fs.mkdtempSync(path.join(os.tmpdir(), 'folio-health-'));
    [redis, jupyter] = await Promise.all([startRedisServer({ dataDir: redisDir, logger }), startTestJupyter()]);
    client = new Redis(producerConnection(redis.url));
    await once(client, 'ready');
    const health = new HealthService({
      store: () => storeCheck(app.store)(), // the app's own SQLite store, opened by startTestApp below
      redis: redisCheck(client),
      jupyter: jupyterCheck({ url: jupyter.server.url, token: jupyter.server.token }),
    });
    app = await startTestApp({ overrides: { health } });
  });

  afterAll(async () => {
    client?.disconnect();
    await Promise.all([app?.close(), redis?.stop(), jupyter?.stop()]);
    fs.rmSync(redisDir, { recursive: true, force: true });
  });

  const get = async (p: string) => {
    const res = await testFetch(app.url + p);
    return {
      status: res.status,
      body: (await res.json()) as Record<string, unknown>,
      cache: res.headers.get('cache-control'),
    };
  };

  it('healthz answers without a session', async () => {
    expect(await get('/healthz')).toEqual({ status: 200, body: { status: 'ok' }, cache: 'no-store' });
  });

  it('readyz is 200 with every dependency up', async () => {
    const r = await get('/readyz');
    expect(r.status).toBe(200);
    expect(r.body).toEqual({
      status: 'ok',
      checks: { store: { state: 'up' }, redis: { state: 'up' }, jupyter: { state: 'up' } },
    });
  });

  it('redis stopped → 503 naming redis while the server keeps serving; restarted → 200', async () => {
    const port = redis.port;
    const closed = once(client, 'close');
    await redis.stop();
    await closed;

    const down = await get('/readyz');
    expect(down.status).toBe(503);
    expect(down.body.status).toBe('unavailable');
    const checks = down.body.checks as Record<string, { state: string; error?: string }>;
    expect(checks.redis?.state).toBe('down');
    expect(checks.redis?.error).toMatch(/not connected/);
    expect(checks.store).toEqual({ state: 'up' });
    expect(checks.jupyter).toEqual({ state: 'up' });
    expect((await get('/healthz')).status).toBe(200);

    // Not events.once: that would reject on the client's reconnect errors, which are expected here.
    const ready = new Promise<void>((resolve) => client.once('ready', resolve));
    redis = await startRedisServer({ dataDir: redisDir, logger, port });
    await ready;
    expect((await get('/readyz')).status).toBe(200);
  });
});

describe('jupyterCheck', () => {
  it('reports a refused connection and a rejected token without leaking the token', async () => {
    const srv = http.createServer((req, res) => {
      res.statusCode = req.headers.authorization === 'token right' ? 200 : 403;
      res.end('{}');
    });
    await new Promise<void>((r) => srv.listen(0, '127.0.0.1', r));
    const url = `http://127.0.0.1:${(srv.address() as AddressInfo).port}/`;
    const health = new HealthService({
      store: async () => undefined,
      redis: async () => undefined,
      jupyter: jupyterCheck({ url, token: 'wrong' }),
    });
    const r = await health.readiness();
    expect(r.checks.jupyter).toEqual({ state: 'down', error: 'GET /api/status answered HTTP 403' });
    expect(await jupyterCheck({ url, token: 'right' })()).toBeUndefined();
    srv.closeAllConnections();
    srv.close();

    const nobody = `http://127.0.0.1:${await freePort()}/`;
    const refused = await new HealthService({
      store: async () => undefined,
      redis: async () => undefined,
      jupyter: jupyterCheck({ url: nobody, token: 'x' }),
    }).readiness();
    expect(refused.checks.jupyter).toEqual({ state: 'down', error: 'ECONNREFUSED' });
    expect(refused.status).toBe('unavailable');
  });
});

describe('HealthService', () => {
  it('bounds a check that never answers by its timeout', async () => {
    const health = new HealthService(
      { store: () => new Promise<void>(() => undefined), redis: async () => undefined, jupyter: async () => undefined },
      50,
    );
    const r = await health.readiness();
    expect(r.checks.store).toEqual({ state: 'down', error: 'no answer within 50 ms' });
    expect(r.checks.redis).toEqual({ state: 'up' });
  });
});
