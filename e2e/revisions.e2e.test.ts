import type { Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { importNotebook, startE2E, type E2E } from './harness';
import { openNotebook } from './notebook-page';

/** The Revisions panel: list with who and when, changes against the notebook now, preview, restore. */

const cellText = async (page: Page, index: number) =>
  (await page.locator(`[data-testid=cell][data-index="${index}"] .view-lines`).innerText()).replace(/\u00a0/g, ' ');

/** Saves new content through the API as a checkpoint (its own revision), from inside the signed-in page. */
const saveVersion = (page: Page, id: string, sources: string[]) =>
  page.evaluate(
    async ({ id, sources }) => {
      const nb = (await (await fetch(`/api/notebooks/${id}`)).json()) as {
        version: number;
        content: { cells: { source: unknown }[] };
      };
      sources.forEach((s, i) => (nb.content.cells[i]!.source = s));
      const res = await fetch(`/api/notebooks/${id}`, {
        method: 'PUT',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ version: nb.version, content: nb.content, checkpoint: true }),
      });
      if (!res.ok) throw new Error(`save answered ${res.status}`);
    },
    { id, sources },
  );

describe('journeys: revisions', () => {
  let e2e: E2E;
  beforeAll(async () => {
    e2e = await startE2E();
  });
  afterAll(() => e2e?.stop());

  it('lists revisions with who and when, shows the changes against the notebook now and a preview, and restores one as a new version', async () => {
    const { page, context, pageErrors } = await e2e.signedInPage();
    const id = await importNotebook(page, 'history', [
      { source: 'rate = 0.01' },
      { type: 'markdown', source: '# Draft' },
    ]);
    await saveVersion(page, id, ['rate = 0.02', '# Final']);
    await openNotebook(page, id);

    await page.getByTestId('side-tab-revisions').click();
    const rows = page.getByTestId('revision-row');
    await rows.nth(1).waitFor();
    expect(await rows.evaluateAll((els) => els.map((e) => e.getAttribute('data-version')))).toEqual(['2', '1']);
    expect(await rows.nth(1).getByTestId('revision-meta').innerText()).toMatch(/^just now · \S+/);
    expect(await rows.nth(1).getByTestId('revision-meta').innerText()).not.toMatch(/[0-9a-f]{8}-[0-9a-f]{4}-/); // a name, not a user id

    // Version 1 against the notebook now: both cells changed; the diff editor shows both sides.
    await rows.nth(1).getByRole('button').click();
    const dialog = page.getByTestId('revision-dialog');
    await dialog
      .getByTestId('revision-summary')
      .getByText(/^2 cells edited\./)
      .waitFor();
    await dialog.locator('.editor.original .view-lines').getByText('rate = 0.01').waitFor();
    await dialog.locator('.editor.modified .view-lines').getByText('rate = 0.02').waitFor();

    await dialog.locator('[data-testid=diff-view][data-computed=true]').waitFor();
    await dialog.getByTestId('revision-view-preview').click();
    await dialog.getByTestId('revision-preview').locator('h1', { hasText: 'Draft' }).waitFor();
    expect(await dialog.locator('.revision-code').innerText()).toBe('rate = 0.01');

    // Restore asks first; Cancel changes nothing.
    await dialog.getByTestId('revision-restore').click();
    await page.getByRole('dialog', { name: 'Restore version 1?' }).waitFor();
    await page.getByRole('button', { name: 'Cancel' }).click();
    expect(await cellText(page, 0)).toBe('rate = 0.02');

    await dialog.getByTestId('revision-restore').click();
    await page.getByTestId('confirm-button').click();
    await page.getByTestId('revision-dialog').waitFor({ state: 'detached' });
    await page.locator('[data-testid=cell][data-index="0"] .view-lines', { hasText: 'rate = 0.01' }).waitFor();

    // The restore is itself a save: version 3, and version 2 is still in the history.
    const saved = await page.evaluate(async (id) => {
      const nb = (await (await fetch(`/api/notebooks/${id}`)).json()) as {
        version: number;
        content: { cells: { source: unknown }[] };
      };
      const revs = (await (await fetch(`/api/notebooks/${id}/revisions`)).json()) as {
        revisions: { version: number }[];
      };
      return {
        version: nb.version,
        source: nb.content.cells[0]!.source,
        versions: revs.revisions.map((r) => r.version),
      };
    }, id);
    expect(saved).toEqual({ version: 3, source: 'rate = 0.01', versions: [3, 2, 1] });
    await page.getByTestId('side-tab-revisions').click();
    await page.locator('[data-testid=revision-row][data-version="3"]').waitFor();
    expect(pageErrors.map((e) => `${e.message}\n${e.stack}`)).toEqual([]);
    await context.close();
  });

  it('restoring saves the edits not yet saved first, so they stay in the history', async () => {
    const { page, context } = await e2e.signedInPage();
    const id = await importNotebook(page, 'unsaved then restore', [{ source: 'a = 1' }]);
    await openNotebook(page, id);
    await page.locator('[data-testid=cell][data-index="0"] .monaco-editor').click();
    await page.keyboard.press('Control+End');
    await page.keyboard.type('  # typed just now');
    await page.getByTestId('side-tab-revisions').click();
    await page.locator('[data-testid=revision-row][data-version="1"]').getByRole('button').click();
    await page.getByTestId('revision-restore').click();
    await page.getByTestId('confirm-button').click();
    await page.getByTestId('revision-dialog').waitFor({ state: 'detached' });
    await page.waitForFunction(
      () =>
        document
          .querySelector('[data-testid=cell][data-index="0"] .view-lines')
          ?.textContent?.replace(/\u00a0/g, ' ') === 'a = 1',
    );
    const history = await page.evaluate(async (id) => {
      const revs = (await (await fetch(`/api/notebooks/${id}/revisions`)).json()) as {
        revisions: { version: number }[];
      };
      const sources = [];
      for (const r of revs.revisions) {
        const rev = (await (await fetch(`/api/notebooks/${id}/revisions/${r.version}`)).json()) as {
          content: { cells: { source: unknown }[] };
        };
        const s = rev.content.cells[0]!.source;
        sources.push(Array.isArray(s) ? s.join('') : s);
      }
      return sources;
    }, id);
    expect(history).toEqual(['a = 1', 'a = 1  # typed just now', 'a = 1']);
    expect(history[0]).toBe('a = 1');
    await context.close();
  });
});
