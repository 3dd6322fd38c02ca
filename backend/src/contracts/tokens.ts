import type { TokenScope } from './principal';

/**
 * API tokens' shared constants (issue 9), for the backend's rules (users/scopes.ts, users/tokens.service.ts) and the
 * frontend's API tokens page. Types and constants only.
 */

/** Every scope an API token can carry, in the order the UI lists them. */
export const TOKEN_SCOPES = [
  'apps:read',
  'apps:run',
  'apps:refresh',
  'notebooks:read',
  'notebooks:write',
  'admin',
] as const satisfies readonly TokenScope[];
// Every TokenScope is listed (the compiler fails here when principal.ts gains one).
const _allListed: Exclude<TokenScope, (typeof TOKEN_SCOPES)[number]> extends never ? true : never = true;
void _allListed;

/** What each scope lets a token do. */
export const SCOPE_DESCRIPTIONS: Record<TokenScope, string> = {
  'apps:read': 'Open apps and read their results and runs (as their owner, also their versions).',
  'apps:run': 'Run apps with parameters.',
  'apps:refresh': 'Refresh apps from an external scheduler.',
  'notebooks:read': 'Read notebooks, their revisions, files and runs.',
  'notebooks:write': 'Create, save, import, share and run notebooks; use live kernels; publish and manage your apps.',
  admin: 'Everything its owner (an admin) may do: users, tokens of others, audit, metrics.',
};

/** Which roles may hold a token with each scope (a scope the role can never use is refused at creation). */
export const SCOPE_ROLES: Record<TokenScope, readonly ('admin' | 'author' | 'viewer')[]> = {
  'apps:read': ['admin', 'author', 'viewer'],
  'apps:run': ['admin', 'author', 'viewer'],
  'apps:refresh': ['admin', 'author', 'viewer'],
  'notebooks:read': ['admin', 'author'],
  'notebooks:write': ['admin', 'author'],
  admin: ['admin'],
};

/** Every secret starts with this, so secret scanners (and people) recognize a Folio token. */
export const TOKEN_PREFIX = 'folio_';

/** Every token expires: this many days unless asked otherwise, and never later than `maxDays`. */
export const TOKEN_EXPIRY = { defaultDays: 90, maxDays: 365 } as const;
