import type { UserSummary } from '../api/users';

export type UserStatusKind = 'active' | 'disabled' | 'invited' | 'reset' | 'expired-link' | 'no-password';

/**
 * What the Users page says about an account, most important first: disabled; a set-password link waiting (an
 * invitation not yet accepted, or a reset) or expired; no password at all (a service account acting through API
 * tokens, or someone who signs in with single sign-on only); otherwise active.
 */
export function userStatus(
  u: Pick<UserSummary, 'disabled' | 'hasPassword' | 'pendingLink'>,
  now = Date.now(),
): { kind: UserStatusKind; label: string } {
  if (u.disabled) return { kind: 'disabled', label: 'Disabled' };
  if (u.pendingLink) {
    if (Date.parse(u.pendingLink.expiresAt) <= now) return { kind: 'expired-link', label: 'Link expired' };
    return u.pendingLink.purpose === 'invite'
      ? { kind: 'invited', label: 'Invited' }
      : { kind: 'reset', label: 'Password reset sent' };
  }
  if (!u.hasPassword) return { kind: 'no-password', label: 'No password (tokens or SSO)' };
  return { kind: 'active', label: 'Active' };
}

/** Admins first, then by name (the order an admin scans a team in). */
export function sortUsers<T extends Pick<UserSummary, 'role' | 'name' | 'email'>>(users: readonly T[]): T[] {
  const rank = { admin: 0, author: 1, viewer: 2 } as const;
  return [...users].sort((a, b) => rank[a.role] - rank[b.role] || (a.name || a.email).localeCompare(b.name || b.email));
}
