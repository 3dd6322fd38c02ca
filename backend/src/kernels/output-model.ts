import type { KernelMessage } from '@jupyterlab/services';
import type { MimeBundle, Output, StreamOutput } from '../notebooks/nbformat';

/**
 * IOPub messages → nbformat 4 outputs, the one output model of Folio (headless runs and live editing).
 *
 * Rules, matching Jupyter:
 * - consecutive `stream` messages of the same name are merged into one output, and the merged text has
 *   the characters overwritten by `\b` and `\r` removed exactly as JupyterLab's OutputAreaModel does
 *   (`removeOverwrittenChars` = fixBackspace then fixCarriageReturn, on the whole merged text);
 * - `display_data` / `execute_result` are appended; with a `transient.display_id` they are registered,
 *   and they (and `update_display_data`) replace data+metadata of every output showing that display id,
 *   in any cell that shares the same DisplayIdRegistry (as nbclient does);
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

  /** Replace data+metadata of every output registered under displayId. */
  update(displayId: string, data: MimeBundle, metadata: Record<string, unknown>): void {
    for (const { model, index } of this.targets.get(displayId) ?? []) model.replaceDisplay(index, data, metadata);
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

export interface OutputModelOptions {
  /** Shared across the cells of a run/session so display updates reach earlier cells. Default: private. */
  registry?: DisplayIdRegistry;
  /** Output size cap for this cell, in bytes (UTF-8 of texts and mime values). Default 20 MB. */
  maxBytes?: number;
  /** Called after every change with the model (read `outputs`). */
  onChange?: (model: OutputModel) => void;
}

export const DEFAULT_MAX_OUTPUT_BYTES = 20 * 1024 * 1024;

export class OutputModel {
  readonly registry: DisplayIdRegistry;
  private readonly maxBytes: number;
  private readonly onChange?: (model: OutputModel) => void;
  private list: Output[] = [];
  private sizes: number[] = [];
  private bytes = 0;
  private clearNext = false;
  private lastStream: StreamOutput | null = null;
  private truncatedFlag = false;

  constructor(opts: OutputModelOptions = {}) {
    this.registry = opts.registry ?? new DisplayIdRegistry();
    this.maxBytes = opts.maxBytes ?? DEFAULT_MAX_OUTPUT_BYTES;
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
        if (displayId) this.registry.update(displayId, (content.data ?? {}) as MimeBundle, (content.metadata ?? {}) as Record<string, unknown>);
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
        const prev = last.text as string;
        // Fast path: plain text appended after text without a pending carriage return cannot overwrite anything.
        const merged = /[\b\r]/.test(text) || prev.endsWith('\r') ? removeOverwrittenChars(prev + text) : prev + text;
        const size = byteLength(merged);
        if (!this.fits(size - (this.sizes[index] ?? 0))) {
          const room = this.maxBytes - this.bytes + (this.sizes[index] ?? 0);
          last.text = utf8Prefix(merged, room);
          this.bytes += byteLength(last.text) - (this.sizes[index] ?? 0);
          this.sizes[index] = byteLength(last.text);
          return this.truncate();
        }
        last.text = merged;
        this.bytes += size - (this.sizes[index] ?? 0);
        this.sizes[index] = size;
        this.changed();
        return true;
      }
      const stream: StreamOutput = { output_type: 'stream', name: output.name, text: removeOverwrittenChars(text) };
      if (!this.push(stream)) {
        // Keep the part of the text that fits, then the note.
        const room = this.maxBytes - this.bytes;
        const head = room > 0 ? utf8Prefix(stream.text as string, room) : '';
        if (head) this.push({ ...stream, text: head });
        return this.truncate();
      }
      this.lastStream = stream;
      this.changed();
      return true;
    }
    if (!this.push(output)) return this.truncate();
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

  /** Used by the registry: replace the data of a display output in place. */
  replaceDisplay(index: number, data: MimeBundle, metadata: Record<string, unknown>): void {
    const out = this.list[index];
    if (!out || (out.output_type !== 'display_data' && out.output_type !== 'execute_result')) return;
    const size = bundleSize(data);
    out.data = data;
    out.metadata = metadata;
    this.bytes += size - (this.sizes[index] ?? 0);
    this.sizes[index] = size;
    this.changed();
  }

  private clearNow(): void {
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
    this.sizes.push(size);
    this.bytes += size;
    return true;
  }

  private fits(extra: number): boolean {
    return this.bytes + extra <= this.maxBytes;
  }

  private truncate(): boolean {
    this.truncatedFlag = true;
    this.lastStream = null;
    const mb = (this.maxBytes / (1024 * 1024)).toFixed(this.maxBytes % (1024 * 1024) === 0 ? 0 : 2);
    this.list.push({
      output_type: 'stream',
      name: 'stderr',
      text: `[Folio] Output truncated: this cell's output exceeded the ${mb} MB limit; further output was dropped.\n`,
    });
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

function outputSize(o: Output): number {
  switch (o.output_type) {
    case 'stream':
      return byteLength(typeof o.text === 'string' ? o.text : o.text.join(''));
    case 'error':
      return byteLength(o.ename) + byteLength(o.evalue) + o.traceback.reduce((n, l) => n + byteLength(l), 0);
    default:
      return bundleSize(o.data);
  }
}

/**
 * Remove characters overwritten by backspaces, then by carriage returns — the same algorithm (and the
 * same regular expressions, with JavaScript's line-terminator semantics) as JupyterLab's
 * OutputAreaModel `Private.removeOverwrittenChars`, itself taken from the classic notebook's utils.js.
 */
export function removeOverwrittenChars(text: string): string {
  return fixCarriageReturn(fixBackspace(text));
}

function fixBackspace(txt: string): string {
  if (!txt.includes('\b')) return txt;
  let tmp = txt;
  do {
    txt = tmp;
    // Cancel out anything-but-newline followed by backspace
    tmp = txt.replace(/[^\n]\x08/gm, ''); // eslint-disable-line no-control-regex
  } while (tmp.length < txt.length);
  return txt;
}

function fixCarriageReturn(txt: string): string {
  if (!txt.includes('\r')) return txt;
  txt = txt.replace(/\r+\n/gm, '\n'); // \r followed by \n --> newline
  while (txt.search(/\r[^$]/g) > -1) {
    const base = /^(.*)\r+/m.exec(txt)?.[1] ?? '';
    let insert = /\r+(.*)$/m.exec(txt)?.[1] ?? '';
    insert = insert + base.slice(insert.length, base.length);
    txt = txt.replace(/\r+.*$/m, '\r').replace(/^.*\r/m, insert);
  }
  return txt;
}
