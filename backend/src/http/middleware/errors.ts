import type { ErrorRequestHandler, RequestHandler } from 'express';
import { DomainError, isDomainError } from '../../errors';
import type { Logger } from '../../logger';

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
 * The one error handler: DomainError → its status and `{error: {code, message, details?}}` (429 and 503 with a
 * `Retry-After` header when the error says when to retry); body parser errors → 400/413; anything else → a logged
 * 500 with a generic message (no internals leak to the client).
 */
export function errorHandler(logger: Logger): ErrorRequestHandler {
  const log = logger.child({ component: 'http' });
  return (err: unknown, req, res, next) => {
    if (res.headersSent) return next(err);
    const domain = isDomainError(err) ? err : isBodyParserError(err) ? fromBodyParser(err) : null;
    if (domain) {
      if (domain.status >= 500) log.warn({ err: domain, method: req.method, url: req.originalUrl }, domain.message);
      const retryAfter = retryAfterOf(domain);
      if (retryAfter !== null && (domain.status === 429 || domain.status === 503)) res.setHeader('Retry-After', String(retryAfter));
      res.status(domain.status).json({
        error: {
          code: domain.code,
          message: domain.message,
          ...(domain.details === undefined ? {} : { details: domain.details }),
        },
      });
      return;
    }
    log.error({ err, method: req.method, url: req.originalUrl }, 'unhandled error');
    res
      .status(500)
      .json({ error: { code: 'internal', message: 'Something went wrong on our side. It has been logged.' } });
  };
}
