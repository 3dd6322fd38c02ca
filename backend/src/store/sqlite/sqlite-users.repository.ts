import type Database from 'better-sqlite3';
import { conflict } from '../../errors';
import type {
  SessionActivity,
  SessionRecord,
  SessionRepository,
  UserPatch,
  UserRecord,
  UserRepository,
  UserUpdateResult,
} from '../store';

interface UserRow {
  id: string;
  email: string;
  name: string;
  role: UserRecord['role'];
  /** '' while the account has no password (the column predates accounts without one: NOT NULL). */
  password_hash: string;
  disabled: number;
  created_at: string;
  last_login_at: string | null;
}
const toUser = (r: UserRow): UserRecord => ({
  id: r.id,
  email: r.email,
  name: r.name,
  role: r.role,
  passwordHash: r.password_hash === '' ? null : r.password_hash,
  disabled: r.disabled === 1,
  createdAt: r.created_at,
  lastLoginAt: r.last_login_at,
});

/** Column of each patchable field, and how its value is stored. */
const PATCH_COLUMNS: { [K in keyof Required<UserPatch>]: [string, (v: UserPatch[K]) => string | number | null] } = {
  email: ['email', (v) => (v ?? '').toLowerCase()],
  name: ['name', (v) => v ?? ''],
  role: ['role', (v) => v ?? 'viewer'],
  disabled: ['disabled', (v) => (v ? 1 : 0)],
  passwordHash: ['password_hash', (v) => v ?? ''],
  lastLoginAt: ['last_login_at', (v) => v ?? null],
};

export function sqliteUsers(db: Database.Database): UserRepository {
  const insert = db.prepare(
    'INSERT INTO users (id, email, name, role, password_hash, disabled, created_at) VALUES (?, ?, ?, ?, ?, ?, ?)',
  );
  const byId = db.prepare<[string], UserRow>('SELECT * FROM users WHERE id = ?');
  const byEmail = db.prepare<[string], UserRow>('SELECT * FROM users WHERE email = ?');
  const all = db.prepare<[], UserRow>('SELECT * FROM users ORDER BY created_at, email');
  const count = db.prepare<[], { n: number }>('SELECT COUNT(*) AS n FROM users');
  const activeAdmins = db.prepare<[], { n: number }>(
    "SELECT COUNT(*) AS n FROM users WHERE role = 'admin' AND disabled = 0",
  );
  const update = db.transaction(
    (id: string, patch: UserPatch, guard: { activeAdminRemains?: boolean }): UserUpdateResult => {
      if (!byId.get(id)) return null;
      const sets: string[] = [];
      const values: Array<string | number | null> = [];
      for (const [key, [column, encode]] of Object.entries(PATCH_COLUMNS) as Array<
        [keyof UserPatch, [string, (v: unknown) => string | number | null]]
      >) {
        if (!(key in patch) || patch[key] === undefined) continue;
        sets.push(`${column} = ?`);
        values.push(encode(patch[key]));
      }
      if (sets.length) db.prepare(`UPDATE users SET ${sets.join(', ')} WHERE id = ?`).run(...values, id);
      if (guard.activeAdminRemains && (activeAdmins.get()?.n ?? 0) === 0) {
        // Undo by rolling the transaction back: throwing inside db.transaction does that.
        throw new LastAdmin();
      }
      return { ok: true, user: toUser(byId.get(id)!) };
    },
  );
  return {
    async create(user) {
      const record: UserRecord = {
        id: user.id,
        email: user.email.toLowerCase(),
        name: user.name,
        role: user.role,
        passwordHash: user.passwordHash,
        disabled: user.disabled ?? false,
        createdAt: new Date().toISOString(),
        lastLoginAt: null,
      };
      try {
        insert.run(
          record.id,
          record.email,
          record.name,
          record.role,
          record.passwordHash ?? '',
          record.disabled ? 1 : 0,
          record.createdAt,
        );
      } catch (e) {
        if (isEmailTaken(e)) throw conflict(`A user with the email ${record.email} already exists.`);
        throw e;
      }
      return record;
    },
    async getById(id) {
      const row = byId.get(id);
      return row ? toUser(row) : null;
    },
    async getByEmail(email) {
      const row = byEmail.get(email.toLowerCase());
      return row ? toUser(row) : null;
    },
    async list() {
      return all.all().map(toUser);
    },
    async count() {
      return count.get()?.n ?? 0;
    },
    async update(id, patch, guard = {}) {
      try {
        // IMMEDIATE: the write lock is taken before the admin count is read, so concurrent guards serialize.
        return update.immediate(id, patch, guard);
      } catch (e) {
        if (e instanceof LastAdmin) return { ok: false, reason: 'last_admin' };
        if (isEmailTaken(e)) throw conflict(`A user with the email ${patch.email?.toLowerCase()} already exists.`);
        throw e;
      }
    },
  };
}

class LastAdmin extends Error {}
const isEmailTaken = (e: unknown) =>
  (e as { code?: string }).code === 'SQLITE_CONSTRAINT_UNIQUE' && /users\.email/.test((e as Error).message);

interface SessionRow {
  id: string;
  user_id: string;
  created_at: string;
  expires_at: string;
  last_seen_at: string;
}
const toSession = (r: SessionRow): SessionRecord => ({
  id: r.id,
  userId: r.user_id,
  createdAt: r.created_at,
  expiresAt: r.expires_at,
  lastSeenAt: r.last_seen_at,
});

export function sqliteSessions(db: Database.Database): SessionRepository {
  const insert = db.prepare(
    'INSERT INTO sessions (id, user_id, created_at, expires_at, last_seen_at) VALUES (?, ?, ?, ?, ?)',
  );
  const byId = db.prepare<[string], SessionRow>('SELECT * FROM sessions WHERE id = ?');
  const del = db.prepare('DELETE FROM sessions WHERE id = ?');
  const delExpired = db.prepare('DELETE FROM sessions WHERE expires_at <= ? OR last_seen_at < ?');
  const touch = db.prepare('UPDATE sessions SET last_seen_at = ? WHERE id = ? AND last_seen_at < ?');
  const delByUser = db.prepare('DELETE FROM sessions WHERE user_id = ? AND id <> ?');
  const activity = db.prepare<[string, string], { user_id: string; sessions: number; last_seen_at: string }>(
    `SELECT user_id, COUNT(*) AS sessions, MAX(last_seen_at) AS last_seen_at FROM sessions
      WHERE expires_at > ? AND last_seen_at >= ? GROUP BY user_id ORDER BY user_id`,
  );
  return {
    async create(s: SessionRecord) {
      insert.run(s.id, s.userId, s.createdAt, s.expiresAt, s.lastSeenAt);
    },
    async get(id) {
      const r = byId.get(id);
      return r ? toSession(r) : null;
    },
    async delete(id) {
      del.run(id);
    },
    async deleteExpired(now, idleBefore = '') {
      return delExpired.run(now, idleBefore).changes;
    },
    async touch(id, at) {
      touch.run(at, id, at);
    },
    async deleteByUser(userId, opts = {}) {
      return delByUser.run(userId, opts.except ?? '').changes;
    },
    async activity(now, idleBefore): Promise<SessionActivity[]> {
      return activity
        .all(now, idleBefore)
        .map((r) => ({ userId: r.user_id, sessions: r.sessions, lastSeenAt: r.last_seen_at }));
    },
  };
}
