import type { AddressInfo } from 'node:net';
import express from 'express';
import pino from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DomainError, unavailable } from '../../errors';
import { errorHandler } from './errors';
import { testFetch } from '../../testing/http';

let url: string;
let server: ReturnType<express.Express['listen']>;

beforeAll(async () => {
  const app = express();
  const raise =
    (e: Error): express.RequestHandler =>
    () => {
      throw e;
    };
  app.get(
    '/overloaded',
    raise(new DomainError('overloaded', 'No kernel became free within 2.5s', { retryAfterSeconds: 2.5 })),
  );
  app.get('/overloaded-plain', raise(new DomainError('overloaded', 'Too many kernels.')));
  app.get('/unavailable', raise(new DomainError('unavailable', 'Redis is down.', { retryAfterSeconds: 5 })));
  app.get('/unavailable-plain', raise(unavailable('Redis is down.')));
  app.get('/conflict', raise(new DomainError('conflict', 'Stale.', { retryAfterSeconds: 3 })));
  app.get('/bad-value', raise(new DomainError('overloaded', 'Busy.', { retryAfterSeconds: 'soon' })));
  app.use(errorHandler(pino({ level: 'silent' })));
  server = app.listen(0, '127.0.0.1');
  await new Promise((r) => server.once('listening', r));
  url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});
afterAll(() => server.close());

describe('errorHandler Retry-After', () => {
  it('sets Retry-After (whole seconds, rounded up) on a 429 that says when to retry, keeping the details', async () => {
    const res = await testFetch(`${url}/overloaded`);
    expect(res.status).toBe(429);
    expect(res.headers.get('retry-after')).toBe('3');
    expect(await res.json()).toEqual({
      error: { code: 'overloaded', message: 'No kernel became free within 2.5s', details: { retryAfterSeconds: 2.5 } },
    });
  });

  it('sets it on a 503 that carries it', async () => {
    const res = await testFetch(`${url}/unavailable`);
    expect(res.status).toBe(503);
    expect(res.headers.get('retry-after')).toBe('5');
  });

  it('leaves it out when the error does not say, says nonsense, or is not a 429/503', async () => {
    for (const [p, status] of [
      ['/overloaded-plain', 429],
      ['/unavailable-plain', 503],
      ['/conflict', 409],
      ['/bad-value', 429],
    ] as const) {
      const res = await testFetch(url + p);
      expect(res.status).toBe(status);
      expect(res.headers.get('retry-after')).toBeNull();
    }
  });
});
