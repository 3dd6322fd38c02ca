import { randomUUID } from 'node:crypto';
import type { AuditRecorder } from '../audit/audit.service';
import { badRequest, conflict, forbidden, notFound } from '../errors';
import type { Principal } from '../contracts/principal';
import type {
  NotebookRecord,
  NotebookRepository,
  NotebookSummary,
  RevisionPolicy,
  RevisionRecord,
  RevisionSummary,
  UserRepository,
} from '../store/store';
import { userNames } from '../util/user-names';
import { sourceText, type Notebook } from '../contracts/nbformat';
import { emptyNotebook, ipynbFileName, normalizeNotebook, parseIpynb, serializeIpynb } from './ipynb';

/**
 * Notebooks: CRUD with optimistic concurrency, revisions, .ipynb import/export.
 *
 * Access rules (for now, until sharing lands), checked by role before anything is loaded, so a viewer learns
 * nothing about which ids exist (403 whatever the id):
 * - read (list, get, export, revisions): any author or admin; viewers use published apps, never notebooks (403).
 * - create / import: authors and admins.
 * - update, delete, restore: the notebook's owner, or an admin (other authors: 404 for a missing id, else 403).
 * Every save is a new `version`; a save that names a stale version is refused with a 409 carrying the current
 * version and record, so nothing is ever overwritten silently.
 *
 * Overwrite, and the guard against emptied code. A save's `version` is the version its content was made from — the
 * one the client last loaded or saved, i.e. saw. A plain save must name the current version (else the 409 above). An
 * overwrite (the user chose "Overwrite" after a 409) also names `overwriteVersion`, the current version it saves over
 * on purpose (stale: 409 again); its `version` stays the one the client saw. The guard, for every save: a cell whose
 * source is not blank in the current version (blank: nothing but whitespace) may be made blank only if the client
 * saw that very source — the cell (same id) had it at `version`. A plain save names the current version, so an author
 * can always clear code they see; a save that would empty code written after what it saw (another tab's, another
 * user's) is refused with 409 `{currentVersion, reason: 'would_blank', blanked: [{id, source}]}` carrying the code it
 * would have lost, and nothing is saved. A `version` whose revision no longer exists (coalesced into a later save of
 * its burst, or pruned) counts as not seen. Cells the save leaves out are deleted, not blanked: an overwrite may
 * still delete cells (that is what overwriting means); it never silently keeps their ids with emptied code.
 *
 * Unchanged outputs need not be sent again (autosave of a notebook with big outputs): a save may list code cells in
 * `keepOutputs` and leave their `outputs` out; they are taken from the stored version, which must be the version the
 * save names (else 409, as always), so a client whose idea of the stored document is stale can never drop or borrow
 * outputs. A listed cell that is missing from the content, sends outputs anyway, or has no stored code cell of that id
 * is refused with a 400 and nothing is saved.
 *
 * History (revisions), as in Google Docs or Hex, so autosave (every second while typing) does not grow it without
 * bound:
 * - A save by the same user less than REVISION_BURST_MS (10 min) after the start of the latest revision replaces
 *   that revision: history keeps one revision per editing burst, holding its last save.
 * - Checkpoints always make a new revision that later saves never replace: the notebook's creation (or import),
 *   a save with `checkpoint: true` (e.g. Ctrl+S), and every restore. A revision a run was made from is kept too.
 * - At most MAX_REVISIONS (100) per notebook: beyond, the oldest plain revisions are deleted first, then the oldest
 *   checkpoints; the latest always stays.
 */
export const REVISION_BURST_MS = 10 * 60_000;
export const MAX_REVISIONS = 100;

export interface NotebookServiceDeps {
  notebooks: NotebookRepository;
  limits: { maxUploadBytes: number };
  /** Called after a notebook is deleted (e.g. to shut its live kernels). Default: nothing. */
  onDeleted?: (id: string) => void;
  /** History rule numbers. Default: bursts of REVISION_BURST_MS, MAX_REVISIONS kept. */
  revisions?: { burstMs?: number; keep?: number };
  /** Clock (ms since the epoch), for tests of the burst window. Default Date.now. */
  now?: () => number;
  /** The example notebooks seeded on first start (seed-examples.ts), flagged in the list. Default none. */
  examples?: () => Promise<{ ids: ReadonlySet<string>; names: ReadonlySet<string> }>;
  /** Names the authors of revisions (`savedByName`). Default: their ids. */
  users?: Pick<UserRepository, 'getById'>;
  /**
   * The audit trail: notebook.create|import|update|delete (see the audit service's rules: recorded before answering;
   * a create whose event cannot be written is undone). Default: nothing recorded (tests of other rules).
   */
  audit?: AuditRecorder;
}

/** A notebook in the list: its summary, and whether it is one of the seeded examples (the list pins those). */
export type ListedNotebook = NotebookSummary & { example: boolean };

export interface UpdateInput {
  /** The version this edit was made on (what the client saw); a stale one gets a 409 unless `overwriteVersion`. */
  version: number;
  /** Overwrite on purpose: the current version saved over (must be current, and not older than `version`). */
  overwriteVersion?: number;
  name?: string;
  content?: unknown;
  /** Keep this save as its own revision, never replaced by later saves. Default false. */
  checkpoint?: boolean;
  /** Ids of code cells sent without `outputs`: keep the outputs stored at `version`. Default none. */
  keepOutputs?: string[];
}

export interface ExportedIpynb {
  fileName: string;
  body: string;
}

export class NotebookService {
  constructor(private readonly deps: NotebookServiceDeps) {}

  async list(who: Principal): Promise<ListedNotebook[]> {
    assertCanRead(who);
    const [list, examples] = await Promise.all([this.deps.notebooks.list(), this.deps.examples?.()]);
    return list.map((n) => ({ ...n, example: !!examples && (examples.ids.has(n.id) || examples.names.has(n.name)) }));
  }

  async get(who: Principal, id: string): Promise<NotebookRecord> {
    assertCanRead(who);
    return this.load(id);
  }

  /** A new notebook: the given content (validated, upgraded to 4.5) or an empty python3 notebook. */
  async create(who: Principal, input: { name: string; content?: unknown }): Promise<NotebookRecord> {
    assertCanCreate(who);
    const content = input.content === undefined ? emptyNotebook() : normalizeNotebook(input.content);
    const name = await this.uniqueName(who.id, input.name);
    const nb = await this.deps.notebooks.create({ id: randomUUID(), name, ownerId: who.id, content });
    await this.recordCreated(who, 'notebook.create', nb, {});
    return nb;
  }

  /** Imports an uploaded .ipynb; invalid or oversized files are refused (422/413) and nothing is stored. */
  async importIpynb(who: Principal, input: { name: string; body: Buffer | string }): Promise<NotebookRecord> {
    assertCanCreate(who);
    const content = parseIpynb(input.body, this.deps.limits.maxUploadBytes);
    const name = await this.uniqueName(who.id, input.name);
    const nb = await this.deps.notebooks.create({ id: randomUUID(), name, ownerId: who.id, content });
    await this.recordCreated(who, 'notebook.import', nb, { bytes: Buffer.byteLength(input.body) });
    return nb;
  }

  /** Records a new notebook; when the event cannot be written the notebook is deleted again (no unaudited create). */
  private async recordCreated(
    who: Principal,
    action: 'notebook.create' | 'notebook.import',
    nb: NotebookRecord,
    details: Record<string, unknown>,
  ): Promise<void> {
    try {
      await this.deps.audit?.record({
        action,
        actor: who,
        target: { type: 'notebook', id: nb.id, name: nb.name },
        details: { ...details, version: nb.version, cells: nb.cellCount },
      });
    } catch (e) {
      await this.deps.notebooks.delete(nb.id);
      throw e;
    }
  }

  /**
   * New notebooks (created or imported) get a name their owner does not use yet: "Untitled", then "Untitled 2",
   * "Untitled 3"… (the first free number; case-insensitive, as people read names). Two creates racing may still
   * pick one name; names are labels, ids identify.
   */
  private async uniqueName(ownerId: string, wanted: string): Promise<string> {
    const taken = new Set(
      (await this.deps.notebooks.list()).filter((n) => n.ownerId === ownerId).map((n) => n.name.toLowerCase()),
    );
    if (!taken.has(wanted.toLowerCase())) return wanted;
    for (let i = 2; ; i++) if (!taken.has(`${wanted} ${i}`.toLowerCase())) return `${wanted} ${i}`;
  }

  async update(who: Principal, id: string, input: UpdateInput): Promise<NotebookRecord> {
    assertCanRead(who);
    const current = await this.load(id);
    assertCanWrite(who, current);
    const expected = input.overwriteVersion ?? input.version;
    if (input.version > expected)
      throw badRequest('version (the one the edit was made on) cannot be newer than overwriteVersion.', {
        field: 'version',
      });
    const keep = input.keepOutputs ?? [];
    // Kept outputs come from the stored version, so the client must have seen it (an overwrite sends every output).
    if (expected !== current.version || (keep.length && input.version !== current.version)) throw stale(current);
    const content =
      input.content === undefined
        ? current.content
        : normalizeNotebook(withStoredOutputs(input.content, current, keep));
    await this.assertNoUnseenCodeEmptied(current, input.version, content);
    const change = { name: input.name ?? current.name, content };
    const saved = await this.save(who, current, expected, change, input.checkpoint ?? false);
    const overwrote = input.overwriteVersion !== undefined && input.overwriteVersion !== input.version;
    await this.recordUpdate(who, current, saved, {
      checkpoint: input.checkpoint ?? false,
      ...(overwrote ? { overwrote: { sawVersion: input.version } } : {}),
    });
    return saved;
  }

  /**
   * notebook.update, once per editing burst: autosave saves every few seconds while someone types, and an event per
   * save would bury everything else in the trail. Like the history (REVISION_BURST_MS), the first save of a user's
   * burst on a notebook is recorded, and nothing more from that user on it for the next 10 minutes — except what is
   * worth an event of its own: a checkpoint (Ctrl+S), a rename, an overwrite of someone else's save, a restore.
   * The revision history holds every burst's content, who and when.
   */
  private async recordUpdate(
    who: Principal,
    before: NotebookRecord,
    after: NotebookRecord,
    details: { checkpoint: boolean; restoredFrom?: number; overwrote?: { sawVersion: number } },
  ): Promise<void> {
    const renamed = before.name !== after.name;
    const own = details.checkpoint || renamed || details.restoredFrom !== undefined || !!details.overwrote;
    await this.deps.audit?.record(
      {
        action: 'notebook.update',
        actor: who,
        target: { type: 'notebook', id: after.id, name: after.name },
        details: {
          fromVersion: before.version,
          version: after.version,
          ...(renamed ? { renamedFrom: before.name } : {}),
          ...details,
          cells: after.cellCount,
        },
      },
      own ? {} : { coalesceWithinMs: this.deps.revisions?.burstMs ?? REVISION_BURST_MS },
    );
  }

  /** The guard of the class comment: code not seen at `seenVersion` is never emptied. */
  private async assertNoUnseenCodeEmptied(current: NotebookRecord, seenVersion: number, next: Notebook): Promise<void> {
    const emptied = emptiedCells(current.content, next);
    if (!emptied.length || seenVersion === current.version) return;
    const seen = await this.deps.notebooks.getRevision(current.id, seenVersion);
    const seenSource = new Map(seen?.content.cells.map((c) => [c.id, sourceText(c.source)]) ?? []);
    const blanked = emptied.filter((c) => seenSource.get(c.id) !== c.source);
    if (!blanked.length) return;
    throw conflict(
      `Saving would empty ${blanked.length === 1 ? 'a cell' : `${blanked.length} cells`} whose code was saved after ` +
        `version ${seenVersion}, which this editor never showed; nothing was saved.`,
      { currentVersion: current.version, reason: 'would_blank', blanked },
    );
  }

  async delete(who: Principal, id: string): Promise<void> {
    assertCanRead(who);
    const current = await this.load(id);
    assertCanWrite(who, current);
    // Recorded first: a delete cannot be undone if its event then failed to be written.
    await this.deps.audit?.record({
      action: 'notebook.delete',
      actor: who,
      target: { type: 'notebook', id, name: current.name },
      details: { version: current.version, ownerId: current.ownerId, cells: current.cellCount },
    });
    if (!(await this.deps.notebooks.delete(id))) throw notFound('Notebook');
    this.deps.onDeleted?.(id);
  }

  async exportIpynb(who: Principal, id: string): Promise<ExportedIpynb> {
    const nb = await this.get(who, id);
    return { fileName: ipynbFileName(nb.name), body: serializeIpynb(nb.content) };
  }

  async listRevisions(who: Principal, id: string): Promise<(RevisionSummary & { savedByName: string })[]> {
    assertCanRead(who);
    await this.load(id);
    const revisions = await this.deps.notebooks.listRevisions(id);
    const names = await userNames(this.deps.users, revisions.map((r) => r.savedBy));
    return revisions.map((r) => ({ ...r, savedByName: names.get(r.savedBy)! }));
  }

  async getRevision(who: Principal, id: string, version: number): Promise<RevisionRecord> {
    assertCanRead(who);
    await this.load(id);
    const revision = await this.deps.notebooks.getRevision(id, version);
    if (!revision) throw notFound(`Revision ${version}`);
    return revision;
  }

  /**
   * Restores a revision as a new version (history is never rewritten). `expectedVersion`, when given, guards against
   * restoring over someone else's newer save; without it the restore applies to whatever is current.
   */
  async restoreRevision(
    who: Principal,
    id: string,
    version: number,
    expectedVersion?: number,
  ): Promise<NotebookRecord> {
    assertCanRead(who);
    const current = await this.load(id);
    assertCanWrite(who, current);
    const revision = await this.deps.notebooks.getRevision(id, version);
    if (!revision) throw notFound(`Revision ${version}`);
    const change = { name: revision.name, content: revision.content };
    const saved = await this.save(who, current, expectedVersion ?? current.version, change, true);
    await this.recordUpdate(who, current, saved, { checkpoint: true, restoredFrom: version });
    return saved;
  }

  private async save(
    who: Principal,
    current: NotebookRecord,
    expectedVersion: number,
    change: { name: string; content: Notebook },
    checkpoint: boolean,
  ): Promise<NotebookRecord> {
    if (expectedVersion !== current.version) throw stale(current);
    const policy: RevisionPolicy = {
      at: new Date((this.deps.now ?? Date.now)()).toISOString(),
      checkpoint,
      coalesceWithinMs: this.deps.revisions?.burstMs ?? REVISION_BURST_MS,
      keep: this.deps.revisions?.keep ?? MAX_REVISIONS,
    };
    const result = await this.deps.notebooks.update(current.id, expectedVersion, change, who.id, policy);
    if (!result) throw notFound('Notebook');
    if (!result.ok) throw stale(result.current);
    return result.notebook;
  }

  private async load(id: string): Promise<NotebookRecord> {
    const nb = await this.deps.notebooks.get(id);
    if (!nb) throw notFound('Notebook');
    return nb;
  }
}

/** `content` with the outputs of the cells listed in `keep` taken from the stored notebook (see the class comment). */
function withStoredOutputs(content: unknown, stored: NotebookRecord, keep: string[]): unknown {
  if (!keep.length) return content;
  const cells = (content as { cells?: unknown } | null)?.cells;
  if (!Array.isArray(cells)) return content; // normalizeNotebook says what is wrong
  const storedOutputs = new Map(
    stored.content.cells.flatMap((c) => (c.cell_type === 'code' ? [[c.id, c.outputs] as const] : [])),
  );
  const listed = new Set(keep);
  const found = new Set<string>();
  const merged = cells.map((cell: unknown) => {
    const c = cell as { id?: unknown; cell_type?: unknown; outputs?: unknown };
    if (typeof c?.id !== 'string' || !listed.has(c.id)) return cell;
    const refuse = (why: string) =>
      badRequest(`Cell "${c.id}" is listed in keepOutputs but ${why}; send its outputs instead.`, {
        field: 'keepOutputs',
        cellId: c.id,
      });
    if (found.has(c.id)) throw refuse('its id appears twice in the content');
    found.add(c.id);
    if (c.cell_type !== 'code') throw refuse('is not a code cell');
    if ('outputs' in c) throw refuse('carries outputs too');
    const outputs = storedOutputs.get(c.id);
    if (!outputs) throw refuse(`version ${stored.version} has no code cell with that id`);
    return { ...c, outputs };
  });
  const missing = keep.find((id) => !found.has(id));
  if (missing !== undefined)
    throw badRequest(`Cell "${missing}" is listed in keepOutputs but is not in the content.`, {
      field: 'keepOutputs',
      cellId: missing,
    });
  return { ...(content as object), cells: merged };
}

const isBlank = (source: string) => source.trim() === '';

/** Cells (by id) whose source is not blank in `current` and blank in `next`, with their current source. */
function emptiedCells(current: Notebook, next: Notebook): { id: string; source: string }[] {
  const blankNext = new Set(next.cells.filter((c) => isBlank(sourceText(c.source))).map((c) => c.id));
  return current.cells.flatMap((c) => {
    const source = sourceText(c.source);
    return blankNext.has(c.id) && !isBlank(source) ? [{ id: c.id, source }] : [];
  });
}

function stale(current: NotebookRecord) {
  return conflict(
    `This notebook changed since you opened it (it is now version ${current.version}); reload it to see the latest.`,
    { currentVersion: current.version, current },
  );
}

export function canRead(who: Principal): boolean {
  return who.role === 'admin' || who.role === 'author';
}

export function canWrite(who: Principal, nb: Pick<NotebookSummary, 'ownerId'>): boolean {
  return who.role === 'admin' || (who.role === 'author' && nb.ownerId === who.id);
}

function assertCanRead(who: Principal): void {
  if (!canRead(who)) throw forbidden('Viewers open published apps; notebooks are for authors.');
}

function assertCanCreate(who: Principal): void {
  if (!canRead(who)) throw forbidden('Only authors and admins can create notebooks.');
}

function assertCanWrite(who: Principal, nb: NotebookSummary): void {
  assertCanRead(who);
  if (!canWrite(who, nb)) throw forbidden('Only the owner of this notebook (or an admin) can change it.');
}
