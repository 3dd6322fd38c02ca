import { randomUUID } from 'node:crypto';
import { badRequest, forbidden } from '../errors';
import type { Principal } from '../contracts/principal';
import type { Role, Store } from '../store/store';
import { toPrincipal } from './auth.service';
import { hashPassword } from './password';

export const ROLES: readonly Role[] = ['admin', 'author', 'viewer'];
export const MIN_PASSWORD_LENGTH = 8;

/** Throws 403 unless the principal has one of the roles. */
export function requireRole(principal: Principal, ...roles: Role[]): void {
  if (!roles.includes(principal.role)) {
    throw forbidden(`This needs the ${roles.join(' or ')} role; you are signed in as ${principal.role}.`);
  }
}
/** Authors and admins write notebooks and apps; viewers only open apps. */
export const requireAuthor = (p: Principal) => requireRole(p, 'admin', 'author');
export const requireAdmin = (p: Principal) => requireRole(p, 'admin');
/** Owner-only writes, admins excepted. */
export function requireOwnerOrAdmin(principal: Principal, ownerId: string, what = 'this'): void {
  if (principal.role !== 'admin' && principal.id !== ownerId)
    throw forbidden(`Only the owner of ${what} can change it.`);
}

export interface NewUser {
  email: string;
  name?: string;
  role: Role;
  password: string;
}

/** User accounts. Creation by an admin goes through `create`; the first admin through bootstrap-admin.ts. */
export class UsersService {
  constructor(private readonly store: Store) {}

  /** Creates an account (no permission check: callers are the bootstrap and `createAs`). 409 on a taken email. */
  async create(input: NewUser): Promise<Principal> {
    const email = input.email.trim().toLowerCase();
    if (!/^[^\s@]+@[^\s@]+$/.test(email))
      throw badRequest(`Not an email address: ${JSON.stringify(input.email)}.`, { field: 'email' });
    if (!ROLES.includes(input.role)) throw badRequest(`Unknown role ${JSON.stringify(input.role)}.`, { field: 'role' });
    if (input.password.length < MIN_PASSWORD_LENGTH) {
      throw badRequest(`The password must be at least ${MIN_PASSWORD_LENGTH} characters.`, { field: 'password' });
    }
    const user = await this.store.users.create({
      id: randomUUID(),
      email,
      name: input.name?.trim() || email.split('@')[0] || email,
      role: input.role,
      passwordHash: await hashPassword(input.password),
    });
    return toPrincipal(user);
  }

  /** An admin creating an account. */
  async createAs(actor: Principal, input: NewUser): Promise<Principal> {
    requireAdmin(actor);
    return this.create(input);
  }

  async list(actor: Principal): Promise<Principal[]> {
    requireAdmin(actor);
    return (await this.store.users.list()).map(toPrincipal);
  }
}
