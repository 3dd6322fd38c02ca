import { describe, expect, it } from 'vitest';
import { expiresIn, scopesFor } from './token-rules';

describe('scopesFor', () => {
  it('offers viewers only the apps scopes, authors the notebooks ones too, admins everything', () => {
    expect(scopesFor('viewer')).toEqual(['apps:read', 'apps:run', 'apps:refresh']);
    expect(scopesFor('author')).toEqual(['apps:read', 'apps:run', 'apps:refresh', 'notebooks:read', 'notebooks:write']);
    expect(scopesFor('admin')).toContain('admin');
  });
});

describe('expiresIn', () => {
  const now = Date.parse('2026-12-02T12:00:00Z');
  it('counts whole days and says when it is over', () => {
    expect(expiresIn('2026-12-14T13:00:00Z', now)).toBe('in 12 days');
    expect(expiresIn('2026-12-03T13:00:00Z', now)).toBe('tomorrow');
    expect(expiresIn('2026-12-02T20:00:00Z', now)).toBe('today');
    expect(expiresIn('2026-12-02T11:00:00Z', now)).toBe('expired');
  });
});
