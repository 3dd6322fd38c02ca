import type { Principal, TokenScope } from '../contracts/principal';
import { TOKEN_SCOPES } from '../contracts/tokens';
import { DomainError } from '../errors';

export { SCOPE_DESCRIPTIONS, TOKEN_SCOPES } from '../contracts/tokens';

export const isTokenScope = (s: string): s is TokenScope => (TOKEN_SCOPES as readonly string[]).includes(s);

/**
 * Whether this principal may act within `scope`. Session sign-ins and internal callers (no credential) are limited by
 * their role only, so for them every scope holds. A token holds the scopes it was created with; `admin` stands for
 * every scope, but only while its owner is an admin (a demoted owner's `admin` token gives nothing extra).
 * Scopes only narrow: services still check the owner's role and access to each object as for a session.
 */
export function hasScope(principal: Pick<Principal, 'role' | 'credential'>, scope: TokenScope): boolean {
  const credential = principal.credential;
  if (!credential || credential.kind === 'session') return true;
  if (principal.role === 'admin' && credential.scopes.includes('admin')) return true;
  return scope !== 'admin' && credential.scopes.includes(scope);
}

/**
 * Throws 403 `forbidden` naming the missing scope (details `{requiredScope}`) when a token lacks `scope`; a no-op for
 * sessions and internal callers. Call it in services next to the role/access check, after deciding the object exists
 * for this principal (someone without access still gets 404).
 */
export function requireScope(principal: Pick<Principal, 'role' | 'credential'>, scope: TokenScope): void {
  if (hasScope(principal, scope)) return;
  throw new DomainError('forbidden', `This API token lacks the scope "${scope}".`, { requiredScope: scope });
}
