import fs from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { signIn, startE2E, type E2E } from './harness';

/** The admin's audit page in Chromium against the real server: filters, pages, details, CSV download, verify. */
describe('journeys: audit trail', () => {
  let e2e: E2E;
  beforeAll(async () => {
    e2e = await startE2E();
  });
  afterAll(() => e2e?.stop());

  it('an admin filters the trail, pages through it, downloads the CSV and verifies the chain', async () => {
    const { page, context, pageErrors } = await e2e.signedInPage();
    // 55 notebooks (one notebook.create each), one of them deleted: through the API, as the signed-in admin.
    const doomed = await page.evaluate(async () => {
      let last = '';
      for (let i = 1; i <= 55; i++) {
        const res = await fetch('/api/notebooks', {
          method: 'POST',
          headers: { 'content-type': 'application/json' },
          body: JSON.stringify({ name: `Desk ${i}` }),
        });
        if (res.status !== 201) throw new Error(`create answered ${res.status}`);
        last = ((await res.json()) as { id: string }).id;
      }
      const del = await fetch(`/api/notebooks/${last}`, { method: 'DELETE' });
      if (del.status !== 204) throw new Error(`delete answered ${del.status}`);
      return last;
    });

    await page.getByTestId('nav-audit').click();
    await page.waitForURL(/\/audit$/);
    const rows = page.getByTestId('audit-row');
    await rows.first().waitFor();

    // Only notebook creations: 55, so a first page of 50 and an older one of 5.
    await page.getByTestId('audit-filter-action').selectOption('notebook.create');
    await page.getByTestId('audit-apply').click();
    await page.waitForURL(/action=notebook\.create/);
    // The URL changes before the page renders the new query: wait for the filtered rows themselves (the range label
    // reads "Events 1–50" for the unfiltered first page too).
    await expect
      .poll(() => rows.evaluateAll((rs) => rs.map((r) => r.getAttribute('data-action'))))
      .toEqual(Array(50).fill('notebook.create'));
    expect(await page.getByTestId('audit-range').textContent()).toBe('Events 1–50');
    await expect.poll(() => rows.first().textContent()).toContain('notebook Desk 55');
    await page.getByTestId('audit-older').click();
    await expect.poll(() => page.getByTestId('audit-range').textContent()).toBe('Events 51–55');
    expect(await rows.count()).toBe(5);
    await expect.poll(() => rows.last().textContent()).toContain('notebook Desk 1');
    expect(await page.getByTestId('audit-older').isDisabled()).toBe(true);
    await page.getByTestId('audit-newer').click();
    await expect.poll(() => page.getByTestId('audit-range').textContent()).toBe('Events 1–50');

    // The deleted notebook, by target; its row opens to the details.
    await page.getByTestId('audit-filter-action').selectOption('');
    await page.getByTestId('audit-filter-target').fill(doomed);
    await page.getByTestId('audit-filter-target').press('Enter');
    await expect
      .poll(() => rows.evaluateAll((rs) => rs.map((r) => r.getAttribute('data-action'))))
      .toEqual(['notebook.delete', 'notebook.create']);
    const deleteRow = rows.first();
    expect(await deleteRow.textContent()).toContain(e2e.server.admin.email);
    await deleteRow.getByTestId('audit-toggle-details').click();
    const details = page.getByTestId('audit-details');
    await details.waitFor();
    expect(await details.textContent()).toContain('"name": "Desk 55"');

    // The CSV of what is shown: the same two events.
    const [download] = await Promise.all([
      page.waitForEvent('download'),
      page.getByTestId('audit-download-csv').click(),
    ]);
    expect(download.suggestedFilename()).toMatch(/^folio-audit-.*\.csv$/);
    const csv = fs.readFileSync((await download.path())!, 'utf8');
    const lines = csv
      .replace(/^\uFEFF/, '')
      .trimEnd()
      .split('\r\n');
    expect(lines[0]).toMatch(/^"seq","id","at","action",/);
    expect(lines.slice(1).map((l) => l.split('","')[3])).toEqual(['notebook.delete', 'notebook.create']);
    expect(lines.slice(1).every((l) => l.includes(`"${doomed}"`))).toBe(true);

    // Nothing matches a time range in the future; Clear shows everything again.
    await page.getByTestId('audit-filter-from').fill('2999-01-01T00:00');
    await page.getByTestId('audit-apply').click();
    await page.getByTestId('audit-empty').waitFor();
    expect(await page.getByTestId('audit-empty').textContent()).toBe('No events match these filters.');
    await page.getByTestId('audit-clear').click();
    await page.waitForURL(/\/audit$/);
    await rows.first().waitFor();

    await page.getByTestId('audit-verify-button').click();
    const verdict = page.getByTestId('audit-verify-result');
    await verdict.waitFor();
    expect(await verdict.getAttribute('data-intact')).toBe('true');
    expect(await verdict.textContent()).toMatch(/Chain intact: \d+ events/);
    expect(pageErrors).toEqual([]);
    await context.close();
  });

  it('is an admin page: authors have no Audit entry and are told so at /audit', async () => {
    const admin = await e2e.signedInPage();
    const author = { email: 'quant@folio.test', password: 'author-password-1' };
    const status = await admin.page.evaluate(
      async (body) => {
        const res = await fetch('/api/users', {
          method: 'POST',
          headers: { 'content-type': 'application/json' },
          body: JSON.stringify(body),
        });
        return res.status;
      },
      { ...author, role: 'author' },
    );
    expect(status).toBe(201);
    await admin.context.close();

    const { page, context } = await e2e.newPage();
    await signIn(page, e2e.server.url, author);
    await page.getByTestId('nav-kernels').waitFor();
    expect(await page.getByTestId('nav-audit').count()).toBe(0);
    await page.goto(`${e2e.server.url}/audit`);
    await page.getByRole('alert').waitFor();
    expect(await page.getByRole('alert').textContent()).toContain('Only admins can read the audit trail.');
    await context.close();
  });
});
