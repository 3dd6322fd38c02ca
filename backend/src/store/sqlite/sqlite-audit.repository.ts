import type Database from 'better-sqlite3';
import type { AuditEvent } from '../../contracts/audit';
import type { AuditEventRecord, AuditFilter, AuditRepository } from '../store';

interface AuditRow {
  seq: number;
  id: string;
  at: string;
  action: string;
  ip: string | null;
  actor: string;
  target: string | null;
  details: string;
  prev_hash: string;
  hash: string;
}

const COLUMNS = 'seq, id, at, action, ip, actor, target, details, prev_hash, hash';

/**
 * A stored JSON column read back. Text that no longer parses (edited in the file) is kept as `{unreadable: text}`:
 * the event then fails its hash check in verification instead of making the whole trail unreadable.
 */
function parseJson<T>(text: string): T {
  try {
    return JSON.parse(text) as T;
  } catch {
    return { unreadable: text } as T;
  }
}

const toEvent = (r: AuditRow): AuditEventRecord => ({
  id: r.id,
  seq: r.seq,
  at: r.at,
  actor: parseJson(r.actor),
  ip: r.ip,
  action: r.action as AuditEvent['action'],
  target: r.target === null ? null : parseJson(r.target),
  details: parseJson(r.details),
  prevHash: r.prev_hash,
  hash: r.hash,
});

/** The audit trail in `audit_events` (migration 5): INSERT only; triggers refuse UPDATE and DELETE. */
export function sqliteAudit(db: Database.Database): AuditRepository {
  const head = db.prepare<[], { seq: number; hash: string }>(
    'SELECT seq, hash FROM audit_events ORDER BY seq DESC LIMIT 1',
  );
  const insert = db.prepare(
    `INSERT INTO audit_events (${COLUMNS})
     VALUES (@seq, @id, @at, @action, @ip, @actor, @target, @details, @prevHash, @hash)`,
  );
  const chain = db.prepare<[number, number], AuditRow>(
    `SELECT ${COLUMNS} FROM audit_events WHERE seq > ? ORDER BY seq LIMIT ?`,
  );

  // The compare-and-set: the write lock is taken first (IMMEDIATE), so no other connection can move the head between
  // this read and the insert; the seq primary key would refuse a second event at one position anyway.
  const append = db.transaction((e: AuditEventRecord): boolean => {
    const current = head.get();
    const expectedSeq = (current?.seq ?? 0) + 1;
    if (e.seq !== expectedSeq || (current && e.prevHash !== current.hash)) return false;
    insert.run({
      seq: e.seq,
      id: e.id,
      at: e.at,
      action: e.action,
      ip: e.ip,
      actor: JSON.stringify(e.actor),
      target: e.target === null ? null : JSON.stringify(e.target),
      details: JSON.stringify(e.details),
      prevHash: e.prevHash,
      hash: e.hash,
    });
    return true;
  });

  // One prepared statement per filter shape (a handful: the combinations the audit page uses).
  const listStatements = new Map<string, Database.Statement<unknown[], AuditRow>>();
  const listStatement = (sql: string) => {
    let st = listStatements.get(sql);
    if (!st) listStatements.set(sql, (st = db.prepare<unknown[], AuditRow>(sql)));
    return st;
  };

  return {
    async head() {
      return head.get() ?? null;
    },
    async append(event) {
      return append.immediate(event);
    },
    async list(filter, page) {
      const { where, params } = whereOf(filter, page.beforeSeq);
      const sql = `SELECT ${COLUMNS} FROM audit_events ${where} ORDER BY seq DESC LIMIT ?`;
      const rows = listStatement(sql).all(...params, page.limit);
      return rows.map(toEvent);
    },
    async chain(afterSeq, limit) {
      return chain.all(afterSeq, limit).map(toEvent);
    },
  };
}

function whereOf(filter: AuditFilter, beforeSeq: number | undefined): { where: string; params: unknown[] } {
  const clauses: string[] = [];
  const params: unknown[] = [];
  if (filter.actor !== undefined) {
    clauses.push('(actor_user_id = ? OR actor_email = ? OR actor_token_id = ?)');
    params.push(filter.actor, filter.actor.toLowerCase(), filter.actor);
  }
  if (filter.actions !== undefined) {
    if (filter.actions.length === 0) clauses.push('0');
    else {
      clauses.push(`action IN (${filter.actions.map(() => '?').join(', ')})`);
      params.push(...filter.actions);
    }
  }
  if (filter.targetType !== undefined) {
    clauses.push('target_type = ?');
    params.push(filter.targetType);
  }
  if (filter.targetId !== undefined) {
    clauses.push('target_id = ?');
    params.push(filter.targetId);
  }
  if (filter.from !== undefined) {
    clauses.push('at >= ?');
    params.push(filter.from);
  }
  if (filter.to !== undefined) {
    clauses.push('at < ?');
    params.push(filter.to);
  }
  if (beforeSeq !== undefined) {
    clauses.push('seq < ?');
    params.push(beforeSeq);
  }
  return { where: clauses.length ? `WHERE ${clauses.join(' AND ')}` : '', params };
}
