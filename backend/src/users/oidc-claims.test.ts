import { describe, expect, it } from 'vitest';
import { claimAt, DEFAULT_NEXT, roleFromClaims, safeNextPath } from './oidc-claims';

describe('claimAt', () => {
  it('reads a claim by name, by dot path, and a namespaced claim whose name has dots by name first', () => {
    const claims = { groups: ['a'], realm_access: { roles: ['author'] }, 'https://bank.example/roles': ['admin'] };
    expect(claimAt(claims, 'groups')).toEqual(['a']);
    expect(claimAt(claims, 'realm_access.roles')).toEqual(['author']);
    expect(claimAt(claims, 'https://bank.example/roles')).toEqual(['admin']);
    expect(claimAt(claims, 'realm_access.missing')).toBeUndefined();
    expect(claimAt(claims, 'groups.0')).toBeUndefined(); // no indexing into arrays
    expect(claimAt({}, '__proto__.constructor')).toBeUndefined();
  });
});

describe('roleFromClaims', () => {
  const map = {
    roleClaim: 'groups',
    roleMap: { 'folio-admins': 'admin', quants: 'author', managers: 'viewer' } as const,
  };
  it('maps each value and takes the highest role', () => {
    expect(roleFromClaims({ groups: ['managers', 'quants'] }, map)).toBe('author');
    expect(roleFromClaims({ groups: ['quants', 'folio-admins', 'managers'] }, map)).toBe('admin');
    expect(roleFromClaims({ groups: 'managers' }, map)).toBe('viewer');
  });
  it('is null when the claim is missing, not strings, or maps to nothing (the default role applies)', () => {
    expect(roleFromClaims({}, map)).toBeNull();
    expect(roleFromClaims({ groups: ['hr', 42, null] }, map)).toBeNull();
    expect(roleFromClaims({ groups: ['toString', 'constructor'] }, map)).toBeNull(); // no prototype lookups
    expect(roleFromClaims({ groups: ['admin'] }, map)).toBeNull(); // with a map, role names are not roles by themselves
  });
  it('takes role names as they are without a map', () => {
    const plain = { roleClaim: 'folio_role', roleMap: null };
    expect(roleFromClaims({ folio_role: 'admin' }, plain)).toBe('admin');
    expect(roleFromClaims({ folio_role: ['viewer', 'author'] }, plain)).toBe('author');
    expect(roleFromClaims({ folio_role: 'root' }, plain)).toBeNull();
  });
  it('is null without a role claim configured', () => {
    expect(roleFromClaims({ groups: ['folio-admins'] }, { roleClaim: null, roleMap: null })).toBeNull();
  });
});

describe('safeNextPath (no open redirect)', () => {
  it('keeps paths of this site with their query and fragment', () => {
    expect(safeNextPath('/notebooks/abc?tab=runs#cell-3')).toBe('/notebooks/abc?tab=runs#cell-3');
    expect(safeNextPath('/')).toBe('/');
    expect(safeNextPath('/%2F%2Fevil.example')).toBe('/%2F%2Fevil.example'); // an encoded slash is a path segment
    expect(safeNextPath('/a/../b')).toBe('/b');
  });
  it('replaces anything that could leave the site by the default', () => {
    for (const bad of [
      undefined,
      '',
      ['/notebooks'],
      'notebooks',
      'https://evil.example/',
      'HTTPS://evil.example',
      '//evil.example',
      '///evil.example',
      '/\\evil.example',
      '\\\\evil.example',
      '/\tevil',
      '/\n/evil.example',
      'javascript:alert(1)',
      ' /notebooks',
      `/${'a'.repeat(3000)}`,
    ]) {
      expect(safeNextPath(bad), JSON.stringify(bad)).toBe(DEFAULT_NEXT);
    }
  });
});
