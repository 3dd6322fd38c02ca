import type Database from 'better-sqlite3';
import type { NotebookPermission, NotebookShare, NotebookShareRepository } from '../store';

interface ShareRow {
  notebook_id: string;
  user_id: string;
  permission: NotebookPermission;
  granted_by: string;
  granted_at: string;
}

const toShare = (r: ShareRow): NotebookShare => ({
  notebookId: r.notebook_id,
  userId: r.user_id,
  permission: r.permission,
  grantedBy: r.granted_by,
  grantedAt: r.granted_at,
});

/** Access lists in `notebook_access`, one row per (notebook, user). */
export function sqliteNotebookShares(db: Database.Database): NotebookShareRepository {
  const list = db.prepare<[string], ShareRow>(
    'SELECT * FROM notebook_access WHERE notebook_id = ? ORDER BY granted_at, rowid',
  );
  const get = db.prepare<[string, string], ShareRow>(
    'SELECT * FROM notebook_access WHERE notebook_id = ? AND user_id = ?',
  );
  const forUser = db.prepare<[string], ShareRow>(
    `SELECT a.* FROM notebook_access a JOIN notebooks n ON n.id = a.notebook_id
     WHERE a.user_id = ? AND n.deleted_at IS NULL ORDER BY a.granted_at, a.rowid`,
  );
  const live = db.prepare<[string], { id: string }>('SELECT id FROM notebooks WHERE id = ? AND deleted_at IS NULL');
  const clear = db.prepare('DELETE FROM notebook_access WHERE notebook_id = ?');
  const insert = db.prepare<[ShareRow]>(
    `INSERT INTO notebook_access (notebook_id, user_id, permission, granted_by, granted_at)
     VALUES (@notebook_id, @user_id, @permission, @granted_by, @granted_at)`,
  );

  const replace = db.transaction(
    (
      notebookId: string,
      entries: ReadonlyArray<{ userId: string; permission: NotebookPermission }>,
      by: string,
      at: string,
    ): NotebookShare[] | null => {
      if (!live.get(notebookId)) return null;
      const before = new Map(list.all(notebookId).map((r) => [r.user_id, r]));
      const wanted = new Map(entries.map((e) => [e.userId, e.permission]));
      clear.run(notebookId);
      for (const [userId, permission] of wanted) {
        const kept = before.get(userId);
        insert.run(
          kept && kept.permission === permission
            ? kept
            : { notebook_id: notebookId, user_id: userId, permission, granted_by: by, granted_at: at },
        );
      }
      return list.all(notebookId).map(toShare);
    },
  );

  return {
    async list(notebookId) {
      return list.all(notebookId).map(toShare);
    },
    async get(notebookId, userId) {
      const row = get.get(notebookId, userId);
      return row ? toShare(row) : null;
    },
    async listForUser(userId) {
      return forUser.all(userId).map(toShare);
    },
    async replace(notebookId, entries, by, at) {
      return replace.immediate(notebookId, entries, by, at);
    },
  };
}
