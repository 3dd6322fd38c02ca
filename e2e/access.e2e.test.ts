import type { Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { importNotebook, signIn, startE2E, type E2E } from './harness';

/**
 * People and access in Chromium against the real server: the admin's Users page (an invitation accepted through its
 * one-time link, a role change, a disable), sharing a notebook read-only and then for editing, the read-only view and
 * "Make a copy", API tokens made, used and revoked on the Account page, and changing one's password.
 */
describe('journeys: users, sharing and API tokens', () => {
  let e2e: E2E;
  beforeAll(async () => {
    e2e = await startE2E();
  });
  afterAll(() => e2e?.stop());

  /** An account made through the API by the signed-in admin page; resolves with its id. */
  const createUser = (admin: Page, user: { email: string; role: string; password: string }) =>
    admin.evaluate(async (body) => {
      const res = await fetch('/api/users', {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify(body),
      });
      if (res.status !== 201) throw new Error(`POST /api/users answered ${res.status}: ${await res.text()}`);
      return ((await res.json()) as { user: { id: string } }).user.id;
    }, user);

  const userRow = (page: Page, email: string) => page.locator(`[data-testid=user-row][data-email="${email}"]`);

  it('an admin invites an author, who sets a password from the link; a role change and a disable sign them out', async () => {
    const admin = await e2e.signedInPage();
    await admin.page.getByTestId('nav-users').click();
    await admin.page.waitForURL(/\/users$/);
    await userRow(admin.page, e2e.server.admin.email).waitFor();
    // Not on oneself: a reset or "end sessions" would sign the admin out (their password is on the Account page).
    const me = userRow(admin.page, e2e.server.admin.email);
    expect([
      await me.getByTestId('user-reset').isDisabled(),
      await me.getByTestId('user-disable').isDisabled(),
    ]).toEqual([true, true]);

    // Invite (no password): the dialog shows the one-time link once.
    await admin.page.getByTestId('new-user').click();
    await admin.page.getByTestId('new-user-email').fill('dana@folio.test');
    await admin.page.getByTestId('new-user-name').fill('Dana Quant');
    await admin.page.getByTestId('new-user-submit').click();
    const link = await admin.page.getByTestId('set-password-link').inputValue();
    expect(link).toMatch(new RegExp(`^${e2e.server.url}/set-password#.+`));
    await admin.page.getByTestId('link-done').click();
    await expect.poll(() => userRow(admin.page, 'dana@folio.test').getAttribute('data-status')).toBe('invited');

    // A taken email is refused with the server's reason, and nothing else changes.
    await admin.page.getByTestId('new-user').click();
    await admin.page.getByTestId('new-user-email').fill('dana@folio.test');
    await admin.page.getByTestId('new-user-submit').click();
    expect(await admin.page.getByTestId('new-user-error').textContent()).toMatch(/already|exists|taken/i);
    await admin.page.keyboard.press('Escape');

    // Dana opens the link in her own browser: the secret leaves the address bar, she chooses a password.
    const dana = await e2e.newPage();
    await dana.page.goto(link);
    expect(await dana.page.getByTestId('set-password-for').textContent()).toContain('dana@folio.test');
    expect(dana.page.url()).toBe(`${e2e.server.url}/set-password`);
    await dana.page.getByTestId('new-password').fill('dana-secret-1');
    await dana.page.getByTestId('repeat-password').fill('dana-secret-2');
    await dana.page.getByTestId('set-password-submit').click();
    expect(await dana.page.getByTestId('set-password-error').textContent()).toMatch(/differ/);
    await dana.page.getByTestId('repeat-password').fill('dana-secret-1');
    await dana.page.getByTestId('set-password-submit').click();
    await dana.page.waitForURL(/\/notebooks$/);
    // Authors see no admin pages.
    expect(await dana.page.getByTestId('nav-users').count()).toBe(0);

    // The link worked once.
    const again = await e2e.newPage();
    await again.page.goto(link);
    await again.page.getByTestId('set-password-problem').waitFor();
    await again.context.close();

    // The admin sees her active with a session; making her a viewer ends it at once.
    await admin.page.reload();
    const row = userRow(admin.page, 'dana@folio.test');
    await expect.poll(() => row.getAttribute('data-status')).toBe('active');
    expect(await row.getByTestId('user-sessions').textContent()).toBe('1');
    await row.getByTestId('user-role').selectOption('viewer');
    await expect.poll(() => row.getByTestId('user-sessions').textContent()).toBe('0');
    await dana.page.reload();
    await dana.page.waitForURL(/\/login/);

    // Signed in again (as a viewer), then disabled: signed out, and signing in is refused with the reason.
    await signIn(dana.page, e2e.server.url, { email: 'dana@folio.test', password: 'dana-secret-1' });
    await row.getByTestId('user-disable').click();
    await admin.page.getByTestId('confirm-button').click();
    await expect.poll(() => row.getAttribute('data-status')).toBe('disabled');
    await dana.page.reload();
    await dana.page.waitForURL(/\/login/);
    await dana.page.getByTestId('login-email').fill('dana@folio.test');
    await dana.page.getByTestId('login-password').fill('dana-secret-1');
    await dana.page.getByTestId('login-submit').click();
    expect(await dana.page.getByTestId('login-error').textContent()).toMatch(/disabled/i);

    // A reset makes a fresh link (shown once); the old password stops working.
    await row.getByTestId('user-enable').click();
    await expect.poll(() => row.getAttribute('data-status')).toBe('active');
    await row.getByTestId('user-reset').click();
    await admin.page.getByTestId('confirm-button').click();
    expect(await admin.page.getByTestId('set-password-link').inputValue()).toContain('/set-password#');
    await admin.page.getByTestId('link-done').click();
    await expect.poll(() => row.getAttribute('data-status')).toBe('reset');

    expect([...admin.pageErrors, ...dana.pageErrors]).toEqual([]);
    await Promise.all([admin.context.close(), dana.context.close()]);
  });

  it('an owner shares a notebook read-only, then for editing; others still get "not found"', async () => {
    const admin = await e2e.signedInPage();
    const people = { email: 'olga@folio.test', password: 'olga-secret-1' };
    const reader = { email: 'ravi@folio.test', password: 'ravi-secret-1' };
    const outsider = { email: 'otto@folio.test', password: 'otto-secret-1' };
    for (const u of [people, reader, outsider]) await createUser(admin.page, { ...u, role: 'author' });
    await admin.context.close();

    // Olga's notebook, with a saved output.
    const olga = await e2e.newPage();
    await signIn(olga.page, e2e.server.url, people);
    const id = await importNotebook(olga.page, 'Desk P&L', [
      { type: 'markdown', source: '# Desk P&L' },
      { source: 'pnl = 42\nprint(pnl)', outputs: [{ output_type: 'stream', name: 'stdout', text: '42\n' }] },
    ]);
    await olga.page.goto(`/notebooks/${id}`);
    // The Share dialog is a modal as people expect: its search field has focus once the list has loaded, Tab stays
    // inside, and Escape closes it even after focus fell to the page.
    const focused = () => olga.page.evaluate(() => document.activeElement?.getAttribute('data-testid') ?? null);
    await olga.page.getByTestId('share').click();
    await olga.page.getByTestId('share-search').waitFor();
    await expect.poll(focused).toBe('share-search');
    for (let i = 0; i < 5; i++) {
      await olga.page.keyboard.press('Tab');
      expect(await olga.page.evaluate(() => !!document.activeElement?.closest('[data-testid=share-dialog]'))).toBe(
        true,
      );
    }
    await olga.page.evaluate(() => (document.activeElement as HTMLElement | null)?.blur());
    await olga.page.keyboard.press('Escape');
    await olga.page.getByTestId('share-dialog').waitFor({ state: 'detached' });
    // Back to the notebook in command mode (as after any editor dialog), so its keys work at once.
    await expect
      .poll(() => olga.page.evaluate(() => !!document.activeElement?.closest('[data-testid=cell-list]')))
      .toBe(true);

    await olga.page.getByTestId('share').click();
    await olga.page.getByTestId('share-search').fill('ravi');
    await olga.page.getByTestId('share-candidate').filter({ hasText: 'ravi@folio.test' }).click();
    await olga.page.getByTestId('share-save').click();
    await olga.page.getByTestId('share-dialog').waitFor({ state: 'detached' });

    // Ravi finds it in his list, marked read-only, and opens it without a kernel or a save.
    const ravi = await e2e.newPage();
    await signIn(ravi.page, e2e.server.url, reader);
    const listed = ravi.page.locator(`[data-testid=notebook-row][data-notebook-id="${id}"]`);
    expect(await listed.getByTestId('shared-badge').textContent()).toBe('Shared · read only');
    expect(await listed.getByTestId('delete-notebook').count()).toBe(0);
    await listed.locator('a').click();
    await ravi.page.getByTestId('read-only-notebook').waitFor();
    expect(await ravi.page.getByTestId('cell-code').first().textContent()).toBe('pnl = 42\nprint(pnl)');
    expect(await ravi.page.getByTestId('cell-list').textContent()).toContain('42');
    expect(await ravi.page.getByTestId('share').count()).toBe(0);
    expect(await ravi.page.locator('.monaco-editor').count()).toBe(0);

    // "Make a copy": his own, editable, with a live kernel.
    await ravi.page.getByTestId('make-copy').click();
    await ravi.page.waitForURL((u) => /\/notebooks\/[^/]+$/.test(u.pathname) && !u.pathname.endsWith(id));
    await ravi.page.getByTestId('notebook-editor').waitFor();
    expect(await ravi.page.getByTestId('notebook-name').inputValue()).toBe('Copy of Desk P&L');

    // Otto, whom it is not shared with, gets "not found" as for a notebook that does not exist.
    const otto = await e2e.newPage();
    await signIn(otto.page, e2e.server.url, outsider);
    await otto.page.goto(`/notebooks/${id}`);
    await otto.page.getByRole('heading', { name: 'Notebook not found' }).waitFor();

    // Olga lets Ravi edit: he now opens the editor itself.
    await olga.page.getByTestId('share').click();
    await olga.page.getByTestId('share-permission').selectOption('edit');
    await olga.page.getByTestId('share-save').click();
    await olga.page.getByTestId('share-dialog').waitFor({ state: 'detached' });
    await ravi.page.goto(`/notebooks/${id}`);
    await ravi.page.getByTestId('notebook-editor').waitFor();
    expect(await ravi.page.getByTestId('read-only-notebook').count()).toBe(0);

    expect([...olga.pageErrors, ...ravi.pageErrors, ...otto.pageErrors]).toEqual([]);
    await Promise.all([olga.context.close(), ravi.context.close(), otto.context.close()]);
  });

  it('an author makes an API token (shown once), a script uses it within its scope, and revoking stops it', async () => {
    const admin = await e2e.signedInPage();
    const me = { email: 'tara@folio.test', password: 'tara-secret-1' };
    await createUser(admin.page, { ...me, role: 'author' });
    await admin.context.close();

    const tara = await e2e.newPage();
    await signIn(tara.page, e2e.server.url, me);
    await tara.page.getByTestId('user-menu').click();
    await tara.page.getByTestId('nav-account').click();
    await tara.page.waitForURL(/\/account$/);
    await tara.page.getByTestId('no-tokens').waitFor();

    await tara.page.getByTestId('new-token').click();
    // An author is not offered the admin scope.
    expect(await tara.page.getByTestId('scope-admin').count()).toBe(0);
    await tara.page.getByTestId('token-name').fill('Airflow daily risk');
    await tara.page.getByTestId('scope-apps:read').uncheck();
    await tara.page.getByTestId('scope-notebooks:read').check();
    await tara.page.getByTestId('token-submit').click();
    const secret = await tara.page.getByTestId('token-secret').inputValue();
    expect(secret).toMatch(/^folio_/);
    await tara.page.getByTestId('token-done').click();
    const row = tara.page.locator('[data-testid=token-row][data-name="Airflow daily risk"]');
    await row.waitFor();
    expect(await tara.page.getByTestId('api-tokens').textContent()).not.toContain(secret);

    // A script outside the browser: reading is in scope, creating is not.
    const call = (method: string, path: string) =>
      fetch(`${e2e.server.url}${path}`, {
        method,
        headers: { authorization: `Bearer ${secret}`, 'content-type': 'application/json' },
        body: method === 'POST' ? JSON.stringify({ name: 'From a script' }) : undefined,
      });
    expect((await call('GET', '/api/notebooks')).status).toBe(200);
    expect((await call('POST', '/api/notebooks')).status).toBe(403);
    await tara.page.reload();
    await expect.poll(() => row.textContent()).not.toContain('Never');

    await row.getByTestId('revoke-token').click();
    await tara.page.getByTestId('confirm-button').click();
    await expect.poll(() => row.getAttribute('data-status')).toBe('revoked');
    expect((await call('GET', '/api/notebooks')).status).toBe(401);

    // Her password, changed here: a wrong current one is refused with the reason.
    await tara.page.getByTestId('current-password').fill('not-it-at-all');
    await tara.page.getByTestId('new-password').fill('tara-secret-2');
    await tara.page.getByTestId('repeat-password').fill('tara-secret-2');
    await tara.page.getByTestId('change-password-submit').click();
    expect(await tara.page.getByTestId('change-password-error').textContent()).toMatch(/current password/i);
    await tara.page.getByTestId('current-password').fill(me.password);
    await tara.page.getByTestId('change-password-submit').click();
    await tara.page.getByTestId('change-password-done').waitFor();
    const fresh = await e2e.newPage();
    await signIn(fresh.page, e2e.server.url, { email: me.email, password: 'tara-secret-2' });

    expect([...tara.pageErrors, ...fresh.pageErrors]).toEqual([]);
    await Promise.all([tara.context.close(), fresh.context.close()]);
  });
});
