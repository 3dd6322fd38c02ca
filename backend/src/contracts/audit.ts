/**
 * The audit trail's shapes (issue 9), shared by the audit service, the store and the frontend (types and one list).
 *
 * Action names are `area.verb`. The list is the contract of `GET /api/audit?action=`: a new action is appended here
 * (never renamed), by the helper whose area it belongs to.
 */
export const AUDIT_ACTIONS = [
  // Sign-in (users, oidc).
  'auth.login',
  'auth.login_failed',
  'auth.logout',
  // Users and roles (users).
  'user.create',
  'user.update',
  'user.disable',
  // Notebooks (notebooks: create/update/delete/import here; share by access).
  'notebook.create',
  'notebook.update',
  'notebook.delete',
  'notebook.import',
  'notebook.share',
  // Apps (apps: publish is also each new version; update is a settings change: title, description, access, cache).
  'app.publish',
  'app.rollback',
  'app.unpublish',
  'app.update',
  // Runs.
  'run.request',
  'run.cancel',
  // Schedules (issue 10).
  'schedule.create',
  'schedule.update',
  'schedule.delete',
  // API tokens (tokens).
  'token.create',
  'token.revoke',
  // A refused request (access).
  'access.denied',
] as const;
export type AuditAction = (typeof AUDIT_ACTIONS)[number];

export const isAuditAction = (s: string): s is AuditAction => (AUDIT_ACTIONS as readonly string[]).includes(s);

/** The areas (`notebook` of `notebook.create`), in list order: `?action=notebook.*` means every action of one. */
export const AUDIT_AREAS: readonly string[] = [...new Set(AUDIT_ACTIONS.map((a) => a.split('.')[0]!))];

/**
 * Who did it, as recorded (never a session id, a token's secret or a password):
 * - `user`: a signed-in user (browser session), or an internal caller acting for a user (no credential);
 * - `token`: an API token (`tokenId`) and its owner (`userId`, `email`, `name`, `role` at that time);
 * - `anonymous`: no one signed in (a failed sign-in: the email that was tried, if any);
 * - `system`: Folio itself (`name`: e.g. `scheduler`, `bootstrap`).
 */
export interface AuditActor {
  type: 'user' | 'token' | 'anonymous' | 'system';
  userId?: string;
  email?: string;
  name?: string;
  role?: 'admin' | 'author' | 'viewer';
  tokenId?: string;
  /** The token's scopes when `type` is `token`. */
  scopes?: string[];
}

/** What it was done to. `name` is the object's name at that time (it may be renamed or deleted later). */
export interface AuditTarget {
  type: string;
  id: string;
  name?: string;
}

/** JSON values only: what a details object may hold (it is hashed in its canonical JSON form). */
export type AuditJson = string | number | boolean | null | AuditJson[] | { [key: string]: AuditJson };

/** One event, as `GET /api/audit` returns it (`{events: AuditEvent[], next}`). */
export interface AuditEvent {
  id: string;
  /** Its position in the chain: 1, 2, 3… (gap-free). */
  seq: number;
  /** ISO-8601 UTC, milliseconds. */
  at: string;
  actor: AuditActor;
  /** The client's IP address, when the action came from a request. */
  ip: string | null;
  action: AuditAction;
  target: AuditTarget | null;
  details: Record<string, AuditJson>;
  /** Hex sha256 of the previous event (64 zeros for the first), and of this one (see audit/audit-chain.ts). */
  prevHash: string;
  hash: string;
}

/** `GET /api/audit/verify`: the chain is intact, or the first event where it breaks (and why). */
export type AuditVerification =
  | { intact: true; events: number; head: { seq: number; hash: string } | null }
  | {
      intact: false;
      /** Events checked and found sound before the break. */
      events: number;
      broken: {
        seq: number;
        id: string | null;
        at: string | null;
        reason: 'hash_mismatch' | 'prev_hash_mismatch' | 'missing_events';
        message: string;
      };
    };
