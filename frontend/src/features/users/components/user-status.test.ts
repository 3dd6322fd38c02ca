import { describe, expect, it } from 'vitest';
import { sortUsers, userStatus } from './user-status';

const now = Date.parse('2026-12-02T12:00:00Z');
const base = { disabled: false, hasPassword: true, pendingLink: null };

describe('userStatus', () => {
  it('says active for an account with a password and nothing pending', () => {
    expect(userStatus(base, now)).toEqual({ kind: 'active', label: 'Active' });
  });

  it('puts disabled before anything else', () => {
    const link = { purpose: 'invite', expiresAt: '2026-12-03T00:00:00Z' };
    expect(userStatus({ ...base, disabled: true, pendingLink: link }, now).kind).toBe('disabled');
  });

  it('tells an open invitation from a reset and from an expired link', () => {
    const later = '2026-12-03T00:00:00Z';
    expect(
      userStatus({ ...base, hasPassword: false, pendingLink: { purpose: 'invite', expiresAt: later } }, now).kind,
    ).toBe('invited');
    expect(userStatus({ ...base, pendingLink: { purpose: 'reset', expiresAt: later } }, now).kind).toBe('reset');
    expect(
      userStatus({ ...base, pendingLink: { purpose: 'invite', expiresAt: '2026-12-02T11:59:59Z' } }, now).kind,
    ).toBe('expired-link');
  });

  it('names accounts without a password (service accounts, single sign-on)', () => {
    expect(userStatus({ ...base, hasPassword: false }, now).kind).toBe('no-password');
  });
});

describe('sortUsers', () => {
  it('lists admins, then authors, then viewers, each by name', () => {
    const sorted = sortUsers([
      { role: 'viewer', name: 'Ann', email: 'ann@x' },
      { role: 'author', name: 'Zed', email: 'zed@x' },
      { role: 'admin', name: 'Bob', email: 'bob@x' },
      { role: 'author', name: '', email: 'carl@x' },
    ]);
    expect(sorted.map((u) => u.email)).toEqual(['bob@x', 'carl@x', 'zed@x', 'ann@x']);
  });
});
