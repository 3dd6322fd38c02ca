import type { Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { importNotebook, startE2E, type E2E } from './harness';

/** Notebook files: the editor's Files panel, and Markdown images that resolve against the notebook's files. */

async function openNotebook(page: Page, id: string) {
  await page.goto(`/notebooks/${id}`);
  await page.getByTestId('notebook-editor').waitFor();
}

async function openFilesPanel(page: Page) {
  await page.getByTestId('side-tab-files').click();
  await page.getByTestId('files-panel').waitFor();
}

/** A real PNG of w×h pixels, drawn in the page (so the test needs no image encoder). */
const pngBytes = (page: Page, w: number, h: number) =>
  page.evaluate(
    async ([w, h]) => {
      const c = document.createElement('canvas');
      c.width = w;
      c.height = h;
      c.getContext('2d')!.fillRect(0, 0, w, h);
      const blob = await new Promise<Blob>((resolve) => c.toBlob((b) => resolve(b!), 'image/png'));
      return Array.from(new Uint8Array(await blob.arrayBuffer()));
    },
    [w, h] as const,
  );

/** PUT a file through the API from inside the signed-in page. */
const putFile = (page: Page, id: string, path: string, bytes: number[] | string, type: string) =>
  page.evaluate(
    async ({ id, path, bytes, type }) => {
      const body = typeof bytes === 'string' ? bytes : new Uint8Array(bytes);
      const res = await fetch(`/api/notebooks/${id}/files/${path}`, {
        method: 'PUT',
        headers: { 'content-type': type },
        body,
      });
      if (!res.ok) throw new Error(`PUT ${path} answered ${res.status}`);
    },
    { id, path, bytes, type },
  );

/** Waits until the rendered Markdown images have these natural widths (0: broken or loading), in document order. */
const waitForImageWidths = (page: Page, widths: number[]) =>
  page.waitForFunction(
    (want) =>
      JSON.stringify(
        Array.from(document.querySelectorAll<HTMLImageElement>('[data-testid=markdown-rendered] img')).map(
          (i) => i.naturalWidth,
        ),
      ) === JSON.stringify(want),
    widths,
  );

/** The natural width of each rendered Markdown image (0 while broken or loading), in document order. */
const imageWidths = (page: Page) =>
  page
    .locator('[data-testid=markdown-rendered] img')
    .evaluateAll((imgs) => imgs.map((i) => (i as HTMLImageElement).naturalWidth));

const fileRows = (page: Page) => page.getByTestId('file-row');

describe('journeys: notebook files', () => {
  let e2e: E2E;
  beforeAll(async () => {
    e2e = await startE2E();
  });
  afterAll(() => e2e?.stop());

  it('the Files panel: empty state, upload by button and by drop, size and time, replace and delete after confirming', async () => {
    const { page, context, pageErrors } = await e2e.signedInPage();
    const id = await importNotebook(page, 'files panel', [{ source: 'x = 1' }]);
    await openNotebook(page, id);
    await openFilesPanel(page);
    await page.getByTestId('files-empty').waitFor();

    await page
      .getByTestId('files-input')
      .setInputFiles({ name: 'positions.csv', mimeType: 'text/csv', buffer: Buffer.from('ticker,qty\nAAPL,10\n') });
    await fileRows(page).filter({ hasText: 'positions.csv' }).waitFor();
    expect(await fileRows(page).first().getByTestId('file-size').innerText()).toBe('19 B');
    expect(await fileRows(page).first().innerText()).toMatch(/just now/);

    const dataTransfer = await page.evaluateHandle(() => {
      const dt = new DataTransfer();
      dt.items.add(new File(['a: 1\n'], 'config.yaml', { type: 'application/yaml' }));
      dt.items.add(new File([new Uint8Array(2048)], 'blob.bin'));
      return dt;
    });
    await page.dispatchEvent('[data-testid=files-panel]', 'dragover', { dataTransfer });
    await page.dispatchEvent('[data-testid=files-panel]', 'drop', { dataTransfer });
    await page.locator('[data-testid=file-row][data-path="blob.bin"]').waitFor();
    await page.locator('[data-testid=file-row][data-path="config.yaml"]').waitFor();
    expect(await fileRows(page).evaluateAll((rows) => rows.map((r) => r.getAttribute('data-path')))).toEqual([
      'blob.bin',
      'config.yaml',
      'positions.csv',
    ]);
    expect(await fileRows(page).filter({ hasText: 'blob.bin' }).getByTestId('file-size').innerText()).toBe('2 KB');

    // Same name again: asks first; Cancel keeps the old bytes, Replace uploads.
    const again = { name: 'positions.csv', mimeType: 'text/csv', buffer: Buffer.from('ticker,qty\nAAPL,10\nMSFT,5\n') };
    await page.getByTestId('files-input').setInputFiles(again);
    await page.getByRole('dialog', { name: 'Replace “positions.csv”?' }).waitFor();
    await page.getByRole('button', { name: 'Cancel' }).click();
    await page.getByTestId('files-input').setInputFiles(again);
    await page.getByTestId('confirm-button').click();
    await fileRows(page).filter({ hasText: 'positions.csv' }).getByTestId('file-size').getByText('26 B').waitFor();

    await fileRows(page).filter({ hasText: 'blob.bin' }).getByTestId('file-delete').click();
    await page.getByRole('dialog', { name: 'Delete “blob.bin”?' }).waitFor();
    await page.getByTestId('confirm-button').click();
    await page.locator('[data-testid=file-row][data-path="blob.bin"]').waitFor({ state: 'detached' });
    expect(await fileRows(page).count()).toBe(2);
    const listed = await page.evaluate(
      async (id) =>
        (await (await fetch(`/api/notebooks/${id}/files`)).json()) as { files: { path: string; size: number }[] },
      id,
    );
    expect(listed.files.map((f) => [f.path, f.size])).toEqual([
      ['config.yaml', 5],
      ['positions.csv', 26],
    ]);
    expect(pageErrors).toEqual([]);
    await context.close();
  });

  it('says why an upload was refused (over FOLIO_MAX_FILE_MB) and keeps the list', async () => {
    const { page, context } = await e2e.signedInPage();
    const id = await importNotebook(page, 'too big', [{ source: 'x = 1' }]);
    await openNotebook(page, id);
    await openFilesPanel(page);
    // Made in the page: playwright does not carry buffers past 50 MB.
    const dataTransfer = await page.evaluateHandle(() => {
      const dt = new DataTransfer();
      dt.items.add(new File([new Uint8Array(51 * 1024 * 1024)], 'huge.bin'));
      return dt;
    });
    await page.dispatchEvent('[data-testid=files-panel]', 'drop', { dataTransfer });
    await page
      .getByTestId('files-panel')
      .getByRole('alert')
      .getByText(/huge\.bin was not uploaded: .*larger than the 50 MB limit/)
      .waitFor();
    await page.getByTestId('files-empty').waitFor();
    await context.close();
  });

  it('Markdown cells show relative images from the notebook files (Markdown and <img>, sub-folders), at once after an upload', async () => {
    const { page, context, pageErrors } = await e2e.signedInPage();
    const id = await importNotebook(page, 'report with logo', [
      { type: 'markdown', source: '# Report\n\n![logo](img/logo.png)\n\n<img src="chart.svg" alt="chart">' },
      { type: 'markdown', source: '![later](later.png)' },
      { source: 'x = 1' },
    ]);
    await putFile(page, id, 'img/logo.png', await pngBytes(page, 7, 5), 'image/png');
    await putFile(
      page,
      id,
      'chart.svg',
      '<svg xmlns="http://www.w3.org/2000/svg" width="11" height="4"><rect width="11" height="4"/></svg>',
      'image/svg+xml',
    );
    await openNotebook(page, id);
    await waitForImageWidths(page, [7, 11, 0]);
    // The content hash joins the URL once the file list has loaded (the image shows before that, unversioned).
    await expect
      .poll(() => page.locator('[data-testid=markdown-rendered] img').first().getAttribute('src'))
      .toMatch(new RegExp(`^/api/notebooks/${id}/files/img/logo\\.png\\?v=`));

    // An image uploaded while the notebook is open shows without reloading.
    await openFilesPanel(page);
    await page
      .getByTestId('files-input')
      .setInputFiles({ name: 'later.png', mimeType: 'image/png', buffer: Buffer.from(await pngBytes(page, 3, 3)) });
    await waitForImageWidths(page, [7, 11, 3]);
    expect(await imageWidths(page)).toEqual([7, 11, 3]);
    expect(pageErrors).toEqual([]);
    await context.close();
  });

  it('an SVG file opened directly cannot run script as Folio (sandboxed, opaque origin)', async () => {
    const { page, context } = await e2e.signedInPage();
    const id = await importNotebook(page, 'svg', [{ source: 'x = 1' }]);
    const svg =
      '<svg xmlns="http://www.w3.org/2000/svg" width="10" height="10"><script>document.documentElement.setAttribute("data-ran", "yes")</script></svg>';
    await putFile(page, id, 'evil.svg', svg, 'image/svg+xml');
    const res = await page.goto(`/api/notebooks/${id}/files/evil.svg`);
    expect(res?.headers()['content-type']).toMatch(/^image\/svg\+xml/);
    expect(res?.headers()['x-content-type-options']).toBe('nosniff');
    expect(await page.evaluate(() => document.documentElement.getAttribute('data-ran'))).toBeNull();
    expect(await page.evaluate(() => window.origin)).toBe('null');
    await context.close();
  });
});
