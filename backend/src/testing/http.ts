import type http from 'node:http';
import type { AddressInfo } from 'node:net';
import { Agent, fetch as undiciFetch, type RequestInit as UndiciRequestInit } from 'undici';
import { createHttpServer } from '../http/server';

/**
 * HTTP for backend tests: servers built like Folio's own (http/server.ts keep-alive settings) and one client whose
 * idle connections are let go long before the server's.
 *
 * The client is undici with an Agent that keeps idle connections 1 s, whatever the server's `Keep-Alive` hint (the
 * global fetch keeps them for the hint minus 1 s: 64 s against a server that closes at 66 s, a margin one stalled
 * stretch of a busy machine can eat). 1 s against 65 s: the client always lets go first.
 */
const IDLE_MS = 1_000;
export const testAgent = new Agent({ keepAliveTimeout: IDLE_MS, keepAliveMaxTimeout: IDLE_MS });

/** `fetch` through the test agent (same API as the global one). */
export const testFetch = ((input: string | URL, init?: RequestInit) =>
  undiciFetch(input, { ...(init as UndiciRequestInit), dispatcher: testAgent })) as unknown as typeof fetch;

/** Serve `handler` on 127.0.0.1 and a free port (or `port`), with Folio's server settings. */
export async function listen(handler: http.RequestListener, port = 0): Promise<{ server: http.Server; url: string }> {
  const server = createHttpServer(handler);
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, '127.0.0.1', () => resolve());
  });
  return { server, url: `http://127.0.0.1:${(server.address() as AddressInfo).port}` };
}

/** Close the server, cutting any connection still open. */
export async function closeServer(server: http.Server): Promise<void> {
  const closed = new Promise<void>((resolve) => server.close(() => resolve()));
  server.closeAllConnections();
  await closed;
}
