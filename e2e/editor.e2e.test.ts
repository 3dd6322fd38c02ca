import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { importNotebook, startE2E, type E2E } from './harness';

/** Types into the active cell's Monaco editor and runs it with Shift+Enter; returns that cell. */
async function runInActiveCell(page: Page, code: string) {
  const cell = page.locator('[data-testid=cell].cell-active');
  const index = Number(await cell.getAttribute('data-index'));
  await cell.locator('[data-testid=cell-editor][data-live=true]').waitFor();
  await cell.locator('.monaco-editor').click();
  await page.keyboard.type(code);
  await page.keyboard.press('Shift+Enter');
  return page.locator(`[data-testid=cell][data-index="${index}"]`);
}

describe('journeys: the notebook editor on a live kernel', () => {
  let e2e: E2E;
  let page: Page;
  const plotlyRequests: string[] = [];
  beforeAll(async () => {
    e2e = await startE2E();
    ({ page } = await e2e.signedInPage());
    page.on('request', (r) => /\/assets\/plotly[^/]*\.js$/.test(r.url()) && plotlyRequests.push(r.url()));
    await page.getByTestId('new-notebook').click();
    await page.getByTestId('notebook-editor').waitFor();
    await page.locator('[data-testid=kernel-status][data-status=idle]').waitFor({ timeout: 60_000 });
  });
  afterAll(() => e2e?.stop());

  it('types code, runs it with Shift+Enter and shows the output with its execution count', async () => {
    const cell = await runInActiveCell(page, 'print("hello folio")\n6 * 7');
    await cell.locator('[data-testid=cell-prompt]', { hasText: '[1]:' }).waitFor();
    expect(await cell.getByTestId('cell-outputs').innerText()).toMatch(/hello folio\s+42/);
    // Shift+Enter on the last cell added a new one, in edit mode.
    expect(await page.getByTestId('cell').count()).toBe(2);
    expect(await page.getByTestId('notebook-editor').getAttribute('data-mode')).toBe('edit');
  });

  it('shows a matplotlib plot as an image', async () => {
    const cell = await runInActiveCell(page, 'import matplotlib.pyplot as plt\nplt.plot([1, 3, 2])\nplt.show()');
    const img = cell.locator('img.output-image');
    await img.waitFor({ timeout: 30_000 });
    expect(await img.getAttribute('src')).toMatch(/^data:image\/png;base64,iVBOR/);
    expect(await img.evaluate((el: HTMLImageElement) => el.naturalWidth)).toBeGreaterThan(100);
  });

  it('shows a pandas DataFrame as a table', async () => {
    const cell = await runInActiveCell(
      page,
      'import pandas as pd\npd.DataFrame({"price": [101.5, 99.25], "qty": [3, 4]})',
    );
    await cell.getByTestId('output-frame').waitFor();
    const frame = cell.frameLocator('[data-testid=output-frame]');
    await frame.locator('table').waitFor();
    expect(await frame.locator('thead th').allInnerTexts()).toEqual(['', 'price', 'qty']);
    expect(await frame.locator('tbody td').allInnerTexts()).toEqual(['101.50', '3', '99.25', '4']);
  });

  it('runs author HTML scripts only inside the sandbox, never in the page', async () => {
    const code =
      'from IPython.display import HTML\n' +
      "HTML(\"<p id='out'>author html</p><script>window.pwned = 1; document.getElementById('out').dataset.ran = 'yes';" +
      " try { parent.pwned = 1; parent.document.title = 'pwned'; } catch (e) { document.getElementById('out').dataset.blocked = e.name; }</script>\")";
    const cell = await runInActiveCell(page, code);
    const frame = cell.frameLocator('[data-testid=output-frame]');
    // The script did run (in the sandbox's opaque origin) and could not reach the page.
    await frame.locator('#out[data-ran=yes]').waitFor();
    expect(await frame.locator('#out').getAttribute('data-blocked')).toBe('SecurityError');
    expect(await page.evaluate(() => (window as { pwned?: unknown }).pwned)).toBeUndefined();
    expect(await page.title()).not.toBe('pwned');
    await page.locator('[data-testid=save-state][data-state=saved]').waitFor();
  });

  it('draws a plotly.express figure inside the sandbox; plotly.js is fetched then, and never runs in the page', async () => {
    expect(plotlyRequests).toEqual([]);
    const cell = await runInActiveCell(page, 'import plotly.express as px\npx.bar(x=["a", "b", "c"], y=[1, 3, 2])');
    const frame = cell.frameLocator('[data-testid=output-plotly]');
    await frame.locator('.main-svg').first().waitFor({ timeout: 30_000 });
    expect(await frame.locator('.barlayer .point').count()).toBe(3);
    expect(plotlyRequests).toHaveLength(1);
    expect(await page.evaluate(() => 'Plotly' in window)).toBe(false);
    expect(await cell.getByTestId('output-plotly').getAttribute('sandbox')).toBe('allow-scripts');
  });

  it('imports an .ipynb and exports it again unchanged', async () => {
    const original = {
      nbformat: 4,
      nbformat_minor: 5,
      metadata: {
        kernelspec: { name: 'python3', display_name: 'Python 3', language: 'python' },
        custom: { desk: 'rates' },
      },
      cells: [
        {
          id: 'params',
          cell_type: 'code',
          source: ['rate: float = 0.05  # discount rate\n', 'n = 10'],
          metadata: { tags: ['parameters'] },
          execution_count: 1,
          outputs: [],
        },
        { id: 'note', cell_type: 'markdown', source: ['# Discounting with $e^{-rt}$'], metadata: {} },
        {
          id: 'out',
          cell_type: 'code',
          source: ['print(rate)'],
          metadata: { collapsed: false },
          execution_count: 2,
          outputs: [{ output_type: 'stream', name: 'stdout', text: ['0.05\n'] }],
        },
      ],
    };
    const { page: list, context } = await e2e.signedInPage();
    await list.getByTestId('import-input').setInputFiles({
      name: 'discounting.ipynb',
      mimeType: 'application/x-ipynb+json',
      buffer: Buffer.from(JSON.stringify(original)),
    });
    await list.getByTestId('list-notice').getByText('Imported discounting').waitFor();
    await list.getByTestId('notebook-row').getByText('discounting').click();
    await list.getByTestId('notebook-editor').waitFor();
    expect(await list.getByTestId('cell').count()).toBe(3);
    expect(await list.getByTestId('markdown-rendered').locator('.katex').count()).toBe(1);
    expect(await list.getByTestId('cell').first().getByTestId('cell-tags').count()).toBe(0);
    expect(await list.locator('.tag-static').first().innerText()).toBe('parameters');

    const [download] = await Promise.all([list.waitForEvent('download'), list.getByTestId('export').click()]);
    expect(download.suggestedFilename()).toBe('discounting.ipynb');
    const exported = JSON.parse(fs.readFileSync((await download.path())!, 'utf8'));
    expect(exported).toEqual(original);
    await context.close();
  });

  it('runs all cells with a progress indicator; every cell gets an execution count', async () => {
    // The second cell waits for a file this test creates once it has seen the run in progress (no timing guess).
    await page.locator('[data-testid=save-state][data-state=saved]').waitFor(); // leave without a beforeunload prompt
    const gate = path.join(fs.mkdtempSync(path.join(os.tmpdir(), 'folio-e2e-gate-')), 'go');
    const id = await importNotebook(page, 'run all', [
      { source: 'a = 20' },
      {
        source: `import os, time\nwhile not os.path.exists(${JSON.stringify(gate)}):\n    time.sleep(0.05)\nb = a + 1`,
      },
      { source: 'a + b' },
    ]);
    await page.goto(`/notebooks/${id}`);
    await page.locator('[data-testid=kernel-status][data-status=idle]').waitFor({ timeout: 60_000 });
    await page.getByTestId('tb-run-all').click();
    const progress = page.getByTestId('run-progress');
    await page.locator('[data-testid=run-progress][aria-valuenow="1"][aria-valuemax="3"]').waitFor();
    expect(await progress.innerText()).toContain('1/3');
    expect(await page.getByTestId('cell-prompt').allInnerTexts()).toEqual(['[1]:', '[*]:', '[*]:']);
    fs.writeFileSync(gate, '');
    await progress.waitFor({ state: 'detached' });
    await page.locator('[data-testid=cell][data-index="2"][data-run-state=done]').waitFor();
    expect(await page.getByTestId('cell-prompt').allInnerTexts()).toEqual(['[1]:', '[2]:', '[3]:']);
    expect(await page.locator('[data-testid=cell][data-index="2"]').getByTestId('cell-outputs').innerText()).toContain(
      '41',
    );
    fs.rmSync(path.dirname(gate), { recursive: true, force: true });
  });
});
