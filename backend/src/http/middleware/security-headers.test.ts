import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestApp, type TestApp } from '../test-app';
import { testFetch } from '../../testing/http';
import { APP_CSP_DIRECTIVES, SANDBOX_CSP_DIRECTIVES } from './security-headers';

/** A CSP header as a map of directive → values. */
const parseCsp = (header: string | null) =>
  new Map(
    (header ?? '')
      .split(';')
      .map((d) => d.trim().split(/\s+/))
      .filter((d) => d[0])
      .map(([name, ...values]) => [name!, values]),
  );

let dist: string;
let plain: TestApp;
let proxied: TestApp;
beforeAll(async () => {
  dist = fs.mkdtempSync(path.join(os.tmpdir(), 'folio-dist-'));
  fs.mkdirSync(path.join(dist, 'assets'));
  fs.writeFileSync(path.join(dist, 'index.html'), '<!doctype html><title>Folio SPA</title>');
  fs.writeFileSync(path.join(dist, 'assets', 'plotly-abc.js'), 'void 0');
  fs.writeFileSync(path.join(dist, 'sandbox.html'), '<!doctype html><title>sandbox</title>');
  plain = await startTestApp({ overrides: { frontendDir: dist } });
  // Behind a TLS-terminating proxy on loopback: X-Forwarded-Proto is believed.
  proxied = await startTestApp({ env: { TRUST_PROXY: 'loopback' }, overrides: { frontendDir: dist } });
});
afterAll(async () => {
  await Promise.all([plain.close(), proxied.close()]);
  fs.rmSync(dist, { recursive: true, force: true });
});

describe('security headers (helmet)', () => {
  it("sends the app's CSP on pages and API responses: no inline or eval'd script, no plugins, no framing by others", async () => {
    for (const p of ['/', '/notebooks/1', '/api/me', '/api/nope']) {
      const res = await testFetch(plain.url + p);
      const csp = parseCsp(res.headers.get('content-security-policy'));
      expect(Object.fromEntries(csp)).toEqual(APP_CSP_DIRECTIVES);
      expect(csp.get('script-src')).toEqual(["'self'"]);
      expect(csp.get('object-src')).toEqual(["'none'"]);
      expect(csp.get('frame-ancestors')).toEqual(["'self'"]);
      expect(res.headers.get('x-content-type-options')).toBe('nosniff');
      expect(res.headers.get('x-frame-options')).toBe('SAMEORIGIN');
      expect(res.headers.get('referrer-policy')).toBe('same-origin');
      expect(res.headers.get('cross-origin-opener-policy')).toBe('same-origin');
      expect(res.headers.get('cross-origin-resource-policy')).toBe('same-origin');
      expect(res.headers.get('x-powered-by')).toBeNull();
    }
  });

  it('sends no HSTS and no upgrade-insecure-requests over plain http, even if a client claims https', async () => {
    for (const headers of [{}, { 'x-forwarded-proto': 'https' }] as Array<Record<string, string>>) {
      const res = await testFetch(`${plain.url}/`, { headers });
      expect(res.headers.get('strict-transport-security')).toBeNull();
      expect(parseCsp(res.headers.get('content-security-policy')).has('upgrade-insecure-requests')).toBe(false);
    }
  });

  it('sends HSTS and upgrade-insecure-requests when the request came over TLS through a trusted proxy', async () => {
    const res = await testFetch(`${proxied.url}/api/me`, { headers: { 'x-forwarded-proto': 'https' } });
    expect(res.headers.get('strict-transport-security')).toBe('max-age=31536000; includeSubDomains');
    expect(parseCsp(res.headers.get('content-security-policy')).get('upgrade-insecure-requests')).toEqual([]);
    const overHttp = await testFetch(`${proxied.url}/api/me`, { headers: { 'x-forwarded-proto': 'http' } });
    expect(overHttp.headers.get('strict-transport-security')).toBeNull();
  });

  it('gives the output sandbox page its own opaque-origin CSP', async () => {
    for (const t of [plain, proxied]) {
      const res = await testFetch(`${t.url}/sandbox.html`, { headers: { 'x-forwarded-proto': 'https' } });
      expect(res.status).toBe(200);
      const csp = parseCsp(res.headers.get('content-security-policy'));
      const expected: Record<string, string[]> = { ...SANDBOX_CSP_DIRECTIVES } as Record<string, string[]>;
      if (t === proxied) expected['upgrade-insecure-requests'] = [];
      expect(Object.fromEntries(csp)).toEqual(expected);
      expect(csp.get('sandbox')).toEqual(['allow-scripts']); // never allow-same-origin
      expect(csp.has('connect-src')).toBe(false); // default-src 'none': no fetch, XHR or WebSocket
    }
  });

  it('lets the opaque-origin sandbox load the hashed assets (CORP cross-origin there only)', async () => {
    const asset = await testFetch(`${plain.url}/assets/plotly-abc.js`);
    expect(asset.status).toBe(200);
    expect(asset.headers.get('cross-origin-resource-policy')).toBe('cross-origin');
    const page = await testFetch(`${plain.url}/sandbox.html`);
    expect(page.headers.get('cross-origin-resource-policy')).toBe('same-origin');
  });
});
