import { randomUUID } from 'node:crypto';
import { badRequest, conflict, forbidden, notFound } from '../errors';
import type { Principal } from '../contracts/principal';
import type { InviteRecord, NewUserRecord, Role, SessionActivity, Store, UserPatch, UserRecord } from '../store/store';
import type { AuditRecorder } from '../audit/audit.service';
import { checkNewPassword, toPrincipal, userTarget, type AuthService } from './auth.service';
import { InviteLinks, type NewLink } from './invites';
import { requireScope } from './scopes';
import { hashPassword } from './password';

export { MIN_PASSWORD_LENGTH } from './password';
export const ROLES: readonly Role[] = ['admin', 'author', 'viewer'];
export const MAX_NAME_LENGTH = 200;

/** Throws 403 unless the principal has one of the roles. */
export function requireRole(principal: Principal, ...roles: Role[]): void {
  if (!roles.includes(principal.role)) {
    throw forbidden(`This needs the ${roles.join(' or ')} role; you are signed in as ${principal.role}.`);
  }
}
/** Authors and admins write notebooks and apps; viewers only open apps. */
export const requireAuthor = (p: Principal) => requireRole(p, 'admin', 'author');
export const requireAdmin = (p: Principal) => requireRole(p, 'admin');
/** Managing accounts: an admin, and for an API token the `admin` scope. */
const requireUserAdmin = (p: Principal) => {
  requireAdmin(p);
  requireScope(p, 'admin');
};
/** Owner-only writes, admins excepted. */
export function requireOwnerOrAdmin(principal: Principal, ownerId: string, what = 'this'): void {
  if (principal.role !== 'admin' && principal.id !== ownerId)
    throw forbidden(`Only the owner of ${what} can change it.`);
}

export interface NewUser {
  email: string;
  name?: string;
  role: Role;
  /** Omitted or null: no password yet (an invited account, or one that signs in another way). */
  password?: string | null;
  /**
   * A service account (a scheduler, CI): it never signs in — no password, no invitation — and acts only through the
   * API tokens an admin makes for it (users/tokens.service.ts).
   */
  serviceAccount?: boolean;
}

/** An account as the admin's Users page shows it: never a password hash, session id or link secret. */
export interface UserSummary {
  id: string;
  email: string;
  name: string;
  role: Role;
  disabled: boolean;
  createdAt: string;
  lastLoginAt: string | null;
  /** Live sign-in sessions and the latest activity among them. */
  sessions: number;
  lastSeenAt: string | null;
  hasPassword: boolean;
  /** An unused set-password link: an invitation not yet accepted, or a password reset. */
  pendingLink: { purpose: InviteRecord['purpose']; expiresAt: string } | null;
}

export interface UserChange {
  name?: string;
  role?: Role;
  disabled?: boolean;
}

export interface UsersServiceOptions {
  /** Ends sessions and announces changes (so open sockets re-check). Without it sessions are ended in the store only. */
  auth?: Pick<AuthService, 'endSessions' | 'announce' | 'idleMs'>;
  /** How long set-password links work. Default 7 days. */
  inviteMs?: number;
  /** Clock, for tests of link expiry. Default Date.now. */
  now?: () => number;
  /**
   * The audit trail: user.create, user.update (name, role, enabled again, password reset or set), user.disable and
   * auth.logout (an admin ending the sessions). Synchronous: an action whose event cannot be written fails (503) — an
   * effect that can be undone is undone, one that cannot is recorded first. Default: none (bootstrap, tests).
   */
  audit?: Pick<AuditRecorder, 'record'>;
}

/**
 * User accounts: the admin's Users API (create with a password or an invitation link, change name/role, disable,
 * reset a password, end sessions) and the public set-password links. Every method taking an `actor` checks it.
 *
 * Rules: an admin cannot disable or demote the last enabled admin (409, decided atomically in the store); a role change
 * or a disable ends the user's sessions at once (the session id rotates on a role change: the user signs in again and
 * gets a new one) and closes their open sockets and streams; a reset clears the password at once, ends the sessions and
 * makes a new one-time link (what Posit Connect does: the admin never learns the user's password).
 */
export class UsersService {
  private readonly links: InviteLinks;
  private readonly now: () => number;

  constructor(
    private readonly store: Store,
    private readonly opts: UsersServiceOptions = {},
  ) {
    this.now = opts.now ?? Date.now;
    this.links = new InviteLinks(store, opts.inviteMs, this.now);
  }

  /** Creates an account (no permission check: callers are the bootstrap and `createAs`). 409 on a taken email. */
  async create(input: NewUser): Promise<Principal> {
    return toPrincipal(await this.createRecord(input));
  }

  /**
   * An admin creating an account. Without a password the answer carries a one-time set-password link (an invitation,
   * shown once).
   */
  async createAs(actor: Principal, input: NewUser): Promise<{ user: UserSummary; link?: NewLink }> {
    requireUserAdmin(actor);
    if (input.serviceAccount && input.password)
      throw badRequest('A service account has no password: it acts through API tokens.', { field: 'password' });
    const fresh = await this.newRecord(input);
    if (await this.store.users.getByEmail(fresh.email))
      throw conflict(`A user with the email ${fresh.email} already exists.`);
    const invite = fresh.passwordHash === null && !input.serviceAccount;
    // Recorded before the account is made (no user is ever deleted, so it could not be undone).
    await this.record({
      action: 'user.create',
      actor,
      target: userTarget(fresh),
      details: { role: fresh.role, name: fresh.name, invited: invite, serviceAccount: input.serviceAccount === true },
    });
    const user = await this.store.users.create(fresh);
    const link = invite ? await this.links.create(user.id, 'invite', actor.id) : undefined;
    return { user: await this.summaryOf(user), link };
  }

  async list(actor: Principal): Promise<UserSummary[]> {
    requireUserAdmin(actor);
    const [users, activity, links] = await Promise.all([
      this.store.users.list(),
      this.activity(),
      this.links.pendingByUser(),
    ]);
    return users.map((u) => summary(u, activity.get(u.id), links.get(u.id)));
  }

  async get(actor: Principal, id: string): Promise<UserSummary> {
    requireUserAdmin(actor);
    return this.summaryOf(await this.existing(id));
  }

  /** PATCH /api/users/:id. 409 for the last enabled admin; a role change or a disable ends the user's sessions. */
  async update(actor: Principal, id: string, change: UserChange): Promise<UserSummary> {
    requireUserAdmin(actor);
    const user = await this.existing(id);
    const patch: UserPatch = {};
    if (change.name !== undefined && checkName(change.name) !== user.name) patch.name = checkName(change.name);
    if (change.role !== undefined && checkRole(change.role) !== user.role) patch.role = change.role;
    if (change.disabled !== undefined && change.disabled !== user.disabled) patch.disabled = change.disabled;
    const losesAdmin = user.role === 'admin' && (patch.role !== undefined || patch.disabled === true);
    if (Object.keys(patch).length === 0) return this.summaryOf(user);
    const result = await this.store.users.update(id, patch, { activeAdminRemains: losesAdmin });
    if (!result) throw notFound('User');
    if (!result.ok) {
      const field = patch.role !== undefined ? 'role' : 'disabled';
      throw conflict(
        `${user.email} is the last enabled admin: make another user an admin before you ${field === 'role' ? 'change this role' : 'disable this account'}.`,
        { field },
      );
    }
    const changes = Object.fromEntries(
      (Object.keys(patch) as Array<keyof UserChange>).map((k) => [k, { from: user[k], to: patch[k] }]),
    );
    try {
      await this.record({
        action: patch.disabled === true ? 'user.disable' : 'user.update',
        actor,
        target: userTarget(user),
        details: { changes },
      });
    } catch (e) {
      // Undone: no change stands without its record.
      const undo = Object.fromEntries(Object.keys(patch).map((k) => [k, user[k as keyof UserChange]]));
      await this.store.users.update(id, undo);
      throw e;
    }
    if (patch.role !== undefined || patch.disabled === true) await this.endAllSessions(id);
    return this.summaryOf(result.user);
  }

  /**
   * POST /api/users/:id/password (admin reset): the current password stops working, the user's sessions end, and a
   * new one-time link (shown once to the admin) lets the user choose a new password.
   */
  async resetPassword(actor: Principal, id: string): Promise<NewLink> {
    requireUserAdmin(actor);
    const user = await this.existing(id);
    await this.record({ action: 'user.update', actor, target: userTarget(user), details: { passwordChange: 'reset' } });
    await this.store.users.update(user.id, { passwordHash: null });
    const link = await this.links.create(user.id, 'reset', actor.id);
    await this.endAllSessions(user.id);
    return link;
  }

  /** DELETE /api/users/:id/sessions: ends every session of the user (their open sockets and streams close at once). */
  async endSessions(actor: Principal, id: string): Promise<number> {
    requireUserAdmin(actor);
    const user = await this.existing(id);
    await this.record({ action: 'auth.logout', actor, target: userTarget(user), details: { allSessions: true } });
    return this.endAllSessions(user.id);
  }

  /** Public: who a live set-password link is for (the set-password page greets them). 404 for any other link. */
  async checkLink(
    token: string,
  ): Promise<{ email: string; name: string; purpose: InviteRecord['purpose']; expiresAt: string }> {
    const { link, user } = await this.links.find(token);
    return { email: user.email, name: user.name, purpose: link.purpose, expiresAt: link.expiresAt };
  }

  /**
   * Public: sets the password through a live link and uses it up (once); ends any session the account still had. The
   * password is checked before the link is used, so a too-short one does not waste it.
   */
  async setPasswordWithLink(token: string, password: string, from: { ip?: string } = {}): Promise<Principal> {
    checkNewPassword(password, 'password');
    const { link, user } = await this.links.find(token);
    const passwordHash = await hashPassword(password);
    await this.record({
      action: 'user.update',
      actor: { ...toPrincipal(user), ip: from.ip },
      target: userTarget(user),
      details: { passwordChange: 'set', link: link.purpose },
    });
    await this.links.consume(link);
    await this.store.users.update(user.id, { passwordHash });
    await this.endAllSessions(user.id);
    return toPrincipal(user);
  }

  private async createRecord(input: NewUser): Promise<UserRecord> {
    return this.store.users.create(await this.newRecord(input));
  }

  /** The record of a new account, checked (400 naming the field). */
  private async newRecord(input: NewUser): Promise<NewUserRecord> {
    const email = input.email.trim().toLowerCase();
    if (!/^[^\s@]+@[^\s@]+$/.test(email) || email.length > 320)
      throw badRequest(`Not an email address: ${JSON.stringify(input.email)}.`, { field: 'email' });
    checkRole(input.role);
    if (input.password !== undefined && input.password !== null) checkNewPassword(input.password, 'password');
    return {
      id: randomUUID(),
      email,
      name: input.name?.trim() ? checkName(input.name) : email.split('@')[0] || email,
      role: input.role,
      passwordHash: input.password ? await hashPassword(input.password) : null,
    };
  }

  private async record(event: Parameters<AuditRecorder['record']>[0]): Promise<void> {
    await this.opts.audit?.record(event);
  }

  private async existing(id: string): Promise<UserRecord> {
    const user = await this.store.users.getById(id);
    if (!user) throw notFound('User');
    return user;
  }

  private async endAllSessions(userId: string): Promise<number> {
    if (this.opts.auth) return this.opts.auth.endSessions(userId);
    return this.store.sessions.deleteByUser(userId);
  }

  private async activity(): Promise<Map<string, SessionActivity>> {
    const now = this.now();
    const idleMs = this.opts.auth?.idleMs ?? Number.POSITIVE_INFINITY;
    const idleBefore = Number.isFinite(idleMs) ? new Date(now - idleMs).toISOString() : '';
    const rows = await this.store.sessions.activity(new Date(now).toISOString(), idleBefore);
    return new Map(rows.map((r) => [r.userId, r]));
  }

  private async summaryOf(user: UserRecord): Promise<UserSummary> {
    const [activity, links] = await Promise.all([this.activity(), this.links.pendingByUser()]);
    return summary(user, activity.get(user.id), links.get(user.id));
  }
}

function summary(u: UserRecord, activity: SessionActivity | undefined, link: InviteRecord | undefined): UserSummary {
  return {
    id: u.id,
    email: u.email,
    name: u.name,
    role: u.role,
    disabled: u.disabled,
    createdAt: u.createdAt,
    lastLoginAt: u.lastLoginAt,
    sessions: activity?.sessions ?? 0,
    lastSeenAt: activity?.lastSeenAt ?? null,
    hasPassword: u.passwordHash !== null,
    pendingLink: link ? { purpose: link.purpose, expiresAt: link.expiresAt } : null,
  };
}

function checkRole(role: Role): Role {
  if (!ROLES.includes(role)) throw badRequest(`Unknown role ${JSON.stringify(role)}.`, { field: 'role' });
  return role;
}

function checkName(name: string): string {
  const trimmed = name.trim();
  if (!trimmed) throw badRequest('The name must not be empty.', { field: 'name' });
  if (trimmed.length > MAX_NAME_LENGTH)
    throw badRequest(`The name must be at most ${MAX_NAME_LENGTH} characters.`, { field: 'name' });
  return trimmed;
}
