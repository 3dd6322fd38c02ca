/**
 * Domain errors: services throw these, the HTTP error middleware maps them to `{error: {code, message, details?}}`
 * with the status below. Anything else becomes a logged 500.
 */
export type ErrorCode =
  | 'bad_request'
  | 'unauthenticated'
  | 'forbidden'
  | 'not_found'
  | 'conflict'
  | 'too_large'
  | 'invalid_notebook'
  | 'overloaded'
  | 'unavailable'
  | 'timeout';

const STATUS: Record<ErrorCode, number> = {
  bad_request: 400,
  unauthenticated: 401,
  forbidden: 403,
  not_found: 404,
  conflict: 409,
  too_large: 413,
  invalid_notebook: 422,
  overloaded: 429,
  unavailable: 503,
  timeout: 504,
};

export class DomainError extends Error {
  readonly status: number;
  constructor(
    readonly code: ErrorCode,
    message: string,
    readonly details?: unknown,
  ) {
    super(message);
    this.name = 'DomainError';
    this.status = STATUS[code];
  }
}

export const badRequest = (message: string, details?: unknown) => new DomainError('bad_request', message, details);
export const unauthenticated = (message = 'Sign in to continue.') => new DomainError('unauthenticated', message);
export const forbidden = (message = 'You do not have access to this.') => new DomainError('forbidden', message);
export const notFound = (what: string) => new DomainError('not_found', `${what} not found.`);
export const conflict = (message: string, details?: unknown) => new DomainError('conflict', message, details);
export const tooLarge = (message: string) => new DomainError('too_large', message);
export const invalidNotebook = (message: string, details?: unknown) => new DomainError('invalid_notebook', message, details);
export const unavailable = (message: string) => new DomainError('unavailable', message);

export function isDomainError(e: unknown): e is DomainError {
  return e instanceof DomainError;
}
