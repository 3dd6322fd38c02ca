import fs from 'node:fs';
import path from 'node:path';
import Database from 'better-sqlite3';
import { conflict } from '../../errors';
import type { MetaRepository, SessionRecord, SessionRepository, Store, UserRecord, UserRepository } from '../store';
import { migrate } from './migrations';
import { sqliteOidcLogins, sqliteUserIdentities } from './sqlite-identities.repository';
import { sqliteAudit } from './sqlite-audit.repository';
import { sqliteApiTokens } from './sqlite-api-tokens.repository';
import { sqliteNotebookFiles } from './sqlite-notebook-files.repository';
import { sqliteNotebooks } from './sqlite-notebooks.repository';
import { sqliteRuns } from './sqlite-runs.repository';

/** How long a writer waits for another connection's lock before SQLITE_BUSY. */
const BUSY_TIMEOUT_MS = 5000;

/**
 * Opens (creating if needed) the SQLite store at `file`: WAL journal, foreign keys on, busy timeout, and the
 * schema migrated to the latest version. `:memory:` works too (tests of pure logic only).
 */
export function openSqliteStore(file: string): Store {
  if (file !== ':memory:') fs.mkdirSync(path.dirname(path.resolve(file)), { recursive: true });
  const db = new Database(file);
  try {
    db.pragma(`busy_timeout = ${BUSY_TIMEOUT_MS}`);
    db.pragma('journal_mode = WAL');
    db.pragma('synchronous = NORMAL');
    db.pragma('foreign_keys = ON');
    migrate(db);
  } catch (e) {
    db.close();
    throw new Error(`Cannot open the SQLite store at ${file}: ${(e as Error).message}`, { cause: e });
  }
  return {
    users: sqliteUsers(db),
    sessions: sqliteSessions(db),
    notebooks: sqliteNotebooks(db),
    runs: sqliteRuns(db),
    notebookFiles: sqliteNotebookFiles(db),
    userIdentities: sqliteUserIdentities(db),
    oidcLogins: sqliteOidcLogins(db),
    audit: sqliteAudit(db),
    apiTokens: sqliteApiTokens(db),
    meta: sqliteMeta(db),
    ping: async () => {
      db.prepare('SELECT 1').get();
    },
    close: async () => {
      if (db.open) db.close();
    },
  };
}

interface UserRow {
  id: string;
  email: string;
  name: string;
  role: UserRecord['role'];
  password_hash: string;
  created_at: string;
}
const toUser = (r: UserRow): UserRecord => ({
  id: r.id,
  email: r.email,
  name: r.name,
  role: r.role,
  passwordHash: r.password_hash,
  createdAt: r.created_at,
});

function sqliteUsers(db: Database.Database): UserRepository {
  const insert = db.prepare(
    'INSERT INTO users (id, email, name, role, password_hash, created_at) VALUES (?, ?, ?, ?, ?, ?)',
  );
  const byId = db.prepare<[string], UserRow>('SELECT * FROM users WHERE id = ?');
  const byEmail = db.prepare<[string], UserRow>('SELECT * FROM users WHERE email = ?');
  const all = db.prepare<[], UserRow>('SELECT * FROM users ORDER BY created_at, email');
  const count = db.prepare<[], { n: number }>('SELECT COUNT(*) AS n FROM users');
  const update = db.prepare('UPDATE users SET email = ?, name = ?, role = ? WHERE id = ?');
  return {
    async create(user) {
      const record: UserRecord = { ...user, email: user.email.toLowerCase(), createdAt: new Date().toISOString() };
      try {
        insert.run(record.id, record.email, record.name, record.role, record.passwordHash, record.createdAt);
      } catch (e) {
        if ((e as { code?: string }).code === 'SQLITE_CONSTRAINT_UNIQUE' && /users\.email/.test((e as Error).message)) {
          throw conflict(`A user with the email ${record.email} already exists.`);
        }
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
    async update(id, patch) {
      const current = byId.get(id);
      if (!current) return null;
      const next = { ...toUser(current), ...patch };
      next.email = next.email.toLowerCase();
      try {
        update.run(next.email, next.name, next.role, id);
      } catch (e) {
        if ((e as { code?: string }).code === 'SQLITE_CONSTRAINT_UNIQUE' && /users\.email/.test((e as Error).message)) {
          throw conflict(`A user with the email ${next.email} already exists.`);
        }
        throw e;
      }
      return next;
    },
  };
}

interface SessionRow {
  id: string;
  user_id: string;
  created_at: string;
  expires_at: string;
}

function sqliteSessions(db: Database.Database): SessionRepository {
  const insert = db.prepare('INSERT INTO sessions (id, user_id, created_at, expires_at) VALUES (?, ?, ?, ?)');
  const byId = db.prepare<[string], SessionRow>('SELECT * FROM sessions WHERE id = ?');
  const del = db.prepare('DELETE FROM sessions WHERE id = ?');
  const delExpired = db.prepare('DELETE FROM sessions WHERE expires_at <= ?');
  return {
    async create(s: SessionRecord) {
      insert.run(s.id, s.userId, s.createdAt, s.expiresAt);
    },
    async get(id) {
      const r = byId.get(id);
      return r ? { id: r.id, userId: r.user_id, createdAt: r.created_at, expiresAt: r.expires_at } : null;
    },
    async delete(id) {
      del.run(id);
    },
    async deleteExpired(now) {
      return delExpired.run(now).changes;
    },
  };
}

function sqliteMeta(db: Database.Database): MetaRepository {
  const get = db.prepare<[string], { value: string }>('SELECT value FROM meta WHERE key = ?');
  const set = db.prepare(
    'INSERT INTO meta (key, value) VALUES (?, ?) ON CONFLICT(key) DO UPDATE SET value = excluded.value',
  );
  return {
    async get(key) {
      return get.get(key)?.value ?? null;
    },
    async set(key, value) {
      set.run(key, value);
    },
  };
}
