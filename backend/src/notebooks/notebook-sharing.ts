import type { AuditRecorder } from '../audit/audit.service';
import type { Principal } from '../contracts/principal';
import { badRequest, notFound } from '../errors';
import type {
  NotebookPermission,
  NotebookShare,
  NotebookShareRepository,
  UserRecord,
  UserRepository,
} from '../store/store';
import type { NotebookAccess } from './notebook-access';

/** One entry of a notebook's access list as the API shows it (GET|PUT /api/notebooks/:id/access). */
export interface SharedUser {
  userId: string;
  name: string;
  email: string;
  permission: NotebookPermission;
  grantedBy: string;
  grantedAt: string;
}

export interface NotebookAccessList {
  notebookId: string;
  owner: { userId: string; name: string; email: string };
  users: SharedUser[];
}

/** Someone who can be given access (the Share dialog's picker). */
export interface ShareCandidate {
  userId: string;
  name: string;
  email: string;
  role: 'admin' | 'author';
}

export interface NotebookSharingDeps {
  access: NotebookAccess;
  /** Without it nothing can be shared (PUT answers 400). */
  shares?: NotebookShareRepository;
  users?: Pick<UserRepository, 'getById' | 'list'>;
  now?: () => number;
  /** Users who lost edit access (removed, or edit → read): their live kernels on it should end. */
  onAccessReduced?: (notebookId: string, userIds: string[]) => void;
  /** The audit trail (`notebook.share`). Default: nothing recorded. */
  audit?: AuditRecorder;
}

/** At most this many entries in one notebook's list (a team, not the whole bank: publish an app for that). */
export const MAX_SHARES = 200;
const MAX_CANDIDATES = 20;

/**
 * Sharing a notebook with named authors (Google Docs / Hex style): the owner (or an admin) sets the whole list at
 * once; each entry `read` or `edit`. Anyone who may read the notebook may see the list (so they know whom to ask for
 * more). Only authors and admins can be given access — viewers reach published apps, never notebooks — and every id
 * must be a known, enabled user (400 naming it); the owner is never in their own list.
 */
export class NotebookSharing {
  constructor(private readonly deps: NotebookSharingDeps) {}

  async get(who: Principal, notebookId: string): Promise<NotebookAccessList> {
    const { notebook } = await this.deps.access.readable(who, notebookId);
    const shares = (await this.deps.shares?.list(notebookId)) ?? [];
    return this.present(notebook, shares);
  }

  async set(
    who: Principal,
    notebookId: string,
    users: ReadonlyArray<{ userId: string; permission: NotebookPermission }>,
  ): Promise<NotebookAccessList> {
    const { notebook } = await this.deps.access.manageable(who, notebookId);
    const shares = this.deps.shares;
    if (!shares) throw badRequest('Sharing is not available here.');
    if (users.length > MAX_SHARES)
      throw badRequest(`A notebook can be shared with at most ${MAX_SHARES} people; publish an app for more.`, {
        field: 'users',
      });
    const seen = new Set<string>();
    for (const [i, u] of users.entries()) {
      const field = `users.${i}.userId`;
      if (seen.has(u.userId)) throw badRequest(`User "${u.userId}" is listed twice.`, { field, userId: u.userId });
      seen.add(u.userId);
      if (u.userId === notebook.ownerId)
        throw badRequest('The owner already has full access; leave them out of the list.', { field, userId: u.userId });
      const user = await this.deps.users?.getById(u.userId);
      if (!user) throw badRequest(`Unknown user "${u.userId}".`, { field, userId: u.userId });
      if (user.disabled)
        throw badRequest(`${user.name || user.email}'s account is disabled.`, { field, userId: u.userId });
      if (!isAuthor(user))
        throw badRequest(
          `${user.name || user.email} is a viewer: only authors and admins can be given access to notebooks (viewers open published apps).`,
          { field, userId: u.userId },
        );
    }
    const before = new Map((await shares.list(notebookId)).map((s) => [s.userId, s.permission]));
    const now = new Map(users.map((u) => [u.userId, u.permission]));
    // Recorded first, once every check has passed (as a delete): the trail never lacks a change that was made.
    await this.deps.audit?.record({
      action: 'notebook.share',
      actor: who,
      target: { type: 'notebook', id: notebook.id, name: notebook.name },
      details: {
        users: users.map((u) => ({ userId: u.userId, permission: u.permission })),
        added: [...now.keys()].filter((id) => !before.has(id)),
        removed: [...before.keys()].filter((id) => !now.has(id)),
        changed: [...now].filter(([id, p]) => before.has(id) && before.get(id) !== p).map(([id]) => id),
      },
    });
    const at = new Date((this.deps.now ?? Date.now)()).toISOString();
    const after = await shares.replace(notebookId, users, who.id, at);
    if (!after) throw notFound('Notebook'); // deleted meanwhile
    const reduced = [...before].filter(([id, p]) => p === 'edit' && now.get(id) !== 'edit').map(([id]) => id);
    if (reduced.length) this.deps.onAccessReduced?.(notebookId, reduced);
    return this.present(notebook, after);
  }

  /**
   * Authors and admins the owner (or an admin) may share the notebook with, matching `query` in name or email
   * (case-insensitive), at most 20, the owner left out.
   */
  async candidates(who: Principal, notebookId: string, query: string): Promise<ShareCandidate[]> {
    const { notebook } = await this.deps.access.manageable(who, notebookId);
    const q = query.trim().toLowerCase();
    const users = (await this.deps.users?.list()) ?? [];
    return users
      .filter((u) => isAuthor(u) && u.id !== notebook.ownerId && !u.disabled)
      .filter((u) => !q || u.name.toLowerCase().includes(q) || u.email.includes(q))
      .sort((a, b) => (a.name || a.email).localeCompare(b.name || b.email))
      .slice(0, MAX_CANDIDATES)
      .map((u) => ({ userId: u.id, name: u.name, email: u.email, role: u.role as 'admin' | 'author' }));
  }

  private async present(
    notebook: { id: string; ownerId: string },
    shares: NotebookShare[],
  ): Promise<NotebookAccessList> {
    const byId = new Map<string, UserRecord | null>();
    for (const id of [notebook.ownerId, ...shares.map((s) => s.userId)])
      if (!byId.has(id)) byId.set(id, (await this.deps.users?.getById(id)) ?? null);
    const person = (id: string) => ({ userId: id, name: byId.get(id)?.name ?? id, email: byId.get(id)?.email ?? '' });
    return {
      notebookId: notebook.id,
      owner: person(notebook.ownerId),
      users: shares.map((s) => ({
        ...person(s.userId),
        permission: s.permission,
        grantedBy: s.grantedBy,
        grantedAt: s.grantedAt,
      })),
    };
  }
}

const isAuthor = (u: Pick<UserRecord, 'role'>) => u.role === 'author' || u.role === 'admin';
