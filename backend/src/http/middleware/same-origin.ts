import type { IncomingHttpHeaders } from 'node:http';
import type { RequestHandler } from 'express';
import { forbidden } from '../../errors';
import { bearerTokenOf } from './auth';

const SAFE_METHODS = new Set(['GET', 'HEAD', 'OPTIONS']);

/**
 * The one same-origin rule, for state-changing /api requests and for kernel WebSocket upgrades alike: true when
 * there is no `Origin` (curl, schedulers, same-origin GETs), or when the Origin's host is the host the request was
 * sent to — the `Host` header, or the first `X-Forwarded-Host` value a reverse proxy that rewrites Host sets.
 * `Origin: null` (sandboxed frames, file:) is refused.
 *
 * Honouring X-Forwarded-Host without `trust proxy` is safe here: this check stops pages of other sites from acting
 * with the user's cookie, and such a page cannot set that header (no HTML form can; `fetch` would need a CORS
 * preflight, which Folio never grants; WebSocket handshakes take no custom headers).
 */
export function isSameOrigin(headers: IncomingHttpHeaders): boolean {
  const origin = headers.origin;
  if (!origin) return true;
  if (origin === 'null') return false;
  let host: string;
  try {
    host = new URL(origin).host;
  } catch {
    return false;
  }
  return [headers.host, headers['x-forwarded-host']].some((h) => firstValue(h)?.toLowerCase() === host);
}

/** The first of a header's comma-separated (or repeated) values, trimmed. */
const firstValue = (h: string | string[] | undefined) => (Array.isArray(h) ? h[0] : h)?.split(',')[0]?.trim();

/**
 * Defence in depth against cross-site request forgery, on top of the SameSite=Lax cookie: a state-changing /api
 * request whose Origin is another site gets a 403.
 *
 * Requests with `Authorization: Bearer` are exempt: forgery rides on credentials the browser adds by itself
 * (cookies), and a bearer request is authenticated by its token alone — its cookies are ignored (auth.ts). A page of
 * another site cannot send one with a token it does not know, nor read the answer (no CORS is ever granted).
 */
export const sameOriginWrites: RequestHandler = (req, _res, next) => {
  if (SAFE_METHODS.has(req.method) || bearerTokenOf(req.headers) !== undefined || isSameOrigin(req.headers))
    return next();
  throw forbidden('Cross-origin request refused.');
};
