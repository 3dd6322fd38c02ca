import type { Page } from 'playwright-core';

/** Opens a notebook in the editor and waits until `liveEditors` cells (default 1) have their Monaco editor live. */
export async function openNotebook(page: Page, id: string, liveEditors = 1): Promise<void> {
  await page.goto(`/notebooks/${id}`);
  await page
    .locator('[data-testid=cell-editor][data-live=true]')
    .nth(liveEditors - 1)
    .waitFor();
}

/** Cell `index` of the open notebook. */
export const cell = (page: Page, index: number) => page.locator(`[data-testid=cell][data-index="${index}"]`);

/** What the editor shows as a cell's code (Monaco's lines, or the static view before Monaco is created). */
export const shownSource = (page: Page, index: number) =>
  cell(page, index)
    .getByTestId('cell-editor')
    .evaluate((el) => {
      const lines = [...el.querySelectorAll('.view-line')].map((l) => (l.textContent ?? '').replace(/\u00a0/g, ' '));
      return lines.length ? lines.join('\n') : (el.querySelector('pre')?.textContent ?? '');
    });
