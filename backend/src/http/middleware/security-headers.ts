import type { IncomingMessage, ServerResponse } from 'node:http';
import type { RequestHandler } from 'express';
import helmet from 'helmet';

type Directives = Record<string, string[] | null>;

/**
 * Content-Security-Policy of the SPA and the API. Scripts only from our origin, never inline (the Vite bundle, Monaco
 * and plotly are served locally; index.html has no inline script). Styles: Monaco and KaTeX write inline styles, and
 * Monaco adds <style> elements at run time, so style-src keeps 'unsafe-inline' (author Markdown never gets a style
 * through: the sanitizer removes it, lib/markdown.ts). Monaco's workers are blob:/same-origin; outputs embed
 * data:/blob: images; author HTML goes into sandboxed iframes (frame-src), never into our origin.
 */
export const APP_CSP_DIRECTIVES: Directives = {
  'default-src': ["'self'"],
  'script-src': ["'self'"],
  'script-src-attr': ["'none'"],
  'style-src': ["'self'", "'unsafe-inline'"],
  'img-src': ["'self'", 'data:', 'blob:'],
  'font-src': ["'self'", 'data:'],
  'worker-src': ["'self'", 'blob:'],
  'connect-src': ["'self'"],
  'frame-src': ["'self'", 'blob:', 'data:'],
  'object-src': ["'none'"],
  'base-uri': ["'self'"],
  'form-action': ["'self'"],
  'frame-ancestors': ["'self'"],
};

/**
 * The output sandbox page (frontend/public/sandbox.html, framed by the editor with sandbox="allow-scripts"): author
 * HTML/JS runs there, in an opaque origin even when opened directly; it may load scripts from our server (the plotly.js
 * asset) but nothing else, and may not connect anywhere (no connect-src: fetch, XHR and WebSockets are refused).
 */
export const SANDBOX_PATH = '/sandbox.html';
export const SANDBOX_CSP_DIRECTIVES: Directives = {
  sandbox: ['allow-scripts'],
  'default-src': ["'none'"],
  'script-src': ["'self'", "'unsafe-inline'", "'unsafe-eval'", 'data:', 'blob:'], // 'self': our plotly.js asset
  'style-src': ["'unsafe-inline'", 'data:'],
  'img-src': ['data:', 'blob:'],
  'font-src': ['data:'],
  'media-src': ['data:', 'blob:'],
  'frame-ancestors': ["'self'"],
};

/** A policy as the header carries it (helmet's format: `name value;name value`). */
export const cspHeader = (d: Directives): string =>
  Object.entries(d)
    .map(([name, values]) => (values?.length ? `${name} ${values.join(' ')}` : name))
    .join(';');

/** Behind TLS only: browsers ignore HSTS over plain http, and upgrading an http-only deployment would break it. */
const overTls = (directives: Directives): Directives => ({ ...directives, 'upgrade-insecure-requests': [] });

/** One year, sub-domains included, no preload (an operator's decision, not ours). */
const HSTS = { maxAge: 31_536_000, includeSubDomains: true, preload: false };

function headers(directives: Directives, secure: boolean, corp: 'same-origin' | 'cross-origin') {
  return helmet({
    contentSecurityPolicy: { useDefaults: false, directives: secure ? overTls(directives) : directives },
    strictTransportSecurity: secure ? HSTS : false,
    referrerPolicy: { policy: 'same-origin' },
    xFrameOptions: { action: 'sameorigin' },
    crossOriginOpenerPolicy: { policy: 'same-origin' },
    crossOriginResourcePolicy: { policy: corp },
    crossOriginEmbedderPolicy: false,
  });
}

type Helmet = (req: IncomingMessage, res: ServerResponse, next: (err?: unknown) => void) => void;

/**
 * Security headers with helmet: the app's CSP (above) or the sandbox page's, HSTS and upgrade-insecure-requests when
 * the request came over TLS (`req.secure`, which honours TRUST_PROXY's X-Forwarded-Proto), nosniff, same-origin
 * referrers and frames, COOP. Cross-Origin-Resource-Policy is same-origin except for the hashed static assets
 * (/assets/…): the opaque-origin output sandbox loads plotly.js from there, which CORP same-origin would block; they
 * are public build output. Routes that serve author files set their own, stricter CSP on top (notebook files).
 */
export function securityHeaders(): RequestHandler {
  const variants = new Map<string, Helmet>();
  for (const page of ['app', 'sandbox'] as const)
    for (const secure of [false, true])
      for (const corp of ['same-origin', 'cross-origin'] as const)
        variants.set(
          `${page}:${secure}:${corp}`,
          headers(page === 'sandbox' ? SANDBOX_CSP_DIRECTIVES : APP_CSP_DIRECTIVES, secure, corp),
        );
  return (req, res, next) => {
    const page = req.path === SANDBOX_PATH ? 'sandbox' : 'app';
    const corp = req.path.startsWith('/assets/') ? 'cross-origin' : 'same-origin';
    variants.get(`${page}:${req.secure}:${corp}`)!(req, res, next);
  };
}

/** The header values over plain http (tests compare with them). */
export const CONTENT_SECURITY_POLICY = cspHeader(APP_CSP_DIRECTIVES);
export const SANDBOX_CONTENT_SECURITY_POLICY = cspHeader(SANDBOX_CSP_DIRECTIVES);
