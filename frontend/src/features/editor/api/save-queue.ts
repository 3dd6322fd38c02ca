import { isApiError } from '../../../lib/api-client';
import type { Notebook, Output } from '../../../lib/nbformat';
import { clearExitSave, noteExitSave, trackSave } from './pending-saves';
import { blankedCells, conflictVersion, type SentNotebook } from './update-notebook';

export type SaveState =
  | { kind: 'saved' }
  | { kind: 'pending' }
  | { kind: 'saving' }
  | { kind: 'error'; message: string }
  | { kind: 'conflict'; currentVersion: number };

export interface SaveSnapshot {
  /** Author edits (sources, cells, name, tags): the document is "Unsaved changes" while it differs from the saved one. */
  revision: number;
  /** Outputs of this tab's own runs: saved too, but never "Unsaved changes". Default 0. */
  outputsRevision?: number;
  name: string;
  content: () => Notebook;
}

export interface SaveRequest {
  /** The version the content was made from (the last one this tab saved or loaded). */
  version: number;
  /** With "Overwrite": the newer version the user chose to save over (the server's, from the 409). */
  overwriteVersion?: number;
  name: string;
  content: SentNotebook;
  /** Code cells sent without outputs: the server keeps the ones it stored at `version`. */
  keepOutputs: string[];
}

/** A notebook as the server holds it (what `fetchLatest` answers). */
export interface SavedNotebook {
  version: number;
  name: string;
  content: Notebook;
}

export interface SaveQueueOptions {
  /** The PUT; resolves with the notebook's new version. `keepalive`: the page is going away (send what survives). */
  send: (req: SaveRequest, opts: { keepalive: boolean }) => Promise<{ version: number }>;
  /** The document as it is now (read when a save starts, so it carries every edit made until then). */
  snapshot: () => SaveSnapshot;
  onState: (state: SaveState) => void;
  /** After each successful save, with the new version. */
  onSaved?: (version: number) => void;
  /** The notebook as saved now: to follow another tab's save. Without it (and `adopt`) a 409 is always a conflict. */
  fetchLatest?: () => Promise<SavedNotebook>;
  /**
   * Takes a newer saved notebook into the editor, synchronously (only called while there are no unsaved author
   * edits). The editor keeps the outputs of its own runs changed after `keepOutputsSince` (an `outputsRevision`).
   */
  adopt?: (saved: SavedNotebook, keepOutputsSince: number) => void;
  /** Puts the server's source into cells an overwrite would have emptied (author edits: they bump the revision). */
  fill?: (cells: { id: string; source: string }[]) => void;
  /** Saves of one notebook are tracked under this key (the editor's next load waits for them). Default none. */
  key?: string;
  /** The version and document the editor was loaded with. */
  version: number;
  revision: number;
  outputsRevision?: number;
  loaded: Notebook;
}

type OutputsById = Map<string, Output[]>;

/**
 * The saves of one open notebook, one at a time: a save asked for while one is out waits for it and starts from
 * the version it returned (so the user's own saves never conflict with each other), and an edit made during a save
 * is saved after it. Saves asked for meanwhile are merged into one (it reads the document when it starts, so it never
 * sends a source older than the editor's).
 *
 * Two kinds of change are saved: the author's edits (`revision`: "Unsaved changes" until saved) and the outputs of
 * this tab's own runs (`outputsRevision`: saved the same way, never shown as unsaved).
 *
 * Outputs that have not changed since the last save (the very same array: the editor replaces a cell's outputs on
 * every change) are not sent again; the save lists them in `keepOutputs` and the server keeps its copy. That copy is
 * the one stored at the version the save names (the server checks it), and after any failure or an overwrite
 * everything is sent again, so a save never relies on outputs the server may not have.
 *
 * Following other tabs: with no unsaved author edits, a newer saved version (`follow`, or a 409 on a save that carried
 * outputs only) is fetched and adopted silently, then this tab's own unsaved outputs, if any, are saved on top. With
 * unsaved author edits a 409 is a real conflict: saving stops until the user reloads or overwrites.
 */
export class SaveQueue {
  private version: number;
  private savedRevisionValue: number;
  private savedOutputsRevision: number;
  /** What the server holds at `version`, per code cell: the outputs last sent or loaded. */
  private baseline: OutputsById;
  private blocked = false;
  private failed = false;
  private again = false;
  private followWanted = false;
  private keepalive = false;
  private overwriteVersion: number | undefined;
  private running: Promise<void> | null = null;

  constructor(private readonly opts: SaveQueueOptions) {
    this.version = opts.version;
    this.savedRevisionValue = opts.revision;
    this.savedOutputsRevision = opts.outputsRevision ?? 0;
    this.baseline = outputsOf(opts.loaded);
  }

  /** The revision last saved (the document has unsaved author edits while the editor's differs). */
  get savedRevision(): number {
    return this.savedRevisionValue;
  }

  /** The version this tab's document is based on (last saved or adopted). */
  get currentVersion(): number {
    return this.version;
  }

  /** Something would be lost if the page went now: unsaved author edits, a save on its way, a failed or refused one. */
  get atRisk(): boolean {
    return this.running !== null || this.blocked || this.failed || this.dirtyEdits(this.opts.snapshot());
  }

  /** Anything to save (author edits or own outputs). */
  get dirty(): boolean {
    const snap = this.opts.snapshot();
    return this.dirtyEdits(snap) || this.dirtyOutputs(snap);
  }

  /**
   * Saves the latest document after any save in flight; resolves once it is saved (or failed: see the state).
   * `keepalive`: the page is going away — the request is sent so that it outlives the page (sources first: outputs the
   * server already has for a cell stay there, so the body stays under the browser's keepalive limit).
   */
  save(opts: { keepalive?: boolean } = {}): Promise<void> {
    if (this.blocked) return Promise.resolve();
    if (opts.keepalive) this.keepalive = true;
    this.again = true;
    return this.start();
  }

  /**
   * Another tab saved (version `known`, when told): adopt the saved notebook if this tab has no unsaved author edits.
   * Runs in turn with the saves, never beside one.
   */
  follow(known?: number): Promise<void> {
    if (this.blocked || (known !== undefined && known <= this.version)) return Promise.resolve();
    this.followWanted = true;
    return this.start();
  }

  /**
   * After a conflict, saves over the server's `currentVersion` on purpose (the user chose "Overwrite"). The server
   * refuses to empty cells whose code this tab never saw; their code is then filled in from its answer and the
   * overwrite sent again.
   */
  overwrite(currentVersion: number): Promise<void> {
    this.overwriteVersion = currentVersion;
    this.baseline = new Map(); // the server's outputs are someone else's: send ours
    this.savedRevisionValue = -1;
    this.blocked = false;
    return this.save();
  }

  private start(): Promise<void> {
    if (!this.running) {
      this.running = this.drain();
      if (this.opts.key) trackSave(this.opts.key, this.running);
    }
    return this.running;
  }

  private dirtyEdits(snap: SaveSnapshot): boolean {
    return snap.revision !== this.savedRevisionValue;
  }

  private dirtyOutputs(snap: SaveSnapshot): boolean {
    return (snap.outputsRevision ?? 0) !== this.savedOutputsRevision;
  }

  private async drain(): Promise<void> {
    try {
      while ((this.again || this.followWanted) && !this.blocked) {
        if (this.followWanted) {
          this.followWanted = false;
          if (!(await this.adoptLatest())) break;
        }
        if (this.again) {
          this.again = false;
          if (!(await this.saveOnce())) break;
        }
      }
    } finally {
      this.running = null;
    }
  }

  /** Takes the saved notebook when it is newer and this tab has no unsaved author edits; false when fetching failed. */
  private async adoptLatest(): Promise<boolean> {
    const { fetchLatest, adopt } = this.opts;
    if (!fetchLatest || !adopt || this.dirtyEdits(this.opts.snapshot())) return true;
    let latest: SavedNotebook;
    try {
      latest = await fetchLatest();
    } catch (e) {
      this.failed = true;
      this.opts.onState({ kind: 'error', message: (e as Error).message });
      return false;
    }
    // Edits made while fetching are the author's: the next save will meet the newer version (a real conflict).
    if (latest.version <= this.version || this.dirtyEdits(this.opts.snapshot())) return true;
    adopt(latest, this.savedOutputsRevision);
    const after = this.opts.snapshot();
    this.version = latest.version;
    this.baseline = outputsOf(latest.content);
    this.savedRevisionValue = after.revision;
    // Own outputs newer than the last save were kept by `adopt`: they are still to be saved (then `again`).
    if (this.dirtyOutputs(after)) this.again = true;
    this.failed = false;
    this.opts.onState({ kind: 'saved' });
    return true;
  }

  /** One PUT of the latest document; false when it failed. */
  private async saveOnce(retried = false): Promise<boolean> {
    const snap = this.opts.snapshot();
    const edits = this.dirtyEdits(snap);
    if (!edits && !this.dirtyOutputs(snap)) {
      this.failed = false;
      this.opts.onState({ kind: 'saved' });
      return true;
    }
    // A save of outputs alone is not shown: the author's code is not what is being saved.
    if (edits) this.opts.onState({ kind: 'saving' });
    const keepalive = this.keepalive;
    this.keepalive = false;
    const content = snap.content();
    const { sent, keepOutputs, held } = slim(content, this.baseline, keepalive);
    if (keepalive && this.opts.key) noteExitSave(this.opts.key, this.version);
    try {
      const saved = await this.opts.send(
        { version: this.version, overwriteVersion: this.overwriteVersion, name: snap.name, content: sent, keepOutputs },
        { keepalive },
      );
      this.version = saved.version;
      this.overwriteVersion = undefined;
      this.savedRevisionValue = snap.revision;
      this.baseline = held;
      // A keepalive save left local outputs out where the server had some: they are not saved yet.
      if (!keepalive) this.savedOutputsRevision = snap.outputsRevision ?? 0;
      this.failed = false;
      if (keepalive && this.opts.key) clearExitSave(this.opts.key); // the page lived on: the note is moot
      this.opts.onSaved?.(saved.version);
      this.opts.onState(this.dirtyEdits(this.opts.snapshot()) ? { kind: 'pending' } : { kind: 'saved' });
      return true;
    } catch (e) {
      this.baseline = new Map();
      // The server could not keep some outputs (should not happen): send them all, at once.
      if (!retried && keepOutputs.length && isApiError(e, 400)) return this.saveOnce(true);
      const blanked = blankedCells(e);
      if (blanked && this.overwriteVersion !== undefined && this.opts.fill && !retried) {
        this.opts.fill(blanked);
        return this.saveOnce(true);
      }
      const current = conflictVersion(e);
      if (
        current !== null &&
        !edits &&
        this.opts.fetchLatest &&
        this.opts.adopt &&
        this.overwriteVersion === undefined
      ) {
        // Only this tab's outputs were being saved, over another tab's save: take that save, then save them on top.
        this.followWanted = true;
        this.again = true;
        return true;
      }
      if (current !== null) {
        this.blocked = true;
        this.opts.onState({ kind: 'conflict', currentVersion: current });
      } else {
        this.failed = true;
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

/**
 * The document with the outputs the server already has (same array as at the last save) left out, and what the
 * server will hold once it is saved. `sourcesFirst` (a page going away, the request must stay small): every code cell
 * the server has keeps the server's outputs, whatever they are here, and new cells go without outputs — the code is
 * what must not be lost; outputs left behind stay unsaved (saved later if the page lives on).
 */
function slim(
  nb: Notebook,
  baseline: OutputsById,
  sourcesFirst: boolean,
): { sent: SentNotebook; keepOutputs: string[]; held: OutputsById } {
  const counts = new Map<string, number>();
  for (const c of nb.cells) counts.set(c.id, (counts.get(c.id) ?? 0) + 1);
  const keepOutputs: string[] = [];
  const held: OutputsById = new Map();
  const cells = nb.cells.map((c) => {
    if (c.cell_type !== 'code') return c;
    const stored = baseline.get(c.id);
    const known = counts.get(c.id) === 1 && stored !== undefined;
    const keep = known && (sourcesFirst || (c.outputs.length > 0 && stored === c.outputs));
    if (!keep) {
      const outputs = sourcesFirst ? [] : c.outputs;
      held.set(c.id, outputs);
      return outputs === c.outputs ? c : { ...c, outputs };
    }
    keepOutputs.push(c.id);
    held.set(c.id, stored);
    const { outputs: _, ...rest } = c;
    return rest;
  });
  return { sent: { ...nb, cells }, keepOutputs, held };
}
