import type { Output } from '../../contracts/nbformat';
import { DisplayIdRegistry, OutputModel } from '../output-model';

export interface CellOutputsOptions {
  /** Per-cell output cap. */
  maxOutputBytes: number;
  /** Outputs of a cell are sent at most this often while it runs (the final state is always sent). */
  throttleMs: number;
  now: () => number;
  /** Receives a cell's full current outputs. */
  send: (cellId: string, outputs: Output[]) => void;
}

interface PendingFlush {
  timer?: NodeJS.Timeout;
  lastSent: number;
  model: OutputModel;
}

/**
 * The output models of a live session's cells, sharing one display-id registry (a display update may touch a
 * cell run earlier), and the throttling of what is sent while a cell runs: at most one `outputs` message per cell
 * per `throttleMs`, the last state always delivered by `flush`.
 */
export class CellOutputs {
  private readonly opts: CellOutputsOptions;
  private registry = new DisplayIdRegistry();
  private readonly models = new Map<string, OutputModel>();
  private readonly pending = new Map<string, PendingFlush>();

  constructor(opts: CellOutputsOptions) {
    this.opts = opts;
  }

  /** A fresh model for a cell about to run; the cell's previous outputs (and their display ids) are forgotten. */
  begin(cellId: string): OutputModel {
    const old = this.models.get(cellId);
    if (old) this.registry.forget(old);
    const model = new OutputModel({
      registry: this.registry,
      maxBytes: this.opts.maxOutputBytes,
      onChange: (m) => this.schedule(cellId, m),
    });
    this.models.set(cellId, model);
    return model;
  }

  /** Sends the cell's current outputs if a change is pending (or `force`). */
  flush(cellId: string, force = false): void {
    const f = this.pending.get(cellId);
    if (!f) return;
    const due = Boolean(f.timer);
    clearTimeout(f.timer);
    f.timer = undefined;
    if (!due && !force) return;
    f.lastSent = this.opts.now();
    this.opts.send(cellId, f.model.outputs);
  }

  /** Forgets every cell (new kernel, restart): pending sends are dropped. */
  reset(): void {
    for (const f of this.pending.values()) clearTimeout(f.timer);
    this.pending.clear();
    this.models.clear();
    this.registry = new DisplayIdRegistry();
  }

  private schedule(cellId: string, model: OutputModel): void {
    const now = this.opts.now();
    const f = this.pending.get(cellId) ?? { lastSent: 0, model };
    f.model = model;
    this.pending.set(cellId, f);
    if (f.timer) return;
    const wait = f.lastSent + this.opts.throttleMs - now;
    if (wait <= 0) this.flush(cellId, true);
    else f.timer = setTimeout(() => this.flush(cellId, true), wait);
  }
}
