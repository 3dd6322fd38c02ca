import type Database from 'better-sqlite3';
import type { RunGuard, RunPatch, RunRecord, RunRepository } from '../store';

/**
 * Runs as JSON documents, with the fields that guard writes (`status`, `attempt_id`) and the heartbeat in columns:
 * a compare-and-set reads and writes them in one IMMEDIATE transaction (SQLite's write lock, so it is atomic across
 * processes sharing the file too), and a heartbeat touches one column instead of rewriting a document that may hold
 * megabytes of outputs.
 */
interface RunRow {
  doc: string;
  status: RunRecord['status'];
  attempt_id: string | null;
  heartbeat_at: string | null;
}

export function sqliteRuns(db: Database.Database): RunRepository {
  const insert = db.prepare(
    'INSERT INTO runs (id, notebook_id, notebook_version, created_at, status, attempt_id, doc) VALUES (?, ?, ?, ?, ?, ?, ?)',
  );
  const get = db.prepare<[string], RunRow>('SELECT doc, status, attempt_id, heartbeat_at FROM runs WHERE id = ?');
  const setDoc = db.prepare(
    'UPDATE runs SET doc = ?, status = ?, attempt_id = ?, cancel_requested_at = ? WHERE id = ?',
  );
  const beat = db.prepare<
    [string, string, string],
    { status: RunRecord['status']; cancel_requested_at: string | null }
  >(
    "UPDATE runs SET heartbeat_at = ? WHERE id = ? AND attempt_id = ? AND status = 'running' RETURNING status, cancel_requested_at",
  );
  const byNotebook = db.prepare<[string, number], RunRow>(
    'SELECT doc, status, attempt_id, heartbeat_at FROM runs WHERE notebook_id = ? ORDER BY created_at DESC, rowid DESC LIMIT ?',
  );
  const unfinished = db.prepare<[number], RunRow>(
    "SELECT doc, status, attempt_id, heartbeat_at FROM runs WHERE status IN ('queued', 'running') ORDER BY created_at, rowid LIMIT ?",
  );
  const parse = (r: RunRow): RunRecord => {
    const run = JSON.parse(r.doc) as RunRecord;
    if (r.heartbeat_at) run.heartbeatAt = r.heartbeat_at;
    return run;
  };
  const holds = (r: RunRow, guard: RunGuard) =>
    guard.status.includes(r.status) && (guard.attemptId === undefined || guard.attemptId === r.attempt_id);

  const transition = db.transaction((id: string, guard: RunGuard, patch: RunPatch): RunRecord | null => {
    const row = get.get(id);
    if (!row || !holds(row, guard)) return null;
    const current = parse(row);
    // id, notebookId, notebookVersion and createdAt are immutable whatever the patch says; keys set to undefined are dropped.
    const next = JSON.parse(
      JSON.stringify({
        ...current,
        ...patch,
        id: current.id,
        notebookId: current.notebookId,
        notebookVersion: current.notebookVersion,
        createdAt: current.createdAt,
      }),
    ) as RunRecord;
    delete next.heartbeatAt;
    setDoc.run(JSON.stringify(next), next.status, next.attemptId ?? null, next.cancelRequestedAt ?? null, id);
    return row.heartbeat_at ? { ...next, heartbeatAt: row.heartbeat_at } : next;
  });

  return {
    async create(run) {
      const doc = { ...run };
      delete doc.heartbeatAt;
      insert.run(
        run.id,
        run.notebookId,
        run.notebookVersion,
        run.createdAt,
        run.status,
        run.attemptId ?? null,
        JSON.stringify(doc),
      );
    },
    async get(id) {
      const row = get.get(id);
      return row ? parse(row) : null;
    },
    async transition(id, guard, patch) {
      return transition.immediate(id, guard, patch);
    },
    async heartbeat(id, attemptId, at) {
      const row = beat.get(at, id, attemptId);
      return row
        ? { status: row.status, ...(row.cancel_requested_at ? { cancelRequestedAt: row.cancel_requested_at } : {}) }
        : null;
    },
    async listUnfinished(limit) {
      return unfinished.all(limit).map(parse);
    },
    async listByNotebook(notebookId, limit) {
      return byNotebook.all(notebookId, limit).map(parse);
    },
  };
}
