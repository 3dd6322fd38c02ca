import type Database from 'better-sqlite3';

/**
 * Versioned schema migrations. Append only: never edit a migration that has shipped, add a new one.
 * Each runs once, in its own IMMEDIATE transaction, and is recorded in `schema_migrations`.
 */
export interface Migration {
  version: number;
  name: string;
  up: string;
}

export const MIGRATIONS: readonly Migration[] = [
  {
    version: 1,
    name: 'initial',
    up: `
      CREATE TABLE users (
        id            TEXT PRIMARY KEY,
        email         TEXT NOT NULL UNIQUE,
        name          TEXT NOT NULL,
        role          TEXT NOT NULL CHECK (role IN ('admin', 'author', 'viewer')),
        password_hash TEXT NOT NULL,
        created_at    TEXT NOT NULL
      );

      CREATE TABLE sessions (
        id         TEXT PRIMARY KEY,
        user_id    TEXT NOT NULL REFERENCES users(id) ON DELETE CASCADE,
        created_at TEXT NOT NULL,
        expires_at TEXT NOT NULL
      );
      CREATE INDEX sessions_expires_at ON sessions(expires_at);

      CREATE TABLE notebooks (
        id         TEXT PRIMARY KEY,
        name       TEXT NOT NULL,
        owner_id   TEXT NOT NULL,
        version    INTEGER NOT NULL,
        cell_count INTEGER NOT NULL,
        content    TEXT NOT NULL,
        created_at TEXT NOT NULL,
        updated_at TEXT NOT NULL
      );

      CREATE TABLE notebook_revisions (
        notebook_id TEXT NOT NULL REFERENCES notebooks(id) ON DELETE CASCADE,
        version     INTEGER NOT NULL,
        name        TEXT NOT NULL,
        content     TEXT NOT NULL,
        saved_by    TEXT NOT NULL,
        saved_at    TEXT NOT NULL,
        PRIMARY KEY (notebook_id, version)
      );

      CREATE TABLE runs (
        id          TEXT PRIMARY KEY,
        notebook_id TEXT NOT NULL REFERENCES notebooks(id) ON DELETE CASCADE,
        created_at  TEXT NOT NULL,
        doc         TEXT NOT NULL
      );
      CREATE INDEX runs_by_notebook ON runs(notebook_id, created_at);

      CREATE TABLE meta (
        key   TEXT PRIMARY KEY,
        value TEXT NOT NULL
      );
    `,
  },
  {
    version: 2,
    name: 'revision bursts and checkpoints',
    up: `
      ALTER TABLE notebook_revisions ADD COLUMN started_at TEXT NOT NULL DEFAULT '';
      ALTER TABLE notebook_revisions ADD COLUMN checkpoint INTEGER NOT NULL DEFAULT 0;
      UPDATE notebook_revisions SET started_at = saved_at;
      UPDATE notebook_revisions SET checkpoint = 1 WHERE version = 1;

      ALTER TABLE runs ADD COLUMN notebook_version INTEGER;
      UPDATE runs SET notebook_version = json_extract(doc, '$.notebookVersion');
      CREATE INDEX runs_by_notebook_version ON runs(notebook_id, notebook_version);
    `,
  },
  {
    version: 3,
    name: 'run state columns for compare-and-set writes and heartbeats',
    up: `
      ALTER TABLE runs ADD COLUMN status TEXT NOT NULL DEFAULT 'queued';
      ALTER TABLE runs ADD COLUMN attempt_id TEXT;
      ALTER TABLE runs ADD COLUMN heartbeat_at TEXT;
      ALTER TABLE runs ADD COLUMN cancel_requested_at TEXT;
      UPDATE runs SET status = coalesce(json_extract(doc, '$.status'), 'queued');
      CREATE INDEX runs_unfinished ON runs(status, created_at) WHERE status IN ('queued', 'running');
    `,
  },
  {
    version: 4,
    name: 'notebook files',
    up: `
      CREATE TABLE notebook_files (
        notebook_id TEXT NOT NULL REFERENCES notebooks(id) ON DELETE CASCADE,
        path        TEXT NOT NULL,
        size        INTEGER NOT NULL,
        sha256      TEXT NOT NULL,
        data        BLOB NOT NULL,
        updated_at  TEXT NOT NULL,
        updated_by  TEXT NOT NULL,
        PRIMARY KEY (notebook_id, path)
      );
    `,
  },
  {
    version: 5,
    name: 'single sign-on identities and logins',
    up: `
      CREATE TABLE user_identities (
        issuer         TEXT NOT NULL,
        subject        TEXT NOT NULL,
        user_id        TEXT NOT NULL REFERENCES users(id) ON DELETE CASCADE,
        email          TEXT,
        created_at     TEXT NOT NULL,
        last_signin_at TEXT NOT NULL,
        PRIMARY KEY (issuer, subject)
      );
      CREATE INDEX user_identities_by_user ON user_identities(user_id);

      CREATE TABLE oidc_logins (
        id            TEXT PRIMARY KEY,
        state         TEXT NOT NULL,
        nonce         TEXT NOT NULL,
        code_verifier TEXT NOT NULL,
        next          TEXT NOT NULL,
        created_at    TEXT NOT NULL,
        expires_at    TEXT NOT NULL
      );
      CREATE INDEX oidc_logins_expires_at ON oidc_logins(expires_at);
    `,
  },
  {
    version: 6,
    name: 'audit trail',
    // Append-only: triggers refuse UPDATE and DELETE (the hash chain still shows tampering by someone who drops them).
    // The filter columns are generated from the hashed JSON, so they can never disagree with what the chain covers.
    up: `
      CREATE TABLE audit_events (
        seq       INTEGER PRIMARY KEY,
        id        TEXT NOT NULL UNIQUE,
        at        TEXT NOT NULL,
        action    TEXT NOT NULL,
        ip        TEXT,
        actor     TEXT NOT NULL,
        target    TEXT,
        details   TEXT NOT NULL,
        prev_hash TEXT NOT NULL,
        hash      TEXT NOT NULL,
        actor_user_id  TEXT GENERATED ALWAYS AS (json_extract(actor, '$.userId')) VIRTUAL,
        actor_email    TEXT GENERATED ALWAYS AS (lower(json_extract(actor, '$.email'))) VIRTUAL,
        actor_token_id TEXT GENERATED ALWAYS AS (json_extract(actor, '$.tokenId')) VIRTUAL,
        target_type    TEXT GENERATED ALWAYS AS (json_extract(target, '$.type')) VIRTUAL,
        target_id      TEXT GENERATED ALWAYS AS (json_extract(target, '$.id')) VIRTUAL
      );
      CREATE INDEX audit_by_action ON audit_events(action, seq);
      CREATE INDEX audit_by_at ON audit_events(at);
      CREATE INDEX audit_by_actor_user ON audit_events(actor_user_id, seq);
      CREATE INDEX audit_by_actor_email ON audit_events(actor_email, seq);
      CREATE INDEX audit_by_actor_token ON audit_events(actor_token_id, seq);
      CREATE INDEX audit_by_target ON audit_events(target_id, seq);
      CREATE TRIGGER audit_events_no_update BEFORE UPDATE ON audit_events
        BEGIN SELECT RAISE(ABORT, 'audit events are append-only'); END;
      CREATE TRIGGER audit_events_no_delete BEFORE DELETE ON audit_events
        BEGIN SELECT RAISE(ABORT, 'audit events are append-only'); END;
    `,
  },
  {
    version: 7,
    name: 'api tokens',
    up: `
      CREATE TABLE api_tokens (
        id          TEXT PRIMARY KEY,
        secret_hash TEXT NOT NULL UNIQUE,
        user_id     TEXT NOT NULL REFERENCES users(id) ON DELETE CASCADE,
        name        TEXT NOT NULL,
        scopes      TEXT NOT NULL,
        created_by  TEXT NOT NULL,
        created_at  TEXT NOT NULL,
        expires_at  TEXT NOT NULL,
        last_used_at TEXT,
        revoked_at  TEXT,
        revoked_by  TEXT
      );
      CREATE INDEX api_tokens_by_user ON api_tokens(user_id, created_at);
    `,
  },
  {
    version: 8,
    name: 'disabled users, idle sessions, set-password links',
    up: `
      ALTER TABLE users ADD COLUMN disabled INTEGER NOT NULL DEFAULT 0;
      ALTER TABLE users ADD COLUMN last_login_at TEXT;

      ALTER TABLE sessions ADD COLUMN last_seen_at TEXT NOT NULL DEFAULT '';
      UPDATE sessions SET last_seen_at = created_at;
      CREATE INDEX sessions_by_user ON sessions(user_id);

      CREATE TABLE invites (
        id         TEXT PRIMARY KEY,
        user_id    TEXT NOT NULL REFERENCES users(id) ON DELETE CASCADE,
        purpose    TEXT NOT NULL CHECK (purpose IN ('invite', 'reset')),
        created_by TEXT NOT NULL,
        created_at TEXT NOT NULL,
        expires_at TEXT NOT NULL,
        used_at    TEXT
      );
      CREATE INDEX invites_by_user ON invites(user_id);
    `,
  },
  {
    version: 9,
    name: 'notebook sharing and archived notebooks',
    up: `
      CREATE TABLE notebook_access (
        notebook_id TEXT NOT NULL REFERENCES notebooks(id) ON DELETE CASCADE,
        user_id     TEXT NOT NULL REFERENCES users(id) ON DELETE CASCADE,
        permission  TEXT NOT NULL CHECK (permission IN ('read', 'edit')),
        granted_by  TEXT NOT NULL,
        granted_at  TEXT NOT NULL,
        PRIMARY KEY (notebook_id, user_id)
      );
      CREATE INDEX notebook_access_by_user ON notebook_access(user_id);

      ALTER TABLE notebooks ADD COLUMN deleted_at TEXT;
      ALTER TABLE notebooks ADD COLUMN deleted_by TEXT;
    `,
  },
  {
    version: 10,
    name: 'published apps and their versions',
    // Versions are immutable (a trigger refuses UPDATE). File bytes are stored once per content (app_blobs, keyed by
    // sha256): republishing unchanged files costs nothing. notebook_id has no foreign key: notebooks are archived,
    // never removed, and a version outlives its notebook's archiving.
    up: `
      CREATE TABLE apps (
        id              TEXT PRIMARY KEY,
        slug            TEXT NOT NULL UNIQUE,
        title           TEXT NOT NULL,
        description     TEXT NOT NULL,
        owner_id        TEXT NOT NULL,
        current_version INTEGER NOT NULL,
        access_mode     TEXT NOT NULL CHECK (access_mode IN ('private', 'users', 'signed_in')),
        access_users    TEXT NOT NULL,
        cache_max_age   INTEGER,
        created_at      TEXT NOT NULL,
        updated_at      TEXT NOT NULL,
        unpublished_at  TEXT,
        unpublished_by  TEXT
      );

      CREATE TABLE app_versions (
        app_id            TEXT NOT NULL REFERENCES apps(id),
        version           INTEGER NOT NULL,
        notebook_id       TEXT NOT NULL,
        notebook_version  INTEGER NOT NULL,
        content           TEXT NOT NULL,
        content_hash      TEXT NOT NULL,
        cells             TEXT NOT NULL,
        params            TEXT NOT NULL,
        param_refinements TEXT NOT NULL,
        cache_max_age     INTEGER,
        published_by      TEXT NOT NULL,
        published_at      TEXT NOT NULL,
        PRIMARY KEY (app_id, version)
      );
      CREATE TRIGGER app_versions_immutable BEFORE UPDATE ON app_versions
        BEGIN SELECT RAISE(ABORT, 'app versions are immutable'); END;

      CREATE TABLE app_blobs (
        sha256 TEXT PRIMARY KEY,
        size   INTEGER NOT NULL,
        data   BLOB NOT NULL
      );
      CREATE TABLE app_version_files (
        app_id  TEXT NOT NULL,
        version INTEGER NOT NULL,
        path    TEXT NOT NULL,
        size    INTEGER NOT NULL,
        sha256  TEXT NOT NULL REFERENCES app_blobs(sha256),
        PRIMARY KEY (app_id, version, path),
        FOREIGN KEY (app_id, version) REFERENCES app_versions(app_id, version)
      );
    `,
  },
];

/**
 * Applies every migration newer than the recorded ones, in order. Safe against a second process migrating
 * the same file at once: the IMMEDIATE transaction takes the write lock, then re-reads what is applied.
 * Returns the versions applied by this call.
 */
export function migrate(db: Database.Database, migrations: readonly Migration[] = MIGRATIONS): number[] {
  assertOrdered(migrations);
  db.exec(`CREATE TABLE IF NOT EXISTS schema_migrations (
    version    INTEGER PRIMARY KEY,
    name       TEXT NOT NULL,
    applied_at TEXT NOT NULL
  )`);
  const applied: number[] = [];
  const isApplied = db.prepare<[number], { version: number }>(
    'SELECT version FROM schema_migrations WHERE version = ?',
  );
  const record = db.prepare('INSERT INTO schema_migrations (version, name, applied_at) VALUES (?, ?, ?)');
  for (const m of migrations) {
    const apply = db.transaction(() => {
      if (isApplied.get(m.version)) return false;
      db.exec(m.up);
      record.run(m.version, m.name, new Date().toISOString());
      return true;
    });
    try {
      if (apply.immediate()) applied.push(m.version);
    } catch (e) {
      throw new Error(`Migration ${m.version} (${m.name}) failed: ${(e as Error).message}`, { cause: e });
    }
  }
  return applied;
}

function assertOrdered(migrations: readonly Migration[]): void {
  migrations.forEach((m, i) => {
    const prev = migrations[i - 1];
    if (!Number.isInteger(m.version) || m.version < 1 || (prev && m.version <= prev.version)) {
      throw new Error(`Migrations must have strictly increasing positive integer versions (at ${m.name}).`);
    }
  });
}
