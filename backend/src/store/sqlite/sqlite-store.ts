import fs from 'node:fs';
import path from 'node:path';
import Database from 'better-sqlite3';
import type { MetaRepository, Store } from '../store';
import { migrate } from './migrations';
import { sqliteOidcLogins, sqliteUserIdentities } from './sqlite-identities.repository';
import { sqliteAudit } from './sqlite-audit.repository';
import { sqliteApiTokens } from './sqlite-api-tokens.repository';
import { sqliteApps } from './sqlite-apps.repository';
import { sqliteNotebookFiles } from './sqlite-notebook-files.repository';
import { sqliteNotebookShares } from './sqlite-notebook-shares.repository';
import { sqliteNotebooks } from './sqlite-notebooks.repository';
import { sqliteRuns } from './sqlite-runs.repository';
import { sqliteInvites } from './sqlite-invites.repository';
import { sqliteSessions, sqliteUsers } from './sqlite-users.repository';

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
    invites: sqliteInvites(db),
    notebooks: sqliteNotebooks(db),
    runs: sqliteRuns(db),
    notebookFiles: sqliteNotebookFiles(db),
    userIdentities: sqliteUserIdentities(db),
    oidcLogins: sqliteOidcLogins(db),
    audit: sqliteAudit(db),
    apiTokens: sqliteApiTokens(db),
    notebookShares: sqliteNotebookShares(db),
    apps: sqliteApps(db),
    meta: sqliteMeta(db),
    ping: async () => {
      db.prepare('SELECT 1').get();
    },
    close: async () => {
      if (db.open) db.close();
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
