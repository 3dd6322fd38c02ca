/**
 * The `1+1` round trip through Folio's own live-editing path, as the browser editor does it: a running Folio
 * server (`backend/src/main.ts` as a child process, through e2e/harness.ts: temp DATA_DIR, free port, embedded
 * Jupyter Server and redis-server, KERNEL_POOL_SIZE=1), signed in over HTTP, one notebook, and the
 * `WS /api/notebooks/:id/kernel` socket. Each sample is `execute` sent → `cell_done` received (the cell's
 * `outputs` message, flushed before `cell_done`, must carry the result `2`).
 */
import { randomUUID } from 'node:crypto';
import WebSocket from 'ws';
import { startFolioServer } from '../e2e/harness';

interface ServerMessage {
  type: string;
  requestId?: string;
  cellId?: string;
  status?: string;
  outputs?: Array<{ output_type: string; data?: Record<string, unknown> }>;
  message?: string;
}

async function api(url: string, init: RequestInit & { cookie?: string; json?: unknown }): Promise<Response> {
  const headers: Record<string, string> = { ...(init.cookie ? { cookie: init.cookie } : {}) };
  if (init.json !== undefined) headers['content-type'] = 'application/json';
  const res = await fetch(url, {
    ...init,
    headers,
    body: init.json === undefined ? undefined : JSON.stringify(init.json),
  });
  if (!res.ok) throw new Error(`${init.method ?? 'GET'} ${url} answered ${res.status}: ${await res.text()}`);
  return res;
}

/** Samples in ms, after `warmup` untimed executions. */
export async function folioWebSocketRoundTrips(samples: number, warmup = 20): Promise<number[]> {
  const server = await startFolioServer();
  let ws: WebSocket | undefined;
  try {
    const login = await api(`${server.url}/api/auth/login`, { method: 'POST', json: server.admin });
    const cookie = login.headers
      .getSetCookie()
      .map((c) => c.split(';')[0])
      .join('; ');
    const nb = (await (
      await api(`${server.url}/api/notebooks`, { method: 'POST', cookie, json: { name: 'bench rtt' } })
    ).json()) as { id: string };

    ws = new WebSocket(`${server.url.replace(/^http/, 'ws')}/api/notebooks/${nb.id}/kernel`, { headers: { cookie } });
    const socket = ws;
    let waiter: ((m: ServerMessage) => void) | undefined;
    socket.on('message', (raw) => waiter?.(JSON.parse(raw.toString()) as ServerMessage));
    await new Promise<void>((resolve, reject) => {
      socket.once('open', () => resolve());
      socket.once('error', reject);
    });

    const execute = (): Promise<number> =>
      new Promise((resolve, reject) => {
        const requestId = randomUUID();
        let result = false;
        waiter = (m) => {
          if (m.type === 'error') reject(new Error(`kernel socket error: ${m.message}`));
          if (m.type === 'outputs' && m.cellId === 'rtt')
            result = m.outputs?.some((o) => o.data?.['text/plain'] === '2') ?? false;
          if (m.type === 'cell_done' && m.requestId === requestId) {
            const t = performance.now() - t0;
            if (m.status !== 'ok' || !result)
              reject(new Error(`1+1 over the socket ended ${m.status}, result seen: ${result}`));
            else resolve(t);
          }
        };
        const t0 = performance.now();
        socket.send(JSON.stringify({ type: 'execute', requestId, cells: [{ cellId: 'rtt', code: '1+1' }] }));
      });

    for (let i = 0; i < warmup; i++) await execute(); // the first one also takes the session's kernel
    const xs: number[] = [];
    for (let i = 0; i < samples; i++) xs.push(await execute());
    return xs;
  } finally {
    ws?.close();
    await server.stop();
  }
}
