import { describe, expect, it } from 'vitest';
import { ConfigError, loadConfig } from '../config';

/** config.ts's single sign-on settings (FOLIO_OIDC_*, FOLIO_PUBLIC_URL, FOLIO_PASSWORD_LOGIN). */
const sso = {
  FOLIO_PUBLIC_URL: 'https://folio.bank.example/',
  FOLIO_OIDC_ISSUER: 'https://login.bank.example/realms/main',
  FOLIO_OIDC_CLIENT_ID: 'folio',
};
const problemsOf = (env: Record<string, string>) => {
  try {
    loadConfig(env);
  } catch (e) {
    if (e instanceof ConfigError) return e.problems.join('\n');
    throw e;
  }
  return '';
};

describe('single sign-on configuration', () => {
  it('is off by default, password sign-in on', () => {
    expect(loadConfig({}).signIn).toEqual({ password: true, oidc: null });
  });

  it('derives the redirect URL from the public URL and has the documented defaults', () => {
    expect(loadConfig(sso).signIn).toEqual({
      password: true,
      oidc: {
        issuer: 'https://login.bank.example/realms/main',
        clientId: 'folio',
        clientSecret: undefined,
        redirectUrl: 'https://folio.bank.example/api/auth/oidc/callback',
        scopes: ['openid', 'email', 'profile'],
        name: 'single sign-on',
        roleClaim: null,
        roleMap: null,
        defaultRole: 'viewer',
        linkByEmail: false,
      },
    });
  });

  it('parses the role claim, its JSON value map, the default role (none refuses) and the other switches', () => {
    const c = loadConfig({
      ...sso,
      FOLIO_OIDC_CLIENT_SECRET: 's3cret',
      FOLIO_OIDC_SCOPES: 'openid  email groups',
      FOLIO_OIDC_NAME: 'Bank SSO',
      FOLIO_OIDC_ROLE_CLAIM: 'realm_access.roles',
      FOLIO_OIDC_ROLE_MAP: '{"CN=Folio Admins,OU=Groups":"admin","quants":"author"}',
      FOLIO_OIDC_DEFAULT_ROLE: 'none',
      FOLIO_OIDC_LINK_BY_EMAIL: 'true',
      FOLIO_PASSWORD_LOGIN: 'false',
    }).signIn;
    expect(c.password).toBe(false);
    expect(c.oidc).toMatchObject({
      clientSecret: 's3cret',
      scopes: ['openid', 'email', 'groups'],
      name: 'Bank SSO',
      roleClaim: 'realm_access.roles',
      roleMap: { 'CN=Folio Admins,OU=Groups': 'admin', quants: 'author' },
      defaultRole: null,
      linkByEmail: true,
    });
  });

  it('names each bad setting', () => {
    expect(problemsOf({ FOLIO_OIDC_CLIENT_ID: 'folio' })).toMatch(/FOLIO_OIDC_CLIENT_ID: set FOLIO_OIDC_ISSUER too/);
    expect(problemsOf({ FOLIO_PASSWORD_LOGIN: 'false' })).toMatch(
      /FOLIO_PASSWORD_LOGIN: false leaves no way to sign in/,
    );
    expect(problemsOf({ FOLIO_OIDC_ISSUER: 'https://login.bank.example' })).toMatch(
      /FOLIO_OIDC_CLIENT_ID: required[\s\S]*FOLIO_PUBLIC_URL: required with FOLIO_OIDC_ISSUER/,
    );
    expect(problemsOf({ ...sso, FOLIO_OIDC_ISSUER: 'http://login.bank.example' })).toMatch(
      /FOLIO_OIDC_ISSUER: must be https/,
    );
    expect(problemsOf({ ...sso, FOLIO_OIDC_ISSUER: 'http://127.0.0.1:4000' })).toBe(''); // a local IdP, for tests
    expect(problemsOf({ ...sso, FOLIO_OIDC_SCOPES: 'email profile' })).toMatch(
      /FOLIO_OIDC_SCOPES: must include openid/,
    );
    expect(problemsOf({ ...sso, FOLIO_OIDC_ROLE_MAP: '{"a":"admin"}' })).toMatch(
      /FOLIO_OIDC_ROLE_MAP: needs FOLIO_OIDC_ROLE_CLAIM/,
    );
    const claim = { ...sso, FOLIO_OIDC_ROLE_CLAIM: 'groups' };
    expect(problemsOf({ ...claim, FOLIO_OIDC_ROLE_MAP: 'quants=author' })).toMatch(
      /FOLIO_OIDC_ROLE_MAP: must be a JSON object/,
    );
    expect(problemsOf({ ...claim, FOLIO_OIDC_ROLE_MAP: '["admin"]' })).toMatch(
      /FOLIO_OIDC_ROLE_MAP: must be a JSON object/,
    );
    expect(problemsOf({ ...claim, FOLIO_OIDC_ROLE_MAP: '{"quants":"root"}' })).toMatch(
      /"quants" must map to admin, author or viewer/,
    );
    expect(problemsOf({ ...sso, FOLIO_OIDC_DEFAULT_ROLE: 'guest' })).toMatch(/FOLIO_OIDC_DEFAULT_ROLE/);
  });
});
