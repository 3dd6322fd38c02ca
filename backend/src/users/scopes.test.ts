import { describe, expect, it } from 'vitest';
import type { Principal, TokenScope } from '../contracts/principal';
import { isDomainError } from '../errors';
import { hasScope, isTokenScope, requireScope, TOKEN_SCOPES } from './scopes';

const user = (role: Principal['role'], credential?: Principal['credential']): Principal => ({
  id: 'u1',
  email: 'u@x',
  name: 'U',
  role,
  credential,
});
const token = (role: Principal['role'], scopes: TokenScope[]) => user(role, { kind: 'token', tokenId: 't1', scopes });

describe('requireScope', () => {
  it('is a no-op for sessions and internal callers, whatever the scope', () => {
    for (const scope of TOKEN_SCOPES) {
      expect(() => requireScope(user('viewer', { kind: 'session', sessionId: 's' }), scope)).not.toThrow();
      expect(() => requireScope(user('viewer'), scope)).not.toThrow();
    }
  });

  it('lets a token use its own scopes only, and names the missing one in a 403', () => {
    const p = token('author', ['notebooks:read']);
    expect(() => requireScope(p, 'notebooks:read')).not.toThrow();
    let caught: unknown;
    try {
      requireScope(p, 'notebooks:write');
    } catch (e) {
      caught = e;
    }
    expect(isDomainError(caught) && caught.status).toBe(403);
    expect(isDomainError(caught) && caught.message).toContain('notebooks:write');
    expect(isDomainError(caught) && caught.details).toEqual({ requiredScope: 'notebooks:write' });
    expect(hasScope(token('admin', []), 'apps:read')).toBe(false);
  });

  it('treats admin as every scope only while the owner is an admin', () => {
    for (const scope of TOKEN_SCOPES) expect(hasScope(token('admin', ['admin']), scope)).toBe(true);
    for (const scope of TOKEN_SCOPES) expect(hasScope(token('author', ['admin']), scope)).toBe(false);
    const demoted = token('author', ['admin', 'notebooks:read']);
    expect(hasScope(demoted, 'notebooks:read')).toBe(true);
    expect(hasScope(demoted, 'admin')).toBe(false);
  });

  it('knows the scope names', () => {
    expect(isTokenScope('apps:run')).toBe(true);
    expect(isTokenScope('apps:write')).toBe(false);
  });
});
