import type { Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { importNotebook, startE2E, type E2E } from './harness';

const cellSel = (i: number) => `[data-testid=cell][data-index="${i}"]`;

/** Waits until cell `i`'s (one-line) Monaco editor shows exactly `text` (Monaco renders spaces as no-break spaces). */
const editorShows = (page: Page, i: number, text: string) =>
  page.waitForFunction(([sel, want]) => document.querySelector(sel)?.textContent?.replace(/\u00a0/g, ' ') === want, [
    `${cellSel(i)} .view-lines`,
    text,
  ] as const);

/** Clears cell `i`'s editor and types `text` into it, leaving the cursor at its end. */
async function typeInto(page: Page, i: number, text: string) {
  await page.locator(`${cellSel(i)} .monaco-editor`).click();
  await page.keyboard.press('Control+A');
  await page.keyboard.press('Delete');
  await page.keyboard.type(text);
}

describe('journeys: Tab completes from the kernel, Shift+Tab shows its tooltip', () => {
  let e2e: E2E;
  let page: Page;
  beforeAll(async () => {
    e2e = await startE2E();
    ({ page } = await e2e.signedInPage());
    const id = await importNotebook(page, 'completion', [
      {
        source:
          'import os\nalpha_beta_gamma = 1\ndef spread(bid, ask):\n    """Mid-to-edge spread of a quote."""\n    return ask - bid',
      },
      { source: '' },
    ]);
    await page.goto(`/notebooks/${id}`);
    await page.locator('[data-testid=kernel-status][data-status=idle]').waitFor({ timeout: 60_000 });
    await page.locator(`${cellSel(0)} .monaco-editor`).click();
    await page.keyboard.press('Shift+Enter');
    await page.locator(`${cellSel(0)}[data-run-state=done]`).waitFor();
  });
  afterAll(() => e2e?.stop());

  it('Tab after a prefix with one match completes it in place', async () => {
    await typeInto(page, 1, 'x = alpha_be');
    await page.keyboard.press('Tab');
    await editorShows(page, 1, 'x = alpha_beta_gamma');
    // The cursor is after the completion: typing goes on from there.
    await page.keyboard.type(' + 1');
    await editorShows(page, 1, 'x = alpha_beta_gamma + 1');
  });

  it('Tab with several matches lists them (the kernel’s), and Enter takes the selected one', async () => {
    await typeInto(page, 1, 'os.pat');
    await page.keyboard.press('Tab');
    const list = page.locator('.suggest-widget.visible');
    await list.waitFor();
    await expect
      .poll(() => list.locator('.monaco-list-row .label-name').allInnerTexts())
      .toEqual(expect.arrayContaining(['path', 'pathsep']));
    // Each item says what it is, as in JupyterLab: os.path is a module.
    const pathRow = list.locator('.monaco-list-row', { has: page.locator('.label-name', { hasText: /^path$/ }) });
    expect(await pathRow.locator('.details-label').textContent()).toBe('module');
    await page.keyboard.press('Enter');
    await editorShows(page, 1, 'os.path');
  });

  it('Tab with only whitespace before the cursor indents', async () => {
    await typeInto(page, 1, 'y = 1');
    await page.keyboard.press('Home');
    await page.keyboard.press('Tab');
    await editorShows(page, 1, '    y = 1');
    expect(await page.locator('.suggest-widget.visible').count()).toBe(0);
  });

  it('Shift+Tab shows the signature and docstring at the cursor; Esc closes it and stays in the editor', async () => {
    await typeInto(page, 1, 'spread(');
    await page.keyboard.press('Shift+Tab');
    const tooltip = page.getByTestId('inspect-tooltip');
    await tooltip.waitFor();
    const text = await tooltip.innerText();
    expect(text).toContain('spread(bid, ask)');
    expect(text).toContain('Mid-to-edge spread of a quote.');
    expect(text).not.toContain('\u001b['); // ANSI colours rendered, not shown as escapes
    await page.keyboard.press('Escape');
    await tooltip.waitFor({ state: 'detached' });
    expect(await page.getByTestId('notebook-editor').getAttribute('data-mode')).toBe('edit');
    await page.keyboard.press('Escape');
    await page.locator('[data-testid=notebook-editor][data-mode=command]').waitFor();
  });
});
