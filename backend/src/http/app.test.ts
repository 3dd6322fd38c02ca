import fs from 'node:fs';
import type { AddressInfo } from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { Writable } from 'node:stream';
import express from 'express';
import pino from 'pino';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { z } from 'zod';
import { conflict } from '../errors';
import { apiNotFound, errorHandler } from './middleware/errors';
import { CONTENT_SECURITY_POLICY, SANDBOX_CONTENT_SECURITY_POLICY } from './middleware/security-headers';
import { parseInput, validate, validated } from './middleware/validate';
import { startTestApp, type TestApp } from './test-app';
import { testFetch } from '../testing/http';

const apps: TestApp[] = [];
const start = async (...args: Parameters<typeof startTestApp>) => {
  const t = await startTestApp(...args);
  apps.push(t);
  return t;
};
afterEach(async () => {
  await Promise.all(apps.splice(0).map((t) => t.close()));
});

describe('createApp', () => {
  let dist: string;
  beforeAll(() => {
    dist = fs.mkdtempSync(path.join(os.tmpdir(), 'folio-dist-'));
    fs.mkdirSync(path.join(dist, 'assets'));
    fs.writeFileSync(path.join(dist, 'index.html'), '<!doctype html><title>Folio SPA</title>');
    fs.writeFileSync(path.join(dist, 'assets', 'index-abc123.js'), 'console.log(1)');
    fs.writeFileSync(path.join(dist, 'sandbox.html'), '<!doctype html><title>sandbox</title>');
  });
  afterAll(() => fs.rmSync(dist, { recursive: true, force: true }));

  it('sets security headers on pages and API responses', async () => {
    const t = await start({ overrides: { frontendDir: dist } });
    for (const p of ['/', '/api/me']) {
      const res = await testFetch(t.url + p);
      expect(res.headers.get('content-security-policy')).toBe(CONTENT_SECURITY_POLICY);
      expect(res.headers.get('x-content-type-options')).toBe('nosniff');
      expect(res.headers.get('referrer-policy')).toBe('same-origin');
      expect(res.headers.get('x-powered-by')).toBeNull();
    }
    expect(CONTENT_SECURITY_POLICY).toContain("script-src 'self';");
    expect(CONTENT_SECURITY_POLICY).not.toMatch(/unsafe-eval|script-src[^;]*unsafe-inline/);
  });

  it('serves the output sandbox page with its own opaque-origin CSP, and only that page', async () => {
    const t = await start({ overrides: { frontendDir: dist } });
    const res = await testFetch(`${t.url}/sandbox.html`);
    expect(res.status).toBe(200);
    const csp = res.headers.get('content-security-policy') ?? '';
    expect(csp).toBe(SANDBOX_CONTENT_SECURITY_POLICY);
    expect(csp).toMatch(/^sandbox allow-scripts;/);
    expect(csp).not.toContain('allow-same-origin');
    expect(csp).toContain("default-src 'none'"); // so no connect-src: fetch, XHR and WebSockets are refused
    expect(csp).toContain("script-src 'self' 'unsafe-inline'"); // the frame loads plotly.js from our server
    for (const p of ['/sandbox.html/x', '/x/sandbox.html', '/']) {
      expect((await testFetch(t.url + p)).headers.get('content-security-policy')).toBe(CONTENT_SECURITY_POLICY);
    }
  });

  it('serves the SPA: index.html for client routes, hashed assets cached for long, JSON 404 under /api', async () => {
    const t = await start({ overrides: { frontendDir: dist } });
    const { cookie } = await t.signIn();
    for (const p of ['/', '/notebooks/123', '/login?next=%2Fnotebooks']) {
      const res = await testFetch(t.url + p);
      expect(res.status).toBe(200);
      expect(res.headers.get('cache-control')).toBe('no-cache');
      expect(await res.text()).toContain('<title>Folio SPA</title>');
    }
    const asset = await testFetch(`${t.url}/assets/index-abc123.js`);
    expect(asset.headers.get('content-type')).toMatch(/javascript/);
    expect(asset.headers.get('cache-control')).toBe('public, max-age=31536000, immutable');
    const api = await testFetch(`${t.url}/api/nope`, { headers: { cookie } });
    expect(api.status).toBe(404);
    expect(api.headers.get('content-type')).toMatch(/json/);
    const post = await testFetch(`${t.url}/somewhere`, { method: 'POST' });
    expect(post.status).toBe(404);
  });

  it('says clearly when the frontend is not built', async () => {
    const t = await start({ overrides: { frontendDir: path.join(dist, 'missing') } });
    const res = await testFetch(`${t.url}/notebooks`);
    expect(res.status).toBe(503);
    expect(await res.text()).toMatch(/web interface is not built[\s\S]*npm run build/);
  });

  it('answers 413 for a signed-in JSON body over the configured limit, and accepts one under it', async () => {
    const t = await start({ env: { FOLIO_MAX_UPLOAD_MB: '0.01' } }); // ~10 KB
    const { cookie } = await t.signIn();
    const send = (name: string) =>
      testFetch(`${t.url}/api/notebooks`, {
        method: 'POST',
        headers: { cookie, 'content-type': 'application/json' },
        body: JSON.stringify({ name }),
      });
    const big = await send('x'.repeat(20_000));
    expect(big.status).toBe(413);
    expect(await big.json()).toEqual({
      error: { code: 'too_large', message: 'The request body is larger than the 10 KB limit.' },
    });
    expect((await send('small')).status).toBe(201);
  });
});

describe('error middleware', () => {
  it('maps domain errors to their status and hides unknown errors behind a logged 500', async () => {
    const logs: string[] = [];
    const logger = pino(
      { level: 'info' },
      new Writable({ write: (c: Buffer, _e, cb) => (logs.push(c.toString()), cb()) }),
    );
    const app = express();
    app.get('/api/conflict', () => {
      throw conflict('Stale version.', { currentVersion: 3 });
    });
    app.get('/api/boom', async () => {
      throw new Error('secret internals at /etc/passwd');
    });
    app.use('/api', apiNotFound);
    app.use(errorHandler(logger));
    const server = app.listen(0, '127.0.0.1');
    await new Promise((r) => server.once('listening', r));
    const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
    try {
      const c = await testFetch(`${url}/api/conflict`);
      expect(c.status).toBe(409);
      expect(await c.json()).toEqual({
        error: { code: 'conflict', message: 'Stale version.', details: { currentVersion: 3 } },
      });
      const b = await testFetch(`${url}/api/boom`);
      expect(b.status).toBe(500);
      const text = await b.text();
      expect(text).not.toContain('secret');
      expect(JSON.parse(text)).toEqual({ error: { code: 'internal', message: expect.stringMatching(/logged/) } });
      expect(logs.join('')).toContain('secret internals at /etc/passwd');
    } finally {
      server.close();
    }
  });
});

describe('validate', () => {
  const Body = z.object({ name: z.string().min(1, 'must not be empty'), tags: z.array(z.string()).optional() });

  it('names the first bad field and lists every issue', () => {
    expect(() => parseInput(Body, { name: '', tags: [1] }, 'body')).toThrow(
      'Invalid body field "name": must not be empty',
    );
    try {
      parseInput(Body, { name: '', tags: [1] }, 'body');
    } catch (e) {
      expect((e as { details: unknown }).details).toEqual({
        issues: [
          { field: 'body.name', message: 'must not be empty' },
          { field: 'body.tags.0', message: expect.any(String) },
        ],
      });
    }
    expect(() => parseInput(Body, 'nope', 'body')).toThrow(/^Invalid body: /);
    expect(parseInput(Body, { name: 'ok' }, 'body')).toEqual({ name: 'ok' });
  });

  it('as middleware, parses before the handler and stores typed values', async () => {
    const Query = z.object({ limit: z.coerce.number().int().max(100) });
    const app = express();
    app.use(express.json());
    app.post('/x', validate({ body: Body, query: Query }), (req, res) => {
      res.json({ body: req.body as unknown, limit: validated(req, 'query', Query).limit });
    });
    app.use(errorHandler(pino({ level: 'silent' })));
    const server = app.listen(0, '127.0.0.1');
    await new Promise((r) => server.once('listening', r));
    const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
    const send = (q: string, body: unknown) =>
      testFetch(`${url}/x?${q}`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify(body),
      });
    try {
      const ok = await send('limit=5', { name: 'a', extra: 1 });
      expect(await ok.json()).toEqual({ body: { name: 'a' }, limit: 5 });
      const badQuery = await send('limit=500', { name: 'a' });
      expect(badQuery.status).toBe(400);
      expect(((await badQuery.json()) as { error: { message: string } }).error.message).toMatch(
        /^Invalid query field "limit"/,
      );
    } finally {
      server.close();
    }
  });
});
