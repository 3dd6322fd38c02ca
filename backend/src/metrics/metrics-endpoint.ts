import { createHash, timingSafeEqual } from 'node:crypto';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { Router, type Request, type RequestHandler } from 'express';
import { forbidden } from '../errors';
import type { Logger } from '../logger';
import { hasScope } from '../users/scopes';
import type { FolioMetrics } from './metrics';

export const METRICS_PATH = '/metrics';

/** The `Authorization: Bearer` value of a request, if any. */
const bearerOf = (header: string | undefined): string | undefined => /^Bearer\s+(\S+)\s*$/i.exec(header ?? '')?.[1];

/** Compares two secrets in time independent of where they differ (and of their lengths: both are hashed first). */
export function sameSecret(given: string, expected: string): boolean {
  const a = createHash('sha256').update(given).digest();
  const b = createHash('sha256').update(expected).digest();
  return timingSafeEqual(a, b);
}

export interface MetricsRouteDeps {
  metrics: FolioMetrics;
  /** FOLIO_METRICS_TOKEN: a scraper's static bearer token. Unset: only admins' credentials. */
  metricsToken?: string;
  /**
   * Sets `req.principal` or throws 401 — the same credential check as /api (http/middleware/auth.ts: the session
   * cookie, and API tokens once they are accepted there).
   */
  authenticate: RequestHandler;
}

/**
 * `GET /metrics` of the web role (Prometheus text format). Scraping needs `Authorization: Bearer <FOLIO_METRICS_TOKEN>`
 * (compared timing-safe), or an admin's credentials with the `admin` scope (an API token with scope admin of an admin
 * user; a signed-in admin's session). Anyone else: 401 without credentials, 403 with a non-admin's.
 */
export function metricsRoutes(deps: MetricsRouteDeps): Router {
  const router = Router();
  const serve: RequestHandler = async (_req, res) => {
    const { contentType, body } = await deps.metrics.scrape();
    res.setHeader('Cache-Control', 'no-store');
    res.type(contentType).send(body);
  };
  const admin: RequestHandler = (req: Request, _res, next) => {
    const p = req.principal;
    if (!p || p.role !== 'admin' || !hasScope(p, 'admin'))
      throw forbidden('Metrics need an admin token or the metrics token.');
    next();
  };
  router.get(
    METRICS_PATH,
    (req, res, next) => {
      const given = bearerOf(req.headers.authorization);
      if (deps.metricsToken && given && sameSecret(given, deps.metricsToken)) return void serve(req, res, next);
      next();
    },
    deps.authenticate,
    admin,
    serve,
  );
  return router;
}

/**
 * The worker role has no web server: with FOLIO_METRICS_PORT it serves `GET /metrics` alone on that port, for
 * FOLIO_METRICS_TOKEN only (a worker does not resolve users' credentials). Everything else: 404; a wrong or missing
 * token: 401.
 */
export async function startMetricsServer(opts: {
  metrics: FolioMetrics;
  port: number;
  token: string;
  logger: Logger;
}): Promise<{ url: string; close(): Promise<void> }> {
  const server = http.createServer((req, res) => {
    const send = (status: number, type: string, body: string) => {
      res.writeHead(status, { 'content-type': type, 'cache-control': 'no-store', 'x-content-type-options': 'nosniff' });
      res.end(body);
    };
    const path = (req.url ?? '/').split('?')[0];
    if (req.method !== 'GET' || path !== METRICS_PATH) {
      return send(
        404,
        'application/json',
        JSON.stringify({ error: { code: 'not_found', message: 'Only GET /metrics is served here.' } }),
      );
    }
    const given = bearerOf(req.headers.authorization);
    if (!given || !sameSecret(given, opts.token)) {
      res.setHeader('www-authenticate', 'Bearer');
      return send(
        401,
        'application/json',
        JSON.stringify({ error: { code: 'unauthenticated', message: 'The metrics token is required.' } }),
      );
    }
    opts.metrics.scrape().then(
      ({ contentType, body }) => send(200, contentType, body),
      (err: unknown) => {
        opts.logger.warn({ err }, 'metrics scrape failed');
        send(500, 'application/json', JSON.stringify({ error: { code: 'internal', message: 'The scrape failed.' } }));
      },
    );
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(opts.port, () => resolve());
  });
  const url = `http://localhost:${(server.address() as AddressInfo).port}${METRICS_PATH}`;
  opts.logger.info({ url }, 'worker metrics listening');
  return {
    url,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
