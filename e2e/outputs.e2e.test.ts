import type { Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { importNotebook, startE2E, type E2E } from './harness';

/** Opens a notebook, waits for its kernel, runs cell `index` with Shift+Enter and waits until it is done. */
async function runCell(page: Page, index: number) {
  const cell = page.locator(`[data-testid=cell][data-index="${index}"]`);
  await cell.locator('[data-testid=cell-editor][data-live=true]').waitFor();
  await cell.locator('.monaco-editor').click();
  await page.keyboard.press('Shift+Enter');
  await page.locator(`[data-testid=cell][data-index="${index}"][data-run-state=done]`).waitFor();
  return cell;
}

const height = async (page: Page, selector: string) => (await page.locator(selector).boundingBox())?.height ?? 0;

describe('journeys: long outputs scroll inside a bounded box', () => {
  let e2e: E2E;
  let page: Page;
  beforeAll(async () => {
    e2e = await startE2E();
    ({ page } = await e2e.signedInPage());
    const id = await importNotebook(page, 'long outputs', [
      { source: 'for i in range(5000):\n    print(f"line {i}")' },
      { source: 'print("short")' },
    ]);
    await page.goto(`/notebooks/${id}`);
    await page.locator('[data-testid=kernel-status][data-status=idle]').waitFor({ timeout: 60_000 });
  });
  afterAll(() => e2e?.stop());

  it('a cell printing 5,000 lines shows them in a scrolling box, not an 87,000 px block', async () => {
    const cell = await runCell(page, 0);
    const outputs = cell.getByTestId('cell-outputs');
    await outputs.getByText('line 4999').waitFor({ state: 'attached' });
    // Bounded: the box is at most a screenful, its content (all 5,000 lines, reachable by scrolling) is far taller.
    const outputsHeight = await height(page, '[data-testid=cell][data-index="0"] [data-testid=cell-outputs]');
    expect(outputsHeight, `outputs ${outputsHeight} px tall`).toBeLessThan(page.viewportSize()!.height);
    expect(await outputs.getAttribute('data-scrolled')).toBe('true');
    const box = cell.locator('.output-box');
    const { clientHeight, scrollHeight } = await box.evaluate((el) => ({
      clientHeight: el.clientHeight,
      scrollHeight: el.scrollHeight,
    }));
    expect(scrollHeight).toBeGreaterThan(50 * clientHeight);
    expect(await page.evaluate(() => document.documentElement.scrollHeight)).toBeLessThan(
      3 * page.viewportSize()!.height,
    );
    // The last line is reachable by scrolling the box.
    const atEnd = await box.evaluate((el) => {
      el.scrollTop = el.scrollHeight;
      return el.scrollTop > 0 && el.scrollTop + el.clientHeight >= el.scrollHeight - 1;
    });
    expect(atEnd).toBe(true);
  });

  it('a click on the prompt area expands the outputs to full height, a second click puts them back in the box', async () => {
    const cell = page.locator('[data-testid=cell][data-index="0"]');
    const outputs = cell.getByTestId('cell-outputs');
    await cell.getByTestId('output-prompt').click();
    await page.locator('[data-testid=cell][data-index="0"] [data-testid=cell-outputs][data-scrolled=false]').waitFor();
    expect(await height(page, '[data-testid=cell][data-index="0"] [data-testid=cell-outputs]')).toBeGreaterThan(
      10 * page.viewportSize()!.height,
    );
    await cell.getByTestId('output-prompt').click();
    await page.locator('[data-testid=cell][data-index="0"] [data-testid=cell-outputs][data-scrolled=true]').waitFor();
    expect(await outputs.boundingBox().then((b) => b!.height)).toBeLessThan(page.viewportSize()!.height);
  });

  it('a short output is shown whole, without a box', async () => {
    const cell = await runCell(page, 1);
    await cell.getByTestId('cell-outputs').getByText('short').waitFor();
    expect(await cell.getByTestId('cell-outputs').getAttribute('data-scrolled')).toBe('false');
  });
});

describe('journeys: a long notebook opens with its first screens, and every output follows', () => {
  let e2e: E2E;
  let page: Page;
  beforeAll(async () => {
    e2e = await startE2E();
    ({ page } = await e2e.signedInPage());
  });
  afterAll(() => e2e?.stop());

  it('150 cells of saved outputs: all of them end up shown, the last one included, and no placeholder is left', async () => {
    const cells = Array.from({ length: 150 }, (_, i) => ({
      source: `print("cell ${i}")`,
      outputs: [{ output_type: 'stream', name: 'stdout', text: `out ${i}\n`.repeat(30) }],
    }));
    const id = await importNotebook(page, 'long notebook', cells);
    await page.goto(`/notebooks/${id}`);
    await page.locator('[data-testid=cell-editor][data-live=true]').first().waitFor();
    await expect.poll(() => page.getByTestId('cell-outputs').count()).toBe(150);
    expect(await page.locator('.output-later').count()).toBe(0);
    const last = page.locator('[data-testid=cell][data-index="149"] [data-testid=cell-outputs]');
    await last.scrollIntoViewIfNeeded();
    // Rendered text (innerText), which a content-visibility box only has once the browser has painted it on screen.
    await expect.poll(() => last.innerText()).toContain('out 149');
  });
});
