import type { RedisOptions } from 'ioredis';

/**
 * Redis connection options for BullMQ (and the readiness probe), from a REDIS_URL.
 * Producers (Queue, the readiness probe) fail fast when Redis is down; workers keep retrying forever, as the
 * BullMQ production guide recommends. Pass these options (not a shared client) so BullMQ opens its own connections.
 */
export type ConnectionOptions = RedisOptions;

export class RedisUrlError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'RedisUrlError';
  }
}

/** `redis://[user:password@]host[:port][/db]` or `rediss://…` (TLS) → ioredis options. */
export function parseRedisUrl(url: string): ConnectionOptions {
  let u: URL;
  try {
    u = new URL(url);
  } catch {
    throw new RedisUrlError(`REDIS_URL is not a URL: ${JSON.stringify(url)}`);
  }
  if (u.protocol !== 'redis:' && u.protocol !== 'rediss:') {
    throw new RedisUrlError(`REDIS_URL must start with redis:// or rediss://, got ${u.protocol}//`);
  }
  const dbPath = u.pathname.replace(/^\//, '');
  if (dbPath !== '' && !/^\d+$/.test(dbPath)) {
    throw new RedisUrlError(`REDIS_URL database must be a number, got "/${dbPath}"`);
  }
  const opts: ConnectionOptions = {
    host: u.hostname.replace(/^\[(.*)\]$/, '$1') || '127.0.0.1',
    port: u.port ? Number(u.port) : 6379,
  };
  if (u.username) opts.username = decodeURIComponent(u.username);
  if (u.password) opts.password = decodeURIComponent(u.password);
  if (dbPath !== '') opts.db = Number(dbPath);
  if (u.protocol === 'rediss:') opts.tls = { servername: opts.host };
  return opts;
}

/** Reconnect backoff shared by every role: 100 ms doubling, capped at 5 s. Never gives up. */
export function reconnectDelay(attempt: number): number {
  return Math.min(100 * 2 ** Math.max(0, attempt - 1), 5_000);
}

/** For Queue producers and probes: commands fail at once while Redis is unreachable (no offline queue). */
export function producerConnection(url: string): ConnectionOptions {
  return { ...parseRedisUrl(url), enableOfflineQueue: false, maxRetriesPerRequest: 1, retryStrategy: reconnectDelay };
}

/** For Workers: blocking commands wait for Redis to come back (BullMQ requires maxRetriesPerRequest: null). */
export function workerConnection(url: string): ConnectionOptions {
  return { ...parseRedisUrl(url), enableOfflineQueue: true, maxRetriesPerRequest: null, retryStrategy: reconnectDelay };
}
