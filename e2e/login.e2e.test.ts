import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startE2E, type E2E } from './harness';

describe('journey: sign in and see the example notebooks', () => {
  let e2e: E2E;
  beforeAll(async () => {
    e2e = await startE2E();
  });
  afterAll(() => e2e?.stop());

  it('refuses a wrong password with a message, then signs in and lists the seeded examples', async () => {
    const { page, context, pageErrors } = await e2e.newPage();
    await page.goto('/');
    await page.waitForURL(/\/login/); // a signed-out visitor is sent to the login page

    await page.getByTestId('login-email').fill(e2e.server.admin.email);
    await page.getByTestId('login-password').fill('not-the-password');
    await page.getByTestId('login-submit').click();
    const error = page.getByTestId('login-error');
    await error.waitFor();
    expect(await error.textContent()).toMatch(/email or password/i);
    expect(page.url()).toMatch(/\/login/);

    await page.getByTestId('login-password').fill(e2e.server.admin.password);
    await page.getByTestId('login-submit').click();
    await page.waitForURL(/\/notebooks$/);
    await page.getByTestId('notebook-row').first().waitFor();
    const names = await page.getByTestId('notebook-row').locator('a').allTextContents();
    expect(names.sort()).toEqual(['fx-rates-report', 'portfolio-var', 'yield-curve-fit']);

    // The session survives a reload (httpOnly cookie), and no script error happened on the way.
    await page.reload();
    await page.getByTestId('notebook-row').first().waitFor();
    expect(page.url()).toMatch(/\/notebooks$/);
    expect(pageErrors).toEqual([]);
    await context.close();
  });
});
