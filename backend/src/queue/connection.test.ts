import { describe, expect, it } from 'vitest';
import { parseRedisUrl, producerConnection, reconnectDelay, RedisUrlError, workerConnection } from './connection';

describe('parseRedisUrl', () => {
  it('reads host, port, credentials and db', () => {
    expect(parseRedisUrl('redis://alice:p%40ss@cache.internal:6380/3')).toEqual({
      host: 'cache.internal',
      port: 6380,
      username: 'alice',
      password: 'p@ss',
      db: 3,
    });
  });

  it('defaults the port and leaves db unset', () => {
    expect(parseRedisUrl('redis://127.0.0.1')).toEqual({ host: '127.0.0.1', port: 6379 });
  });

  it('accepts a password without a user and IPv6 hosts', () => {
    expect(parseRedisUrl('redis://:secret@[::1]:7000')).toEqual({ host: '::1', port: 7000, password: 'secret' });
  });

  it('turns on TLS for rediss://', () => {
    expect(parseRedisUrl('rediss://r.example.com').tls).toEqual({ servername: 'r.example.com' });
  });

  it.each([
    ['http://localhost:6379', /redis:\/\/ or rediss:\/\//],
    ['not a url', /not a URL/],
    ['redis://localhost/abc', /database must be a number/],
  ])('rejects %s', (url, message) => {
    expect(() => parseRedisUrl(url)).toThrow(RedisUrlError);
    expect(() => parseRedisUrl(url)).toThrow(message);
  });
});

describe('role options', () => {
  it('producers fail fast, workers retry forever', () => {
    const p = producerConnection('redis://h:1');
    const w = workerConnection('redis://h:1');
    expect(p.enableOfflineQueue).toBe(false);
    expect(w.maxRetriesPerRequest).toBeNull();
    expect(w.enableOfflineQueue).toBe(true);
  });

  it('backs off exponentially up to 5 s', () => {
    expect([1, 2, 3, 10, 100].map(reconnectDelay)).toEqual([100, 200, 400, 5_000, 5_000]);
  });
});
