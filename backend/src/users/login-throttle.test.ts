import { randomUUID } from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { Redis } from 'ioredis';
import pino from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startRedisServer, type RedisServer } from '../embedded/redis-server';
import { LOGIN_LIMITS, LoginThrottle, lockoutMs, type LoginThrottleOptions } from './login-throttle';

const MIN = 60_000;

describe('lockoutMs', () => {
  it('doubles from the base with each lockout, capped', () => {
    const rule = LOGIN_LIMITS.lockout;
    expect([1, 2, 3, 4, 5, 50].map((n) => lockoutMs(n, rule) / MIN)).toEqual([15, 30, 60, 60, 60, 60]);
    expect(lockoutMs(3, { baseMs: MIN, maxMs: 10 * MIN, memoryMs: 0 })).toBe(4 * MIN);
  });
});

/**
 * The throttle over the library's two stores: in memory, and a real redis-server shared by two throttles (as two
 * web processes share it). Windows and locks are Redis TTLs, Redis's clock: the tests read the TTLs set, and end a
 * lock by removing its key (what its TTL does when it runs out) instead of waiting for it.
 */
let redisServer: RedisServer;
let dir: string;
const clients: Redis[] = [];
beforeAll(async () => {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'folio-throttle-'));
  redisServer = await startRedisServer({ dataDir: dir, logger: pino({ level: 'silent' }), password: randomUUID() });
});
afterAll(async () => {
  for (const c of clients) c.disconnect();
  await redisServer?.stop();
  if (dir) fs.rmSync(dir, { recursive: true, force: true });
});
const redisClient = () => {
  const c = new Redis(redisServer.connectionUrl, { maxRetriesPerRequest: 1 });
  clients.push(c);
  return c;
};

/** Two throttles on one key space: each test's own prefix. */
function pair(opts: Omit<LoginThrottleOptions, 'redis' | 'keyPrefix'> = {}) {
  const keyPrefix = `test:${randomUUID()}`;
  const a = new LoginThrottle({ ...opts, keyPrefix, redis: redisClient() });
  const b = new LoginThrottle({ ...opts, keyPrefix, redis: redisClient() });
  return { a, b, keyPrefix };
}

/** A failed attempt, as AuthService.login makes it. */
async function fail(t: LoginThrottle, email: string, ip: string) {
  const refused = await t.begin(email, ip);
  if (!refused) await t.failed(email, ip);
  return refused;
}

describe.each([
  ['in memory', () => ({ a: new LoginThrottle(), b: undefined })],
  ['on Redis', () => pair()],
])('LoginThrottle %s', (_name, make) => {
  it('locks an account at one IP for 15 minutes after 10 failures there, without counting the refused attempts', async () => {
    const { a } = make();
    for (let i = 0; i < 10; i++) expect(await fail(a, 'q@bank.example', '203.0.113.1'), `attempt ${i + 1}`).toBeNull();
    const refused = await a.begin('q@bank.example', '203.0.113.1');
    expect(refused?.retryAfterSeconds).toBeGreaterThan(15 * 60 - 5);
    expect(refused?.retryAfterSeconds).toBeLessThanOrEqual(15 * 60);
    // The account's owner at another address goes on; so does another account at this one.
    expect(await a.begin('q@bank.example', '198.51.100.9')).toBeNull();
    expect(await a.begin('other@bank.example', '203.0.113.1')).toBeNull();
  });

  it('starts an account afresh after a success; the 10th failure after a success does not lock', async () => {
    const { a } = make();
    for (let i = 0; i < 9; i++) await fail(a, 'r@bank.example', '203.0.113.2');
    expect(await a.begin('r@bank.example', '203.0.113.2')).toBeNull();
    await a.succeeded('r@bank.example', '203.0.113.2');
    for (let i = 0; i < 9; i++) expect(await fail(a, 'r@bank.example', '203.0.113.2')).toBeNull();
    expect(await a.begin('r@bank.example', '203.0.113.2')).toBeNull();
  });

  it('locks an account everywhere after 50 failures from many IPs, and an IP after 100 failures at any accounts', async () => {
    const { a } = make();
    for (let i = 0; i < 50; i++) expect(await fail(a, 'd@bank.example', `10.0.${i}.1`)).toBeNull();
    expect(await a.begin('d@bank.example', '10.9.9.9')).not.toBeNull();
    for (let i = 0; i < 100; i++) expect(await fail(a, `user${i}@bank.example`, '192.0.2.77')).toBeNull();
    expect(await a.begin('fresh@bank.example', '192.0.2.77')).not.toBeNull();
    expect(await a.begin('fresh@bank.example', '192.0.2.78')).toBeNull();
  });

  it('refuses parallel attempts beyond the limit: they cannot all slip through before the first fails', async () => {
    const { a } = make();
    const begun = await Promise.all(Array.from({ length: 15 }, () => a.begin('p@bank.example', '203.0.113.3')));
    expect(begun.filter((r) => r === null)).toHaveLength(10);
    await Promise.all(Array.from({ length: 10 }, () => a.failed('p@bank.example', '203.0.113.3')));
    expect(await a.begin('p@bank.example', '203.0.113.3')).not.toBeNull();
  });
});

describe('LoginThrottle on Redis, shared', () => {
  it('counts the failures of two processes together', async () => {
    const { a, b } = pair();
    for (let i = 0; i < 10; i++) expect(await fail(i % 2 ? a : b, 's@bank.example', '203.0.113.4')).toBeNull();
    expect(await a.begin('s@bank.example', '203.0.113.4')).not.toBeNull();
    expect(await b.begin('s@bank.example', '203.0.113.4')).not.toBeNull();
  });

  it('doubles the lockout each time it comes back within a day, never beyond an hour', async () => {
    const { a, keyPrefix } = pair();
    const redis = redisClient();
    const lockedKey = async () => {
      const keys = await redis.keys(`${keyPrefix}:account-ip:*`);
      expect(keys).toHaveLength(1);
      return keys[0]!;
    };
    const seconds: number[] = [];
    for (let round = 0; round < 4; round++) {
      for (let i = 0; i < 10; i++) expect(await fail(a, 'e@bank.example', '203.0.113.5')).toBeNull();
      const key = await lockedKey();
      seconds.push(Math.round((await redis.pttl(key)) / 1000));
      expect((await a.begin('e@bank.example', '203.0.113.5'))?.retryAfterSeconds).toBe(seconds.at(-1));
      await redis.del(key); // the lock runs out
    }
    expect(seconds).toEqual([15 * 60, 30 * 60, 60 * 60, 60 * 60]);
    // Accounts are stored hashed: no email in Redis.
    expect((await redis.keys(`${keyPrefix}:*`)).join(' ')).not.toContain('bank.example');
  });

  it('keeps counting in memory while Redis is unreachable', async () => {
    const down = new Redis({ port: 1, lazyConnect: true, enableOfflineQueue: false, maxRetriesPerRequest: 0 });
    clients.push(down);
    const t = new LoginThrottle({ redis: down, keyPrefix: `test:${randomUUID()}` });
    for (let i = 0; i < 10; i++) expect(await fail(t, 'u@bank.example', '203.0.113.6')).toBeNull();
    expect(await t.begin('u@bank.example', '203.0.113.6')).not.toBeNull();
  });
});
