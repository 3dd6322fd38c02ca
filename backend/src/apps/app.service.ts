import { createHash, randomUUID } from 'node:crypto';
import type { AuditRecorder } from '../audit/audit.service';
import { canonicalJson } from '../audit/audit-chain';
import type {
  AppAccess,
  AppCache,
  AppManagerSummaryView,
  AppManagerView,
  AppSummaryView,
  AppVersionView,
  AppView,
  ParamRefinement,
  PublishApp,
  PublishVersion,
  UpdateApp,
  VisibleCell,
} from '../contracts/apps';
import type { AuditJson } from '../contracts/audit';
import type { Notebook } from '../contracts/nbformat';
import type { Principal } from '../contracts/principal';
import { badRequest, conflict, forbidden } from '../errors';
import { inferParameters } from '../kernels/parameters/infer-parameters';
import type { NotebookAccess } from '../notebooks/notebook-access';
import type {
  AppFileRecord,
  AppRecord,
  AppRepository,
  AppSettingsPatch,
  AppVersionSummary,
  NewAppVersion,
  NotebookFileRepository,
  NotebookRecord,
  NotebookRepository,
  UserRepository,
} from '../store/store';
import { userNames } from '../util/user-names';
import { AppAccessRules } from './app-access';
import { checkVisibleCells } from './app-cells';
import { buildParamSpecs } from './app-params';
import { checkSlug } from './app-slug';
import { redactApp, redactAppSummary } from './redaction';

/**
 * Published apps: publish a notebook, publish its current state as the next version, versions, rollback, settings,
 * unpublish, the list and the app. The access rule is app-access.ts's; what viewers receive is redaction.ts's.
 *
 * - Publishing needs edit access to the notebook (notebooks/notebook-access.ts: owner, admin or an `edit` sharer; a
 *   token with `notebooks:write`); the publisher owns the app. A new app is `private` unless `access` says otherwise.
 * - Each publish snapshots the notebook as saved (content, its sha256 over RFC 8785 canonical JSON, its files) into
 *   an immutable version with the visible cells (app-cells.ts), the parameter specs (app-params.ts) and the cache
 *   policy. A new version takes what it does not give from the current version (cells, parameter refinements) and
 *   the app (title, description, access, cache); a carried-over cell or parameter that is gone from the notebook is
 *   a 400 saying so.
 * - Version numbers: the service asks the store for exactly the next number (compare-and-set), so of two publishes
 *   racing one wins and the other gets a 409 and publishes again; no number is ever given twice.
 * - Unpublishing hides the app from everyone but its managers and keeps the record, its versions and its slug: a
 *   slug names one app for ever (links and the audit trail never point at someone else's app). Publishing a new
 *   version (POST /api/apps/:slug/versions) brings it back.
 * - Audit: `app.publish` (every version, with its number), `app.rollback`, `app.unpublish`, `app.update` (settings).
 *   Versions cannot be deleted, so every effect is recorded first, once its checks have passed: the trail may hold an
 *   attempt that then failed (a lost race), never an effect without its event.
 */
export interface AppServiceDeps {
  apps: AppRepository;
  notebooks: Pick<NotebookRepository, 'get'>;
  files: Pick<NotebookFileRepository, 'list' | 'get'>;
  /** The notebooks' access rules (compose.ts shares one): publishing needs edit access to the notebook. */
  notebookAccess: NotebookAccess;
  /** Owners' and publishers' names; access lists are checked against it (unknown or disabled users refused). */
  users: Pick<UserRepository, 'getById'>;
  /** The audit trail. Default: nothing recorded (tests of other rules). */
  audit?: AuditRecorder;
  /** Clock (ms since the epoch). Default Date.now. */
  now?: () => number;
}

export const DEFAULT_ACCESS: AppAccess = { mode: 'private', users: [] };
export const DEFAULT_CACHE: AppCache = { maxAgeSeconds: null };

export class AppService {
  readonly access: AppAccessRules;

  constructor(private readonly deps: AppServiceDeps) {
    this.access = new AppAccessRules({ apps: deps.apps, audit: deps.audit });
  }

  /** POST /api/apps: the notebook's saved state as version 1 of a new app owned by `who`. */
  async publish(who: Principal, input: PublishApp): Promise<AppManagerView> {
    if (who.role === 'viewer') throw forbidden('Viewers open apps; publishing is for authors and admins.');
    const slug = checkSlug(input.slug);
    const { notebook } = await this.deps.notebookAccess.check(who, input.notebookId, 'edit');
    const draft = await this.snapshot(who, notebook, input.cells, input.params ?? [], input.cache ?? DEFAULT_CACHE);
    const access = await this.checkAccess(input.access, who.id);
    if (await this.deps.apps.getBySlug(slug)) throw slugTaken(slug);
    const id = randomUUID();
    const title = input.title;
    await this.deps.audit?.record({
      action: 'app.publish',
      actor: who,
      target: { type: 'app', id, name: slug },
      details: { ...versionDetails(1, draft), title, access: accessDetails(access), new: true },
    });
    const created = await this.deps.apps.create(
      {
        id,
        slug,
        title,
        description: input.description ?? '',
        ownerId: who.id,
        access,
        cache: draft.cache,
        createdAt: draft.publishedAt,
      },
      draft,
    );
    if (!created.ok) throw slugTaken(slug); // taken between the check and the write
    return this.managerView(created.app, created.version, draft.content);
  }

  /** POST /api/apps/:slug/versions: the notebook's current saved state as the next version (and the current one). */
  async publishVersion(who: Principal, slug: string, input: PublishVersion = {}): Promise<AppManagerView> {
    const app = await this.access.check(who, slug, 'manage');
    const current = await this.currentVersion(app);
    const notebook = await this.deps.notebooks.get(current.notebookId);
    if (!notebook)
      throw conflict(
        `The notebook app "${slug}" was published from has been deleted, so no new version can be made from it; ` +
          'its versions stay, and rollback still works.',
      );
    await this.deps.notebookAccess.check(who, notebook.id, 'edit');
    const from = current.version;
    const draft = await this.snapshot(
      who,
      notebook,
      input.cells ?? current.cells,
      input.params ?? current.paramRefinements,
      input.cache ?? app.cache,
      { cells: input.cells ? undefined : from, params: input.params ? undefined : from },
    );
    const settings: AppSettingsPatch = {
      ...(input.title !== undefined ? { title: input.title } : {}),
      ...(input.description !== undefined ? { description: input.description } : {}),
      ...(input.access !== undefined ? { access: await this.checkAccess(input.access, app.ownerId) } : {}),
      cache: draft.cache,
    };
    const latest = (await this.deps.apps.listVersions(app.id))[0]?.version ?? 0;
    const number = latest + 1;
    await this.deps.audit?.record({
      action: 'app.publish',
      actor: who,
      target: { type: 'app', id: app.id, name: app.slug },
      details: {
        ...versionDetails(number, draft),
        previous: app.currentVersion,
        ...(app.unpublishedAt ? { republished: true } : {}),
        ...(settings.title ? { title: settings.title } : {}),
        ...(settings.access ? { access: accessDetails(settings.access) } : {}),
      },
    });
    const added = await this.deps.apps.addVersion(app.id, draft, settings, number);
    if (!added) throw conflict(`App "${slug}" was removed meanwhile.`);
    if (!added.ok)
      throw conflict(
        `Version ${added.latest} of "${slug}" was published by someone else just now; publish again to make the next one.`,
        { latestVersion: added.latest },
      );
    return this.managerView(added.app, added.version, draft.content);
  }

  /** GET /api/apps/:slug/versions: newest first, with who published each, when, and what. Owner and admins. */
  async listVersions(who: Principal, slug: string): Promise<AppVersionView[]> {
    const app = await this.access.check(who, slug, 'inspect');
    const versions = await this.deps.apps.listVersions(app.id);
    const names = await userNames(
      this.deps.users,
      versions.map((v) => v.publishedBy),
    );
    return versions.map((v) => versionView(v, app, names.get(v.publishedBy)!));
  }

  /** POST /api/apps/:slug/rollback: an earlier (or later) existing version becomes current. */
  async rollback(who: Principal, slug: string, version: number): Promise<AppManagerView> {
    const app = await this.access.check(who, slug, 'manage');
    if (app.unpublishedAt)
      throw conflict(`App "${slug}" is unpublished; publish a new version to bring it back, then roll back.`);
    if (version === app.currentVersion)
      throw badRequest(`version: ${version} is already the current version of "${slug}".`, { field: 'version' });
    const target = await this.deps.apps.getVersion(app.id, version);
    if (!target) throw badRequest(`version: "${slug}" has no version ${version}.`, { field: 'version' });
    await this.deps.audit?.record({
      action: 'app.rollback',
      actor: who,
      target: { type: 'app', id: app.id, name: app.slug },
      details: { fromVersion: app.currentVersion, toVersion: version, contentHash: target.contentHash },
    });
    const moved = await this.deps.apps.setCurrentVersion(app.id, version, this.nowIso());
    if (!moved) throw conflict(`App "${slug}" changed meanwhile; try again.`);
    return this.managerView(moved, target, target.content);
  }

  /**
   * GET /api/apps: the apps `who` may open (published ones; with `unpublished`, also the unpublished apps they
   * manage). Managers get their apps' manager summary, everyone else the redacted one.
   */
  async list(who: Principal, opts: { unpublished?: boolean } = {}): Promise<(AppSummaryView | AppManagerSummaryView)[]> {
    this.access.assertCanList(who);
    const apps = (await this.deps.apps.list()).filter(
      (a) => this.access.opens(who, a) && (!a.unpublishedAt || (opts.unpublished && this.access.manages(who, a))),
    );
    const owners = await userNames(
      this.deps.users,
      apps.map((a) => a.ownerId),
    );
    const notebookOf = new Map<string, string>();
    for (const a of apps.filter((x) => this.access.manages(who, x))) {
      const v = await this.deps.apps.getVersion(a.id, a.currentVersion);
      if (v) notebookOf.set(a.id, v.notebookId);
    }
    return apps.map((a) => {
      const ownerName = owners.get(a.ownerId)!;
      if (!this.access.manages(who, a)) return redactAppSummary(a, { ownerName, canManage: false });
      const summary: AppManagerSummaryView = {
        ...redactAppSummary(a, { ownerName, canManage: true }),
        canManage: true,
        ownerId: a.ownerId,
        notebookId: notebookOf.get(a.id) ?? '',
        access: { mode: a.access.mode, users: [...a.access.users] },
        unpublishedAt: a.unpublishedAt,
      };
      return summary;
    });
  }

  /** GET /api/apps/:slug: the redacted app, or the manager view for its owner and admins. */
  async get(who: Principal, slug: string): Promise<AppView | AppManagerView> {
    const app = await this.access.check(who, slug, 'open');
    const version = await this.currentVersion(app);
    if (this.access.manages(who, app)) return this.managerView(app, version, version.content);
    return redactApp(app, version, version.content, { ownerName: await this.ownerName(app), canManage: false });
  }

  /** PATCH /api/apps/:slug: title, description, access, cache (no new version). */
  async update(who: Principal, slug: string, patch: UpdateApp): Promise<AppManagerView> {
    const app = await this.access.check(who, slug, 'manage');
    const settings: AppSettingsPatch = {
      ...(patch.title !== undefined ? { title: patch.title } : {}),
      ...(patch.description !== undefined ? { description: patch.description } : {}),
      ...(patch.access !== undefined ? { access: await this.checkAccess(patch.access, app.ownerId) } : {}),
      ...(patch.cache !== undefined ? { cache: patch.cache } : {}),
    };
    const changes: Record<string, unknown> = {};
    if (settings.title !== undefined && settings.title !== app.title)
      changes.title = { from: app.title, to: settings.title };
    if (settings.description !== undefined && settings.description !== app.description)
      changes.description = { changed: true };
    if (settings.access) changes.access = { from: accessDetails(app.access), to: accessDetails(settings.access) };
    if (settings.cache) changes.cache = { from: app.cache.maxAgeSeconds, to: settings.cache.maxAgeSeconds };
    await this.deps.audit?.record({
      action: 'app.update',
      actor: who,
      target: { type: 'app', id: app.id, name: app.slug },
      details: changes,
    });
    const updated = await this.deps.apps.update(app.id, settings, this.nowIso());
    if (!updated) throw conflict(`App "${slug}" was removed meanwhile.`);
    const version = await this.currentVersion(updated);
    return this.managerView(updated, version, version.content);
  }

  /** DELETE /api/apps/:slug: unpublish (the record, versions and slug stay; a new version publishes it again). */
  async unpublish(who: Principal, slug: string): Promise<void> {
    const app = await this.access.check(who, slug, 'manage');
    if (app.unpublishedAt) throw conflict(`App "${slug}" is already unpublished.`);
    await this.deps.audit?.record({
      action: 'app.unpublish',
      actor: who,
      target: { type: 'app', id: app.id, name: app.slug },
      details: { version: app.currentVersion, ownerId: app.ownerId, title: app.title },
    });
    if (!(await this.deps.apps.unpublish(app.id, who.id, this.nowIso())))
      throw conflict(`App "${slug}" is already unpublished.`);
  }

  /** The version a publish makes from the notebook as saved now. */
  private async snapshot(
    who: Principal,
    notebook: NotebookRecord,
    cells: readonly VisibleCell[],
    refinements: readonly ParamRefinement[],
    cache: AppCache,
    carried: { cells?: number; params?: number } = {},
  ): Promise<NewAppVersion> {
    const content = notebook.content;
    const visible = checkVisibleCells(content, cells, { carriedFrom: carried.cells });
    const params = buildParamSpecs(inferParameters(content), refinements, { carriedFrom: carried.params });
    const files = await this.filesOf(notebook.id);
    return {
      notebookId: notebook.id,
      notebookVersion: notebook.version,
      content,
      contentHash: contentHash(content),
      cells: visible,
      params,
      paramRefinements: refinements.map((r) => structuredClone(r)),
      cache: { maxAgeSeconds: cache.maxAgeSeconds },
      files,
      publishedBy: who.id,
      publishedAt: this.nowIso(),
    };
  }

  private async filesOf(notebookId: string): Promise<AppFileRecord[]> {
    const listed = await this.deps.files.list(notebookId);
    const files = await Promise.all(listed.map((f) => this.deps.files.get(notebookId, f.path)));
    return files.flatMap((f) => (f ? [{ path: f.path, size: f.data.length, sha256: f.sha256, data: f.data }] : []));
  }

  /**
   * An access setting as saved: `users` only with mode `users`; each listed once, an existing enabled account, not
   * the owner (who always has access). A 400 names `access.users[i]`.
   */
  private async checkAccess(input: { mode: AppAccess['mode']; users?: string[] } | undefined, ownerId: string) {
    if (!input) return { ...DEFAULT_ACCESS, users: [] };
    const users = input.users ?? [];
    if (input.mode !== 'users' && users.length)
      throw badRequest(`access.users: a list of users goes with mode "users", not "${input.mode}".`, {
        field: 'access.users',
      });
    const seen = new Set<string>();
    for (const [i, id] of users.entries()) {
      const field = `access.users[${i}]`;
      if (seen.has(id)) throw badRequest(`${field}: user "${id}" is listed twice.`, { field, userId: id });
      seen.add(id);
      if (id === ownerId)
        throw badRequest(`${field}: the owner always has access; leave them out of the list.`, { field, userId: id });
      const user = await this.deps.users.getById(id);
      if (!user) throw badRequest(`${field}: unknown user "${id}".`, { field, userId: id });
      if (user.disabled)
        throw badRequest(`${field}: ${user.name || user.email}'s account is disabled.`, { field, userId: id });
    }
    return { mode: input.mode, users: [...users] };
  }

  private async currentVersion(app: AppRecord) {
    const version = await this.deps.apps.getVersion(app.id, app.currentVersion);
    if (!version) throw new Error(`App ${app.slug} has no version ${app.currentVersion}`);
    return version;
  }

  private async ownerName(app: AppRecord): Promise<string> {
    return (await userNames(this.deps.users, [app.ownerId])).get(app.ownerId)!;
  }

  private async managerView(app: AppRecord, version: AppVersionSummary, snapshot: Notebook): Promise<AppManagerView> {
    const names = await userNames(this.deps.users, [app.ownerId, version.publishedBy]);
    return {
      ...redactApp(app, version, snapshot, { ownerName: names.get(app.ownerId)!, canManage: true }),
      canManage: true,
      id: app.id,
      ownerId: app.ownerId,
      notebookId: version.notebookId,
      access: { mode: app.access.mode, users: [...app.access.users] },
      createdAt: app.createdAt,
      unpublishedAt: app.unpublishedAt,
      current: versionView(version, app, names.get(version.publishedBy)!),
    };
  }

  private nowIso(): string {
    return new Date((this.deps.now ?? Date.now)()).toISOString();
  }
}

/** sha256 (hex) of the notebook's RFC 8785 canonical JSON: equal documents, equal hashes, whatever the key order. */
export function contentHash(nb: Notebook): string {
  return createHash('sha256')
    .update(canonicalJson(nb as unknown as AuditJson), 'utf8')
    .digest('hex');
}

function versionView(v: AppVersionSummary, app: AppRecord, publishedByName: string): AppVersionView {
  return {
    version: v.version,
    current: v.version === app.currentVersion,
    notebookId: v.notebookId,
    notebookVersion: v.notebookVersion,
    contentHash: v.contentHash,
    cells: v.cells.map((c) => ({ ...c })),
    params: structuredClone(v.params),
    cache: { ...v.cache },
    files: v.files.map((f) => ({ path: f.path, size: f.size, sha256: f.sha256 })),
    publishedBy: v.publishedBy,
    publishedByName,
    publishedAt: v.publishedAt,
  };
}

function versionDetails(version: number, v: NewAppVersion): Record<string, unknown> {
  return {
    version,
    notebookId: v.notebookId,
    notebookVersion: v.notebookVersion,
    contentHash: v.contentHash,
    cells: v.cells.map((c) => `${c.id}:${c.show}`),
    params: v.params.map((p) => p.name),
    files: v.files.map((f) => f.path),
    cache: v.cache.maxAgeSeconds,
  };
}

const accessDetails = (a: AppAccess) => ({ mode: a.mode, users: [...a.users] });

function slugTaken(slug: string) {
  return badRequest(
    `slug: "${slug}" is taken (slugs are never reused, also after an app is unpublished); choose another.`,
    { field: 'slug' },
  );
}
