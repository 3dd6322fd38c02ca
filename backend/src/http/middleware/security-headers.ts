import type { RequestHandler } from 'express';

/**
 * Content-Security-Policy for the SPA and the API. Scripts only from our origin (the Vite bundle, Monaco and
 * plotly are served locally); Monaco needs inline styles and blob: workers; outputs embed data:/blob: images;
 * author HTML goes into sandboxed iframes (frame-src blob:/data:), never into our origin.
 */
export const CONTENT_SECURITY_POLICY = [
  "default-src 'self'",
  "script-src 'self'",
  "style-src 'self' 'unsafe-inline'",
  "img-src 'self' data: blob:",
  "font-src 'self' data:",
  "worker-src 'self' blob:",
  "connect-src 'self'",
  "frame-src 'self' blob: data:",
  "object-src 'none'",
  "base-uri 'self'",
  "form-action 'self'",
  "frame-ancestors 'self'",
].join('; ');

/**
 * The output sandbox page (frontend/public/sandbox.html, framed by the editor with sandbox="allow-scripts"): author
 * HTML/JS runs there, in an opaque origin even when opened directly; it may load scripts from our server (the plotly.js
 * asset) but nothing else, and may not connect anywhere.
 */
export const SANDBOX_PATH = '/sandbox.html';
export const SANDBOX_CONTENT_SECURITY_POLICY = [
  'sandbox allow-scripts',
  "default-src 'none'",
  "script-src 'self' 'unsafe-inline' 'unsafe-eval' data: blob:", // 'self': the frame loads our plotly.js asset
  "style-src 'unsafe-inline' data:",
  'img-src data: blob:',
  'font-src data:',
  'media-src data: blob:',
  "frame-ancestors 'self'",
].join('; ');

export const securityHeaders: RequestHandler = (req, res, next) => {
  res.setHeader(
    'Content-Security-Policy',
    req.path === SANDBOX_PATH ? SANDBOX_CONTENT_SECURITY_POLICY : CONTENT_SECURITY_POLICY,
  );
  res.setHeader('X-Content-Type-Options', 'nosniff');
  res.setHeader('Referrer-Policy', 'same-origin');
  res.setHeader('X-Frame-Options', 'SAMEORIGIN');
  res.setHeader('Cross-Origin-Opener-Policy', 'same-origin');
  next();
};
