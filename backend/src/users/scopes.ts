import type { Principal, TokenScope } from '../contracts/principal';
import { DomainError } from '../errors';

/** Every scope an API token can carry (issue 9), in the order the UI lists them. */
export const TOKEN_SCOPES = [
  'apps:read',
  'apps:run',
  'apps:refresh',
  'notebooks:read',
  'notebooks:write',
  'admin',
] as const satisfies readonly TokenScope[];
// Every TokenScope is listed (the compiler fails here when contracts/principal.ts gains one).
const _allListed: Exclude<TokenScope, (typeof TOKEN_SCOPES)[number]> extends never ? true : never = true;
void _allListed;

/** What each scope lets a token do, for the API tokens page and the docs. */
export const SCOPE_DESCRIPTIONS: Record<TokenScope, string> = {
  'apps:read': 'Open apps and read their results and runs.',
  'apps:run': 'Run apps with parameters.',
  'apps:refresh': 'Refresh apps from an external scheduler.',
  'notebooks:read': 'Read notebooks, their revisions, files and runs.',
  'notebooks:write': 'Create, save, import, share and run notebooks; use live kernels.',
  admin: 'Everything its owner (an admin) may do: users, tokens of others, audit, metrics.',
};

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
