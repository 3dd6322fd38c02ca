import type { AuditRecorder } from '../audit/audit.service';
import type { Principal, TokenScope } from '../contracts/principal';
import { forbidden, notFound } from '../errors';
import type { NotebookRecord, NotebookRepository, NotebookShareRepository, NotebookSummary } from '../store/store';
import { hasScope, requireScope } from '../users/scopes';

/**
 * Who may do what with a notebook: the one place every service asks (notebooks, revisions, files, runs, live
 * kernels, Running kernels).
 *
 * - A notebook is private to its owner. Its owner shares it with named authors (or admins), each `read` or `edit`
 *   (NotebookService.setAccess); admins reach every notebook as if they owned it. The seeded example notebooks are
 *   readable by every author (templates: "Make a copy" to run one).
 * - read: open it, export it, its revisions, files and runs, their progress. edit: also save, rename, restore,
 *   upload/delete files, start runs and use a live kernel (which executes code). Owner/admin: also delete and share.
 *   Read-only sharers never execute code: no live kernel, no runs.
 * - Viewers use published apps, never notebooks: 403 on every notebook route whatever the id (nothing leaks, since
 *   the answer does not depend on the id).
 * - Someone the notebook is not shared with gets 404, as for an id that does not exist: existence does not leak.
 *   Someone who can see it but not do this gets 403.
 * - API tokens also need the scope: `notebooks:read` to read (or `notebooks:write`, which includes reading: a
 *   save answers with the notebook), `notebooks:write` for the rest. The scope is checked after the object is found
 *   visible, so a token without access still gets 404. Scopes only narrow the owner's rights.
 *
 * Denials of an existing notebook (404 to someone it is hidden from, 403) are recorded in the audit trail
 * (`access.denied`, with the action tried and why): they are attempts at someone else's object, what a reviewer looks
 * for. Ids that do not exist and the viewers' blanket 403 are not — they protect no object, and recording every stale
 * link or probe of a random id would let anyone flood the trail. Recording is synchronous like every audit event: if
 * it fails the request fails (503) instead of answering the denial.
 */
export type NotebookAccessLevel = 'owner' | 'admin' | 'edit' | 'read';

/** What is being attempted, from the least to the most demanding. */
export type NotebookAction = 'read' | 'edit' | 'manage';

export interface GrantedNotebook {
  notebook: NotebookRecord;
  access: NotebookAccessLevel;
}

export interface AccessDenial {
  who: Principal;
  notebook: Pick<NotebookSummary, 'id' | 'name' | 'ownerId'>;
  action: NotebookAction;
  status: 403 | 404;
  reason: 'no_access' | 'read_only' | 'not_owner' | 'scope';
}

export interface NotebookAccessDeps {
  notebooks: Pick<NotebookRepository, 'get'>;
  /** Access lists. Default none: owners and admins only. */
  shares?: Pick<NotebookShareRepository, 'get' | 'listForUser'>;
  /** Ids of the seeded example notebooks (readable by every author). Default none. */
  examples?: () => Promise<{ ids: ReadonlySet<string> }>;
  /** The audit trail (`access.denied`). Default: nothing recorded. */
  audit?: AuditRecorder;
}

/** What a live kernel's tabs are told when its user may no longer edit the notebook. */
export const ACCESS_REDUCED = 'Your edit access to this notebook was removed; its kernel was shut down.';

const RANK: Record<NotebookAccessLevel, number> = { read: 1, edit: 2, owner: 3, admin: 3 };
const NEEDS: Record<NotebookAction, number> = { read: 1, edit: 2, manage: 3 };

export class NotebookAccess {
  constructor(private readonly deps: NotebookAccessDeps) {}

  /** Viewers never reach notebooks (403 whatever the id); tokens need the scope for `action`. */
  assertAuthor(who: Principal, action: NotebookAction = 'read'): void {
    if (who.role !== 'admin' && who.role !== 'author')
      throw forbidden('Viewers open published apps; notebooks are for authors.');
    requireNotebookScope(who, action);
  }

  /** How `who` reaches the notebook, or null when it is hidden from them. */
  async levelOf(who: Principal, nb: Pick<NotebookSummary, 'id' | 'ownerId'>): Promise<NotebookAccessLevel | null> {
    if (who.role !== 'admin' && who.role !== 'author') return null;
    if (nb.ownerId === who.id) return 'owner';
    if (who.role === 'admin') return 'admin';
    const share = await this.deps.shares?.get(nb.id, who.id);
    if (share) return share.permission;
    if ((await this.deps.examples?.())?.ids.has(nb.id)) return 'read';
    return null;
  }

  /**
   * The notebook, if `who` may do `action` with it: 404 when it is missing or hidden from them, 403 otherwise.
   * `recheck`: Folio itself re-checking an open connection (after an announced change), not an attempt by the user —
   * a refusal is not recorded as `access.denied`.
   */
  async check(
    who: Principal,
    id: string,
    action: NotebookAction,
    opts: { recheck?: boolean } = {},
  ): Promise<GrantedNotebook> {
    if (who.role !== 'admin' && who.role !== 'author')
      throw forbidden('Viewers open published apps; notebooks are for authors.');
    const notebook = await this.deps.notebooks.get(id);
    if (!notebook) throw notFound('Notebook');
    const access = await this.levelOf(who, notebook);
    if (!access) return this.deny({ who, notebook, action, status: 404, reason: 'no_access' }, opts.recheck);
    if (!hasNotebookScope(who, action))
      return this.deny({ who, notebook, action, status: 403, reason: 'scope' }, opts.recheck);
    if (RANK[access] < NEEDS[action])
      return this.deny(
        { who, notebook, action, status: 403, reason: action === 'edit' ? 'read_only' : 'not_owner' },
        opts.recheck,
      );
    return { notebook, access };
  }

  readable = (who: Principal, id: string) => this.check(who, id, 'read');
  writable = (who: Principal, id: string) => this.check(who, id, 'edit');
  /** Owner or admin: delete, share. */
  manageable = (who: Principal, id: string) => this.check(who, id, 'manage');

  /** The notebooks of `list` that `who` may read, with how they reach each. */
  async visible<T extends Pick<NotebookSummary, 'id' | 'ownerId'>>(
    who: Principal,
    list: readonly T[],
  ): Promise<(T & { access: NotebookAccessLevel })[]> {
    this.assertAuthor(who, 'read');
    const shared = new Map((await this.deps.shares?.listForUser(who.id))?.map((s) => [s.notebookId, s.permission]));
    const examples = (await this.deps.examples?.())?.ids;
    return list.flatMap((nb) => {
      const access: NotebookAccessLevel | undefined =
        nb.ownerId === who.id
          ? 'owner'
          : who.role === 'admin'
            ? 'admin'
            : (shared.get(nb.id) ?? (examples?.has(nb.id) ? 'read' : undefined));
      return access ? [{ ...nb, access }] : [];
    });
  }

  private async deny(d: AccessDenial, recheck = false): Promise<never> {
    if (!recheck)
      await this.deps.audit?.record({
        action: 'access.denied',
        actor: d.who,
        target: { type: 'notebook', id: d.notebook.id, name: d.notebook.name },
        details: { attempted: d.action, status: d.status, reason: d.reason, ownerId: d.notebook.ownerId },
      });
    const name = d.notebook.name;
    switch (d.reason) {
      case 'no_access':
        throw notFound('Notebook');
      case 'scope':
        requireNotebookScope(d.who, d.action);
        throw forbidden(); // unreachable: requireScope threw
      case 'read_only':
        throw forbidden(`"${name}" is shared with you read-only; ask its owner for edit access to change or run it.`);
      case 'not_owner':
        throw forbidden(`Only the owner of "${name}" (or an admin) can delete it or change who it is shared with.`);
    }
  }
}

/** `notebooks:write` includes reading (a save answers with the notebook); everything else needs write. */
const SCOPE_OF: Record<NotebookAction, TokenScope> = {
  read: 'notebooks:read',
  edit: 'notebooks:write',
  manage: 'notebooks:write',
};

function hasNotebookScope(who: Principal, action: NotebookAction): boolean {
  return hasScope(who, SCOPE_OF[action]) || (action === 'read' && hasScope(who, 'notebooks:write'));
}

function requireNotebookScope(who: Principal, action: NotebookAction): void {
  if (!hasNotebookScope(who, action)) requireScope(who, SCOPE_OF[action]);
}
