import { randomUUID } from 'node:crypto';
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { Request, RequestHandler } from 'express';
import { pinoHttp } from 'pino-http';
import type { Logger } from '../../logger';

/** The request id header: taken from the client or proxy when it is a plain token, echoed on every response. */
export const REQUEST_ID_HEADER = 'X-Request-Id';
const VALID_REQUEST_ID = /^[\w.:@-]{1,128}$/;

/**
 * Query parameters whose values are never logged: tokens, OIDC codes and state, passwords, signatures, invites. Matched
 * anywhere in the name (`access_token`, `inviteToken`, `X-Amz-Signature`).
 */
const SECRET_QUERY_NAME = /token|secret|passw|key|sig|code|state|auth|session|invite|ticket|credential/i;

/**
 * Path segments that are secrets: the one-time links of invites and password resets (`…/invite/<token>`,
 * `…/set-password/<token>`), wherever they are mounted (API or SPA route). Add a pattern here when a route carries a
 * secret in its path; the request-log test checks each.
 */
export const SECRET_PATH_SEGMENTS: readonly RegExp[] = [
  /(\/(?:invites?|set-password|reset-password|password-reset|accept-invite)\/)[^/?#]+/gi,
];

export const REDACTED = '[redacted]';

/** A URL as it may be logged: secret path segments and secret query values replaced by `[redacted]`. */
export function redactUrl(url: string): string {
  const q = url.indexOf('?');
  let path = q < 0 ? url : url.slice(0, q);
  for (const re of SECRET_PATH_SEGMENTS) path = path.replace(re, `$1${REDACTED}`);
  if (q < 0) return path;
  const query = url
    .slice(q + 1)
    .split('&')
    .map((pair) => {
      const eq = pair.indexOf('=');
      const name = eq < 0 ? pair : pair.slice(0, eq);
      let decoded = name;
      try {
        decoded = decodeURIComponent(name.replace(/\+/g, ' '));
      } catch {
        // a malformed name is matched as it is
      }
      return eq >= 0 && SECRET_QUERY_NAME.test(decoded) ? `${name}=${REDACTED}` : pair;
    })
    .join('&');
  return `${path}?${query}`;
}

/** Routine requests that succeed are logged at debug: probes, scrapes and hashed static assets. */
const ROUTINE = /^\/(healthz|readyz|metrics)(\/|$)|^\/assets\//;

type LoggedRequest = IncomingMessage &
  Partial<Pick<Request, 'ip' | 'originalUrl' | 'principal' | 'path'>> & { id?: unknown };

/**
 * The access log (pino-http): one line per request when its response ends — request id, method, URL (redacted),
 * client IP, user agent, status, response time, and who (user id, token id) once signed in. Never headers, cookies or
 * bodies: the request serializer is Folio's own, not pino's (which copies every header). `req.log` is a child
 * logger carrying the request id, for handlers and the error handler.
 */
export function requestLog(logger: Logger): RequestHandler {
  const middleware = pinoHttp<LoggedRequest, ServerResponse>({
    logger: logger.child({ component: 'access' }),
    wrapSerializers: false,
    quietReqLogger: true, // req.log: a child with the request id only; the access line has the request too
    genReqId: (req, res) => {
      const given = req.headers['x-request-id'];
      const id = typeof given === 'string' && VALID_REQUEST_ID.test(given) ? given : randomUUID();
      res.setHeader(REQUEST_ID_HEADER, id);
      return id;
    },
    serializers: {
      req: (req: LoggedRequest) => ({
        method: req.method,
        url: redactUrl(req.originalUrl ?? req.url ?? ''),
        ip: req.ip ?? req.socket?.remoteAddress,
        userAgent: req.headers?.['user-agent'],
      }),
      res: (res: ServerResponse) => ({ statusCode: res.statusCode }),
    },
    customProps: (req) => {
      const p = req.principal;
      if (!p) return {};
      return { userId: p.id, ...(p.credential?.kind === 'token' ? { tokenId: p.credential.tokenId } : {}) };
    },
    customLogLevel: (req, res, err) => {
      if (err || res.statusCode >= 500) return 'error';
      return res.statusCode < 400 && ROUTINE.test(req.path ?? req.url ?? '') ? 'debug' : 'info';
    },
    customSuccessMessage: (req, res, ms) =>
      `${req.method} ${redactUrl(req.originalUrl ?? req.url ?? '')} ${res.statusCode} ${ms}ms`,
    customErrorMessage: (req, res) => `${req.method} ${redactUrl(req.originalUrl ?? req.url ?? '')} ${res.statusCode}`,
  });
  return (req, res, next) => middleware(req as LoggedRequest, res, next);
}
