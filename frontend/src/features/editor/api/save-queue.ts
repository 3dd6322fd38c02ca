import { isApiError } from '../../../lib/api-client';
import type { Notebook, Output } from '../../../lib/nbformat';
import { conflictVersion, type SentNotebook } from './update-notebook';

export type SaveState =
  | { kind: 'saved' }
  | { kind: 'pending' }
  | { kind: 'saving' }
  | { kind: 'error'; message: string }
  | { kind: 'conflict'; currentVersion: number };

export interface SaveSnapshot {
  revision: number;
  name: string;
  content: () => Notebook;
}

/** A notebook as sent: code cells listed in `keepOutputs` go without their outputs. */

export interface SaveRequest {
  version: number;
  name: string;
  content: SentNotebook;
  /** Code cells sent without outputs: the server keeps the ones it stored at `version`. */
  keepOutputs: string[];
}

export interface SaveQueueOptions {
  /** The PUT; resolves with the notebook's new version. */
  send: (req: SaveRequest) => Promise<{ version: number }>;
  /** The document as it is now (read when a save starts, so it carries every edit made until then). */
  snapshot: () => SaveSnapshot;
  onState: (state: SaveState) => void;
  onSaved?: () => void;
  /** The version and document the editor was loaded with. */
  version: number;
  revision: number;
  loaded: Notebook;
}

type OutputsById = Map<string, Output[]>;

/**
 * The saves of one open notebook, one at a time: a save asked for while one is out waits for it and starts from
 * the version it returned (so the user's own saves never conflict with each other), and an edit made during a save
 * is saved after it. Saves asked for meanwhile are merged into one (it reads the document when it starts).
 *
 * Outputs that have not changed since the last save (the very same array: the editor replaces a cell's outputs on
 * every change) are not sent again; the save lists them in `keepOutputs` and the server keeps its copy. That copy is
 * the one stored at the version the save names (the server checks it), and after any failure or an overwrite
 * everything is sent again, so a save never relies on outputs the server may not have.
 */
export class SaveQueue {
  private version: number;
  private savedRevisionValue: number;
  /** What the server holds at `version`, per code cell: the outputs last sent or loaded. */
  private baseline: OutputsById;
  private blocked = false;
  private again = false;
  private running: Promise<void> | null = null;

  constructor(private readonly opts: SaveQueueOptions) {
    this.version = opts.version;
    this.savedRevisionValue = opts.revision;
    this.baseline = outputsOf(opts.loaded);
  }

  /** The revision last saved (the document is dirty while the editor's differs). */
  get savedRevision(): number {
    return this.savedRevisionValue;
  }

  /** Saves the latest document after any save in flight; resolves once it is saved (or failed: see the state). */
  save(): Promise<void> {
    if (this.blocked) return Promise.resolve();
    this.again = true;
    this.running ??= this.drain();
    return this.running;
  }

  /** After a conflict, saves over the server's `currentVersion` on purpose (the user chose "Overwrite"). */
  overwrite(currentVersion: number): Promise<void> {
    this.version = currentVersion;
    this.baseline = new Map(); // the server's outputs are someone else's: send ours
    this.savedRevisionValue = -1;
    this.blocked = false;
    return this.save();
  }

  private async drain(): Promise<void> {
    try {
      while (this.again && !this.blocked) {
        this.again = false;
        if (!(await this.saveOnce())) break;
      }
    } finally {
      this.running = null;
    }
  }

  /** One PUT of the latest document; false when it failed. */
  private async saveOnce(retried = false): Promise<boolean> {
    const snap = this.opts.snapshot();
    if (snap.revision === this.savedRevisionValue) {
      this.opts.onState({ kind: 'saved' });
      return true;
    }
    this.opts.onState({ kind: 'saving' });
    const content = snap.content();
    const { sent, keepOutputs } = slim(content, this.baseline);
    try {
      const saved = await this.opts.send({ version: this.version, name: snap.name, content: sent, keepOutputs });
      this.version = saved.version;
      this.savedRevisionValue = snap.revision;
      this.baseline = outputsOf(content);
      this.opts.onSaved?.();
      this.opts.onState(this.opts.snapshot().revision === snap.revision ? { kind: 'saved' } : { kind: 'pending' });
      return true;
    } catch (e) {
      this.baseline = new Map();
      // The server could not keep some outputs (should not happen): send them all, at once.
      if (!retried && keepOutputs.length && isApiError(e, 400)) return this.saveOnce(true);
      const current = conflictVersion(e);
      if (current !== null) {
        this.blocked = true;
        this.opts.onState({ kind: 'conflict', currentVersion: current });
      } else {
        this.opts.onState({ kind: 'error', message: (e as Error).message });
      }
      return false;
    }
  }
}

function outputsOf(nb: Notebook): OutputsById {
  const map: OutputsById = new Map();
  for (const c of nb.cells) if (c.cell_type === 'code') map.set(c.id, c.outputs);
  return map;
}

/** The document with the outputs the server already has (same array as at the last save) left out. */
function slim(nb: Notebook, baseline: OutputsById): { sent: SentNotebook; keepOutputs: string[] } {
  const counts = new Map<string, number>();
  for (const c of nb.cells) counts.set(c.id, (counts.get(c.id) ?? 0) + 1);
  const keepOutputs: string[] = [];
  const cells = nb.cells.map((c) => {
    if (c.cell_type !== 'code' || !c.outputs.length || counts.get(c.id) !== 1 || baseline.get(c.id) !== c.outputs)
      return c;
    keepOutputs.push(c.id);
    const { outputs: _, ...rest } = c;
    return rest;
  });
  return { sent: { ...nb, cells }, keepOutputs };
}
