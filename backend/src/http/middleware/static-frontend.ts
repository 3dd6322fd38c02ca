import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import express, { Router } from 'express';

/** Where `npm run build -w frontend` writes the SPA. */
export const DEFAULT_FRONTEND_DIR = path.resolve(
  path.dirname(fileURLToPath(import.meta.url)),
  '../../../../frontend/dist',
);

const NOT_BUILT_PAGE = (dir: string) => `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>Folio: frontend not built</title></head>
<body style="font-family: system-ui, sans-serif; max-width: 40rem; margin: 4rem auto; line-height: 1.5">
<h1>Folio is running, but its web interface is not built</h1>
<p>No <code>index.html</code> in <code>${dir.replace(/[<>&]/g, '')}</code>.</p>
<p>Build it with <code>npm run build</code> (or start with <code>npm start</code>, which builds it when stale). The API is
available under <code>/api</code>; health under <code>/healthz</code> and <code>/readyz</code>.</p>
</body></html>`;

/**
 * Serves the built SPA: hashed assets with a long cache, and index.html (never cached) for any other GET/HEAD that
 * is not an API or health route, so client-side routes survive a reload. A clear page (503) when not built.
 */
export function serveFrontend(dir: string = DEFAULT_FRONTEND_DIR): Router {
  const router = Router();
  const index = path.join(dir, 'index.html');
  router.use(
    express.static(dir, {
      index: false,
      setHeaders: (res, file) => {
        const immutable = file.startsWith(path.join(dir, 'assets') + path.sep);
        res.setHeader('Cache-Control', immutable ? 'public, max-age=31536000, immutable' : 'no-cache');
      },
    }),
  );
  router.use((req, res, next) => {
    if (req.method !== 'GET' && req.method !== 'HEAD') return next();
    if (/^\/(api|healthz|readyz|metrics)(\/|$)/.test(req.path)) return next();
    if (!fs.existsSync(index)) {
      res.status(503).type('html').setHeader('Cache-Control', 'no-store').send(NOT_BUILT_PAGE(dir));
      return;
    }
    res.setHeader('Cache-Control', 'no-cache');
    res.sendFile(index);
  });
  return router;
}
