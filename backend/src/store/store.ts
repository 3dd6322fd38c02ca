import type { AppAccess, AppCache, AppParamSpec, ParamRefinement, VisibleCell } from '../contracts/apps';
import type { AuditEvent } from '../contracts/audit';
import type { Notebook } from '../contracts/nbformat';
import type { Role, TokenScope } from '../contracts/principal';
import type { RunRecord, RunStatus } from '../contracts/runs';

export type { Role } from '../contracts/principal';
export type { CellResult, KernelEnvironment, RunRecord, RunStatus, RunTrigger } from '../contracts/runs';

/**
 * The store interface. Two adapters implement it: store/sqlite (embedded default) and, later, store/mongo.
 * Records are plain, document-shaped objects; no query language leaks out of an adapter.
 * All methods are async so a network database can implement them unchanged.
 * Timestamps are ISO-8601 strings (UTC).
 */

export interface UserRecord {
  id: string;
  email: string; // stored lower-case, unique
  name: string;
  role: Role;
  /** scrypt, see users/password.ts; null while the account has no password (invited, single sign-on, service account). */
  passwordHash: string | null;
  /** A disabled account cannot sign in; its sessions, tokens and open sockets stop at once. */
  disabled: boolean;
  createdAt: string;
  /** The last successful sign-in; null before the first. */
  lastLoginAt: string | null;
}
/** What `UserRepository.create` takes: the rest (createdAt, lastLoginAt, disabled false) is set by the adapter. */
export type NewUserRecord = Pick<UserRecord, 'id' | 'email' | 'name' | 'role' | 'passwordHash'> & {
  disabled?: boolean;
};
/** The fields of an account that change after it is created (`email`: 409 conflict when taken). */
export type UserPatch = Partial<
  Pick<UserRecord, 'email' | 'name' | 'role' | 'disabled' | 'passwordHash' | 'lastLoginAt'>
>;
/**
 * The outcome of `UserRepository.update`: the updated user; `last_admin` when the guard refused it (nothing written);
 * null when there is no such user.
 */
export type UserUpdateResult = { ok: true; user: UserRecord } | { ok: false; reason: 'last_admin' } | null;

export interface SessionRecord {
  id: string; // sha256 of the cookie token; the token itself is never stored
  userId: string;
  createdAt: string;
  /** Absolute expiry (sign-in + the maximum session length), whatever the activity. */
  expiresAt: string;
  /** The last request seen, written at most about once a minute (users/auth.service.ts); idle expiry counts from it. */
  lastSeenAt: string;
}

/** Live sessions of one user: how many and the latest activity (the admin's Users page). */
export interface SessionActivity {
  userId: string;
  sessions: number;
  lastSeenAt: string;
}

export interface NotebookSummary {
  id: string;
  name: string;
  ownerId: string;
  version: number;
  cellCount: number;
  createdAt: string;
  updatedAt: string;
}
export interface NotebookRecord extends NotebookSummary {
  content: Notebook;
}
/**
 * One entry of a notebook's history. A revision holds one save, or one burst of saves by the same user (see
 * RevisionPolicy): `version` is the notebook version of its last save, `startedAt` when the burst began.
 */
export interface RevisionSummary {
  notebookId: string;
  version: number;
  savedBy: string;
  /** The first save this revision holds (= savedAt for a single save). */
  startedAt: string;
  /** The last save this revision holds. */
  savedAt: string;
  /** Creation, an explicit checkpoint or a restore: never replaced by a later save, pruned last. */
  checkpoint: boolean;
}
export interface RevisionRecord extends RevisionSummary {
  name: string;
  content: Notebook;
}

/** The fields of a run that change after it is created. */
export type RunPatch = Partial<Omit<RunRecord, 'id' | 'notebookId' | 'notebookVersion' | 'createdAt' | 'heartbeatAt'>>;

/** The condition a compare-and-set write of a run holds to: its status is one of `status`, and its attempt is `attemptId` when given. */
export interface RunGuard {
  status: readonly RunStatus[];
  attemptId?: string;
}

export interface UserRepository {
  /** 409 conflict on a taken email (case-insensitive). */
  create(user: NewUserRecord): Promise<UserRecord>;
  getById(id: string): Promise<UserRecord | null>;
  getByEmail(email: string): Promise<UserRecord | null>;
  list(): Promise<UserRecord[]>;
  count(): Promise<number>;
  /**
   * Shallow-patches the user. With `guard.activeAdminRemains`, atomically refuses (`last_admin`, nothing written) a
   * patch after which no account would be an enabled admin — two admins demoting each other at once cannot both win.
   */
  update(id: string, patch: UserPatch, guard?: { activeAdminRemains?: boolean }): Promise<UserUpdateResult>;
}

export interface SessionRepository {
  create(session: SessionRecord): Promise<void>;
  get(id: string): Promise<SessionRecord | null>;
  delete(id: string): Promise<void>;
  /** Deletes sessions past their absolute expiry (`expiresAt <= now`) or idle since before `idleBefore`. */
  deleteExpired(now: string, idleBefore?: string): Promise<number>;
  /** Records activity: `lastSeenAt = at`. */
  touch(id: string, at: string): Promise<void>;
  /** Ends every session of the user (but `except`, the caller's own); returns how many. */
  deleteByUser(userId: string, opts?: { except?: string }): Promise<number>;
  /** Per user with live sessions (not expired at `now`, seen since `idleBefore`): how many and the latest activity. */
  activity(now: string, idleBefore: string): Promise<SessionActivity[]>;
}

/**
 * A one-time set-password link: an invitation for a new account, or an admin's password reset. Only the sha256 of the
 * link's secret is stored.
 */
export interface InviteRecord {
  /** sha256 (hex) of the secret in the link. */
  id: string;
  userId: string;
  purpose: 'invite' | 'reset';
  /** The admin who made it. */
  createdBy: string;
  createdAt: string;
  expiresAt: string;
  /** When it was used; a used link never works again. */
  usedAt: string | null;
}

/** Set-password links. One live link per user: a new one replaces the user's unused ones. */
export interface InviteRepository {
  /** Stores the link and deletes the user's other unused links, atomically. */
  create(invite: Omit<InviteRecord, 'usedAt'>): Promise<void>;
  /** The link while it is unused and not expired at `now`; null otherwise. */
  getLive(id: string, now: string): Promise<InviteRecord | null>;
  /** Marks the link used if it is live at `now` (compare-and-set: only one of two racing uses wins); null otherwise. */
  consume(id: string, now: string): Promise<InviteRecord | null>;
  /**
   * Every unused link, expired ones too (the Users page shows a pending invitation, or that its link expired and a new
   * one is needed). At most one per user.
   */
  listUnused(): Promise<InviteRecord[]>;
  /** Deletes the user's unused links; returns how many. */
  revokeForUser(userId: string): Promise<number>;
}

/**
 * How a save enters the history. The rule and its numbers belong to NotebookService; the adapter applies them in the
 * same transaction as the save:
 * - `checkpoint`: the save is a new revision, and a later save never replaces it.
 * - otherwise, the save replaces the latest revision when that one is by the same user, is not a checkpoint, no run
 *   was made from it, and its burst started less than `coalesceWithinMs` before `at` (0: never replace);
 * - then, beyond `keep` revisions, the oldest are deleted: first those neither checkpoints nor used by a run, then
 *   the others; the revision of this save is always kept.
 */
export interface RevisionPolicy {
  /** The time of this save (ISO-8601); also the notebook's `updatedAt`. */
  at: string;
  checkpoint: boolean;
  coalesceWithinMs: number;
  /** At most this many revisions per notebook (≥ 1). */
  keep: number;
}

export type UpdateResult = { ok: true; notebook: NotebookRecord } | { ok: false; current: NotebookRecord };

export interface NotebookRepository {
  list(): Promise<NotebookSummary[]>;
  get(id: string): Promise<NotebookRecord | null>;
  /** Creates version 1 and its first revision (a checkpoint), atomically. */
  create(input: { id: string; name: string; ownerId: string; content: Notebook }): Promise<NotebookRecord>;
  /**
   * Saves a new version if `expectedVersion` is the current one and records it in the history as `revision` says,
   * atomically; otherwise returns the current record untouched. Null when the notebook does not exist.
   */
  update(
    id: string,
    expectedVersion: number,
    change: { name: string; content: Notebook },
    savedBy: string,
    revision: RevisionPolicy,
  ): Promise<UpdateResult | null>;
  /**
   * Deletes the notebook by archiving it: from then on no method here returns it or its revisions (as if it were
   * gone), its files and access list are deleted, and its runs stay (RunRepository still returns them: the audit
   * trail outlives the notebook). False when it did not exist or was already deleted.
   */
  delete(id: string, deletion: { by: string; at: string }): Promise<boolean>;
  /** Newest first. */
  listRevisions(id: string): Promise<RevisionSummary[]>;
  getRevision(id: string, version: number): Promise<RevisionRecord | null>;
}

/**
 * Runs. Every write after `create` is a compare-and-set on one record: it applies only while the run is in the
 * state the caller expects, atomically (one transaction in SQLite, one conditional update in MongoDB), so two
 * workers racing on one run cannot both move it. Which moves are allowed is runs/run-state.ts's rule, not the adapter's.
 */
export interface RunRepository {
  create(run: RunRecord): Promise<void>;
  get(id: string): Promise<RunRecord | null>;
  /**
   * Shallow-patches the run if `guard` holds; returns the updated run, or null when it does not hold or the run does
   * not exist (e.g. its notebook was deleted).
   */
  transition(id: string, guard: RunGuard, patch: RunPatch): Promise<RunRecord | null>;
  /**
   * Records a sign of life (`heartbeatAt = at`) of the running attempt `attemptId`, without rewriting the document.
   * Returns the run as it is now, or null when the run no longer runs under that attempt.
   */
  heartbeat(id: string, attemptId: string, at: string): Promise<Pick<RunRecord, 'status' | 'cancelRequestedAt'> | null>;
  /** Runs still `queued` or `running`, oldest first (for the reconciler). */
  listUnfinished(limit: number): Promise<RunRecord[]>;
  listByNotebook(notebookId: string, limit: number): Promise<RunRecord[]>;
}

/** One file of a notebook's folder (notebook-files/). `path` is normalized by the service ("data/positions.csv"). */
export interface NotebookFileSummary {
  notebookId: string;
  path: string;
  size: number;
  /** Hex sha256 of the bytes. */
  sha256: string;
  updatedAt: string;
  /** User id of the last writer. */
  updatedBy: string;
}
export interface NotebookFileRecord extends NotebookFileSummary {
  data: Buffer;
}

/**
 * The files of each notebook, stored in the database (not on a local disk) so every web and worker machine sees the
 * same ones. Deleting a notebook deletes its files.
 */
export interface NotebookFileRepository {
  /** Sorted by path; no data. */
  list(notebookId: string): Promise<NotebookFileSummary[]>;
  get(notebookId: string, path: string): Promise<NotebookFileRecord | null>;
  /** Creates or replaces the file; `created` says which. Null when the notebook does not exist (nothing stored). */
  put(file: NotebookFileRecord): Promise<{ file: NotebookFileSummary; created: boolean } | null>;
  /** False when there was no such file. */
  delete(notebookId: string, path: string): Promise<boolean>;
}

/**
 * A user's account at an OpenID Connect provider: (issuer, subject) is who they are there, whatever their email is
 * now. At most one Folio user per (issuer, subject).
 */
export interface UserIdentityRecord {
  issuer: string;
  subject: string;
  userId: string;
  /** The email the provider last gave (informational; the link is the subject). */
  email: string | null;
  createdAt: string;
  lastSignInAt: string;
}

export interface UserIdentityRepository {
  get(issuer: string, subject: string): Promise<UserIdentityRecord | null>;
  /** Links (issuer, subject) to the user; false (nothing written) when that pair is linked already. */
  create(identity: UserIdentityRecord): Promise<boolean>;
  /** Oldest first. */
  listByUser(userId: string): Promise<UserIdentityRecord[]>;
  recordSignIn(issuer: string, subject: string, at: string, email: string | null): Promise<void>;
}

/**
 * A single sign-on in progress, between the redirect to the provider and its callback (users/oidc.service.ts). The
 * browser holds only a random id in a cookie; `id` is its sha256.
 */
export interface OidcLoginRecord {
  id: string;
  state: string;
  nonce: string;
  /** PKCE code_verifier: a secret until the code is exchanged. */
  codeVerifier: string;
  /** Where to go after signing in: a same-origin path. */
  next: string;
  createdAt: string;
  expiresAt: string;
}

export interface OidcLoginRepository {
  create(login: OidcLoginRecord): Promise<void>;
  /** Returns the login and deletes it, atomically: each one is used at most once, also with two callbacks at once. */
  take(id: string): Promise<OidcLoginRecord | null>;
  /** Deletes those with `expiresAt <= now`; returns how many. */
  deleteExpired(now: string): Promise<number>;
}

/** One event of the audit trail as stored: exactly what the API shows (contracts/audit.ts). */
export type AuditEventRecord = AuditEvent;

/** Which events `AuditRepository.list` returns; every given field must match (AND). */
export interface AuditFilter {
  /** The actor's user id, email (any case) or token id. */
  actor?: string;
  /** Any of these actions. */
  actions?: readonly string[];
  targetType?: string;
  targetId?: string;
  /** `at >= from` (ISO-8601 UTC). */
  from?: string;
  /** `at < to` (ISO-8601 UTC). */
  to?: string;
}

/**
 * The audit trail: append-only — there is no update and no delete. Events form one hash chain ordered by `seq`
 * (1, 2, 3…, no gaps); the chain rule (what `hash` covers) belongs to audit/audit-chain.ts, the adapter stores the
 * fields verbatim. Appending is a compare-and-set on the chain's head, so writers in several processes never fork it.
 */
export interface AuditRepository {
  /** The newest event's `seq` and `hash`, or null for an empty trail. */
  head(): Promise<{ seq: number; hash: string } | null>;
  /**
   * Appends `event` if it extends the current head: `event.seq` is the head's `seq + 1` (1 when empty) and
   * `event.prevHash` is the head's hash. Otherwise stores nothing and returns false (read the head again, relink, retry).
   */
  append(event: AuditEventRecord): Promise<boolean>;
  /** Matching events, newest first (by `seq`), only those with `seq < beforeSeq` when given; at most `limit`. */
  list(filter: AuditFilter, page: { beforeSeq?: number; limit: number }): Promise<AuditEventRecord[]>;
  /** The chain in order, for verification: events with `seq > afterSeq`, oldest first, at most `limit`. */
  chain(afterSeq: number, limit: number): Promise<AuditEventRecord[]>;
}

/**
 * An API token (users/tokens.service.ts). The secret itself is never stored, only its sha256; revoked tokens stay
 * (with `revokedAt`) as evidence of what existed.
 */
export interface ApiTokenRecord {
  id: string;
  /** sha256 (hex) of the secret; unique. */
  secretHash: string;
  /** The owner: the token acts as this user, never beyond their rights. */
  userId: string;
  name: string;
  scopes: TokenScope[];
  /** Who made it: the owner, or an admin for a service account. */
  createdBy: string;
  createdAt: string;
  expiresAt: string;
  /** Written at most about once a minute, not per request. */
  lastUsedAt: string | null;
  revokedAt: string | null;
  revokedBy: string | null;
}

export interface ApiTokenRepository {
  create(token: ApiTokenRecord): Promise<void>;
  getById(id: string): Promise<ApiTokenRecord | null>;
  getBySecretHash(secretHash: string): Promise<ApiTokenRecord | null>;
  /** Newest first; one user's tokens, or everyone's without `userId`. */
  list(filter?: { userId?: string }): Promise<ApiTokenRecord[]>;
  /** Marks the token revoked if it is not yet (compare-and-set); the revoked record, or null when it was not live. */
  revoke(id: string, at: string, by: string): Promise<ApiTokenRecord | null>;
  /** `lastUsedAt = at` unless it is already `at` or later. */
  touch(id: string, at: string): Promise<void>;
}

/** What a user it is shared with may do with a notebook (its owner and admins may do everything). */
export type NotebookPermission = 'read' | 'edit';

/** One entry of a notebook's access list: a named user and what they may do (notebooks/notebook-access.ts). */
export interface NotebookShare {
  notebookId: string;
  userId: string;
  permission: NotebookPermission;
  /** Who last set this entry (user id) and when; unchanged entries keep theirs when the list is replaced. */
  grantedBy: string;
  grantedAt: string;
}

/**
 * Notebook access lists (sharing). The rules (who may share, with whom) are notebooks/notebook-access.ts's; a
 * document store may keep the list inside the notebook's document. Archiving a notebook deletes its list.
 */
export interface NotebookShareRepository {
  /** The notebook's list, oldest grant first. */
  list(notebookId: string): Promise<NotebookShare[]>;
  get(notebookId: string, userId: string): Promise<NotebookShare | null>;
  /** Every notebook shared with the user. */
  listForUser(userId: string): Promise<NotebookShare[]>;
  /**
   * Replaces the whole list atomically (one entry per user: the last one given wins). An entry whose user and
   * permission were already there keeps its grantedBy/grantedAt; others get `by`/`at`. Returns the new list, or null
   * when the notebook does not exist or is archived (nothing changed).
   */
  replace(
    notebookId: string,
    entries: ReadonlyArray<{ userId: string; permission: NotebookPermission }>,
    by: string,
    at: string,
  ): Promise<NotebookShare[] | null>;
}

/**
 * A published app (apps/app.service.ts): a slug that names it for ever, its settings, and which of its versions is
 * current. Unpublishing keeps the record and its versions (`unpublishedAt`); the slug stays the app's.
 */
export interface AppRecord {
  id: string;
  /** Unique across every app ever published, unpublished ones included. */
  slug: string;
  title: string;
  description: string;
  ownerId: string;
  currentVersion: number;
  access: AppAccess;
  cache: AppCache;
  createdAt: string;
  updatedAt: string;
  unpublishedAt: string | null;
  unpublishedBy: string | null;
}

/** One file of a version's snapshot: a copy of the notebook's file at publish time. */
export interface AppFileSummary {
  path: string;
  size: number;
  /** Hex sha256 of the bytes. */
  sha256: string;
}
export interface AppFileRecord extends AppFileSummary {
  data: Buffer;
}

/** An app version as stored, without the notebook snapshot. Immutable once written. */
export interface AppVersionSummary {
  appId: string;
  version: number;
  notebookId: string;
  /** The notebook's version the snapshot was taken from. */
  notebookVersion: number;
  /** sha256 (hex) of the snapshot's canonical JSON. */
  contentHash: string;
  cells: VisibleCell[];
  /** The specs in force (inferred + refined). */
  params: AppParamSpec[];
  /** The author's refinements as given (carried over to the next version when it gives none). */
  paramRefinements: ParamRefinement[];
  cache: AppCache;
  files: AppFileSummary[];
  publishedBy: string;
  publishedAt: string;
}
export interface AppVersionRecord extends AppVersionSummary {
  /** The notebook as it was saved when this version was published. */
  content: Notebook;
}

/** What a new version carries; its number is the adapter's to give. */
export type NewAppVersion = Omit<AppVersionRecord, 'appId' | 'version' | 'files'> & { files: AppFileRecord[] };
/** The app's settings a version publish or PATCH may change. */
export type AppSettingsPatch = Partial<Pick<AppRecord, 'title' | 'description' | 'access' | 'cache'>>;

/**
 * Apps and their versions. Versions are immutable: no method changes or deletes one. Numbering is the adapter's,
 * atomically: two versions published at once get distinct numbers (both kept, the later current), never one twice.
 */
export interface AppRepository {
  /**
   * Creates the app with `version` as its version 1 (current), atomically. `slug_taken` (nothing written) when any app,
   * unpublished ones included, has that slug.
   */
  create(
    app: Omit<AppRecord, 'currentVersion' | 'updatedAt' | 'unpublishedAt' | 'unpublishedBy'>,
    version: NewAppVersion,
  ): Promise<{ ok: true; app: AppRecord; version: AppVersionSummary } | { ok: false; reason: 'slug_taken' }>;
  getBySlug(slug: string): Promise<AppRecord | null>;
  /** Every app, unpublished ones included, oldest first. */
  list(): Promise<AppRecord[]>;
  /**
   * Appends the next version (max + 1), makes it current, applies `settings`, clears `unpublishedAt` and sets
   * `updatedAt = version.publishedAt`, atomically. With `expectedNumber`, a compare-and-set: when the next number is
   * not that one (another version was published meanwhile) nothing is written and `version_taken` says the latest.
   * Null when the app does not exist.
   */
  addVersion(
    appId: string,
    version: NewAppVersion,
    settings: AppSettingsPatch,
    expectedNumber?: number,
  ): Promise<
    { ok: true; app: AppRecord; version: AppVersionSummary } | { ok: false; reason: 'version_taken'; latest: number } | null
  >;
  /** Newest first. */
  listVersions(appId: string): Promise<AppVersionSummary[]>;
  getVersion(appId: string, version: number): Promise<AppVersionRecord | null>;
  /** The version's file snapshot, with the bytes, sorted by path (what an app run copies into its working dir). */
  getVersionFiles(appId: string, version: number): Promise<AppFileRecord[]>;
  /** Makes an existing version current. Null when the app or that version does not exist. */
  setCurrentVersion(appId: string, version: number, at: string): Promise<AppRecord | null>;
  /** Applies the settings; null when the app does not exist. */
  update(appId: string, settings: AppSettingsPatch, at: string): Promise<AppRecord | null>;
  /** Marks the app unpublished if it is not yet (compare-and-set); null when it does not exist or already was. */
  unpublish(appId: string, by: string, at: string): Promise<AppRecord | null>;
}

/** Small key/value for one-off markers (e.g. "examples seeded"). */
export interface MetaRepository {
  get(key: string): Promise<string | null>;
  set(key: string, value: string): Promise<void>;
}

export interface Store {
  users: UserRepository;
  sessions: SessionRepository;
  invites: InviteRepository;
  notebooks: NotebookRepository;
  runs: RunRepository;
  notebookFiles: NotebookFileRepository;
  userIdentities: UserIdentityRepository;
  oidcLogins: OidcLoginRepository;
  audit: AuditRepository;
  apiTokens: ApiTokenRepository;
  notebookShares: NotebookShareRepository;
  apps: AppRepository;
  meta: MetaRepository;
  /** Cheap liveness probe for /readyz. Throws when the store is unusable. */
  ping(): Promise<void>;
  close(): Promise<void>;
}
