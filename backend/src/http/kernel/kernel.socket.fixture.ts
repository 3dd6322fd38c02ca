import { once } from 'node:events';
import WebSocket from 'ws';
import { ServerMessageSchema, type ClientMessage, type ServerMessage } from './kernel.protocol';

/**
 * For WebSocket tests: a protocol client that records every server message. `next` resolves with the first
 * not-yet-taken message of a type (matching a predicate, at or after index `from`), now or when it arrives — no
 * sleeps; it rejects if the socket closes first. `closed` resolves with the close code and reason.
 */
export interface KernelWsClient {
  ws: WebSocket;
  events: ServerMessage[];
  closed: Promise<{ code: number; reason: string }>;
  send(m: ClientMessage): void;
  next<T extends ServerMessage['type']>(
    type: T,
    match?: (m: Extract<ServerMessage, { type: T }>) => boolean,
    from?: number,
  ): Promise<Extract<ServerMessage, { type: T }>>;
}

/** `options` go to the ws client, e.g. `{ autoPong: false }` for a client that stops answering pings. */
export async function connectKernelWs(
  url: string,
  cookie: string,
  options: WebSocket.ClientOptions = {},
): Promise<KernelWsClient> {
  const ws = new WebSocket(url, { ...options, headers: { ...options.headers, cookie } });
  const events: ServerMessage[] = [];
  const taken = new Set<number>();
  let waiters: Array<() => boolean> = [];
  ws.on('message', (data) => {
    events.push(ServerMessageSchema.parse(JSON.parse(data.toString())));
    waiters = waiters.filter((w) => !w());
  });
  const closed = new Promise<{ code: number; reason: string }>((resolve) =>
    ws.on('close', (code, reason) => {
      waiters = waiters.filter((w) => !w());
      resolve({ code, reason: reason.toString() });
    }),
  );
  await once(ws, 'open');
  return {
    ws,
    events,
    closed,
    send: (m) => ws.send(JSON.stringify(m)),
    next(type, match = () => true, from = 0) {
      return new Promise((resolve, reject) => {
        const look = (): boolean => {
          for (let i = from; i < events.length; i++) {
            const e = events[i]!;
            if (!taken.has(i) && e.type === type && match(e as never)) {
              taken.add(i);
              resolve(e as never);
              return true;
            }
          }
          if (ws.readyState !== WebSocket.OPEN) {
            reject(new Error(`socket closed before a ${type} message`));
            return true;
          }
          return false;
        };
        if (!look()) waiters.push(look);
      });
    },
  };
}

export const statusIs = (s: string) => (m: { status: string }) => m.status === s;

export const streamText = (outputs: unknown[]) =>
  outputs
    .map((o) => (o as { output_type: string; text?: string | string[] }).text ?? '')
    .flat()
    .join('');

/** Executes cells as one request and waits for each cell's cell_done. */
export async function runCells(c: KernelWsClient, cells: Array<[string, string]>, requestId = `r${Math.random()}`) {
  c.send({ type: 'execute', requestId, cells: cells.map(([cellId, code]) => ({ cellId, code })) });
  const done = [];
  for (const [cellId] of cells)
    done.push(await c.next('cell_done', (m) => m.requestId === requestId && m.cellId === cellId));
  return done;
}
