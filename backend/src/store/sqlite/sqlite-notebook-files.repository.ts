import type Database from 'better-sqlite3';
import type { NotebookFileRecord, NotebookFileRepository, NotebookFileSummary } from '../store';

interface FileRow {
  notebook_id: string;
  path: string;
  size: number;
  sha256: string;
  updated_at: string;
  updated_by: string;
}
interface FileRowWithData extends FileRow {
  data: Buffer;
}

const SUMMARY_COLUMNS = 'notebook_id, path, size, sha256, updated_at, updated_by';

const toSummary = (r: FileRow): NotebookFileSummary => ({
  notebookId: r.notebook_id,
  path: r.path,
  size: r.size,
  sha256: r.sha256,
  updatedAt: r.updated_at,
  updatedBy: r.updated_by,
});

/** Notebook files as BLOBs in `notebook_files`, one row per (notebook, path). */
export function sqliteNotebookFiles(db: Database.Database): NotebookFileRepository {
  const list = db.prepare<[string], FileRow>(
    `SELECT ${SUMMARY_COLUMNS} FROM notebook_files WHERE notebook_id = ? ORDER BY path`,
  );
  const get = db.prepare<[string, string], FileRowWithData>(
    'SELECT * FROM notebook_files WHERE notebook_id = ? AND path = ?',
  );
  const exists = db
    .prepare<[string, string], number>('SELECT count(*) FROM notebook_files WHERE notebook_id = ? AND path = ?')
    .pluck();
  const notebookExists = db.prepare<[string], number>('SELECT count(*) FROM notebooks WHERE id = ?').pluck();
  const upsert = db.prepare(
    `INSERT INTO notebook_files (notebook_id, path, size, sha256, data, updated_at, updated_by)
     VALUES (@notebookId, @path, @size, @sha256, @data, @updatedAt, @updatedBy)
     ON CONFLICT (notebook_id, path) DO UPDATE SET size = excluded.size, sha256 = excluded.sha256,
       data = excluded.data, updated_at = excluded.updated_at, updated_by = excluded.updated_by`,
  );
  const del = db.prepare('DELETE FROM notebook_files WHERE notebook_id = ? AND path = ?');

  const put = db.transaction((file: NotebookFileRecord) => {
    if (notebookExists.get(file.notebookId) === 0) return null;
    const created = exists.get(file.notebookId, file.path) === 0;
    upsert.run(file);
    const { data: _, ...summary } = file;
    return { file: summary, created };
  });

  return {
    async list(notebookId) {
      return list.all(notebookId).map(toSummary);
    },
    async get(notebookId, path) {
      const row = get.get(notebookId, path);
      return row ? { ...toSummary(row), data: row.data } : null;
    },
    async put(file) {
      return put.immediate(file);
    },
    async delete(notebookId, path) {
      return del.run(notebookId, path).changes > 0;
    },
  };
}
