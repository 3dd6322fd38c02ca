import type { Response } from 'express';

/** A comment line every 15 s keeps proxies and load balancers from closing an idle stream. */
export const SSE_HEARTBEAT_MS = 15_000;

let openStreams = 0;
/** Event streams open now in this process (metrics). */
export const openEventStreams = () => openStreams;

/**
 * Writes `events` to `res` as Server-Sent Events (`event:` name, `data:` JSON), with a heartbeat comment, then
 * ends the response. Stops writing once the client has gone (the source ends on its own through its signal).
 */
export async function sendServerSentEvents(res: Response, events: AsyncIterable<{ event: string; data: unknown }>): Promise<void> {
  res.status(200).set({
    'Content-Type': 'text/event-stream; charset=utf-8',
    'Cache-Control': 'no-cache',
    'X-Accel-Buffering': 'no',
  });
  res.flushHeaders();
  openStreams++;
  const open = () => !res.writableEnded && !res.destroyed;
  const heartbeat = setInterval(() => open() && res.write(': heartbeat\n\n'), SSE_HEARTBEAT_MS);
  try {
    for await (const { event, data } of events) {
      if (!open()) break;
      res.write(`event: ${event}\ndata: ${JSON.stringify(data)}\n\n`);
    }
  } finally {
    openStreams--;
    clearInterval(heartbeat);
    if (open()) res.end();
  }
}

/**
 * `events` until `lost` resolves: then one `error` event {code, message} and the end (the source is closed). For a
 * stream whose reader may lose access while it is open.
 */
export async function* endWhen<E extends { event: string; data: unknown }>(
  events: AsyncIterable<E>,
  lost: Promise<{ code: string; message: string }>,
): AsyncGenerator<E | { event: 'error'; data: { code: string; message: string } }> {
  const it = events[Symbol.asyncIterator]();
  const ended = lost.then((e) => ({ lost: e }) as const);
  try {
    for (;;) {
      const next = await Promise.race([it.next(), ended]);
      if ('lost' in next) {
        yield { event: 'error', data: { code: next.lost.code, message: next.lost.message } };
        return;
      }
      if (next.done) return;
      yield next.value;
    }
  } finally {
    void it.return?.();
  }
}
