import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestApp, type TestApp } from '../test-app';
import { testFetch } from '../../testing/http';
import { ANONYMOUS_JSON_LIMIT, SMALL_JSON_LIMIT } from './json-body';

let t: TestApp;
let cookie: string;
let notebookId: string;
const json = (method: string, path: string, body: unknown, headers: Record<string, string> = { cookie }) =>
  testFetch(t.url + path, {
    method,
    headers: { ...headers, 'content-type': 'application/json' },
    body: JSON.stringify(body),
  });
/** A JSON value of about `bytes` bytes. */
const padding = (bytes: number) => 'x'.repeat(bytes);

beforeAll(async () => {
  t = await startTestApp({ env: { FOLIO_MAX_UPLOAD_MB: '1' } });
  ({ cookie } = await t.signIn());
  const created = await json('POST', '/api/notebooks', { name: 'Limits' });
  notebookId = ((await created.json()) as { id: string }).id;
});
afterAll(() => t.close());

describe('JSON body limits per route', () => {
  it('takes large bodies only where a notebook is created or saved, or a run gets its parameters', async () => {
    const big = padding(SMALL_JSON_LIMIT * 2); // over the small limit, under FOLIO_MAX_UPLOAD_MB
    const created = await json('POST', '/api/notebooks', { name: 'Big', content: { padding: big } });
    expect(created.status).not.toBe(413); // parsed; the notebook check answers (422: not nbformat)
    const saved = await json('PUT', `/api/notebooks/${notebookId}`, { version: 1, name: 'Renamed', padding: big });
    expect(saved.status).toBe(200);
    // Parameter values can carry data (the runs routes' own test sends a 1 MB value through a real kernel).
    const run = await json('POST', `/api/notebooks/${notebookId}/runs`, { params: { positions: big } });
    expect(run.status).not.toBe(413);
  });

  it('refuses a body past the small limit on every other route with 413, before the route runs', async () => {
    const res = await json('POST', `/api/notebooks/${notebookId}/revisions/1/restore`, {
      version: 1,
      padding: padding(SMALL_JSON_LIMIT),
    });
    expect(res.status).toBe(413);
    expect(await res.json()).toEqual({
      error: { code: 'too_large', message: `The request body is larger than the ${SMALL_JSON_LIMIT / 1024} KB limit.` },
    });
    // Same route, small body: reaches the service.
    expect((await json('POST', `/api/notebooks/${notebookId}/revisions/1/restore`, {})).status).toBe(200);
  });

  it('caps notebook saves at FOLIO_MAX_UPLOAD_MB', async () => {
    const res = await json('PUT', `/api/notebooks/${notebookId}`, {
      version: 2,
      name: 'x',
      padding: padding(1024 * 1024 + 10),
    });
    expect(res.status).toBe(413);
    expect(((await res.json()) as { error: { message: string } }).error.message).toMatch(/1 MB limit/);
  });

  it('gives requests without a session (the sign-in form) the tiny limit', async () => {
    const res = await json('POST', '/api/auth/login', { email: 'a@b.c', password: padding(ANONYMOUS_JSON_LIMIT) }, {});
    expect(res.status).toBe(413);
    const ok = await json('POST', '/api/auth/login', { email: 'a@b.c', password: 'wrong-password' }, {});
    expect(ok.status).toBe(401);
  });

  it('leaves the raw upload routes to their own caps', async () => {
    const res = await testFetch(`${t.url}/api/notebooks/import?name=big.ipynb`, {
      method: 'POST',
      headers: { cookie, 'content-type': 'application/json' },
      body: padding(SMALL_JSON_LIMIT * 2), // not JSON at all: the route validates it as a notebook
    });
    expect(res.status).toBe(422);
  });
});
