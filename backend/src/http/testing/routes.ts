import type express from 'express';
import { KERNEL_SOCKET_ROUTE } from '../kernel/kernel.socket';

/**
 * The routes an Express app really mounts, read from Express 5's router stack (router 2.x): every `Route` reached
 * through the app's router and the routers mounted with `app.use(path, router)`, with the mount paths joined — so a
 * test can compare them with a table (the access matrix, the OpenAPI document) both ways and fail when a route is
 * mounted without an entry. Plain middleware (`app.use(fn)`, static files, the SPA fallback) is not a route and is
 * not listed. Paths are in Express syntax, as written in the route files: `/api/notebooks/:id/files/*path`.
 *
 * WebSocket endpoints are not Express routes (they are served on the http.Server's `upgrade` event), so they are
 * listed apart in WEBSOCKET_ROUTES with the method `WS`.
 */
export interface MountedRoute {
  /** Upper-case HTTP method (`GET`, `PUT`, …), `ALL` for `router.all`, `WS` for WebSocket endpoints. */
  method: string;
  path: string;
}

/** The WebSocket endpoints attached to Folio's http.Server (compose.ts). */
export const WEBSOCKET_ROUTES: readonly MountedRoute[] = [{ method: 'WS', path: KERNEL_SOCKET_ROUTE }];

/** `METHOD /path`, the key tables use for a route. */
export const routeKey = (r: MountedRoute) => `${r.method} ${r.path}`;

/** Shapes of router 2.x's internals that this reads (not exported as types by Express). */
interface Layer {
  /** The path given to `use`/`route` (a string, a RegExp, or an array of them). */
  rawPath?: unknown;
  route?: { path: unknown; methods: Record<string, boolean> };
  handle?: { stack?: Layer[] };
}

/** Every HTTP route of `app`, in mount order (duplicates kept: a route mounted twice is listed twice). */
export function mountedRoutes(app: express.Express): MountedRoute[] {
  const router = (app as unknown as { router?: { stack?: Layer[] } }).router;
  if (!router?.stack) throw new Error('mountedRoutes: not an Express 5 app (no app.router.stack).');
  const out: MountedRoute[] = [];
  walk(router.stack, '', out);
  return out;
}

function walk(stack: Layer[], prefix: string, out: MountedRoute[]): void {
  for (const layer of stack) {
    if (layer.route) {
      for (const path of paths(layer.route.path)) {
        for (const [method, on] of Object.entries(layer.route.methods)) {
          if (on) out.push({ method: method === '_all' ? 'ALL' : method.toUpperCase(), path: join(prefix, path) });
        }
      }
    } else if (Array.isArray(layer.handle?.stack)) {
      // A mounted router (`app.use('/api/notebooks', router)`); middleware functions have no stack.
      for (const path of paths(layer.rawPath ?? '/')) walk(layer.handle.stack, join(prefix, path), out);
    }
  }
}

function paths(raw: unknown): string[] {
  const list = Array.isArray(raw) ? (raw.flat(Infinity) as unknown[]) : [raw];
  return list.map((p) => (typeof p === 'string' ? p : String(p)));
}

function join(prefix: string, path: string): string {
  const joined = `${prefix}/${path}`.replace(/\/{2,}/g, '/');
  return joined.length > 1 ? joined.replace(/\/$/, '') : joined;
}
