import type { OidcConfig } from '../config';
import type { Role } from '../contracts/principal';

/** Pure rules of single sign-on: which claim value gives which role, and where a browser may be sent afterwards. */

const RANK: Record<Role, number> = { viewer: 1, author: 2, admin: 3 };
const isRole = (v: unknown): v is Role => typeof v === 'string' && Object.hasOwn(RANK, v);

/**
 * The value of a claim by name, or by dot path into nested objects (`realm_access.roles`, as Keycloak sends roles).
 * A claim whose own name has dots (namespaced claims such as `https://bank.example/roles`) is found by name first.
 */
export function claimAt(claims: Record<string, unknown>, path: string): unknown {
  if (Object.hasOwn(claims, path)) return claims[path];
  let value: unknown = claims;
  for (const key of path.split('.')) {
    if (!value || typeof value !== 'object' || Array.isArray(value) || !Object.hasOwn(value, key)) return undefined;
    value = (value as Record<string, unknown>)[key];
  }
  return value;
}

/**
 * The role the role claim grants: each of its values (a string, or an array of strings such as groups) maps to a role
 * through `roleMap` (or is a role name itself without one); the highest of them wins (admin > author > viewer). Null
 * when the claim is missing or none of its values maps — the caller falls back to the default role.
 */
export function roleFromClaims(
  claims: Record<string, unknown>,
  cfg: Pick<OidcConfig, 'roleClaim' | 'roleMap'>,
): Role | null {
  if (!cfg.roleClaim) return null;
  const raw = claimAt(claims, cfg.roleClaim);
  const values = (Array.isArray(raw) ? raw : [raw]).filter((v): v is string => typeof v === 'string');
  let best: Role | null = null;
  for (const v of values) {
    const role = cfg.roleMap ? (Object.hasOwn(cfg.roleMap, v) ? cfg.roleMap[v] : undefined) : v;
    if (isRole(role) && (!best || RANK[role] > RANK[best])) best = role;
  }
  return best;
}

/** Where Folio goes after signing in when `next` is missing or not allowed. */
export const DEFAULT_NEXT = '/notebooks';

/**
 * `next` when it is a path of this site ("/notebooks/abc?x=1#y"), else DEFAULT_NEXT: no scheme, no host, no
 * protocol-relative `//host` or `/\host` (browsers read a backslash as a slash), no control characters — so the
 * sign-in redirect can never send someone to another site (no open redirect).
 */
export function safeNextPath(next: unknown): string {
  if (typeof next !== 'string' || next.length > 2048 || !next.startsWith('/')) return DEFAULT_NEXT;
  // eslint-disable-next-line no-control-regex
  if (/[\u0000-\u001f\u007f\\]/.test(next) || next.startsWith('//')) return DEFAULT_NEXT;
  const base = 'http://folio.invalid';
  let url: URL;
  try {
    url = new URL(next, base);
  } catch {
    return DEFAULT_NEXT;
  }
  if (url.origin !== base) return DEFAULT_NEXT;
  return url.pathname + url.search + url.hash;
}
