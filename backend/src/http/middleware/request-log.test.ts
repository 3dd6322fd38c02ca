import { Writable } from 'node:stream';
import pino from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loggerOptions } from '../../logger';
import { startTestApp, type TestApp } from '../test-app';
import { testFetch } from '../../testing/http';
import { REDACTED, redactUrl } from './request-log';

const lines: Array<Record<string, unknown>> = [];
const raw: string[] = [];
let t: TestApp;
let cookie: string;
let userId: string;

beforeAll(async () => {
  // Folio's own root logger options (redaction included), writing JSON lines into memory.
  const stream = new Writable({
    write: (c: Buffer, _e, cb) => {
      raw.push(c.toString());
      for (const l of c.toString().split('\n').filter(Boolean)) lines.push(JSON.parse(l) as Record<string, unknown>);
      cb();
    },
  });
  const logger = pino(loggerOptions('info'), stream);
  t = await startTestApp({ overrides: { logger } });
  ({ cookie, userId } = await t.signIn());
});
afterAll(() => t.close());

const accessLines = () => lines.filter((l) => l.component === 'access');
const lineFor = (reqId: string) => accessLines().find((l) => l.reqId === reqId);

describe('access log and request ids', () => {
  it('logs one line per request with its id, method, path, status, time and who — and no cookie or bearer value', async () => {
    const sessionValue = cookie.split('=')[1]!;
    const res = await testFetch(`${t.url}/api/notebooks?x=1`, { headers: { cookie, 'user-agent': 'log-test/1' } });
    expect(res.status).toBe(200);
    const reqId = res.headers.get('x-request-id');
    expect(reqId).toMatch(/^[0-9a-f-]{36}$/);
    await expect.poll(() => lineFor(reqId!)).toBeDefined();
    expect(lineFor(reqId!)).toMatchObject({
      level: 30,
      reqId,
      userId,
      req: { method: 'GET', url: '/api/notebooks?x=1', userAgent: 'log-test/1', ip: expect.any(String) },
      res: { statusCode: 200 },
      responseTime: expect.any(Number),
      msg: expect.stringMatching(/^GET \/api\/notebooks\?x=1 200 \d+ms$/),
    });
    // An API token (its secret in the Authorization header): the line names the token by id, never by its value.
    const created = await testFetch(`${t.url}/api/tokens`, {
      method: 'POST',
      headers: { cookie, origin: t.url, 'content-type': 'application/json' },
      body: JSON.stringify({ name: 'log test', scopes: ['notebooks:read'] }),
    });
    expect(created.status).toBe(201);
    const { id: tokenId, token: bearer } = (await created.json()) as { id: string; token: string };
    const byToken = await testFetch(`${t.url}/api/notebooks`, { headers: { authorization: `Bearer ${bearer}` } });
    expect(byToken.status).toBe(200);
    const tokenReq = byToken.headers.get('x-request-id')!;
    await expect.poll(() => lineFor(tokenReq)).toMatchObject({ userId, tokenId, res: { statusCode: 200 } });
    // A wrong bearer is refused, and not logged either.
    const wrong = 'folio_pat_s3cr3tBearerValue';
    expect((await testFetch(`${t.url}/api/notebooks`, { headers: { authorization: `Bearer ${wrong}` } })).status).toBe(
      401,
    );
    const all = raw.join('');
    expect(all).not.toContain(sessionValue);
    expect(all).not.toContain(bearer);
    expect(all).not.toContain(wrong);
    expect(all).not.toMatch(/"headers"|"cookie"|"authorization"/i);
  });

  it('keeps a well-formed X-Request-Id from the client or proxy, and replaces a malformed one', async () => {
    const given = await testFetch(`${t.url}/api/me`, { headers: { cookie, 'x-request-id': 'lb-7f3a.91' } });
    expect(given.headers.get('x-request-id')).toBe('lb-7f3a.91');
    await expect.poll(() => lineFor('lb-7f3a.91')).toMatchObject({ res: { statusCode: 200 } });
    const forged = await testFetch(`${t.url}/api/me`, { headers: { cookie, 'x-request-id': 'a\u00e9 "injected":1' } });
    expect(forged.headers.get('x-request-id')).toMatch(/^[0-9a-f-]{36}$/);
  });

  it('echoes the id on errors and anonymous requests too, and logs 4xx as info', async () => {
    const res = await testFetch(`${t.url}/api/notebooks`);
    expect(res.status).toBe(401);
    const reqId = res.headers.get('x-request-id')!;
    await expect.poll(() => lineFor(reqId)).toMatchObject({ level: 30, res: { statusCode: 401 } });
    expect(lineFor(reqId)!.userId).toBeUndefined();
  });

  it('redacts secrets in URLs: invite and set-password links, token/code/state/password query values', async () => {
    const res = await testFetch(
      `${t.url}/set-password/inv_TOPSECRET1?next=%2F&token=TOPSECRET2&code=TOPSECRET3&state=TOPSECRET4`,
    );
    const reqId = res.headers.get('x-request-id')!;
    await expect.poll(() => lineFor(reqId)).toBeDefined();
    expect((lineFor(reqId)!.req as { url: string }).url).toBe(
      `/set-password/${REDACTED}?next=%2F&token=${REDACTED}&code=${REDACTED}&state=${REDACTED}`,
    );
    expect(raw.join('')).not.toContain('TOPSECRET');
  });

  it.each([
    ['/api/notebooks/abc/files/a.csv', '/api/notebooks/abc/files/a.csv'],
    ['/api/auth/invites/abc123/accept', `/api/auth/invites/${REDACTED}/accept`],
    ['/invite/abc', `/invite/${REDACTED}`],
    [
      '/x?access_token=a&name=b&api%5Fkey=c&inviteToken=d',
      `/x?access_token=${REDACTED}&name=b&api%5Fkey=${REDACTED}&inviteToken=${REDACTED}`,
    ],
    ['/x?password', '/x?password'],
    ['/x?%E0%A4%A=1', '/x?%E0%A4%A=1'],
  ])('redactUrl(%j) = %j', (url, expected) => {
    expect(redactUrl(url)).toBe(expected);
  });
});
