import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { INVALID_CREDENTIALS } from '../../users/auth.service';
import { UsersService } from '../../users/users.service';
import { startTestApp, type TestApp } from '../test-app';

let t: TestApp;
beforeAll(async () => {
  t = await startTestApp();
  await new UsersService(t.store).create({
    email: 'quant@bank.example',
    name: 'Quant',
    role: 'author',
    password: 'right-password',
  });
});
afterAll(() => t.close());

const post = (path: string, body: unknown, headers: Record<string, string> = {}) =>
  fetch(t.url + path, {
    method: 'POST',
    headers: { 'content-type': 'application/json', ...headers },
    body: typeof body === 'string' ? body : JSON.stringify(body),
  });
const login = (email: string, password: string) => post('/api/auth/login', { email, password });
const cookieOf = (res: Response) => (res.headers.get('set-cookie') ?? '').split(';')[0] ?? '';

describe('POST /api/auth/login', () => {
  it('signs in: returns the principal and sets an httpOnly, SameSite=Lax session cookie', async () => {
    const res = await login('Quant@Bank.example', 'right-password');
    expect(res.status).toBe(200);
    const body = (await res.json()) as { user: unknown; expiresAt: string };
    expect(body.user).toEqual({ id: expect.any(String), email: 'quant@bank.example', name: 'Quant', role: 'author' });
    const setCookie = res.headers.get('set-cookie') ?? '';
    expect(setCookie).toMatch(/^folio_session=[A-Za-z0-9_-]{40,};/);
    expect(setCookie).toMatch(/; HttpOnly/);
    expect(setCookie).toMatch(/; SameSite=Lax/);
    expect(setCookie).toMatch(/; Path=\//);
    expect(setCookie).toContain(`Expires=${new Date(body.expiresAt).toUTCString()}`);
    expect(setCookie).not.toMatch(/Secure/); // plain http in this test; Secure is set when served over https
    const me = await fetch(`${t.url}/api/me`, { headers: { cookie: cookieOf(res) } });
    expect(me.status).toBe(200);
    expect(await me.json()).toEqual({ user: body.user });
  });

  it('answers 401 with the same body for a wrong password and an unknown email, and sets no cookie', async () => {
    const wrong = await login('quant@bank.example', 'wrong-password');
    const unknown = await login('nobody@bank.example', 'right-password');
    for (const res of [wrong, unknown]) {
      expect(res.status).toBe(401);
      expect(res.headers.get('set-cookie')).toBeNull();
    }
    const [a, b] = [await wrong.json(), await unknown.json()];
    expect(a).toEqual({ error: { code: 'unauthenticated', message: INVALID_CREDENTIALS } });
    expect(b).toEqual(a);
  });

  it('answers 400 naming the field for a missing password', async () => {
    const res = await post('/api/auth/login', { email: 'quant@bank.example' });
    expect(res.status).toBe(400);
    const body = (await res.json()) as { error: { code: string; message: string; details: unknown } };
    expect(body.error.code).toBe('bad_request');
    expect(body.error.message).toMatch(/^Invalid body field "password"/);
    expect(body.error.details).toEqual({ issues: [{ field: 'body.password', message: expect.any(String) }] });
  });

  it('answers 400 for malformed JSON', async () => {
    const res = await post('/api/auth/login', '{"email": "quant@bank.example", "password": ');
    expect(res.status).toBe(400);
    const body = (await res.json()) as { error: { code: string; message: string } };
    expect(body.error.code).toBe('bad_request');
    expect(body.error.message).toMatch(/^Malformed JSON body: /);
  });

  it('answers 413 for an oversized anonymous body', async () => {
    const res = await login('quant@bank.example', 'x'.repeat(20_000));
    expect(res.status).toBe(413);
    expect(((await res.json()) as { error: { code: string } }).error.code).toBe('too_large');
  });
});

describe('POST /api/auth/logout', () => {
  it('ends the session: the old cookie no longer works, and the cookie is cleared', async () => {
    const cookie = cookieOf(await login('quant@bank.example', 'right-password'));
    const out = await post('/api/auth/logout', {}, { cookie });
    expect(out.status).toBe(204);
    expect(out.headers.get('set-cookie')).toMatch(/^folio_session=;.*Expires=Thu, 01 Jan 1970/);
    const me = await fetch(`${t.url}/api/me`, { headers: { cookie } });
    expect(me.status).toBe(401);
  });
});

describe('sessions on /api', () => {
  const routes: Array<[string, string]> = [
    ['GET', '/api/me'],
    ['POST', '/api/auth/logout'],
    ['GET', '/api/notebooks'],
    ['POST', '/api/notebooks'],
    ['POST', '/api/notebooks/import'],
    ['GET', '/api/notebooks/some-id'],
    ['PUT', '/api/notebooks/some-id'],
    ['DELETE', '/api/notebooks/some-id'],
    ['GET', '/api/notebooks/some-id/ipynb'],
    ['POST', '/api/notebooks/some-id/runs'],
    ['GET', '/api/runs/some-id'],
    ['GET', '/api/no-such-route'],
    ['GET', '/api/auth/login'],
  ];

  it.each(routes)('%s %s without a session → 401', async (method, path) => {
    for (const cookie of [undefined, 'folio_session=forged-token', 'other=1']) {
      const res = await fetch(t.url + path, {
        method,
        headers: { 'content-type': 'application/json', ...(cookie ? { cookie } : {}) },
        body: method === 'GET' || method === 'DELETE' ? undefined : '{}',
      });
      expect(res.status).toBe(401);
      expect(await res.json()).toEqual({ error: { code: 'unauthenticated', message: 'Sign in to continue.' } });
    }
  });

  it('signed in: unknown /api routes get a JSON 404, malformed JSON a 400 and nothing is stored', async () => {
    const { cookie } = await t.signIn('author');
    const missing = await fetch(`${t.url}/api/no-such-route?x=1`, { headers: { cookie } });
    expect(missing.status).toBe(404);
    expect(await missing.json()).toEqual({
      error: { code: 'not_found', message: 'No API route GET /api/no-such-route.' },
    });
    const before = (await t.store.notebooks.list()).length;
    const bad = await post('/api/notebooks', '{"name": "x",', { cookie });
    expect(bad.status).toBe(400);
    expect(((await bad.json()) as { error: { message: string } }).error.message).toMatch(/^Malformed JSON body: /);
    expect((await t.store.notebooks.list()).length).toBe(before);
  });
});

describe('cross-site requests', () => {
  it('refuses a state-changing request whose Origin is another site, even with a valid session', async () => {
    const { cookie } = await t.signIn('author');
    const evil = await post('/api/notebooks', { name: 'csrf' }, { cookie, origin: 'https://evil.example' });
    expect(evil.status).toBe(403);
    expect(await evil.json()).toEqual({ error: { code: 'forbidden', message: 'Cross-origin request refused.' } });
    const nullOrigin = await post(
      '/api/auth/login',
      { email: 'quant@bank.example', password: 'right-password' },
      { origin: 'null' },
    );
    expect(nullOrigin.status).toBe(403);
    const same = await post('/api/notebooks', { name: 'fine' }, { cookie, origin: t.url });
    expect(same.status).toBe(201);
    const read = await fetch(`${t.url}/api/me`, { headers: { cookie, origin: 'https://evil.example' } });
    expect(read.status).toBe(200);
  });

  it('accepts the public host a reverse proxy forwards in X-Forwarded-Host, as the kernel WebSocket does', async () => {
    const { cookie } = await t.signIn('author');
    const proxied = { cookie, 'x-forwarded-host': 'folio.bank.example' };
    const ok = await post('/api/notebooks', { name: 'via proxy' }, { ...proxied, origin: 'https://folio.bank.example' });
    expect(ok.status).toBe(201);
    const evil = await post('/api/notebooks', { name: 'csrf' }, { ...proxied, origin: 'https://evil.example' });
    expect(evil.status).toBe(403);
  });
});
