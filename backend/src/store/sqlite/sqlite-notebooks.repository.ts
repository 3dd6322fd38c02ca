import type Database from 'better-sqlite3';
import type { Notebook } from '../../contracts/nbformat';
import type {
  NotebookRecord,
  NotebookRepository,
  NotebookSummary,
  RevisionPolicy,
  RevisionRecord,
  RevisionSummary,
} from '../store';

/** Notebook and run documents are stored as JSON text; the columns beside them exist for lookups and ordering. */

interface NotebookRow {
  id: string;
  name: string;
  owner_id: string;
  version: number;
  cell_count: number;
  created_at: string;
  updated_at: string;
}
interface NotebookRowWithContent extends NotebookRow {
  content: string;
}
interface RevisionRow {
  notebook_id: string;
  version: number;
  saved_by: string;
  started_at: string;
  saved_at: string;
  checkpoint: 0 | 1;
}
interface RevisionRowWithContent extends RevisionRow {
  name: string;
  content: string;
}

const toSummary = (r: NotebookRow): NotebookSummary => ({
  id: r.id,
  name: r.name,
  ownerId: r.owner_id,
  version: r.version,
  cellCount: r.cell_count,
  createdAt: r.created_at,
  updatedAt: r.updated_at,
});
const toRecord = (r: NotebookRowWithContent): NotebookRecord => ({
  ...toSummary(r),
  content: JSON.parse(r.content) as Notebook,
});
const toRevisionSummary = (r: RevisionRow): RevisionSummary => ({
  notebookId: r.notebook_id,
  version: r.version,
  savedBy: r.saved_by,
  startedAt: r.started_at,
  savedAt: r.saved_at,
  checkpoint: r.checkpoint === 1,
});

const SUMMARY_COLUMNS = 'id, name, owner_id, version, cell_count, created_at, updated_at';
const REVISION_COLUMNS = 'notebook_id, version, saved_by, started_at, saved_at, checkpoint';

interface NewRevision {
  id: string;
  version: number;
  name: string;
  content: string;
  savedBy: string;
  startedAt: string;
  now: string;
  checkpoint: 0 | 1;
}

export function sqliteNotebooks(db: Database.Database): NotebookRepository {
  const list = db.prepare<[], NotebookRow>(
    `SELECT ${SUMMARY_COLUMNS} FROM notebooks WHERE deleted_at IS NULL ORDER BY updated_at DESC, name`,
  );
  const get = db.prepare<[string], NotebookRowWithContent>(
    'SELECT * FROM notebooks WHERE id = ? AND deleted_at IS NULL',
  );
  const insert = db.prepare(
    `INSERT INTO notebooks (id, name, owner_id, version, cell_count, content, created_at, updated_at)
     VALUES (@id, @name, @ownerId, @version, @cellCount, @content, @now, @now)`,
  );
  const updateIfVersion = db.prepare(
    `UPDATE notebooks SET name = @name, content = @content, cell_count = @cellCount, version = version + 1,
       updated_at = @now
     WHERE id = @id AND version = @expectedVersion AND deleted_at IS NULL`,
  );
  const insertRevision = db.prepare<[NewRevision]>(
    `INSERT INTO notebook_revisions (notebook_id, version, name, content, saved_by, started_at, saved_at, checkpoint)
     VALUES (@id, @version, @name, @content, @savedBy, @startedAt, @now, @checkpoint)`,
  );
  // Deleting archives: the row stays (with its revisions) so the runs made from it keep their record and notebook;
  // every read here skips it. Its files and access list go.
  const archive = db.prepare<{ id: string; by: string; at: string }>(
    'UPDATE notebooks SET deleted_at = @at, deleted_by = @by WHERE id = @id AND deleted_at IS NULL',
  );
  const deleteFiles = db.prepare('DELETE FROM notebook_files WHERE notebook_id = ?');
  const deleteAccess = db.prepare('DELETE FROM notebook_access WHERE notebook_id = ?');
  const archiveNotebook = db.transaction((id: string, by: string, at: string): boolean => {
    if (archive.run({ id, by, at }).changes === 0) return false;
    deleteFiles.run(id);
    deleteAccess.run(id);
    return true;
  });
  const LIVE =
    'EXISTS (SELECT 1 FROM notebooks n WHERE n.id = notebook_revisions.notebook_id AND n.deleted_at IS NULL)';
  const revisions = db.prepare<[string], RevisionRow>(
    `SELECT ${REVISION_COLUMNS} FROM notebook_revisions WHERE notebook_id = ? AND ${LIVE} ORDER BY version DESC`,
  );
  // "Kept" revisions: checkpoints and those a run was made from. They are never replaced, and pruned last.
  const KEPT = `(r.checkpoint = 1 OR EXISTS (SELECT 1 FROM runs
    WHERE runs.notebook_id = r.notebook_id AND runs.notebook_version = r.version))`;
  const latestRevision = db.prepare<[string], { version: number; saved_by: string; started_at: string; kept: 0 | 1 }>(
    `SELECT r.version, r.saved_by, r.started_at, ${KEPT} AS kept
     FROM notebook_revisions r WHERE r.notebook_id = ? ORDER BY r.version DESC LIMIT 1`,
  );
  const deleteRevision = db.prepare('DELETE FROM notebook_revisions WHERE notebook_id = ? AND version = ?');
  const countRevisions = db
    .prepare<[string], number>('SELECT count(*) FROM notebook_revisions WHERE notebook_id = ?')
    .pluck();
  const pruneOldest = db.prepare<{ id: string; newest: number; excess: number }>(
    `DELETE FROM notebook_revisions WHERE notebook_id = @id AND version IN (
       SELECT r.version FROM notebook_revisions r WHERE r.notebook_id = @id AND r.version <> @newest
       ORDER BY ${KEPT}, r.version LIMIT @excess)`,
  );
  const revision = db.prepare<[string, number], RevisionRowWithContent>(
    `SELECT * FROM notebook_revisions WHERE notebook_id = ? AND version = ? AND ${LIVE}`,
  );

  const create = db.transaction((input: { id: string; name: string; ownerId: string; content: Notebook }) => {
    const now = new Date().toISOString();
    const content = JSON.stringify(input.content);
    const cellCount = input.content.cells.length;
    insert.run({ ...input, version: 1, cellCount, content, now });
    insertRevision.run({
      id: input.id,
      version: 1,
      name: input.name,
      content,
      savedBy: input.ownerId,
      startedAt: now,
      now,
      checkpoint: 1,
    });
  });

  /** Records the save of `version` in the history as `policy` says (see RevisionPolicy in store.ts). */
  const recordRevision = (
    id: string,
    version: number,
    change: { name: string; content: string },
    savedBy: string,
    policy: RevisionPolicy,
  ) => {
    let startedAt = policy.at;
    const latest = policy.checkpoint ? undefined : latestRevision.get(id);
    if (
      latest &&
      latest.kept === 0 &&
      latest.saved_by === savedBy &&
      Date.parse(policy.at) - Date.parse(latest.started_at) < policy.coalesceWithinMs
    ) {
      deleteRevision.run(id, latest.version);
      startedAt = latest.started_at;
    }
    insertRevision.run({
      id,
      version,
      ...change,
      savedBy,
      startedAt,
      now: policy.at,
      checkpoint: policy.checkpoint ? 1 : 0,
    });
    const excess = countRevisions.get(id)! - Math.max(1, policy.keep);
    if (excess > 0) pruneOldest.run({ id, newest: version, excess });
  };

  const update = db.transaction(
    (
      id: string,
      expectedVersion: number,
      change: { name: string; content: Notebook },
      savedBy: string,
      policy: RevisionPolicy,
    ) => {
      const now = policy.at;
      const content = JSON.stringify(change.content);
      const cellCount = change.content.cells.length;
      const { changes } = updateIfVersion.run({ id, expectedVersion, name: change.name, content, cellCount, now });
      const row = get.get(id);
      if (!row) return null;
      if (changes === 0) return { ok: false as const, current: toRecord(row) };
      recordRevision(id, row.version, { name: change.name, content }, savedBy, policy);
      return { ok: true as const, notebook: toRecord(row) };
    },
  );

  return {
    async list() {
      return list.all().map(toSummary);
    },
    async get(id) {
      const row = get.get(id);
      return row ? toRecord(row) : null;
    },
    async create(input) {
      create.immediate(input);
      const row = get.get(input.id);
      if (!row) throw new Error(`Notebook ${input.id} vanished right after it was created.`);
      return toRecord(row);
    },
    async update(id, expectedVersion, change, savedBy, revision) {
      return update.immediate(id, expectedVersion, change, savedBy, revision);
    },
    async delete(id, deletion) {
      return archiveNotebook.immediate(id, deletion.by, deletion.at);
    },
    async listRevisions(id) {
      return revisions.all(id).map(toRevisionSummary);
    },
    async getRevision(id, version) {
      const r = revision.get(id, version);
      return r
        ? ({
            ...toRevisionSummary(r),
            name: r.name,
            content: JSON.parse(r.content) as Notebook,
          } satisfies RevisionRecord)
        : null;
    },
  };
}
