import type { WebSocket } from 'ws';
import type { ServerMessage } from './kernel.protocol';

/**
 * What one kernel socket sends, with backpressure. While the socket has `highWaterBytes` or more buffered (a slow
 * link, a laptop that stopped reading), messages wait here instead of piling up in the socket's buffer, and a cell's
 * `outputs` replaces that cell's waiting `outputs` (each is the cell's full current state, so only the latest
 * matters). What waits is thus bounded by the cells' outputs (each within the output cap) plus small control
 * messages, and the server's send buffer by `highWaterBytes` plus one message. As the socket drains (each write's
 * callback), the waiting messages go out in order, so the client ends with the final state of every cell.
 */
export class SocketOutbox {
  private readonly waiting: ServerMessage[] = [];

  constructor(
    private readonly ws: WebSocket,
    private readonly highWaterBytes: number,
  ) {}

  /** Messages held back right now (for logs and tests). */
  get backlog(): number {
    return this.waiting.length;
  }

  send(m: ServerMessage): void {
    if (this.ws.readyState !== this.ws.OPEN) return;
    if (this.waiting.length === 0 && this.ws.bufferedAmount < this.highWaterBytes) return this.write(m);
    if (m.type === 'outputs') {
      const stale = this.waiting.findIndex((w) => w.type === 'outputs' && w.cellId === m.cellId);
      if (stale >= 0) this.waiting.splice(stale, 1);
    }
    this.waiting.push(m);
  }

  private write(m: ServerMessage): void {
    // The callback runs once the frame has left the process's buffer (or the socket failed): time to send more.
    this.ws.send(JSON.stringify(m), () => this.pump());
  }

  private pump(): void {
    while (
      this.waiting.length > 0 &&
      this.ws.readyState === this.ws.OPEN &&
      this.ws.bufferedAmount < this.highWaterBytes
    )
      this.write(this.waiting.shift()!);
    if (this.ws.readyState !== this.ws.OPEN) this.waiting.length = 0;
  }
}
