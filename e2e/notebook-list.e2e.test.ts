import type { Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { importNotebook, startE2E, type E2E } from './harness';

/** The notebook list: the examples stay easy to find (pinned, filterable); new notebooks get unique names. */

const EXAMPLES = ['fx-rates-report', 'portfolio-var', 'yield-curve-fit'];

const rowNames = (page: Page) =>
  page
    .getByTestId('notebook-row')
    .evaluateAll((rows) =>
      rows.map(
        (r) =>
          `${r.querySelector('.notebook-link')!.textContent}${r.getAttribute('data-example') === 'true' ? ' (example)' : ''}`,
      ),
    );

describe('journeys: notebook list', () => {
  let e2e: E2E;
  beforeAll(async () => {
    e2e = await startE2E();
  });
  afterAll(() => e2e?.stop());

  it('keeps the example notebooks pinned at the top, marked, whatever the sort, and can show only them', async () => {
    const { page, context, pageErrors } = await e2e.signedInPage();
    // Newer work, which sorts above the examples by last update.
    await importNotebook(page, 'my latest report', [{ source: 'x = 1' }]);
    await importNotebook(page, 'aaa scratch', [{ source: 'y = 2' }]);
    await page.reload();
    await page.getByTestId('notebook-row').nth(4).waitFor();
    const examplesFirst = (names: string[]) => names.slice(0, 3).every((n) => n.endsWith(' (example)'));

    const byUpdate = await rowNames(page);
    expect(examplesFirst(byUpdate)).toBe(true);
    expect(byUpdate.slice(3)).toEqual(['aaa scratch', 'my latest report']);
    expect(await page.getByTestId('example-badge').count()).toBe(3);

    await page.getByTestId('notebook-sort').selectOption('name');
    expect(await rowNames(page)).toEqual([...EXAMPLES.map((n) => `${n} (example)`), 'aaa scratch', 'my latest report']);

    await page.getByTestId('notebook-show').selectOption('examples');
    await page.getByTestId('notebook-row').nth(3).waitFor({ state: 'detached' });
    expect(await rowNames(page)).toEqual(EXAMPLES.map((n) => `${n} (example)`));
    await page.getByTestId('notebook-search').fill('var');
    await page.getByTestId('notebook-row').nth(1).waitFor({ state: 'detached' });
    expect(await rowNames(page)).toEqual(['portfolio-var (example)']);
    expect(pageErrors).toEqual([]);
    await context.close();
  });

  it('names new notebooks "Untitled", then "Untitled 2"', async () => {
    const { page, context } = await e2e.signedInPage();
    const created: string[] = [];
    for (let i = 0; i < 2; i++) {
      await page.getByTestId('nav-notebooks').click();
      await page.getByTestId('new-notebook').click();
      await page.waitForURL(/\/notebooks\/[^/]+$/);
      await page.getByTestId('notebook-editor').waitFor();
      created.push(await page.getByTestId('notebook-name').inputValue());
    }
    expect(created).toEqual(['Untitled', 'Untitled 2']);
    await page.getByTestId('nav-notebooks').click();
    await page.getByTestId('notebook-row').filter({ hasText: 'Untitled 2' }).waitFor();
    expect((await rowNames(page)).filter((n) => n.startsWith('Untitled')).sort()).toEqual(['Untitled', 'Untitled 2']);
    await context.close();
  });
});
