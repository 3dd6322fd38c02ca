import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import Database from 'better-sqlite3';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { appsContract } from '../apps.contract';
import { auditContract } from '../audit.contract';
import { apiTokensContract } from '../api-tokens.contract';
import { invitesContract } from '../invites.contract';
import { notebookFilesContract } from '../notebook-files.contract';
import { oidcLoginsContract } from '../oidc-logins.contract';
import { notebookSharesContract } from '../notebook-shares.contract';
import { sampleNotebook, storeContract, type StoreFactory } from '../store.contract';
import { userIdentitiesContract } from '../user-identities.contract';
import { usersSessionsContract } from '../users-sessions.contract';
import { MIGRATIONS, migrate } from './migrations';
import { openSqliteStore } from './sqlite-store';

const tempDir = () => fs.mkdtempSync(path.join(os.tmpdir(), 'folio-sqlite-'));

const sqliteFactory: StoreFactory = async () => {
  const dir = tempDir();
  const file = path.join(dir, 'folio.db');
  return {
    open: async () => openSqliteStore(file),
    destroy: async () => fs.rmSync(dir, { recursive: true, force: true }),
  };
};
storeContract('sqlite', sqliteFactory);
notebookFilesContract('sqlite', sqliteFactory);
userIdentitiesContract('sqlite', sqliteFactory);
oidcLoginsContract('sqlite', sqliteFactory);
auditContract('sqlite', sqliteFactory);
apiTokensContract('sqlite', sqliteFactory);
usersSessionsContract('sqlite', sqliteFactory);
invitesContract('sqlite', sqliteFactory);
notebookSharesContract('sqlite', sqliteFactory);
appsContract('sqlite', sqliteFactory);

describe('sqlite store specifics', () => {
  let dir: string;
  beforeEach(() => {
    dir = tempDir();
  });
  afterEach(() => fs.rmSync(dir, { recursive: true, force: true }));

  it('creates the parent directory, uses WAL and enforces foreign keys', async () => {
    const file = path.join(dir, 'nested', 'deeper', 'folio.db');
    const store = openSqliteStore(file);
    await store.close();
    const db = new Database(file, { readonly: true });
    expect(db.pragma('journal_mode', { simple: true })).toBe('wal');
    db.close();
    const rw = openSqliteStore(file);
    const err = await rw.sessions
      .create({ id: 'x', userId: 'no-such-user', createdAt: 'a', expiresAt: 'b', lastSeenAt: 'a' })
      .catch((e: Error) => e);
    expect(String(err)).toMatch(/FOREIGN KEY/);
    await rw.close();
  });

  it('applies each migration exactly once across reopenings', async () => {
    const file = path.join(dir, 'folio.db');
    for (let i = 0; i < 3; i++) await openSqliteStore(file).close();
    const db = new Database(file);
    const rows = db.prepare('SELECT version, name FROM schema_migrations ORDER BY version').all();
    expect(rows).toEqual(MIGRATIONS.map((m) => ({ version: m.version, name: m.name })));
    expect(migrate(db)).toEqual([]);
    db.close();
  });

  it('applies only new migrations, and rolls back a failing one without recording it', () => {
    const db = new Database(path.join(dir, 'm.db'));
    const one = { version: 1, name: 'one', up: 'CREATE TABLE t1 (x INTEGER)' };
    expect(migrate(db, [one])).toEqual([1]);
    const two = { version: 2, name: 'two', up: 'CREATE TABLE t2 (x INTEGER)' };
    const bad = { version: 3, name: 'bad', up: 'CREATE TABLE t3 (x INTEGER); INSERT INTO nowhere VALUES (1)' };
    expect(() => migrate(db, [one, two, bad])).toThrow(/Migration 3 \(bad\) failed: no such table: nowhere/);
    const tables = db.prepare("SELECT name FROM sqlite_master WHERE type = 'table' ORDER BY name").pluck().all();
    expect(tables).toEqual(['schema_migrations', 't1', 't2']);
    expect(db.prepare('SELECT version FROM schema_migrations ORDER BY version').pluck().all()).toEqual([1, 2]);
    db.close();
  });

  it('refuses migrations that are not strictly ordered', () => {
    const db = new Database(':memory:');
    const m = (version: number) => ({ version, name: `m${version}`, up: 'SELECT 1' });
    expect(() => migrate(db, [m(2), m(1)])).toThrow(/strictly increasing/);
    expect(() => migrate(db, [m(1), m(1)])).toThrow(/strictly increasing/);
    db.close();
  });

  it('migrates a version-1 history: revisions get their burst start, creation is a checkpoint, runs their version', async () => {
    const file = path.join(dir, 'folio.db');
    const db = new Database(file);
    migrate(db, MIGRATIONS.slice(0, 1));
    const content = JSON.stringify(sampleNotebook());
    db.prepare(`INSERT INTO notebooks VALUES ('nb', 'old', 'ada', 2, 2, ?, 't1', 't2')`).run(content);
    const rev = db.prepare(`INSERT INTO notebook_revisions VALUES ('nb', ?, 'old', ?, 'ada', ?)`);
    rev.run(1, content, '2026-01-01T00:00:00.000Z');
    rev.run(2, content, '2026-01-01T00:01:00.000Z');
    db.prepare(`INSERT INTO runs VALUES ('r1', 'nb', 't3', ?)`).run(JSON.stringify({ id: 'r1', notebookVersion: 2 }));
    db.close();

    const store = openSqliteStore(file);
    expect(await store.notebooks.listRevisions('nb')).toEqual([
      { notebookId: 'nb', version: 2, savedBy: 'ada', startedAt: '2026-01-01T00:01:00.000Z', savedAt: '2026-01-01T00:01:00.000Z', checkpoint: false },
      { notebookId: 'nb', version: 1, savedBy: 'ada', startedAt: '2026-01-01T00:00:00.000Z', savedAt: '2026-01-01T00:00:00.000Z', checkpoint: true },
    ]);
    // The run made from version 2 keeps that revision from being replaced by the next save of the same user.
    const policy = { at: '2026-01-01T00:02:00.000Z', checkpoint: false, coalesceWithinMs: 3_600_000, keep: 100 };
    await store.notebooks.update('nb', 2, { name: 'new', content: sampleNotebook('y') }, 'ada', policy);
    expect((await store.notebooks.listRevisions('nb')).map((r) => r.version)).toEqual([3, 2, 1]);
    await store.close();
  });

  it('sees writes made through another connection to the same file', async () => {
    const file = path.join(dir, 'folio.db');
    const a = openSqliteStore(file);
    const b = openSqliteStore(file);
    await a.meta.set('who', 'a');
    expect(await b.meta.get('who')).toBe('a');
    await Promise.all([a.close(), b.close()]);
  });

  it('refuses to update or delete an audit event, even in SQL', async () => {
    const file = path.join(dir, 'folio.db');
    const store = openSqliteStore(file);
    const zero = '0'.repeat(64);
    const e = {
      id: 'e1',
      seq: 1,
      at: '2026-03-02T09:00:00.000Z',
      actor: { type: 'system' as const, name: 'test' },
      ip: null,
      action: 'auth.login' as const,
      target: null,
      details: {},
      prevHash: zero,
      hash: 'a'.repeat(64),
    };
    expect(await store.audit.append(e)).toBe(true);
    await store.close();
    const db = new Database(file);
    expect(() => db.prepare("UPDATE audit_events SET action = 'auth.logout'").run()).toThrow(/append-only/);
    expect(() => db.prepare('DELETE FROM audit_events').run()).toThrow(/append-only/);
    expect(db.prepare('SELECT count(*) FROM audit_events').pluck().get()).toBe(1);
    db.close();
  });

  it('refuses to change an app version, even in SQL', async () => {
    const file = path.join(dir, 'folio.db');
    const store = openSqliteStore(file);
    const made = await store.apps.create(
      {
        id: 'a1',
        slug: 'fixed',
        title: 'T',
        description: '',
        ownerId: 'o',
        access: { mode: 'private', users: [] },
        cache: { maxAgeSeconds: null },
        createdAt: 't',
      },
      {
        notebookId: 'nb',
        notebookVersion: 1,
        content: sampleNotebook(),
        contentHash: 'h',
        cells: [],
        params: [],
        paramRefinements: [],
        cache: { maxAgeSeconds: null },
        files: [],
        publishedBy: 'o',
        publishedAt: 't',
      },
    );
    expect(made.ok).toBe(true);
    await store.close();
    const db = new Database(file);
    expect(() => db.prepare("UPDATE app_versions SET content = '{}'").run()).toThrow(/immutable/);
    db.close();
  });

  it('names the file when it cannot be opened', () => {
    const file = path.join(dir, 'not-a-db');
    fs.writeFileSync(file, 'this is not sqlite '.repeat(100));
    expect(() => openSqliteStore(file)).toThrow(/Cannot open the SQLite store at .*not-a-db/);
  });
});
