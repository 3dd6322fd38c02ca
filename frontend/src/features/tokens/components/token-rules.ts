import { SCOPE_ROLES, TOKEN_SCOPES, type Role, type TokenScope } from '../../../lib/contracts';

/** The scopes a token of someone with `role` can carry (the server refuses the others), in the order the API lists. */
export const scopesFor = (role: Role): TokenScope[] => TOKEN_SCOPES.filter((s) => SCOPE_ROLES[s].includes(role));

/** Lifetimes offered, in days (the server caps at TOKEN_EXPIRY.maxDays). */
export const EXPIRY_CHOICES = [7, 30, 90, 180, 365] as const;

/** "in 12 days", "tomorrow", "expired" — how soon a token stops working. */
export function expiresIn(iso: string, now = Date.now()): string {
  const ms = Date.parse(iso) - now;
  if (Number.isNaN(ms)) return '';
  if (ms <= 0) return 'expired';
  const days = Math.floor(ms / 86_400_000);
  if (days === 0) return 'today';
  if (days === 1) return 'tomorrow';
  return `in ${days} days`;
}
