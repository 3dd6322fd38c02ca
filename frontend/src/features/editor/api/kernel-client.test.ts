import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import {
  ACCESS_LOST_CLOSE_CODE,
  backoffMs,
  KernelClient,
  REQUEST_TIMEOUT_MS,
  SESSION_ENDED_CLOSE_CODE,
} from './kernel-client';
import { kernelSocketUrl, ServerMessageSchema, type ServerMessage } from './kernel-protocol';

/** A stand-in socket for the routing logic: records what the client sends, lets the test play the server. */
class FakeSocket {
  static last: FakeSocket | null = null;
  readyState = WebSocket.OPEN;
  sent: { type: string; requestId?: string }[] = [];
  onopen: (() => void) | null = null;
  onmessage: ((ev: { data: string }) => void) | null = null;
  onclose: ((ev: { code: number }) => void) | null = null;
  constructor(readonly url: string) {
    FakeSocket.last = this;
  }
  send(raw: string) {
    this.sent.push(JSON.parse(raw));
  }
  close() {}
  receive(m: ServerMessage) {
    this.onmessage?.({ data: JSON.stringify(m) });
  }
}

function connectedClient() {
  const messages: ServerMessage[] = [];
  const client = new KernelClient(
    'ws://test/kernel',
    { onMessage: (m) => messages.push(m), onStatus: () => {} },
    FakeSocket as unknown as typeof WebSocket,
  );
  client.connect();
  const ws = FakeSocket.last!;
  ws.onopen?.();
  return { client, ws, messages };
}

describe('kernel client', () => {
  it('backs off exponentially with a cap', () => {
    const mid = () => 0.5;
    expect([0, 1, 2, 3, 10].map((n) => backoffMs(n, mid))).toEqual([500, 1000, 2000, 4000, 10_000]);
    expect(backoffMs(0, () => 0)).toBe(400);
    expect(backoffMs(0, () => 1)).toBe(600);
  });
  it('builds ws/wss URLs on the page origin', () => {
    expect(kernelSocketUrl('n 1', { protocol: 'http:', host: 'h:8080' })).toBe(
      'ws://h:8080/api/notebooks/n%201/kernel',
    );
    expect(kernelSocketUrl('n', { protocol: 'https:', host: 'h' })).toBe('wss://h/api/notebooks/n/kernel');
  });
  it('parses the server messages of the contract and rejects others', () => {
    expect(ServerMessageSchema.safeParse({ type: 'status', status: 'idle' }).success).toBe(true);
    expect(
      ServerMessageSchema.safeParse({
        type: 'cell_done',
        requestId: 'r',
        cellId: 'c',
        status: 'ok',
        executionCount: 2,
        startedAt: '2026-01-01T00:00:00Z',
        endedAt: '2026-01-01T00:00:01Z',
      }).success,
    ).toBe(true);
    expect(
      ServerMessageSchema.safeParse({
        type: 'outputs',
        cellId: 'c',
        outputs: [{ output_type: 'stream', name: 'stdout', text: 'x' }],
      }).success,
    ).toBe(true);
    expect(ServerMessageSchema.safeParse({ type: 'status', status: 'sleepy' }).success).toBe(false);
    expect(ServerMessageSchema.safeParse({ type: 'outputs', cellId: 'c', outputs: [42] }).success).toBe(false);
  });
});

describe('kernel client routing', () => {
  beforeEach(() => vi.useFakeTimers());
  afterEach(() => vi.useRealTimers());

  it("forwards an error for this tab's own execute request, with its requestId", () => {
    const { client, ws, messages } = connectedClient();
    const requestId = client.execute([{ cellId: 'c1', code: '1' }])!;
    expect(ws.sent).toEqual([{ type: 'execute', requestId, cells: [{ cellId: 'c1', code: '1' }] }]);
    ws.receive({ type: 'error', requestId, message: 'No kernel could be started.' });
    expect(messages).toEqual([{ type: 'error', requestId, message: 'No kernel could be started.' }]);
  });

  it('forwards input requests (shared by every tab of the kernel) and sends the answer as input_reply', () => {
    const { client, ws, messages } = connectedClient();
    ws.receive({ type: 'input_request', cellId: 'c', prompt: 'Password: ', password: true });
    ws.receive({ type: 'input_done', cellId: 'c' });
    ws.receive({ type: 'status', status: 'none' });
    expect(messages.map((m) => m.type)).toEqual(['input_request', 'input_done', 'status']);
    expect(client.send({ type: 'input_reply', value: 's3cret' })).toBe(true);
    expect(ws.sent).toEqual([{ type: 'input_reply', value: 's3cret' }]);
  });

  it("drops replies and errors for requests it did not send (another tab's, or late ones)", () => {
    const { ws, messages } = connectedClient();
    ws.receive({ type: 'error', requestId: 'other-tab', message: 'Completion failed: no reply within 5 s' });
    ws.receive({ type: 'complete_reply', requestId: 'other-tab', matches: ['x'], cursorStart: 0, cursorEnd: 1 });
    ws.receive({ type: 'inspect_reply', requestId: 'other-tab', found: false, data: {} });
    expect(messages).toEqual([]);
  });

  it('forwards errors without a requestId and the shared kernel cell progress', () => {
    const { ws, messages } = connectedClient();
    const stream: ServerMessage[] = [
      { type: 'error', message: 'Could not interrupt the kernel: gone' },
      { type: 'cell_started', requestId: 'other-tab', cellId: 'c', executionCount: 3, startedAt: 't' },
      { type: 'progress', requestId: 'other-tab', done: 1, total: 2 },
    ];
    stream.forEach((m) => ws.receive(m));
    expect(messages).toEqual(stream);
  });

  it('settles complete/inspect by requestId; a reply after the timeout is dropped, not treated as an error', async () => {
    const { client, ws, messages } = connectedClient();
    const completion = client.complete('pri', 3);
    const sent = ws.sent.at(-1)!;
    expect(sent).toMatchObject({ type: 'complete', code: 'pri', cursorPos: 3 });
    ws.receive({
      type: 'complete_reply',
      requestId: sent.requestId!,
      matches: ['print'],
      cursorStart: 0,
      cursorEnd: 3,
    });
    await expect(completion).resolves.toMatchObject({ matches: ['print'] });

    const inspection = client.inspect('x', 1);
    const late = ws.sent.at(-1)!.requestId!;
    const rejected = expect(inspection).rejects.toThrow('did not answer in time');
    vi.advanceTimersByTime(REQUEST_TIMEOUT_MS);
    await rejected;
    ws.receive({ type: 'error', requestId: late, message: 'Inspection failed: no reply within 5 s' });
    expect(messages).toEqual([]);
  });

  it('an execute error is forwarded once; after the request finished its id is unknown again', () => {
    const { client, ws, messages } = connectedClient();
    const requestId = client.execute([{ cellId: 'c1', code: '1' }])!;
    ws.receive({ type: 'progress', requestId, done: 1, total: 1 });
    ws.receive({ type: 'error', requestId, message: 'stray' });
    expect(messages).toEqual([{ type: 'progress', requestId, done: 1, total: 1 }]);
  });
});

describe('kernel client and the sign-in session or access', () => {
  beforeEach(() => vi.useFakeTimers());
  afterEach(() => vi.useRealTimers());

  function client() {
    const onSessionEnded = vi.fn();
    const onAccessLost = vi.fn();
    const statuses: string[] = [];
    const c = new KernelClient(
      'ws://test/kernel',
      { onMessage: () => {}, onStatus: (s) => statuses.push(s), onSessionEnded, onAccessLost },
      FakeSocket as unknown as typeof WebSocket,
    );
    c.connect();
    FakeSocket.last!.onopen?.();
    return { c, onSessionEnded, onAccessLost, statuses };
  }

  it('stops for good and says so when the server ends the socket because edit access was lost', async () => {
    const { onSessionEnded, onAccessLost } = client();
    const ws = FakeSocket.last!;
    ws.onclose?.({ code: ACCESS_LOST_CLOSE_CODE });
    await vi.advanceTimersByTimeAsync(60_000);
    expect(onAccessLost).toHaveBeenCalledOnce();
    expect(onSessionEnded).not.toHaveBeenCalled();
    expect(FakeSocket.last).toBe(ws); // no reconnect attempt
  });

  it('connects again on reopen() after an access loss (edit access still held), but never after close()', async () => {
    const { c, statuses } = client();
    const ws = FakeSocket.last!;
    ws.onclose?.({ code: ACCESS_LOST_CLOSE_CODE });
    c.reopen();
    expect(FakeSocket.last).not.toBe(ws);
    expect(statuses.at(-1)).toBe('disconnected');
    const second = FakeSocket.last!;
    c.reopen(); // already connecting: no second socket
    expect(FakeSocket.last).toBe(second);
    c.close();
    c.reopen();
    expect(FakeSocket.last).toBe(second);
  });

  it('stops for good and says so when the server ends the socket because the session ended', async () => {
    const { onSessionEnded } = client();
    const ws = FakeSocket.last!;
    ws.onclose?.({ code: SESSION_ENDED_CLOSE_CODE });
    await vi.advanceTimersByTimeAsync(60_000);
    expect(onSessionEnded).toHaveBeenCalledOnce();
    expect(FakeSocket.last).toBe(ws); // no reconnect attempt
  });

  it('reconnects after any other close', async () => {
    const { onSessionEnded, statuses } = client();
    const ws = FakeSocket.last!;
    ws.onclose?.({ code: 1006 });
    await vi.advanceTimersByTimeAsync(60_000);
    expect(onSessionEnded).not.toHaveBeenCalled();
    expect(FakeSocket.last).not.toBe(ws);
    expect(statuses).toContain('disconnected');
  });
});
