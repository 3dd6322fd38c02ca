import type express from 'express';
import type { RequestHandler } from 'express';
import { match, type MatchFunction } from 'path-to-regexp';
import { mountedRoutes } from '../http/testing/routes';
import type { FolioMetrics } from './metrics';

const METHODS = new Set(['GET', 'HEAD', 'POST', 'PUT', 'PATCH', 'DELETE', 'OPTIONS']);

/**
 * The route label of a request: the pattern of the mounted route it matches (`/api/notebooks/:id`), found by matching
 * the path against the app's routes (http/testing/routes.ts reads them from Express' router stack) — so a request
 * refused before it reached its route (401, 413) is still labelled by its route, and a raw path (ids, file names,
 * anything a client sends) never becomes a label. Requests matching no route: `unmatched` under /api, else
 * `static` (/assets) or `spa` (the SPA's pages).
 */
export class RoutePatterns {
  private matchers?: Array<{ method: string; pattern: string; test: MatchFunction<object> }>;

  constructor(private readonly app: express.Express) {}

  of(method: string, path: string): string {
    // Built on first use: the app's routes are all mounted by then.
    this.matchers ??= mountedRoutes(this.app).map((r) => ({
      method: r.method,
      pattern: r.path,
      test: match(r.path, { decode: false }),
    }));
    const m = method === 'HEAD' ? 'GET' : method;
    for (const r of this.matchers) if ((r.method === m || r.method === 'ALL') && r.test(path)) return r.pattern;
    if (path === '/api' || path.startsWith('/api/')) return 'unmatched';
    return path.startsWith('/assets/') ? 'static' : 'spa';
  }
}

/** Mount first: observes every response's method, route pattern, status and time when it ends. */
export function httpMetrics(metrics: FolioMetrics, app: express.Express): RequestHandler {
  const routes = new RoutePatterns(app);
  return (req, res, next) => {
    const end = metrics.httpDuration.startTimer();
    const path = req.path;
    res.once('finish', () => {
      const labels = {
        method: METHODS.has(req.method) ? req.method : 'OTHER',
        route: routes.of(req.method, path),
        status: String(res.statusCode),
      };
      metrics.httpRequests.inc(labels);
      end(labels);
    });
    next();
  };
}
