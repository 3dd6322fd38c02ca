import { createHash } from 'node:crypto';
import type Database from 'better-sqlite3';
import type { AppAccess, AppCache } from '../../contracts/apps';
import type {
  AppFileRecord,
  AppFileSummary,
  AppRecord,
  AppRepository,
  AppSettingsPatch,
  AppVersionRecord,
  AppVersionSummary,
  NewAppVersion,
} from '../store';

interface AppRow {
  id: string;
  slug: string;
  title: string;
  description: string;
  owner_id: string;
  current_version: number;
  access_mode: AppAccess['mode'];
  access_users: string;
  cache_max_age: number | null;
  created_at: string;
  updated_at: string;
  unpublished_at: string | null;
  unpublished_by: string | null;
}

interface VersionRow {
  app_id: string;
  version: number;
  notebook_id: string;
  notebook_version: number;
  content_hash: string;
  cells: string;
  params: string;
  param_refinements: string;
  cache_max_age: number | null;
  published_by: string;
  published_at: string;
}

const toApp = (r: AppRow): AppRecord => ({
  id: r.id,
  slug: r.slug,
  title: r.title,
  description: r.description,
  ownerId: r.owner_id,
  currentVersion: r.current_version,
  access: { mode: r.access_mode, users: JSON.parse(r.access_users) as string[] },
  cache: { maxAgeSeconds: r.cache_max_age },
  createdAt: r.created_at,
  updatedAt: r.updated_at,
  unpublishedAt: r.unpublished_at,
  unpublishedBy: r.unpublished_by,
});

const toVersion = (r: VersionRow, files: AppFileSummary[]): AppVersionSummary => ({
  appId: r.app_id,
  version: r.version,
  notebookId: r.notebook_id,
  notebookVersion: r.notebook_version,
  contentHash: r.content_hash,
  cells: JSON.parse(r.cells) as AppVersionSummary['cells'],
  params: JSON.parse(r.params) as AppVersionSummary['params'],
  paramRefinements: JSON.parse(r.param_refinements) as AppVersionSummary['paramRefinements'],
  cache: { maxAgeSeconds: r.cache_max_age } satisfies AppCache,
  files,
  publishedBy: r.published_by,
  publishedAt: r.published_at,
});

const VERSION_COLUMNS = `app_id, version, notebook_id, notebook_version, content_hash, cells, params, param_refinements,
  cache_max_age, published_by, published_at`;

/**
 * Apps in `apps`, their immutable versions in `app_versions`, file snapshots in `app_version_files` over
 * content-addressed `app_blobs`. Version numbers are taken inside the IMMEDIATE transaction that writes the version,
 * so two publishers (also in two processes on one file) never get the same number.
 */
export function sqliteApps(db: Database.Database): AppRepository {
  const bySlug = db.prepare<[string], AppRow>('SELECT * FROM apps WHERE slug = ?');
  const byId = db.prepare<[string], AppRow>('SELECT * FROM apps WHERE id = ?');
  const all = db.prepare<[], AppRow>('SELECT * FROM apps ORDER BY created_at, rowid');
  const insertApp = db.prepare(
    `INSERT INTO apps (id, slug, title, description, owner_id, current_version, access_mode, access_users,
       cache_max_age, created_at, updated_at)
     VALUES (@id, @slug, @title, @description, @owner_id, 1, @access_mode, @access_users, @cache_max_age,
       @created_at, @created_at)`,
  );
  const insertVersion = db.prepare(
    `INSERT INTO app_versions (${VERSION_COLUMNS}, content)
     VALUES (@app_id, @version, @notebook_id, @notebook_version, @content_hash, @cells, @params, @param_refinements,
       @cache_max_age, @published_by, @published_at, @content)`,
  );
  const insertBlob = db.prepare('INSERT OR IGNORE INTO app_blobs (sha256, size, data) VALUES (?, ?, ?)');
  const insertFile = db.prepare(
    'INSERT INTO app_version_files (app_id, version, path, size, sha256) VALUES (?, ?, ?, ?, ?)',
  );
  const maxVersion = db.prepare<[string], { v: number | null }>(
    'SELECT max(version) AS v FROM app_versions WHERE app_id = ?',
  );
  const versionsOf = db.prepare<[string], VersionRow>(
    `SELECT ${VERSION_COLUMNS} FROM app_versions WHERE app_id = ? ORDER BY version DESC`,
  );
  const versionOf = db.prepare<[string, number], VersionRow & { content: string }>(
    `SELECT ${VERSION_COLUMNS}, content FROM app_versions WHERE app_id = ? AND version = ?`,
  );
  const filesOfApp = db.prepare<[string], AppFileSummary & { version: number }>(
    'SELECT version, path, size, sha256 FROM app_version_files WHERE app_id = ? ORDER BY path',
  );
  const filesOf = db.prepare<[string, number], AppFileSummary>(
    'SELECT path, size, sha256 FROM app_version_files WHERE app_id = ? AND version = ? ORDER BY path',
  );
  const filesWithData = db.prepare<[string, number], AppFileRecord>(
    `SELECT f.path, f.size, f.sha256, b.data FROM app_version_files f JOIN app_blobs b ON b.sha256 = f.sha256
     WHERE f.app_id = ? AND f.version = ? ORDER BY f.path`,
  );
  const setCurrent = db.prepare<[number, string, string]>(
    'UPDATE apps SET current_version = ?, updated_at = ? WHERE id = ?',
  );
  const republish = db.prepare<[number, string, string]>(
    'UPDATE apps SET current_version = ?, updated_at = ?, unpublished_at = NULL, unpublished_by = NULL WHERE id = ?',
  );
  const markUnpublished = db.prepare<[string, string, string, string]>(
    'UPDATE apps SET unpublished_at = ?, unpublished_by = ?, updated_at = ? WHERE id = ? AND unpublished_at IS NULL',
  );

  const writeVersion = (appId: string, number: number, v: NewAppVersion): void => {
    insertVersion.run({
      app_id: appId,
      version: number,
      notebook_id: v.notebookId,
      notebook_version: v.notebookVersion,
      content_hash: v.contentHash,
      cells: JSON.stringify(v.cells),
      params: JSON.stringify(v.params),
      param_refinements: JSON.stringify(v.paramRefinements),
      cache_max_age: v.cache.maxAgeSeconds,
      published_by: v.publishedBy,
      published_at: v.publishedAt,
      content: JSON.stringify(v.content),
    });
    for (const f of v.files) {
      const sha256 = createHash('sha256').update(f.data).digest('hex'); // the blob's key is never taken on trust
      insertBlob.run(sha256, f.data.length, f.data);
      insertFile.run(appId, number, f.path, f.data.length, sha256);
    }
  };

  const applySettings = (appId: string, s: AppSettingsPatch, at: string): void => {
    const columns: Record<string, unknown> = {};
    if (s.title !== undefined) columns.title = s.title;
    if (s.description !== undefined) columns.description = s.description;
    if (s.access !== undefined) {
      columns.access_mode = s.access.mode;
      columns.access_users = JSON.stringify(s.access.users);
    }
    if (s.cache !== undefined) columns.cache_max_age = s.cache.maxAgeSeconds;
    columns.updated_at = at;
    const names = Object.keys(columns); // fixed column names above, never input
    db.prepare(`UPDATE apps SET ${names.map((n) => `${n} = @${n}`).join(', ')} WHERE id = @id`).run({
      ...columns,
      id: appId,
    });
  };

  const summaryOf = (appId: string, number: number): AppVersionSummary => {
    const row = versionOf.get(appId, number)!;
    return toVersion(row, filesOf.all(appId, number));
  };

  const create = db.transaction(
    (app: Parameters<AppRepository['create']>[0], version: NewAppVersion) => {
      if (bySlug.get(app.slug)) return { ok: false as const, reason: 'slug_taken' as const };
      insertApp.run({
        id: app.id,
        slug: app.slug,
        title: app.title,
        description: app.description,
        owner_id: app.ownerId,
        access_mode: app.access.mode,
        access_users: JSON.stringify(app.access.users),
        cache_max_age: app.cache.maxAgeSeconds,
        created_at: app.createdAt,
      });
      writeVersion(app.id, 1, version);
      return { ok: true as const, app: toApp(byId.get(app.id)!), version: summaryOf(app.id, 1) };
    },
  );

  const addVersion = db.transaction(
    (appId: string, version: NewAppVersion, settings: AppSettingsPatch, expected: number | undefined) => {
      if (!byId.get(appId)) return null;
      const latest = maxVersion.get(appId)?.v ?? 0;
      if (expected !== undefined && expected !== latest + 1)
        return { ok: false as const, reason: 'version_taken' as const, latest };
      const number = latest + 1;
      writeVersion(appId, number, version);
      applySettings(appId, settings, version.publishedAt);
      republish.run(number, version.publishedAt, appId);
      return { ok: true as const, app: toApp(byId.get(appId)!), version: summaryOf(appId, number) };
    },
  );

  const setCurrentVersion = db.transaction((appId: string, number: number, at: string) => {
    if (!byId.get(appId) || !versionOf.get(appId, number)) return null;
    setCurrent.run(number, at, appId);
    return toApp(byId.get(appId)!);
  });

  const update = db.transaction((appId: string, settings: AppSettingsPatch, at: string) => {
    if (!byId.get(appId)) return null;
    applySettings(appId, settings, at);
    return toApp(byId.get(appId)!);
  });

  const unpublish = db.transaction((appId: string, by: string, at: string) => {
    if (markUnpublished.run(at, by, at, appId).changes === 0) return null;
    return toApp(byId.get(appId)!);
  });

  return {
    async create(app, version) {
      try {
        return create.immediate(app, version);
      } catch (e) {
        // Another connection inserted the slug between our check and our insert (not possible under IMMEDIATE, but
        // the UNIQUE index is the real guard).
        if ((e as { code?: string }).code === 'SQLITE_CONSTRAINT_UNIQUE' && /apps\.slug/.test(String(e)))
          return { ok: false, reason: 'slug_taken' };
        throw e;
      }
    },
    async getBySlug(slug) {
      const row = bySlug.get(slug);
      return row ? toApp(row) : null;
    },
    async list() {
      return all.all().map(toApp);
    },
    async addVersion(appId, version, settings, expectedNumber) {
      return addVersion.immediate(appId, version, settings, expectedNumber);
    },
    async listVersions(appId) {
      const files = new Map<number, AppFileSummary[]>();
      for (const { version, ...f } of filesOfApp.all(appId)) files.set(version, [...(files.get(version) ?? []), f]);
      return versionsOf.all(appId).map((r) => toVersion(r, files.get(r.version) ?? []));
    },
    async getVersion(appId, number) {
      const row = versionOf.get(appId, number);
      if (!row) return null;
      const record: AppVersionRecord = {
        ...toVersion(row, filesOf.all(appId, number)),
        content: JSON.parse(row.content) as AppVersionRecord['content'],
      };
      return record;
    },
    async getVersionFiles(appId, number) {
      return filesWithData.all(appId, number);
    },
    async setCurrentVersion(appId, number, at) {
      return setCurrentVersion.immediate(appId, number, at);
    },
    async update(appId, settings, at) {
      return update.immediate(appId, settings, at);
    },
    async unpublish(appId, by, at) {
      return unpublish.immediate(appId, by, at);
    },
  };
}
