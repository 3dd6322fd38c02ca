import type { AddressInfo } from 'node:net';
import { Writable } from 'node:stream';
import express from 'express';
import pino from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DomainError, unavailable } from '../../errors';
import { errorHandler } from './errors';
import { testFetch } from '../../testing/http';
import { startTestApp } from '../test-app';

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

describe('no error response carries a stack trace or internals', () => {
  const STACKISH = /\bat [\w.<>]+ \(|node:internal|\/src\/|\.ts:\d+|Error: /;
  let app: Awaited<ReturnType<typeof startTestApp>>;
  let cookie: string;
  let plainUrl: string;
  let plainServer: ReturnType<express.Express['listen']>;
  const logs: string[] = [];

  beforeAll(async () => {
    app = await startTestApp({ env: { FOLIO_MAX_UPLOAD_MB: '0.01' } });
    ({ cookie } = await app.signIn());
    // Every kind of failure a handler can produce, behind the real error handler and the app's Express settings.
    const e = express();
    e.set('env', 'production');
    const secret = () => Object.assign(new Error('db password hunter2 at /srv/folio'), { code: 'EINTERNAL' });
    e.get('/sync', () => {
      throw secret();
    });
    e.get('/async', async () => {
      await Promise.resolve();
      throw secret();
    });
    e.get('/not-an-error', async () => {
      throw { message: 'plain object with hunter2', stack: 'at secret (/srv/folio/x.ts:1:1)' };
    });
    e.get('/string', async () => Promise.reject('hunter2 as a string'));
    e.get('/status-500', () => {
      throw Object.assign(new Error('upstream said hunter2'), { status: 500, expose: false });
    });
    e.get('/status-403', () => {
      throw Object.assign(new Error('internal rule hunter2'), { status: 403, expose: true });
    });
    e.get('/unserializable', () => {
      throw new DomainError('conflict', 'Stale.', { n: BigInt(1) });
    });
    e.use(
      errorHandler(
        pino({ level: 'debug' }, new Writable({ write: (c: Buffer, _e, cb) => (logs.push(c.toString()), cb()) })),
      ),
    );
    plainServer = e.listen(0, '127.0.0.1');
    await new Promise((r) => plainServer.once('listening', r));
    plainUrl = `http://127.0.0.1:${(plainServer.address() as AddressInfo).port}`;
  });
  afterAll(async () => {
    plainServer.close();
    await app.close();
  });

  it.each([
    ['/sync', 500, 'internal'],
    ['/async', 500, 'internal'],
    ['/not-an-error', 500, 'internal'],
    ['/string', 500, 'internal'],
    ['/status-500', 500, 'internal'],
    ['/status-403', 403, 'forbidden'],
    ['/unserializable', 409, 'conflict'],
  ])('%s → %i %s, JSON, generic', async (p, status, code) => {
    const res = await testFetch(plainUrl + p);
    expect(res.status).toBe(status);
    expect(res.headers.get('content-type')).toMatch(/^application\/json/);
    const text = await res.text();
    expect(text).not.toMatch(STACKISH);
    expect(text).not.toContain('hunter2');
    expect((JSON.parse(text) as { error: { code: string } }).error.code).toBe(code);
  });

  it('logs what it hides (the unknown error with its stack), server side only', () => {
    expect(logs.join('')).toContain('db password hunter2');
    expect(logs.join('')).toMatch(/"stack":/);
  });

  it('answers the body parser and router errors of the real app as 400/413, without internals', async () => {
    const send = (p: string, body: string, headers: Record<string, string> = {}) =>
      testFetch(app.url + p, {
        method: 'POST',
        headers: { cookie, 'content-type': 'application/json', ...headers },
        body,
      });
    const cases: Array<[Promise<Response>, number, string]> = [
      [send('/api/notebooks', '{"name": "x",'), 400, 'bad_request'], // malformed JSON
      [send('/api/notebooks', JSON.stringify({ name: 'x'.repeat(20_000) })), 413, 'too_large'],
      [send('/api/notebooks', '{}', { 'content-type': 'application/json; charset=latin-9' }), 400, 'bad_request'],
      [send('/api/notebooks', '{}', { 'content-encoding': 'x-nope' }), 400, 'bad_request'],
      [testFetch(`${app.url}/api/notebooks/%E0%A4%A`, { headers: { cookie } }), 400, 'bad_request'], // bad percent-encoding
    ];
    for (const [pending, status, code] of cases) {
      const res = await pending;
      const text = await res.text();
      expect({ status: res.status, text }).toMatchObject({ status });
      expect(text).not.toMatch(STACKISH);
      expect((JSON.parse(text) as { error: { code: string } }).error.code).toBe(code);
    }
  });
});
