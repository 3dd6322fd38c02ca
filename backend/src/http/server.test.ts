import { once } from 'node:events';
import type http from 'node:http';
import net from 'node:net';
import type { AddressInfo } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { closeServer, listen, testFetch } from '../testing/http';

/**
 * The keep-alive race behind "fetch failed … ECONNRESET" on a busy machine: a request sent on an idle connection at
 * the moment the server closes it. The event loop's lag is simulated by blocking it (what a CPU-starved test process
 * does to both ends of a connection, its server and its client running in one process). The server's settings
 * (http/server.ts) and the tests' client (testing/http.ts) must keep a wide margin between the client letting go of
 * an idle connection and the server closing it.
 */
let server: http.Server | undefined;
afterEach(async () => {
  if (server) await closeServer(server);
  server = undefined;
});

/** Block the event loop for `ms` (a busy machine's lag; nothing runs meanwhile, timers included). */
const block = (ms: number) => void Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, ms);

/** A server counting its connections and telling, per connection, which side closed it. */
async function start() {
  const s = await listen((req, res) => {
    req.resume();
    req.on('end', () => res.end('ok'));
  });
  server = s.server;
  const closedBy: Array<'client' | 'server'> = [];
  let connections = 0;
  let onClose = () => undefined as void;
  s.server.on('connection', (socket) => {
    connections += 1;
    let clientEnded = false;
    socket.on('end', () => (clientEnded = true)); // the client's FIN arrived: it let go first
    socket.on('close', () => {
      closedBy.push(clientEnded ? 'client' : 'server');
      onClose();
    });
  });
  const closed = () => new Promise<void>((resolve) => (onClose = resolve));
  return {
    url: s.url,
    port: (s.server.address() as AddressInfo).port,
    closedBy,
    connections: () => connections,
    closed,
  };
}

describe('HTTP keep-alive between the tests and the server', () => {
  it('answers a request that reaches an idle connection just when a default Node server would close it', async () => {
    const t = await start();
    // A raw keep-alive client, so the moment its request goes out is exact (socket.write sends at once).
    const socket = net.connect(t.port, '127.0.0.1');
    let received = '';
    const responses = (n: number) =>
      new Promise<void>((resolve, reject) => {
        const check = () => (received.split('HTTP/1.1 200 OK').length > n ? resolve() : undefined);
        socket.on('data', (b: Buffer) => ((received += b.toString()), check()));
        socket.once('error', reject); // ECONNRESET: the server closed the connection with our request unread
        socket.once('close', () => reject(new Error(`closed by the server after: ${JSON.stringify(received)}`)));
      });
    await once(socket, 'connect');
    const first = responses(1);
    socket.write('GET / HTTP/1.1\r\nHost: folio\r\n\r\n');
    await first;
    socket.removeAllListeners('data').removeAllListeners('error').removeAllListeners('close');
    await new Promise((r) => setImmediate(r)); // out of the response's callbacks
    // Idle 6.5 s with no timer able to run (a starved process): past the 5 s (+1 s) a default Node server keeps an
    // idle connection. The request is in the server's receive buffer before its overdue keep-alive timer runs; a
    // server that closes the connection then resets it (ECONNRESET) instead of answering.
    block(6_500);
    const second = responses(2);
    socket.write('POST / HTTP/1.1\r\nHost: folio\r\nContent-Length: 1\r\n\r\nx');
    await second;
    expect(t.connections()).toBe(1);
    socket.destroy();
  });

  it('lets the test client close an idle connection itself, long before the server would, even while the event loop lags', async () => {
    const t = await start();
    const closed = t.closed();
    expect(await (await testFetch(t.url)).text()).toBe('ok');
    // Lag: the loop runs only between 1 s blocks. The server keeps an idle connection 65 s (+1 s), so a close within
    // these 20 s is the client's own. A client going by the server's `Keep-Alive: timeout=65` hint (the global fetch)
    // would wait 64 s: a 2 s margin, which one stalled stretch of the event loop can eat.
    let done = false;
    void closed.then(() => (done = true));
    for (let i = 0; i < 20 && !done; i++) {
      block(1_000);
      await new Promise((r) => setTimeout(r, 0));
    }
    expect(t.closedBy).toEqual(['client']);
  });
});
