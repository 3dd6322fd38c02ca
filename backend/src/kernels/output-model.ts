import type { KernelMessage } from '@jupyterlab/services';
import type { MimeBundle, Output, StreamOutput } from '../contracts/nbformat';

/**
 * IOPub messages → nbformat 4 outputs, the one output model of Folio (headless runs and live editing).
 *
 * Rules, matching Jupyter:
 * - consecutive `stream` messages of the same name are merged into one output, and `\r` / `\b` are applied
 *   to it with a cursor that carries over from one message to the next, exactly as JupyterLab 4's
 *   OutputAreaModel does (`applyStreamText` below);
 * - `display_data` / `execute_result` are appended; with a `transient.display_id` they are registered,
 *   and they (and `update_display_data`) replace data+metadata of every output showing that display id,
 *   in any cell that shares the same DisplayIdRegistry (as nbclient does);
 * - caps: every change — a new output, merged stream text, and a display update through the registry — counts
 *   against the cell's cap (`maxBytes`) and, in a run, the run's shared `OutputBudget`. A display shown N times
 *   counts N times (each copy is stored: the executed notebook is JSON), so one update cannot multiply the
 *   document. What does not fit is dropped and a note says so (the cell's output ends with a `[Folio] Output
 *   truncated` stderr stream); an update a cell cannot hold leaves all of that cell's copies as they were;
 * - `clear_output` clears now, or with `wait: true` just before the next output arrives;
 * - `error` becomes {ename, evalue, traceback}.
 * Outputs never carry `transient` (not part of the nbformat schema).
 */

/** Display-id bookkeeping shared by every cell of one run or one live session. */
export class DisplayIdRegistry {
  private readonly targets = new Map<string, Array<{ model: OutputModel; index: number }>>();

  register(displayId: string, model: OutputModel, index: number): void {
    const list = this.targets.get(displayId) ?? [];
    list.push({ model, index });
    this.targets.set(displayId, list);
  }

  /** Replace data+metadata of every output registered under displayId (each model takes its copies or none). */
  update(displayId: string, data: MimeBundle, metadata: Record<string, unknown>): void {
    const byModel = new Map<OutputModel, number[]>();
    for (const { model, index } of this.targets.get(displayId) ?? [])
      byModel.set(model, [...(byModel.get(model) ?? []), index]);
    for (const [model, indices] of byModel) model.replaceDisplays(indices, data, metadata);
  }

  /** Forget a model's outputs (after it was cleared). */
  forget(model: OutputModel): void {
    for (const [id, list] of this.targets) {
      const kept = list.filter((t) => t.model !== model);
      if (kept.length) this.targets.set(id, kept);
      else this.targets.delete(id);
    }
  }
}

/**
 * The output bytes of all the cells of one run (config FOLIO_MAX_RUN_OUTPUT_MB): what their outputs hold now, so a
 * cleared output gives its bytes back. Shared by the run's OutputModels, like the DisplayIdRegistry.
 */
export class OutputBudget {
  used = 0;
  constructor(readonly limitBytes: number) {}

  get room(): number {
    return this.limitBytes - this.used;
  }
}

export interface OutputModelOptions {
  /** Shared across the cells of a run/session so display updates reach earlier cells. Default: private. */
  registry?: DisplayIdRegistry;
  /** Output size cap for this cell, in bytes (UTF-8 of texts, mime values and metadata). Default 20 MB. */
  maxBytes?: number;
  /** The run's total output budget, shared by its cells. Default: none (only the cell cap). */
  budget?: OutputBudget;
  /** Called after every change with the model (read `outputs`). */
  onChange?: (model: OutputModel) => void;
}

export const DEFAULT_MAX_OUTPUT_BYTES = 20 * 1024 * 1024;
export const DEFAULT_MAX_RUN_OUTPUT_BYTES = 100 * 1024 * 1024;

export class OutputModel {
  readonly registry: DisplayIdRegistry;
  private readonly maxBytes: number;
  private readonly budget?: OutputBudget;
  private readonly onChange?: (model: OutputModel) => void;
  private list: Output[] = [];
  private sizes: number[] = [];
  private bytes = 0;
  private clearNext = false;
  private lastStream: StreamOutput | null = null;
  /** Where the next text of `lastStream` is written (moved back by `\r` and `\b`). */
  private cursor = 0;
  private truncatedFlag = false;

  constructor(opts: OutputModelOptions = {}) {
    this.registry = opts.registry ?? new DisplayIdRegistry();
    this.maxBytes = opts.maxBytes ?? DEFAULT_MAX_OUTPUT_BYTES;
    this.budget = opts.budget;
    this.onChange = opts.onChange;
  }

  /** The current nbformat outputs (live array: copy it if you keep it past the next message). */
  get outputs(): Output[] {
    return this.list;
  }

  /** True when output was dropped because of the size cap (a note says so in the outputs). */
  get truncated(): boolean {
    return this.truncatedFlag;
  }

  /** Handle one IOPub message of this cell's execution. Returns true when the outputs changed. */
  handle(msg: KernelMessage.IIOPubMessage): boolean {
    const content = msg.content as Record<string, unknown>;
    const transient = content.transient as { display_id?: unknown } | null | undefined;
    const displayId = transient && typeof transient.display_id === 'string' ? transient.display_id : undefined;
    switch (msg.header.msg_type) {
      case 'stream': {
        const name = content.name === 'stderr' ? 'stderr' : 'stdout';
        return this.add({ output_type: 'stream', name, text: String(content.text ?? '') });
      }
      case 'display_data':
      case 'execute_result': {
        const data = (content.data ?? {}) as MimeBundle;
        const metadata = (content.metadata ?? {}) as Record<string, unknown>;
        if (displayId) this.registry.update(displayId, data, metadata);
        const output: Output =
          msg.header.msg_type === 'execute_result'
            ? { output_type: 'execute_result', execution_count: toCount(content.execution_count), data, metadata }
            : { output_type: 'display_data', data, metadata };
        return this.add(output, displayId);
      }
      case 'update_display_data': {
        if (displayId)
          this.registry.update(
            displayId,
            (content.data ?? {}) as MimeBundle,
            (content.metadata ?? {}) as Record<string, unknown>,
          );
        return false; // replaceDisplay notified the models concerned
      }
      case 'clear_output':
        this.clear(content.wait === true);
        return true;
      case 'error':
        return this.add({
          output_type: 'error',
          ename: String(content.ename ?? ''),
          evalue: String(content.evalue ?? ''),
          traceback: Array.isArray(content.traceback) ? content.traceback.map(String) : [],
        });
      default:
        return false; // status, execute_input, comm_*: not outputs
    }
  }

  /** Append an output (streams merge into the previous output of the same stream). */
  add(output: Output, displayId?: string): boolean {
    if (this.clearNext) {
      this.clearNow();
      this.clearNext = false;
    }
    if (this.truncatedFlag) return false;
    if (output.output_type === 'stream') {
      const text = typeof output.text === 'string' ? output.text : output.text.join('');
      const last = this.lastStream;
      if (last && last.name === output.name) {
        const index = this.list.length - 1;
        const next = applyStreamText(last.text as string, this.cursor, text);
        const old = this.sizes[index] ?? 0;
        const extra = byteLength(next.text) - old;
        if (!this.fits(extra)) {
          // Keep the part of the text that fits, then the note.
          const cap = this.capHit(extra);
          last.text = utf8Prefix(next.text, this.room() + old);
          this.setSize(index, byteLength(last.text));
          return this.truncate(cap);
        }
        last.text = next.text;
        this.cursor = next.cursor;
        this.setSize(index, old + extra);
        this.changed();
        return true;
      }
      const first = applyStreamText('', 0, text);
      const stream: StreamOutput = { output_type: 'stream', name: output.name, text: first.text };
      if (!this.push(stream)) {
        const cap = this.capHit(outputSize(stream));
        const room = this.room();
        const head = room > 0 ? utf8Prefix(stream.text as string, room) : '';
        if (head) this.push({ ...stream, text: head });
        return this.truncate(cap);
      }
      this.cursor = first.cursor;
      this.lastStream = stream;
      this.changed();
      return true;
    }
    if (!this.push(output)) return this.truncate(this.capHit(outputSize(output)));
    this.lastStream = null;
    if (displayId) this.registry.register(displayId, this, this.list.length - 1);
    this.changed();
    return true;
  }

  /** Clear all outputs now, or (wait) just before the next output is added. */
  clear(wait = false): void {
    this.lastStream = null;
    if (wait) {
      this.clearNext = true;
      return;
    }
    this.clearNow();
    this.changed();
  }

  /**
   * Used by the registry: replace data+metadata of this model's display outputs at `indices`, all of them or (when
   * their new size does not fit the caps) none, and then the cell is truncated.
   */
  replaceDisplays(indices: number[], data: MimeBundle, metadata: Record<string, unknown>): void {
    if (this.truncatedFlag) return;
    const targets = indices.filter((i) => {
      const t = this.list[i]?.output_type;
      return t === 'display_data' || t === 'execute_result';
    });
    if (!targets.length) return;
    const size = displaySize(data, metadata);
    const extra = targets.reduce((n, i) => n + size - (this.sizes[i] ?? 0), 0);
    if (!this.fits(extra)) {
      this.truncate(this.capHit(extra));
      return;
    }
    for (const i of targets) {
      const out = this.list[i] as Extract<Output, { data: MimeBundle }>;
      out.data = data;
      out.metadata = metadata;
      this.setSize(i, size);
    }
    this.changed();
  }

  private clearNow(): void {
    if (this.budget) this.budget.used -= this.bytes;
    this.list = [];
    this.sizes = [];
    this.bytes = 0;
    this.truncatedFlag = false;
    this.lastStream = null;
    this.registry.forget(this);
  }

  private push(output: Output): boolean {
    const size = outputSize(output);
    if (!this.fits(size)) return false;
    this.list.push(output);
    this.sizes.push(0);
    this.setSize(this.list.length - 1, size);
    return true;
  }

  /** Record the new size of the output at `index` in the cell's and the run's counts. */
  private setSize(index: number, size: number): void {
    const extra = size - (this.sizes[index] ?? 0);
    this.sizes[index] = size;
    this.bytes += extra;
    if (this.budget) this.budget.used += extra;
  }

  /** Bytes that can still be added: the smaller of the cell's and the run's room. */
  private room(): number {
    return Math.min(this.maxBytes - this.bytes, this.budget ? this.budget.room : Infinity);
  }

  private fits(extra: number): boolean {
    return extra <= this.room();
  }

  /** Which cap `extra` more bytes would pass: the cell's own, else the run's. */
  private capHit(extra: number): 'cell' | 'run' {
    return this.bytes + extra > this.maxBytes || !this.budget ? 'cell' : 'run';
  }

  private truncate(cap: 'cell' | 'run'): boolean {
    this.truncatedFlag = true;
    this.lastStream = null;
    const limit = cap === 'cell' ? this.maxBytes : this.budget!.limitBytes;
    const mb = (limit / (1024 * 1024)).toFixed(limit % (1024 * 1024) === 0 ? 0 : 2);
    const what =
      cap === 'cell'
        ? `this cell's output exceeded the ${mb} MB limit; further output was dropped`
        : `this run's output exceeded the ${mb} MB limit for a run; further output of this cell was dropped`;
    this.list.push({ output_type: 'stream', name: 'stderr', text: `[Folio] Output truncated: ${what}.\n` });
    this.sizes.push(0);
    this.changed();
    return true;
  }

  private changed(): void {
    this.onChange?.(this);
  }
}

const toCount = (v: unknown): number | null => (typeof v === 'number' ? v : null);

function byteLength(s: string): number {
  return Buffer.byteLength(s, 'utf8');
}

/** The longest prefix of `s` whose UTF-8 encoding fits in `bytes` (never splits a character). */
function utf8Prefix(s: string, bytes: number): string {
  const buf = Buffer.from(s, 'utf8');
  if (buf.length <= bytes) return s;
  let end = Math.max(0, bytes);
  while (end > 0 && (buf[end]! & 0xc0) === 0x80) end--; // back off continuation bytes
  return buf.subarray(0, end).toString('utf8');
}

function bundleSize(data: MimeBundle): number {
  let n = 0;
  for (const v of Object.values(data)) n += typeof v === 'string' ? byteLength(v) : byteLength(JSON.stringify(v) ?? '');
  return n;
}

/** A display's stored size: its mime values and its metadata (both are saved). */
function displaySize(data: MimeBundle, metadata: Record<string, unknown>): number {
  return bundleSize(data) + (Object.keys(metadata).length ? byteLength(JSON.stringify(metadata) ?? '') : 0);
}

function outputSize(o: Output): number {
  switch (o.output_type) {
    case 'stream':
      return byteLength(typeof o.text === 'string' ? o.text : o.text.join(''));
    case 'error':
      return byteLength(o.ename) + byteLength(o.evalue) + o.traceback.reduce((n, l) => n + byteLength(l), 0);
    default:
      return displaySize(o.data, o.metadata ?? {});
  }
}

/**
 * Write `incoming` stream text into `text` at `cursor`, the way JupyterLab ≥ 4.1 does: `Private.processText` in
 * jupyterlab/jupyterlab `packages/outputarea/src/model.ts` (JupyterLab 4.6.6 is what bench/.venv installs), which
 * replaced the older `removeOverwrittenChars` (whole-text regexes from the classic notebook). Like a terminal line:
 * - ordinary characters overwrite from the cursor on, extending the text past its end;
 * - `\r` moves the cursor back to the start of its line (nothing is erased yet);
 * - `\n` appends a line feed at the end of the text and puts the cursor after it;
 * - `\b` deletes the character before the cursor unless it is a line feed (JupyterLab also drops the character
 *   under the cursor, which only matters after a `\r`; kept, to render what JupyterLab renders).
 * The stored text never contains `\r` or `\b`; the cursor carries over to the next message of the same stream,
 * so `abc\rde` followed by `f` gives `def`, as in a terminal (nbclient's and nbconvert's regexes agree).
 */
export function applyStreamText(text: string, cursor: number, incoming: string): { text: string; cursor: number } {
  if (cursor === text.length && !/[\n\r\b]/.test(incoming))
    return { text: text + incoming, cursor: cursor + incoming.length };
  let from = 0;
  for (let i = 0; i <= incoming.length; i++) {
    const ch = incoming[i];
    if (ch !== undefined && ch !== '\n' && ch !== '\r' && ch !== '\b') continue;
    const run = incoming.slice(from, i);
    text = text.slice(0, cursor) + run + text.slice(cursor + run.length);
    cursor += run.length;
    from = i + 1;
    if (ch === '\n') {
      text += '\n';
      cursor = text.length;
    } else if (ch === '\r') {
      while (cursor > 0 && text[cursor - 1] !== '\n') cursor--;
    } else if (ch === '\b' && cursor > 0 && text[cursor - 1] !== '\n') {
      text = text.slice(0, cursor - 1) + text.slice(cursor + 1);
      cursor--;
    }
  }
  return { text, cursor };
}
