import type { Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { importNotebook, startE2E, type E2E } from './harness';

const cellSel = (i: number) => `[data-testid=cell][data-index="${i}"]`;

/** Waits until the find box's counter reads `text` ("3 of 7", "No results"). */
const countIs = (page: Page, text: string) =>
  page.locator('[data-testid=find-count]', { hasText: new RegExp(`^${text}$`) }).waitFor();

/**
 * The cell sources as the server has them now. Callers poll it (`expect.poll`) until the autosave has caught up: the
 * save badge can still read "saved" from before an edit the page has not rendered yet.
 */
async function savedSources(page: Page, id: string): Promise<string[]> {
  return page.evaluate(async (id) => {
    const res = await fetch(`/api/notebooks/${id}`);
    const nb = (await res.json()) as { content: { cells: { source: string | string[] }[] } };
    return nb.content.cells.map((c) => (Array.isArray(c.source) ? c.source.join('') : c.source));
  }, id);
}

describe('journeys: notebook-wide find and replace', () => {
  let e2e: E2E;
  let page: Page;
  let id: string;
  beforeAll(async () => {
    e2e = await startE2E();
    ({ page } = await e2e.signedInPage());
    id = await importNotebook(page, 'find', [
      { source: 'rate = 0.05\nprint("rate", rate)' },
      { type: 'markdown', source: '# Rates and RATE curves' },
      { source: 'def discount(t, rate):\n    return (1 + rate) ** -t' },
    ]);
    await page.goto(`/notebooks/${id}`);
    await page.locator('[data-testid=kernel-status][data-status=idle]').waitFor({ timeout: 60_000 });
    await page.locator(`${cellSel(0)} .monaco-editor`).click();
    await page.keyboard.press('Control+Enter');
    await page.locator(`${cellSel(0)} [data-testid=cell-outputs]`, { hasText: 'rate 0.05' }).waitFor();
    await page.keyboard.press('Escape');
    await page.locator('[data-testid=notebook-editor][data-mode=command]').waitFor();
  });
  afterAll(() => e2e?.stop());

  it('Ctrl+F in command mode opens the box; typing counts the matches in every cell and highlights them', async () => {
    await page.keyboard.press('Control+F');
    const input = page.getByTestId('find-input');
    await input.waitFor();
    expect(await input.evaluate((el) => el === document.activeElement)).toBe(true);
    await page.keyboard.type('rate');
    await countIs(page, '1 of 7');
    // Highlighted in the cell editors, the current match distinctly.
    await page.locator(`${cellSel(0)} .find-match-current`).waitFor();
    await page
      .locator(`${cellSel(2)} .find-match`)
      .nth(1)
      .waitFor();
    expect(await page.locator(`${cellSel(2)} .find-match`).count()).toBe(2);
  });

  it('Enter / Shift+Enter move between matches; the current match’s cell becomes active (Markdown shows its source)', async () => {
    await page.keyboard.press('Enter');
    await countIs(page, '2 of 7');
    await page.keyboard.press('Shift+Enter');
    await countIs(page, '1 of 7');
    for (let i = 0; i < 3; i++) await page.keyboard.press('Enter');
    await countIs(page, '4 of 7');
    await page.locator(`${cellSel(1)}.cell-active [data-testid=cell-editor]`).waitFor();
    await page.getByTestId('find-next').click();
    await countIs(page, '5 of 7');
    await page.keyboard.press('Shift+Enter');
    await page.keyboard.press('Shift+Enter');
    await page.keyboard.press('Shift+Enter');
    await page.keyboard.press('Shift+Enter');
    await page.keyboard.press('Shift+Enter');
    await countIs(page, '7 of 7'); // wrapped around backwards
    await page.locator(`${cellSel(2)}.cell-active`).waitFor();
    // The keys stayed in the box: no command-mode key ran, no cell was added or deleted.
    expect(await page.getByTestId('cell').count()).toBe(3);
  });

  it('case, whole word and regex options, an invalid regex, and searching outputs', async () => {
    await page.getByTestId('find-caseSensitive').click();
    await countIs(page, '\\d of 5');
    await page.getByTestId('find-caseSensitive').click();
    await page.getByTestId('find-wholeWord').click();
    await countIs(page, '\\d of 6');
    await page.getByTestId('find-wholeWord').click();
    await page.getByTestId('find-regex').click();
    await page.getByTestId('find-input').fill('\\brate\\s*=');
    await countIs(page, '1 of 1');
    await page.getByTestId('find-input').fill('rate(');
    await countIs(page, 'Invalid regular expression');
    await page.getByTestId('find-regex').click();
    await countIs(page, 'No results'); // taken literally now: there is no "rate(" in the notebook
  });

  it('replace one, then replace all: sources change and are saved, outputs are never replaced', async () => {
    await page.getByTestId('find-input').fill('rate');
    await page.getByTestId('find-outputs').check();
    await countIs(page, '\\d of 8');
    await page.getByTestId('replace-toggle').click();
    await page.getByTestId('replace-input').fill('r');
    // Go to the first match (cell 0, "rate = 0.05") and replace it.
    await page.getByTestId('find-input').focus();
    while (!(await page.getByTestId('find-count').innerText()).startsWith('1 of')) await page.keyboard.press('Enter');
    await page.getByTestId('replace-one').click();
    await countIs(page, '1 of 7');
    await expect.poll(async () => (await savedSources(page, id))[0]).toBe('r = 0.05\nprint("rate", rate)');

    await page.getByTestId('replace-all').click();
    // Only the output's match is left; it cannot be replaced.
    await countIs(page, '1 of 1');
    expect(await page.getByTestId('replace-one').isDisabled()).toBe(true);
    await expect
      .poll(() => savedSources(page, id))
      .toEqual(['r = 0.05\nprint("r", r)', '# rs and r curves', 'def discount(t, r):\n    return (1 + r) ** -t']);
    expect(await page.locator(`${cellSel(0)} [data-testid=cell-outputs]`).innerText()).toContain('rate 0.05');
  });

  it('Esc closes the box, clears the highlights and gives the keyboard back to the notebook', async () => {
    await page.getByTestId('find-input').focus();
    await page.keyboard.press('Escape');
    await page.getByTestId('find-bar').waitFor({ state: 'detached' });
    expect(await page.locator('.find-match').count()).toBe(0);
    expect(await page.evaluate(() => CSS.highlights.get('folio-find')?.size ?? 0)).toBe(0);
    await page.locator('[data-testid=notebook-editor][data-mode=command]').waitFor();
    expect(await page.evaluate(() => !!document.activeElement?.closest('[data-testid=cell]'))).toBe(true);
    // A command-mode key works at once: B adds a cell below.
    await page.keyboard.press('b');
    await page.getByTestId('cell').nth(3).waitFor();
    expect(await page.getByTestId('cell').count()).toBe(4);
  });

  it('the toolbar opens it too, and Ctrl+F while editing a cell opens it (not the editor’s own) with the selection', async () => {
    await page.getByTestId('tb-find').click();
    await page.getByTestId('find-input').waitFor();
    await page.keyboard.press('Escape');
    await page.getByTestId('find-bar').waitFor({ state: 'detached' });

    await page.locator('[data-cell-id=cell-2] .monaco-editor').click();
    await page.keyboard.press('Control+Home');
    await page.keyboard.press('Shift+End'); // selects "def discount(t, r):"
    await page.keyboard.press('Control+F');
    await page.getByTestId('find-input').waitFor();
    expect(await page.getByTestId('find-input').inputValue()).toBe('def discount(t, r):');
    await countIs(page, '1 of 1');
    expect(await page.locator('.find-widget.visible').count()).toBe(0);
    await page.keyboard.press('Escape');
    await page.getByTestId('find-bar').waitFor({ state: 'detached' });
  });

  it('a match deep in a long, boxed output is scrolled into view inside its box', async () => {
    const cell = page.locator('[data-cell-id=cell-2]');
    await cell.locator('.monaco-editor').click();
    await page.keyboard.press('Control+A');
    await page.keyboard.type('for i in range(400): print("needle" if i == 390 else f"hay {i}")');
    await page.keyboard.press('Control+Enter');
    await cell.locator('[data-testid=cell-outputs][data-scrolled=true]', { hasText: 'hay 399' }).waitFor();
    await page.keyboard.press('Escape');
    await page.keyboard.press('Control+F');
    await page.getByTestId('find-input').fill('needle');
    if (!(await page.getByTestId('find-outputs').isChecked())) await page.getByTestId('find-outputs').check();
    // One match in the source, one in the output: go to the output's.
    await countIs(page, '1 of 2');
    await page.keyboard.press('Enter');
    await countIs(page, '2 of 2');
    const box = cell.locator('.output-box');
    await box.evaluate(
      (el) =>
        new Promise<void>((done) => {
          const check = () => (el.scrollTop > 0 ? done() : requestAnimationFrame(check));
          check();
        }),
    );
    const inView = await box.evaluate((el) => {
      const hl = CSS.highlights.get('folio-find-current');
      const range = hl && ([...hl][0] as Range | undefined);
      if (!range) return false;
      const r = range.getBoundingClientRect();
      const b = el.getBoundingClientRect();
      return r.top >= b.top && r.bottom <= b.bottom && r.top >= 0 && r.bottom <= window.innerHeight;
    });
    expect(inView).toBe(true);
    await page.keyboard.press('Escape');
  });
});
