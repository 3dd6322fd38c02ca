import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { freePort } from '../backend/src/embedded/child-process';
import { startTestIdp, type TestIdp } from '../backend/src/users/testing/oidc-provider.fixture';
import { startE2E, type E2E } from './harness';

/**
 * Single sign-on in Chromium: the real Folio (child process) configured against a real OpenID Connect provider
 * (oidc-provider in this test process, on 127.0.0.1), a person clicking "Sign in with Bank SSO", signing in on the
 * provider's own pages, and landing in Folio signed in with the role mapped from their groups.
 */
let e2e: E2E;
let idp: TestIdp;

beforeAll(async () => {
  const port = await freePort();
  const folio = `http://localhost:${port}`;
  idp = await startTestIdp({ redirectUris: [`${folio}/api/auth/oidc/callback`] });
  idp.setAccount('ada', { email: 'ada@bank.example', email_verified: true, name: 'Ada Lovelace', groups: ['quants'] });
  e2e = await startE2E({
    env: {
      PORT: String(port),
      FOLIO_PUBLIC_URL: folio,
      FOLIO_OIDC_ISSUER: idp.issuer,
      FOLIO_OIDC_CLIENT_ID: idp.clientId,
      FOLIO_OIDC_CLIENT_SECRET: idp.clientSecret,
      FOLIO_OIDC_NAME: 'Bank SSO',
      FOLIO_OIDC_SCOPES: 'openid email profile groups',
      FOLIO_OIDC_ROLE_CLAIM: 'groups',
      FOLIO_OIDC_ROLE_MAP: JSON.stringify({ quants: 'author', managers: 'viewer' }),
    },
  });
});
afterAll(async () => {
  await e2e?.stop();
  await idp?.close();
});

describe('single sign-on', () => {
  it('signs in through the provider and lands where the person was going, with the mapped role', async () => {
    const { page, context, pageErrors } = await e2e.newPage();
    await page.goto('/kernels');
    await page.waitForURL(/\/login\?next=%2Fkernels$/);
    // Both ways to sign in are offered.
    await expect.poll(() => page.getByTestId('login-email').isVisible()).toBe(true);
    await page.getByRole('link', { name: 'Sign in with Bank SSO' }).click();

    // The provider's own login and consent pages.
    await page.waitForURL((u) => u.href.startsWith(idp.issuer));
    await page.locator('input[name="login"]').fill('ada');
    await page.locator('input[name="password"]').fill('any password');
    await page.getByRole('button', { name: 'Sign-in' }).click();
    await page.getByRole('button', { name: 'Continue' }).click();

    await page.waitForURL(`${e2e.server.url}/kernels`);
    await expect.poll(() => page.getByTestId('user-menu').textContent()).toContain('Ada Lovelace');
    const me = await page.evaluate(async () => (await fetch('/api/me')).json());
    expect(me).toEqual({
      user: { id: expect.any(String), email: 'ada@bank.example', name: 'Ada Lovelace', role: 'author' },
    });
    await page.getByTestId('user-menu').click();
    await expect.poll(() => page.locator('.user-menu-who').textContent()).toContain('author');
    expect(pageErrors).toEqual([]);
    await context.close();
  });

  it('says clearly on the login page when the sign-in is cancelled at the provider', async () => {
    const { page, context, pageErrors } = await e2e.newPage();
    await page.goto('/login');
    await page.getByRole('link', { name: 'Sign in with Bank SSO' }).click();
    await page.waitForURL((u) => u.href.startsWith(idp.issuer));
    await page.getByRole('link', { name: '[ Cancel ]' }).click();
    await page.waitForURL(/\/login\?sso_error=access_denied$/);
    await expect
      .poll(() => page.getByTestId('sso-error').textContent())
      .toBe('Sign-in was cancelled or refused at Bank SSO.');
    // Still a working login page: the button starts a new sign-in.
    expect(await page.getByTestId('sso-sign-in').getAttribute('href')).toBe('/api/auth/oidc/login?next=%2Fnotebooks');
    expect(pageErrors).toEqual([]);
    await context.close();
  });
});
