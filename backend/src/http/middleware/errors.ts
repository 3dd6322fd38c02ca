import type { ErrorRequestHandler, RequestHandler, Response } from 'express';
import { z } from 'zod';
import { DomainError, isDomainError } from '../../errors';
import type { Logger } from '../../logger';
import { redactUrl } from './request-log';

interface BodyParserError {
  type: string;
  status: number;
  message: string;
  limit?: number;
}
const isBodyParserError = (e: unknown): e is BodyParserError =>
  typeof e === 'object' &&
  e !== null &&
  typeof (e as BodyParserError).type === 'string' &&
  typeof (e as BodyParserError).status === 'number';

/** Errors raised by express' body parsers, as domain errors with a precise message. */
function fromBodyParser(e: BodyParserError): DomainError | null {
  switch (e.type) {
    case 'entity.parse.failed':
      return new DomainError('bad_request', `Malformed JSON body: ${e.message}`);
    case 'entity.too.large':
      return new DomainError('too_large', `The request body is larger than the ${formatBytes(e.limit)} limit.`);
    case 'encoding.unsupported':
    case 'charset.unsupported':
    case 'request.aborted':
    case 'request.size.invalid':
    case 'entity.verify.failed':
      return new DomainError('bad_request', e.message);
    default:
      return null;
  }
}

const formatBytes = (n?: number) =>
  n === undefined ? 'allowed' : n >= 1024 * 1024 ? `${Math.round(n / (1024 * 1024))} MB` : `${Math.round(n / 1024)} KB`;

/** Unknown /api routes: a JSON 404 instead of the SPA or express' HTML. */
export const apiNotFound: RequestHandler = (req, res) => {
  res
    .status(404)
    .json({ error: { code: 'not_found', message: `No API route ${req.method} ${req.originalUrl.split('?')[0]}.` } });
};

/** `details.retryAfterSeconds` of an error (e.g. 'overloaded'), as a whole number of seconds ≥ 1, or null. */
export function retryAfterOf(e: DomainError): number | null {
  const value = (e.details as { retryAfterSeconds?: unknown } | null | undefined)?.retryAfterSeconds;
  return typeof value === 'number' && Number.isFinite(value) && value > 0 ? Math.ceil(value) : null;
}

/**
 * Other client errors that carry their own status (http-errors as thrown by Express' router — a path parameter that
 * is not valid percent-encoding is a 400 — or by the static file server): answered with that status and a fixed
 * message per status, never the error's own text or stack.
 */
const CLIENT_ERRORS: Record<number, { code: string; message: string }> = {
  400: { code: 'bad_request', message: 'The request is malformed.' },
  401: { code: 'unauthenticated', message: 'Sign in to continue.' },
  403: { code: 'forbidden', message: 'You do not have access to this.' },
  404: { code: 'not_found', message: 'Not found.' },
  405: { code: 'method_not_allowed', message: 'This method is not allowed here.' },
  406: { code: 'not_acceptable', message: 'No acceptable representation.' },
  411: { code: 'length_required', message: 'The request needs a Content-Length.' },
  412: { code: 'precondition_failed', message: 'A precondition failed.' },
  413: { code: 'too_large', message: 'The request body is too large.' },
  415: { code: 'unsupported_media_type', message: 'This content type is not supported here.' },
  416: { code: 'range_not_satisfiable', message: 'The requested range cannot be served.' },
};
const statusOf = (e: unknown): number | undefined => {
  if (typeof e !== 'object' || e === null) return undefined;
  const s = (e as { status?: unknown; statusCode?: unknown }).status ?? (e as { statusCode?: unknown }).statusCode;
  return typeof s === 'number' && Number.isInteger(s) ? s : undefined;
};

/** Every error response's body (the OpenAPI document's `Error` schema). */
export const ApiErrorSchema = z.object({
  error: z.object({
    /** Stable machine-readable code: bad_request, unauthenticated, forbidden, not_found, conflict, too_large, … */
    code: z.string(),
    /** A sentence for people; never a stack trace or internals. */
    message: z.string(),
    /** Structured extras: the bad fields (`issues`), `currentVersion`, `retryAfterSeconds`, `requiredScope`, … */
    details: z.unknown().optional(),
  }),
});
export type ApiError = z.infer<typeof ApiErrorSchema>;

/** The JSON error body; never a stack, an error's own internals, or a value that cannot be serialized. */
function errorBody(code: string, message: string, details: unknown): string {
  const body: ApiError = { error: { code, message, ...(details === undefined ? {} : { details }) } };
  try {
    return JSON.stringify(body);
  } catch {
    return JSON.stringify({ error: { code, message } }); // details a BigInt or a cycle: the message still gets out
  }
}

/**
 * The one error handler: DomainError → its status and `{error: {code, message, details?}}` (429 and 503 with a
 * `Retry-After` header when the error says when to retry); body parser errors → 400/413; other client errors with a
 * status (http-errors) → that status with a fixed message; anything else — thrown or rejected, Error or not — → a
 * logged 500 with a generic message. No response carries a stack trace or an unknown error's message. The app runs
 * Express with env 'production' (app.ts), so even an error past this handler gets no stack from Express'
 * finalhandler.
 */
export function errorHandler(logger: Logger): ErrorRequestHandler {
  const log = logger.child({ component: 'http' });
  const send = (res: Response, status: number, body: string) => {
    res.status(status).type('application/json').send(body);
  };
  return (err: unknown, req, res, next) => {
    if (res.headersSent) return next(err);
    const domain = isDomainError(err) ? err : isBodyParserError(err) ? fromBodyParser(err) : null;
    if (domain) {
      if (domain.status >= 500)
        log.warn({ err: domain, reqId: req.id, method: req.method, url: redactUrl(req.originalUrl) }, domain.message);
      const retryAfter = retryAfterOf(domain);
      if (retryAfter !== null && (domain.status === 429 || domain.status === 503))
        res.setHeader('Retry-After', String(retryAfter));
      send(res, domain.status, errorBody(domain.code, domain.message, domain.details));
      return;
    }
    const status = statusOf(err);
    const client = status === undefined ? undefined : CLIENT_ERRORS[status];
    if (status !== undefined && client) {
      log.debug({ err, reqId: req.id, method: req.method, url: redactUrl(req.originalUrl) }, 'client error');
      send(res, status, errorBody(client.code, client.message, undefined));
      return;
    }
    log.error({ err, reqId: req.id, method: req.method, url: redactUrl(req.originalUrl) }, 'unhandled error');
    send(res, 500, errorBody('internal', 'Something went wrong on our side. It has been logged.', undefined));
  };
}
