import type { z } from 'zod';

/**
 * The one API client. It speaks JSON with the Folio backend (cookie session, same origin) and turns every non-2xx
 * answer into an `ApiError` carrying the server's `{error: {code, message, details}}`. No toasts, no redirects:
 * callers decide what a 401 or a 409 means for them.
 */
export class ApiError extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
    readonly details?: unknown,
  ) {
    super(message);
    this.name = 'ApiError';
  }
}

export const isApiError = (e: unknown, status?: number): e is ApiError =>
  e instanceof ApiError && (status === undefined || e.status === status);

export interface RequestOptions {
  method?: 'GET' | 'POST' | 'PUT' | 'PATCH' | 'DELETE';
  /** A JSON-serialisable body, or a raw body (string/Blob/File) sent as-is with `contentType`. */
  json?: unknown;
  raw?: BodyInit;
  contentType?: string;
  query?: Record<string, string | number | undefined>;
  signal?: AbortSignal;
  /** Let the request outlive the page (a last save on pagehide); the browser caps such bodies at 64 KiB. */
  keepalive?: boolean;
}

function buildUrl(path: string, query?: RequestOptions['query']): string {
  if (!query) return path;
  const params = new URLSearchParams();
  for (const [k, v] of Object.entries(query)) if (v !== undefined) params.set(k, String(v));
  const qs = params.toString();
  return qs ? `${path}?${qs}` : path;
}

async function errorFrom(res: Response): Promise<ApiError> {
  let body: unknown;
  try {
    body = await res.json();
  } catch {
    body = undefined;
  }
  const err = (body as { error?: { code?: unknown; message?: unknown; details?: unknown } } | undefined)?.error;
  const code = typeof err?.code === 'string' ? err.code : `http_${res.status}`;
  const message =
    typeof err?.message === 'string' ? err.message : `${res.status} ${res.statusText || 'Request failed'}`;
  return new ApiError(res.status, code, message, err?.details);
}

async function send(path: string, opts: RequestOptions = {}): Promise<Response> {
  const headers: Record<string, string> = { Accept: 'application/json' };
  let body: BodyInit | undefined;
  if (opts.json !== undefined) {
    headers['Content-Type'] = 'application/json';
    body = JSON.stringify(opts.json);
  } else if (opts.raw !== undefined) {
    headers['Content-Type'] = opts.contentType ?? 'application/octet-stream';
    body = opts.raw;
  }
  let res: Response;
  try {
    res = await fetch(buildUrl(path, opts.query), {
      method: opts.method ?? (body === undefined ? 'GET' : 'POST'),
      headers,
      body,
      credentials: 'same-origin',
      signal: opts.signal,
      keepalive: opts.keepalive,
    });
  } catch (e) {
    if ((e as Error).name === 'AbortError') throw e;
    throw new ApiError(0, 'network', 'Cannot reach the Folio server. Check your connection and retry.');
  }
  if (!res.ok) throw await errorFrom(res);
  return res;
}

/** JSON request; the answer is checked with `schema` when given (a drifted API fails loudly, not deep in the UI). */
export async function api<T = unknown>(path: string, opts: RequestOptions = {}, schema?: z.ZodType<T>): Promise<T> {
  return answer(path, await send(path, opts), schema);
}

/**
 * The answer of a GET another script already sent (boot.js starts the notebook's before the app has loaded), read as
 * `api` reads its own: the same errors (null: the request did not reach the server), the same schema check.
 */
export async function apiFromResponse<T>(path: string, response: Promise<Response | null>, schema: z.ZodType<T>) {
  const res = await response;
  if (!res) throw new ApiError(0, 'network', 'Cannot reach the Folio server. Check your connection and retry.');
  if (!res.ok) throw await errorFrom(res);
  return answer(path, res, schema);
}

async function answer<T>(path: string, res: Response, schema?: z.ZodType<T>): Promise<T> {
  if (res.status === 204) return undefined as T;
  const text = await res.text();
  const data: unknown = text ? JSON.parse(text) : undefined;
  if (!schema) return data as T;
  const parsed = schema.safeParse(data);
  if (!parsed.success) {
    throw new ApiError(res.status, 'bad_response', `Unexpected answer from ${path}: ${parsed.error.message}`);
  }
  return parsed.data;
}

/** A request whose answer is a file (e.g. an .ipynb export). */
export async function apiBlob(path: string, opts: RequestOptions = {}): Promise<Blob> {
  return (await send(path, opts)).blob();
}
