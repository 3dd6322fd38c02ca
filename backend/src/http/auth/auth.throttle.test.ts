import { randomUUID } from 'node:crypto';
import fs from 'node:fs';
import type http from 'node:http';
import type { AddressInfo } from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { Redis } from 'ioredis';
import pino from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadConfig } from '../../config';
import { NotebookService } from '../../notebooks/notebook.service';
import { openSqliteStore } from '../../store/sqlite/sqlite-store';
import type { Store } from '../../store/store';
import { AuthService, INVALID_CREDENTIALS } from '../../users/auth.service';
import { UsersService } from '../../users/users.service';
import { createApp } from '../app';
import { startTestApp, type TestApp } from '../test-app';
import { closeServer, listen, testFetch } from '../../testing/http';
import { startRedisServer, type RedisServer } from '../../embedded/redis-server';
import { LoginThrottle } from '../../users/login-throttle';

/** Failed sign-in throttling and proxy headers, over real HTTP on a real SQLite file. */
const login = (base: string, email: string, password: string, headers: Record<string, string> = {}) =>
  testFetch(`${base}/api/auth/login`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', ...headers },
    body: JSON.stringify({ email, password }),
  });
const errorOf = async (res: Response) =>
  ((await res.json()) as { error: { code: string; message: string; details?: unknown } }).error;

describe('POST /api/auth/login throttling per email (default limits)', () => {
  let t: TestApp;
  beforeAll(async () => {
    t = await startTestApp();
    for (const email of ['locked@bank.example', 'reset@bank.example', 'proxied@bank.example']) {
      await new UsersService(t.store).create({ email, role: 'author', password: 'right-password' });
    }
  });
  afterAll(() => t?.close());

  it('answers 429 with Retry-After after 10 failures in 15 minutes, even with the right password; other emails go on', async () => {
    for (let i = 0; i < 10; i++) {
      const res = await login(t.url, i % 2 ? 'LOCKED@bank.example' : 'locked@bank.example', `wrong-${i}`);
      expect(res.status, `attempt ${i + 1}`).toBe(401);
      expect((await errorOf(res)).message).toBe(INVALID_CREDENTIALS);
    }
    const locked = await login(t.url, 'locked@bank.example', 'right-password');
    expect(locked.status).toBe(429);
    expect(locked.headers.get('set-cookie')).toBeNull();
    const retryAfter = Number(locked.headers.get('retry-after'));
    expect(retryAfter).toBeGreaterThan(0);
    expect(retryAfter).toBeLessThanOrEqual(15 * 60);
    const minutes = Math.ceil(retryAfter / 60);
    expect(await errorOf(locked)).toEqual({
      code: 'overloaded',
      message: `Too many failed sign-in attempts. Try again in ${minutes} minute${minutes === 1 ? '' : 's'}.`,
      details: { retryAfterSeconds: retryAfter },
    });
    expect((await login(t.url, 'reset@bank.example', 'right-password')).status).toBe(200);
  });

  it('starts an email afresh after a successful sign-in', async () => {
    for (let i = 0; i < 9; i++) expect((await login(t.url, 'reset@bank.example', 'wrong')).status).toBe(401);
    expect((await login(t.url, 'reset@bank.example', 'right-password')).status).toBe(200);
    expect((await login(t.url, 'reset@bank.example', 'wrong')).status).toBe(401); // the 10th failure without a reset
    expect((await login(t.url, 'reset@bank.example', 'right-password')).status).toBe(200);
  });

  it('marks the cookie Secure behind a TLS-terminating proxy even without trust proxy (Secure only restricts it)', async () => {
    const res = await login(t.url, 'proxied@bank.example', 'right-password', { 'x-forwarded-proto': 'https' });
    expect(res.status).toBe(200);
    expect(res.headers.get('set-cookie')).toMatch(/; Secure/);
  });
});

describe('behind a reverse proxy (express trust proxy set)', () => {
  let dir: string;
  let store: Store;
  let server: http.Server;
  let base: string;
  beforeAll(async () => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'folio-proxy-'));
    const config = loadConfig({ DATA_DIR: dir, LOG_LEVEL: 'silent', TRUST_PROXY: 'loopback' });
    const logger = pino({ level: 'silent' });
    store = openSqliteStore(path.join(dir, 'folio.db'));
    const perIp = { limit: 3, windowMs: 15 * 60_000 };
    const auth = new AuthService({
      store,
      logger,
      loginLimits: { perIp },
    });
    const notebooks = new NotebookService({ notebooks: store.notebooks, limits: config.limits });
    const app = createApp({ config, logger, store, auth, notebooks });
    server = await new Promise<http.Server>((resolve) => {
      const s = app.listen(0, '127.0.0.1', () => resolve(s));
    });
    base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
    await new UsersService(store).create({ email: 'quant@bank.example', role: 'author', password: 'right-password' });
  });
  afterAll(async () => {
    server?.closeAllConnections();
    await new Promise<void>((resolve) => (server ? server.close(() => resolve()) : resolve()));
    await store?.close();
    fs.rmSync(dir, { recursive: true, force: true });
  });

  it('limits failures per client IP across emails (password spraying); other IPs go on', async () => {
    const from = (ip: string) => ({ 'x-forwarded-for': ip });
    for (const email of ['a@bank.example', 'b@bank.example', 'quant@bank.example']) {
      expect((await login(base, email, 'guess', from('203.0.113.7'))).status).toBe(401);
    }
    const sprayed = await login(base, 'quant@bank.example', 'right-password', from('203.0.113.7'));
    expect(sprayed.status).toBe(429);
    expect((await errorOf(sprayed)).code).toBe('overloaded');
    expect(Number(sprayed.headers.get('retry-after'))).toBeGreaterThan(0);
    expect((await login(base, 'quant@bank.example', 'right-password', from('198.51.100.2'))).status).toBe(200);
  });

  it('marks the session cookie Secure when the proxy says the browser used https', async () => {
    const viaTls = await login(base, 'quant@bank.example', 'right-password', { 'x-forwarded-proto': 'https' });
    expect(viaTls.status).toBe(200);
    expect(viaTls.headers.get('set-cookie')).toMatch(/; Secure/);
    const plain = await login(base, 'quant@bank.example', 'right-password', { 'x-forwarded-proto': 'http' });
    expect(plain.headers.get('set-cookie')).not.toMatch(/Secure/);
  });
});

describe('two web processes on one Redis', () => {
  let dir: string;
  let redis: RedisServer;
  const apps: Array<{ server: http.Server; base: string; store: Store; client: Redis }> = [];
  beforeAll(async () => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'folio-throttle-shared-'));
    redis = await startRedisServer({ dataDir: dir, logger: pino({ level: 'silent' }), password: randomUUID() });
    const keyPrefix = `test:${randomUUID()}`;
    for (let i = 0; i < 2; i++) {
      // Each its own app, store connection, Redis client and throttle, as two `FOLIO_ROLE=web` processes have.
      const config = loadConfig({ DATA_DIR: dir, LOG_LEVEL: 'silent' });
      const logger = pino({ level: 'silent' });
      const store = openSqliteStore(path.join(dir, 'folio.db'));
      const client = new Redis(redis.connectionUrl, { maxRetriesPerRequest: 1 });
      const auth = new AuthService({ store, logger, throttle: new LoginThrottle({ redis: client, keyPrefix }) });
      const notebooks = new NotebookService({ notebooks: store.notebooks, limits: config.limits });
      const { server, url } = await listen(createApp({ config, logger, store, auth, notebooks }));
      apps.push({ server, base: url, store, client });
    }
    await new UsersService(apps[0]!.store).create({
      email: 'shared@bank.example',
      role: 'author',
      password: 'right-password',
    });
  });
  afterAll(async () => {
    for (const a of apps) {
      await closeServer(a.server);
      await a.store.close();
      a.client.disconnect();
    }
    await redis?.stop();
    if (dir) fs.rmSync(dir, { recursive: true, force: true });
  });

  it('share the count: 10 failures spread over both lock the account on both, known or unknown alike', async () => {
    for (const email of ['shared@bank.example', 'nobody@bank.example']) {
      for (let i = 0; i < 10; i++) {
        const res = await login(apps[i % 2]!.base, email, `wrong-${i}`);
        expect(res.status, `${email} attempt ${i + 1}`).toBe(401);
      }
      for (const app of apps) {
        const res = await login(app.base, email, 'right-password');
        expect(res.status, email).toBe(429);
        expect(Number(res.headers.get('retry-after'))).toBe(15 * 60);
        expect((await errorOf(res)).message).toBe('Too many failed sign-in attempts. Try again in 15 minutes.');
      }
    }
  });
});
