import http from 'node:http';

/**
 * Folio's HTTP server (compose.ts; the tests' servers through testing/http.ts), with its keep-alive settings.
 *
 * An idle keep-alive connection is closed by whichever side gives up first. A request sent on a connection the
 * server is closing at that moment dies with ECONNRESET ("fetch failed … ECONNRESET", seen in tests on a busy
 * machine), so the server must be the side that waits longest: longer than a reverse proxy keeps idle upstream
 * connections (nginx `keepalive_timeout` and AWS ALB: 60 s) and far longer than clients wait. Node's default (5 s,
 * closing at 6 s) leaves clients that go by its `Keep-Alive: timeout=5` hint (undici, Node's fetch: 4 s) a 2 s
 * margin, which one stalled stretch of the event loop on a busy machine eats.
 */

/** Idle keep-alive connections are closed after this long (Node adds 1 s before it really closes them). */
export const KEEP_ALIVE_TIMEOUT_MS = 65_000;
/** Time to receive a request's headers; kept above the keep-alive timeout, as is customary (Node's 60 s is below). */
export const HEADERS_TIMEOUT_MS = 66_000;

export function createHttpServer(handler?: http.RequestListener): http.Server {
  return http.createServer({ keepAliveTimeout: KEEP_ALIVE_TIMEOUT_MS, headersTimeout: HEADERS_TIMEOUT_MS }, handler);
}
