import type { Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startE2E, type E2E } from './harness';
import { cell, openNotebook, shownSource } from './notebook-page';

interface StoredNotebook {
  version: number;
  content: { cells: { id: string; source: string | string[] }[] };
}
const text = (s: string | string[] | undefined) => (Array.isArray(s) ? s.join('') : (s ?? ''));
const stored = (page: Page, id: string) =>
  page.evaluate(async (id) => (await (await fetch(`/api/notebooks/${id}`)).json()) as StoredNotebook, id);
const storedSources = async (page: Page, id: string) =>
  (await stored(page, id)).content.cells.map((c) => text(c.source));

const emptyCell = (id: string) => ({
  id,
  cell_type: 'code',
  source: '',
  metadata: {},
  execution_count: null,
  outputs: [],
});
const twoEmptyCells = {
  nbformat: 4,
  nbformat_minor: 5,
  metadata: { kernelspec: { name: 'python3', display_name: 'Python 3', language: 'python' } },
  cells: [emptyCell('c0'), emptyCell('c1')],
};

async function createNotebook(page: Page, name: string): Promise<string> {
  return page.evaluate(
    async ({ name, content }) => {
      const res = await fetch('/api/notebooks', {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ name, content }),
      });
      return ((await res.json()) as { id: string }).id;
    },
    { name, content: twoEmptyCells },
  );
}

async function typeInCell(page: Page, index: number, code: string) {
  await cell(page, index).locator('[data-testid=cell-editor][data-live=true]').waitFor();
  await cell(page, index).locator('.monaco-editor').click();
  await page.keyboard.type(code);
}

/** Every save state the page shows, recorded as it changes (to assert it never showed a conflict). */
async function recordSaveStates(page: Page): Promise<() => Promise<string[]>> {
  await page.evaluate(() => {
    const seen: string[] = [];
    (window as unknown as { saveStates: string[] }).saveStates = seen;
    new MutationObserver(() => {
      const s = document.querySelector('[data-testid=save-state]')?.getAttribute('data-state');
      if (s && seen.at(-1) !== s) seen.push(s);
    }).observe(document.body, { subtree: true, attributes: true, childList: true });
  });
  return () => page.evaluate(() => (window as unknown as { saveStates: string[] }).saveStates);
}

describe('journeys: two tabs on one notebook', () => {
  let e2e: E2E;
  beforeAll(async () => {
    e2e = await startE2E();
  });
  afterAll(() => e2e?.stop());

  it('a tab with no edits follows the other tab silently: its code under its outputs, no conflict', async () => {
    const { page: tab1, context, pageErrors } = await e2e.signedInPage();
    const id = await createNotebook(tab1, 'two tabs follow');
    await openNotebook(tab1, id);
    const tab2 = await context.newPage();
    await openNotebook(tab2, id);
    await tab1.locator('[data-testid=kernel-status][data-status=idle]').waitFor({ timeout: 60_000 });
    const states2 = await recordSaveStates(tab2);

    await typeInCell(tab1, 0, 'print("from tab 1")');
    await tab1.keyboard.press('Control+Enter');
    await cell(tab1, 0).getByTestId('cell-outputs').getByText('from tab 1').waitFor();

    // Tab 2 shows the outputs (the kernel is shared) under the code that made them, once tab 1 saved it.
    await cell(tab2, 0).getByTestId('cell-outputs').getByText('from tab 1').waitFor();
    await expect.poll(() => shownSource(tab2, 0)).toBe('print("from tab 1")');
    await tab1.locator('[data-testid=save-state][data-state=saved]').waitFor();
    await expect.poll(() => storedSources(tab1, id)).toEqual(['print("from tab 1")', '']);
    // And it can go on editing from there: its save is based on what tab 1 saved (no 409).
    await typeInCell(tab2, 1, 'y = 2');
    await tab2.locator('[data-testid=save-state][data-state=saved]').waitFor();
    await expect.poll(() => storedSources(tab1, id)).toEqual(['print("from tab 1")', 'y = 2']);
    await expect.poll(() => shownSource(tab1, 1)).toBe('y = 2');

    expect(await states2()).not.toContain('conflict');
    expect(await tab1.getByTestId('conflict-banner').count()).toBe(0);
    expect(await tab2.getByTestId('conflict-banner').count()).toBe(0);
    expect(pageErrors).toEqual([]);
    await context.close();
  });

  it('both tabs edited: a real conflict shows the banner; "Overwrite" keeps the other tab\'s code (never emptied)', async () => {
    // Two browser contexts (e.g. two machines): tab 2 hears nothing of tab 1's saves until it saves itself.
    const one = await e2e.signedInPage();
    const two = await e2e.signedInPage();
    const id = await createNotebook(one.page, 'two tabs conflict');
    await openNotebook(one.page, id);
    await openNotebook(two.page, id);

    await typeInCell(one.page, 1, 'a = 1');
    await expect.poll(() => storedSources(one.page, id)).toEqual(['', 'a = 1']);

    await typeInCell(two.page, 0, 'b = 2');
    await two.page.getByTestId('conflict-banner').waitFor();
    expect(await two.page.getByTestId('save-state').getAttribute('data-state')).toBe('conflict');
    expect(await storedSources(one.page, id)).toEqual(['', 'a = 1']);

    // Overwrite: tab 2's edit wins, but the code tab 2 never saw is not emptied (the server refuses; it is filled in).
    await two.page.getByTestId('conflict-overwrite').click();
    await two.page.locator('[data-testid=save-state][data-state=saved]').waitFor();
    await expect.poll(() => storedSources(one.page, id)).toEqual(['b = 2', 'a = 1']);
    expect(await shownSource(two.page, 1)).toBe('a = 1');
    expect(await two.page.getByTestId('conflict-banner').count()).toBe(0);
    expect([...one.pageErrors, ...two.pageErrors]).toEqual([]);
    await one.context.close();
    await two.context.close();
  });

  it('another browser with no edits takes the newer save when it comes back into view', async () => {
    const one = await e2e.signedInPage();
    const two = await e2e.signedInPage(); // its own context: no word of tab 1's saves but the server's
    const id = await createNotebook(one.page, 'back into view');
    await openNotebook(one.page, id);
    await openNotebook(two.page, id);
    await typeInCell(one.page, 0, 'z = 3');
    await expect.poll(() => storedSources(one.page, id)).toEqual(['z = 3', '']);
    expect(await shownSource(two.page, 0)).toBe('');

    await two.page.evaluate(() => document.dispatchEvent(new Event('visibilitychange'))); // visible again
    await expect.poll(() => shownSource(two.page, 0)).toBe('z = 3');
    await typeInCell(two.page, 1, 'w = 4');
    await expect.poll(() => storedSources(one.page, id)).toEqual(['z = 3', 'w = 4']);
    expect(await two.page.getByTestId('conflict-banner').count()).toBe(0);
    await one.context.close();
    await two.context.close();
  });
});
