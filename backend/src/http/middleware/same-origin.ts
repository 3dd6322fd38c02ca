import type { RequestHandler } from 'express';
import { forbidden } from '../../errors';

const SAFE_METHODS = new Set(['GET', 'HEAD', 'OPTIONS']);

/**
 * True when a browser's `Origin` header names the host the request was sent to (or there is no Origin: curl,
 * schedulers, same-origin GETs). Also for WebSocket upgrades, which browsers send cross-site with an Origin.
 */
export function isSameOrigin(origin: string | undefined, host: string | undefined): boolean {
  if (!origin) return true;
  if (origin === 'null' || !host) return false;
  try {
    return new URL(origin).host === host;
  } catch {
    return false;
  }
}

/**
 * Defence in depth against cross-site request forgery, on top of the SameSite=Lax cookie: a state-changing /api
 * request whose Origin is another site gets a 403.
 */
export const sameOriginWrites: RequestHandler = (req, _res, next) => {
  if (SAFE_METHODS.has(req.method) || isSameOrigin(req.headers.origin, req.headers.host)) return next();
  throw forbidden('Cross-origin request refused.');
};
