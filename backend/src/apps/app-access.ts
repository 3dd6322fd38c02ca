import type { AuditRecorder } from '../audit/audit.service';
import type { Principal, TokenScope } from '../contracts/principal';
import { forbidden, notFound } from '../errors';
import type { AppRecord, AppRepository } from '../store/store';
import { hasScope, requireScope } from '../users/scopes';

/**
 * Who may do what with an app: the one rule every app route (and, next, app runs and results) asks.
 *
 * - Its owner (an author or admin) and every admin manage it: settings, versions, rollback, unpublish. A demoted owner
 *   (now a viewer) no longer manages it, and opens it as anyone else would.
 * - Opening it (the app, later its results and runs) follows its access mode: `private` owner and admins only;
 *   `users` also the listed users (viewers or authors); `signed_in` everyone signed in. Having access to the
 *   notebook gives none to the app, and the reverse: viewers never reach notebooks (notebooks/notebook-access.ts).
 * - An unpublished app opens for its managers only (to publish it again, or read its history).
 * - Someone who may not open it gets 404, as for a slug that does not exist: existence does not leak. Someone who may
 *   open it but not manage it gets 403 on management.
 * - API tokens also need a scope, checked once the app is found visible (so a token without access still gets 404):
 *   `apps:read` to open it and read its versions; `notebooks:write` to publish and manage — publishing snapshots a
 *   notebook, which that scope already lets a token save and share, and no `apps:*` scope may change an app (a
 *   leaked `apps:read`/`apps:run` token of a viewer's dashboard must never republish or unpublish anything).
 *
 * Denials of an existing app are recorded (`access.denied`), as for notebooks; unknown slugs are not.
 */
export type AppAction = 'open' | 'inspect' | 'manage';

const SCOPE_OF: Record<AppAction, TokenScope> = {
  open: 'apps:read',
  inspect: 'apps:read',
  manage: 'notebooks:write',
};

export interface AppAccessDeps {
  apps: Pick<AppRepository, 'getBySlug'>;
  /** The audit trail (`access.denied`). Default: nothing recorded. */
  audit?: AuditRecorder;
}

export class AppAccessRules {
  constructor(private readonly deps: AppAccessDeps) {}

  /** Owner (still an author or admin) or admin. */
  manages(who: Pick<Principal, 'id' | 'role'>, app: Pick<AppRecord, 'ownerId'>): boolean {
    return who.role === 'admin' || (who.role === 'author' && app.ownerId === who.id);
  }

  /** Whether `who` may open the app (its access mode; unpublished: managers only). Scopes aside. */
  opens(who: Pick<Principal, 'id' | 'role'>, app: Pick<AppRecord, 'ownerId' | 'access' | 'unpublishedAt'>): boolean {
    if (this.manages(who, app)) return true;
    if (app.unpublishedAt) return false;
    switch (app.access.mode) {
      case 'private':
        return false;
      case 'users':
        return app.access.users.includes(who.id);
      case 'signed_in':
        return true;
    }
  }

  /** May a token list apps at all (sessions always may). */
  assertCanList(who: Principal): void {
    requireScope(who, 'apps:read');
  }

  /** The app, if `who` may do `action` with it: 404 when missing or not theirs to open, 403 otherwise. */
  async check(who: Principal, slug: string, action: AppAction): Promise<AppRecord> {
    const app = await this.deps.apps.getBySlug(slug);
    if (!app) throw notFound('App');
    if (!this.opens(who, app)) return this.deny(who, app, action, 404, 'no_access');
    if (!hasScope(who, SCOPE_OF[action])) return this.deny(who, app, action, 403, 'scope');
    if (action !== 'open' && !this.manages(who, app)) return this.deny(who, app, action, 403, 'not_owner');
    return app;
  }

  private async deny(
    who: Principal,
    app: AppRecord,
    action: AppAction,
    status: 403 | 404,
    reason: 'no_access' | 'scope' | 'not_owner',
  ): Promise<never> {
    await this.deps.audit?.record({
      action: 'access.denied',
      actor: who,
      target: { type: 'app', id: app.id, name: app.slug },
      details: { attempted: `app.${action}`, status, reason, ownerId: app.ownerId },
    });
    if (reason === 'no_access') throw notFound('App');
    if (reason === 'scope') {
      requireScope(who, SCOPE_OF[action]);
      throw forbidden(); // unreachable: requireScope threw
    }
    throw forbidden(`Only the owner of the app "${app.slug}" (or an admin) can change it or see its versions.`);
  }
}
