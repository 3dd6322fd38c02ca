import type { Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { importNotebook, startE2E, type E2E } from './harness';
import { openNotebook } from './notebook-page';

/** Opens a notebook and waits until its first cell's Monaco editor is live. */
/** Appends a line at the end of a cell's editor. */
async function appendLine(page: Page, index: number, line: string) {
  await page.locator(`[data-testid=cell][data-index="${index}"] .monaco-editor`).click();
  await page.keyboard.press('Control+End');
  await page.keyboard.press('Enter');
  await page.keyboard.type(line);
}

const cellText = async (page: Page, index: number) =>
  (await page.locator(`[data-testid=cell][data-index="${index}"] .view-lines`).innerText()).replace(/\u00a0/g, ' ');

/** The next autosave PUT of this notebook (set up before the edit that triggers it). */
const nextSave = (page: Page, id: string) =>
  page.waitForResponse((r) => r.request().method() === 'PUT' && r.url().endsWith(`/api/notebooks/${id}`));

describe('journeys: authoring (conflicts, keyboard, tags, import by drag and drop)', () => {
  let e2e: E2E;
  beforeAll(async () => {
    e2e = await startE2E();
  });
  afterAll(() => e2e?.stop());

  it('two browsers edit one notebook: the stale save gets a conflict banner, and Reload shows the newer content', async () => {
    const a = await e2e.signedInPage();
    const b = await e2e.signedInPage();
    const id = await importNotebook(a.page, 'shared', [{ source: 'x = 1' }]);
    await openNotebook(a.page, id);
    await openNotebook(b.page, id);

    const savedA = nextSave(a.page, id);
    await appendLine(a.page, 0, 'from_a = 2');
    expect((await savedA).status()).toBe(200);

    const savedB = nextSave(b.page, id);
    await appendLine(b.page, 0, 'from_b = 3');
    expect((await savedB).status()).toBe(409);
    await b.page.getByTestId('conflict-banner').waitFor();
    expect(await b.page.getByTestId('save-state').getAttribute('data-state')).toBe('conflict');

    await b.page.getByTestId('conflict-reload').click();
    await b.page.getByTestId('conflict-banner').waitFor({ state: 'detached' });
    await b.page.locator('[data-testid=cell-editor][data-live=true]').first().waitFor();
    expect(await cellText(b.page, 0)).toBe('x = 1\nfrom_a = 2');
    expect([...a.pageErrors, ...b.pageErrors]).toEqual([]);
    await Promise.all([a.context.close(), b.context.close()]);
  });

  it('command mode: Esc, then B adds a cell below, D D deletes it, M makes a cell Markdown', async () => {
    const { page, context } = await e2e.signedInPage();
    const id = await importNotebook(page, 'keys', [{ source: 'a = 1' }, { source: 'b = 2' }]);
    await openNotebook(page, id);
    const cells = page.getByTestId('cell');
    const editor = page.getByTestId('notebook-editor');

    await page.locator('[data-testid=cell][data-index="0"] .monaco-editor').click();
    expect(await editor.getAttribute('data-mode')).toBe('edit');
    await page.keyboard.press('Escape');
    await page.locator('[data-testid=notebook-editor][data-mode=command]').waitFor();

    await page.keyboard.press('b');
    await page.locator('[data-testid=cell].cell-active[data-index="1"]').waitFor();
    expect(await cells.count()).toBe(3);
    expect(await cellText(page, 1)).toBe('');

    await page.keyboard.press('d');
    await page.keyboard.press('d');
    await expect.poll(() => cells.count()).toBe(2);
    expect(await cellText(page, 1)).toBe('b = 2');

    await page.keyboard.press('m');
    await page.locator('[data-testid=cell].cell-active[data-cell-type=markdown]').waitFor();
    expect(await cells.evaluateAll((els) => els.map((e) => e.getAttribute('data-cell-type')))).toEqual([
      'code',
      'markdown',
    ]);
    await context.close();
  });

  it('tags: a cell marked `parameters` in the tags editor keeps the tag after a reload', async () => {
    const { page, context } = await e2e.signedInPage();
    const id = await importNotebook(page, 'tagged', [{ source: 'rate: float = 0.05' }, { source: 'print(rate)' }]);
    await openNotebook(page, id);
    const first = page.locator('[data-testid=cell][data-index="0"]');
    await first.getByTestId('edit-tags').click();
    const saved = nextSave(page, id);
    await first.getByTestId('tag-input').fill('parameters');
    await first.getByTestId('tag-input').press('Enter');
    expect((await saved).status()).toBe(200);

    await page.reload();
    await page.locator('[data-testid=cell-editor][data-live=true]').first().waitFor();
    expect(await first.locator('.tag-static').allInnerTexts()).toEqual(['parameters']);
    expect(await page.locator('[data-testid=cell][data-index="1"] .tag-static').count()).toBe(0);
    const stored = await page.evaluate(async (nid) => (await fetch(`/api/notebooks/${nid}`)).json(), id);
    expect(stored.content.cells[0].metadata.tags).toEqual(['parameters']);
    await context.close();
  });

  it('a save refreshes the notebook list: a rename shows there at once', async () => {
    const { page, context, pageErrors } = await e2e.signedInPage();
    const id = await importNotebook(page, 'before rename', [{ source: '1' }]);
    await page.reload(); // the list, with it, is now cached (and fresh for a while)
    await page.getByTestId('notebook-row').getByText('before rename').click();
    await page.locator('[data-testid=cell-editor][data-live=true]').first().waitFor();
    const saved = nextSave(page, id);
    await page.getByTestId('notebook-name').fill('after rename');
    expect((await saved).status()).toBe(200);
    await page.getByTestId('nav-notebooks').click(); // client-side: no page reload
    await page.locator(`[data-testid=notebook-row][data-notebook-id="${id}"]`).getByText('after rename').waitFor();
    expect(pageErrors).toEqual([]);
    await context.close();
  });

  it('imports an .ipynb dropped on the notebook list; other files are refused', async () => {
    const { page, context } = await e2e.signedInPage();
    const nb = {
      nbformat: 4,
      nbformat_minor: 5,
      metadata: {},
      cells: [
        { id: 'm', cell_type: 'markdown', source: '# Dropped', metadata: {} },
        { id: 'c', cell_type: 'code', source: '1 + 1', metadata: {}, execution_count: null, outputs: [] },
      ],
    };
    const drop = async (name: string, text: string) => {
      const dataTransfer = await page.evaluateHandle(
        ([n, t]) => {
          const dt = new DataTransfer();
          dt.items.add(new File([t], n, { type: n.endsWith('.ipynb') ? 'application/x-ipynb+json' : 'text/plain' }));
          return dt;
        },
        [name, text] as const,
      );
      await page.dispatchEvent('[data-testid=import-drop-zone]', 'dragover', { dataTransfer });
      await page.dispatchEvent('[data-testid=import-drop-zone]', 'drop', { dataTransfer });
    };

    await drop('notes.txt', 'not a notebook');
    await page.getByTestId('list-notice').getByText('Not a notebook (.ipynb): notes.txt').waitFor();

    await drop('dropped report.ipynb', JSON.stringify(nb));
    await page.getByTestId('list-notice').getByText('Imported dropped report.').waitFor();
    await page.getByTestId('notebook-row').getByText('dropped report').click();
    await page.getByTestId('notebook-editor').waitFor();
    expect(await page.getByTestId('cell').count()).toBe(2);
    expect(await page.getByTestId('markdown-rendered').locator('h1').innerText()).toBe('Dropped');
    await context.close();
  });
});
