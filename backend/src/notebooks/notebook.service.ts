import { randomUUID } from 'node:crypto';
import type { AuditRecorder } from '../audit/audit.service';
import { badRequest, conflict, notFound } from '../errors';
import type { Principal } from '../contracts/principal';
import type {
  NotebookRecord,
  NotebookRepository,
  NotebookShareRepository,
  NotebookSummary,
  RevisionPolicy,
  RevisionRecord,
  RevisionSummary,
  UserRepository,
} from '../store/store';
import { userNames } from '../util/user-names';
import { MAX_NOTEBOOK_NAME, sourceText, type Notebook } from '../contracts/nbformat';
import { emptyNotebook, ipynbFileName, normalizeNotebook, parseIpynb, serializeIpynb } from './ipynb';
import { NotebookAccess, type NotebookAccessLevel } from './notebook-access';
import { NotebookSharing } from './notebook-sharing';

/**
 * Notebooks: CRUD with optimistic concurrency, revisions, .ipynb import/export.
 *
 * Access (notebook-access.ts has the rules, sharing in notebook-sharing.ts): the list holds the notebooks the caller
 * may read; get, export and revisions need read access; save, rename and restore edit access; delete the owner or an
 * admin. Create and import: authors and admins. Someone a notebook is hidden from gets 404, someone who sees it but
 * may not do this 403, viewers 403 whatever the id. Deleting archives the notebook: it is gone for everyone, and its
 * runs stay (admins can still read them; runs/run.service.ts).
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
  /**
   * The access rules, shared with every service that reaches notebooks (compose.ts builds one). Default: one over
   * `notebooks`, `shares` and `examples`.
   */
  access?: NotebookAccess;
  /** Access lists (sharing). Default none: notebooks are their owners' (and admins') only, and cannot be shared. */
  shares?: NotebookShareRepository;
  /** Called after a notebook is deleted (e.g. to shut its live kernels). Default: nothing. */
  onDeleted?: (id: string) => void;
  /** Called after a share change with the users who lost edit access (e.g. to shut their live kernels). Default: nothing. */
  onAccessReduced?: (notebookId: string, userIds: string[]) => void;
  /** History rule numbers. Default: bursts of REVISION_BURST_MS, MAX_REVISIONS kept. */
  revisions?: { burstMs?: number; keep?: number };
  /** Clock (ms since the epoch), for tests of the burst window. Default Date.now. */
  now?: () => number;
  /** The example notebooks seeded on first start (seed-examples.ts), flagged in the list. Default none. */
  examples?: () => Promise<{ ids: ReadonlySet<string>; names: ReadonlySet<string> }>;
  /** Names the authors of revisions (`savedByName`). Default: their ids. */
  users?: Pick<UserRepository, 'getById' | 'list'>;
  /**
   * The audit trail: notebook.create|import|update|delete (see the audit service's rules: recorded before answering;
   * a create whose event cannot be written is undone). Default: nothing recorded (tests of other rules).
   */
  audit?: AuditRecorder;
}

/**
 * A notebook in the list: its summary, whether it is one of the seeded examples (the list pins those), how the caller
 * reaches it (`read`/`edit`: shared with them) and its owner's name.
 */
export type ListedNotebook = NotebookSummary & { example: boolean; access: NotebookAccessLevel; ownerName: string };
/** A notebook as the API shows it to the caller: the record, how they reach it, and its owner's name. */
export type NotebookView = NotebookRecord & { access: NotebookAccessLevel; ownerName: string };

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
  readonly access: NotebookAccess;
  /** Who a notebook is shared with (GET|PUT /api/notebooks/:id/access). */
  readonly sharing: NotebookSharing;

  constructor(private readonly deps: NotebookServiceDeps) {
    this.access =
      deps.access ??
      new NotebookAccess({
        notebooks: deps.notebooks,
        shares: deps.shares,
        examples: deps.examples,
        audit: deps.audit,
      });
    this.sharing = new NotebookSharing({
      access: this.access,
      audit: deps.audit,
      shares: deps.shares,
      users: deps.users,
      now: deps.now,
      onAccessReduced: deps.onAccessReduced,
    });
  }

  async list(who: Principal): Promise<ListedNotebook[]> {
    this.access.assertAuthor(who, 'read');
    const [all, examples] = await Promise.all([this.deps.notebooks.list(), this.deps.examples?.()]);
    const list = await this.access.visible(who, all);
    const owners = await userNames(
      this.deps.users,
      list.map((n) => n.ownerId),
    );
    return list.map((n) => ({
      ...n,
      ownerName: owners.get(n.ownerId)!,
      example: !!examples && (examples.ids.has(n.id) || examples.names.has(n.name)),
    }));
  }

  async get(who: Principal, id: string): Promise<NotebookView> {
    const { notebook, access } = await this.access.readable(who, id);
    return this.view(notebook, access);
  }

  /**
   * The notebook for a live kernel: executing code needs edit access (read-only sharers get 403). `recheck`: Folio
   * re-checking an open socket, not the user trying (a refusal is not an `access.denied` event).
   */
  async forLiveKernel(who: Principal, id: string, opts: { recheck?: boolean } = {}): Promise<NotebookView> {
    const { notebook, access } = await this.access.check(who, id, 'edit', opts);
    return this.view(notebook, access);
  }

  /** A new notebook: the given content (validated, upgraded to 4.5) or an empty python3 notebook. */
  async create(who: Principal, input: { name: string; content?: unknown }): Promise<NotebookView> {
    this.access.assertAuthor(who, 'edit');
    const content = input.content === undefined ? emptyNotebook() : normalizeNotebook(input.content);
    const name = await this.uniqueName(who.id, input.name);
    const nb = await this.deps.notebooks.create({ id: randomUUID(), name, ownerId: who.id, content });
    await this.recordCreated(who, 'notebook.create', nb, {});
    return this.view(nb, 'owner');
  }

  /** Imports an uploaded .ipynb; invalid or oversized files are refused (422/413) and nothing is stored. */
  async importIpynb(who: Principal, input: { name: string; body: Buffer | string }): Promise<NotebookView> {
    this.access.assertAuthor(who, 'edit');
    const content = parseIpynb(input.body, this.deps.limits.maxUploadBytes);
    const name = await this.uniqueName(who.id, input.name);
    const nb = await this.deps.notebooks.create({ id: randomUUID(), name, ownerId: who.id, content });
    await this.recordCreated(who, 'notebook.import', nb, { bytes: Buffer.byteLength(input.body) });
    return this.view(nb, 'owner');
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
      await this.deps.notebooks.delete(nb.id, {
        by: who.id,
        at: new Date((this.deps.now ?? Date.now)()).toISOString(),
      });
      throw e;
    }
  }

  /**
   * New notebooks (created or imported) get a name their owner does not use yet: "Untitled", then "Untitled 2",
   * "Untitled 3"… (the first free number; case-insensitive, as people read names). Two creates racing may still
   * pick one name; names are labels, ids identify. A numbered name stays within MAX_NOTEBOOK_NAME: the wanted name is
   * cut short before its number.
   */
  private async uniqueName(ownerId: string, wanted: string): Promise<string> {
    const taken = new Set(
      (await this.deps.notebooks.list()).filter((n) => n.ownerId === ownerId).map((n) => n.name.toLowerCase()),
    );
    if (!taken.has(wanted.toLowerCase())) return wanted;
    for (let i = 2; ; i++) {
      const name = `${wanted.slice(0, MAX_NOTEBOOK_NAME - ` ${i}`.length).trimEnd()} ${i}`;
      if (!taken.has(name.toLowerCase())) return name;
    }
  }

  async update(who: Principal, id: string, input: UpdateInput): Promise<NotebookView> {
    const { notebook: current, access } = await this.access.writable(who, id);
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
    return this.view(saved, access);
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

  /** Deletes (archives) the notebook: owner or admin. Its runs stay; its files and access list go. */
  async delete(who: Principal, id: string): Promise<void> {
    const { notebook: current } = await this.access.manageable(who, id);
    // Recorded first: a delete cannot be undone if its event then failed to be written.
    await this.deps.audit?.record({
      action: 'notebook.delete',
      actor: who,
      target: { type: 'notebook', id, name: current.name },
      details: { version: current.version, ownerId: current.ownerId, cells: current.cellCount },
    });
    const deletion = { by: who.id, at: new Date((this.deps.now ?? Date.now)()).toISOString() };
    if (!(await this.deps.notebooks.delete(id, deletion))) throw notFound('Notebook');
    this.deps.onDeleted?.(id);
  }

  async exportIpynb(who: Principal, id: string): Promise<ExportedIpynb> {
    const { notebook } = await this.access.readable(who, id);
    return { fileName: ipynbFileName(notebook.name), body: serializeIpynb(notebook.content) };
  }

  async listRevisions(who: Principal, id: string): Promise<(RevisionSummary & { savedByName: string })[]> {
    await this.access.readable(who, id);
    const revisions = await this.deps.notebooks.listRevisions(id);
    const names = await userNames(
      this.deps.users,
      revisions.map((r) => r.savedBy),
    );
    return revisions.map((r) => ({ ...r, savedByName: names.get(r.savedBy)! }));
  }

  async getRevision(who: Principal, id: string, version: number): Promise<RevisionRecord> {
    await this.access.readable(who, id);
    const revision = await this.deps.notebooks.getRevision(id, version);
    if (!revision) throw notFound(`Revision ${version}`);
    return revision;
  }

  /**
   * Restores a revision as a new version (history is never rewritten). `expectedVersion`, when given, guards against
   * restoring over someone else's newer save; without it the restore applies to whatever is current.
   */
  async restoreRevision(who: Principal, id: string, version: number, expectedVersion?: number): Promise<NotebookView> {
    const { notebook: current, access } = await this.access.writable(who, id);
    const revision = await this.deps.notebooks.getRevision(id, version);
    if (!revision) throw notFound(`Revision ${version}`);
    const change = { name: revision.name, content: revision.content };
    const saved = await this.save(who, current, expectedVersion ?? current.version, change, true);
    await this.recordUpdate(who, current, saved, { checkpoint: true, restoredFrom: version });
    return this.view(saved, access);
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

  private async view(notebook: NotebookRecord, access: NotebookAccessLevel): Promise<NotebookView> {
    const owner = await this.deps.users?.getById(notebook.ownerId);
    return { ...notebook, access, ownerName: owner ? owner.name || owner.email : notebook.ownerId };
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
