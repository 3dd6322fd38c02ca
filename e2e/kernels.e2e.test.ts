import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { Page } from 'playwright-core';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { importNotebook, startE2E, type E2E } from './harness';
import { cell } from './notebook-page';

/**
 * Journeys: no author is locked out of kernels (issue 8, section 2) and input() in live editing (section 5).
 * The default kernel cap (FOLIO_MAX_KERNELS_PER_USER=4) throughout.
 */
const status = (page: Page, s: string) => page.locator(`[data-testid=kernel-status][data-status=${s}]`);
const outputText = async (page: Page, index: number) =>
  (await cell(page, index).getByTestId('cell-outputs').innerText()).trim();

/** Records every kernel status the badge shows from now on (a MutationObserver: no transient state is missed). */
async function watchStatuses(page: Page) {
  await page.evaluate(() => {
    const w = window as unknown as { __statuses: string[] };
    w.__statuses = [];
    new MutationObserver(() => {
      const s = document.querySelector('[data-testid=kernel-status]')?.getAttribute('data-status');
      if (s && w.__statuses.at(-1) !== s) w.__statuses.push(s);
    }).observe(document.body, { subtree: true, attributes: true, attributeFilter: ['data-status'] });
  });
  return (s: string) =>
    page.waitForFunction((s) => (window as unknown as { __statuses: string[] }).__statuses.includes(s), s);
}

/** Opens a notebook and waits for its kernel. */
async function open(page: Page, id: string, state = 'idle') {
  await page.goto(`/notebooks/${id}`);
  await page.locator('[data-testid=cell-editor][data-live=true]').first().waitFor();
  await status(page, state).waitFor({ timeout: 60_000 });
}

/** Leaves the editor once everything is saved (no beforeunload prompt), the way a user clicks "Notebooks". */
async function leave(page: Page) {
  await page.locator('[data-testid=save-state][data-state=saved]').waitFor();
  await page.getByTestId('nav-notebooks').click();
  await page.getByTestId('notebook-list').or(page.getByTestId('notebooks-empty')).first().waitFor();
}

/** Selects a cell in command mode (its prompt) and runs it in place (Ctrl+Enter): it shows as queued at once. */
async function runCell(page: Page, index: number) {
  await cell(page, index).getByTestId('cell-prompt').click();
  await page.keyboard.press('Control+Enter');
}

const done = (page: Page, index: number) => cell(page, index).and(page.locator('[data-run-state=done]')).waitFor();

describe('journeys: kernels — caps, the Kernel menu, Running kernels, dead kernels, input()', () => {
  let e2e: E2E;
  let page: Page;
  const gates: string[] = [];
  beforeAll(async () => {
    e2e = await startE2E();
    ({ page } = await e2e.signedInPage());
  });
  afterEach(async () => {
    // Leave no save in flight (a beforeunload prompt would hold the next navigation).
    if (await page.getByTestId('save-state').count())
      await page.locator('[data-testid=save-state][data-state=saved]').waitFor();
    for (const g of gates.splice(0)) fs.rmSync(path.dirname(g), { recursive: true, force: true });
    // Each journey starts with no kernels (through the API the panel uses).
    await page.evaluate(() => fetch('/api/kernels', { method: 'DELETE' }));
  });
  afterAll(() => e2e?.stop());

  const gate = () => {
    const g = path.join(fs.mkdtempSync(path.join(os.tmpdir(), 'folio-e2e-gate-')), 'go');
    gates.push(g);
    return g;
  };

  it('opening a fifth notebook after four runs code: the least recently used closed one gives its kernel up', async () => {
    const ids: string[] = [];
    for (let i = 1; i <= 5; i++)
      ids.push(await importNotebook(page, `cap ${i}`, [{ source: `n = ${i}\nprint(n)` }, { source: 'print(n * 10)' }]));
    for (const id of ids.slice(0, 4)) {
      await open(page, id);
      await runCell(page, 0);
      await done(page, 0);
      await leave(page); // closing a notebook keeps its kernel (JupyterLab habit)
    }
    await open(page, ids[4]!); // was: "You have 4 notebooks with running kernels…", and the badge said "Kernel dead"
    await runCell(page, 0);
    await done(page, 0);
    expect(await outputText(page, 0)).toBe('5');
    expect(await page.getByTestId('kernel-banner').count()).toBe(0);

    // Running kernels: the four most recent, newest first; "cap 1" (least recently used, no tab) made room.
    await page.getByTestId('nav-kernels').click();
    await page.getByTestId('kernel-row').first().waitFor();
    expect(await page.getByTestId('kernel-row').locator('.notebook-link').allInnerTexts()).toEqual([
      'cap 5',
      'cap 4',
      'cap 3',
      'cap 2',
    ]);
    expect(await page.getByTestId('kernel-memory').first().innerText()).toMatch(/^\d+(\.\d)? (MB|GB)$/);

    // The closed "cap 2" kept its variables: reopening it finds n (its kernel is the same).
    await page.getByTestId('kernel-row').locator('.notebook-link', { hasText: 'cap 2' }).click();
    await page.locator('[data-testid=cell-editor][data-live=true]').first().waitFor();
    await status(page, 'idle').waitFor({ timeout: 60_000 });
    await runCell(page, 1);
    await done(page, 1);
    expect(await outputText(page, 1)).toBe('20');
    expect(await cell(page, 1).getByTestId('cell-prompt').innerText()).toBe('[2]:');

    // Reopening "cap 1" says why its variables are gone.
    await leave(page);
    await open(page, ids[0]!);
    expect(await page.getByTestId('kernel-banner-message').innerText()).toMatch(
      /^This notebook's kernel was shut down at \d\d:\d\d UTC to make room for another notebook \(kernel limit reached\); its variables are lost\.$/,
    );
  });

  it('with four notebooks open in tabs the fifth says why, links Running kernels, and runs once one is shut down there', async () => {
    const ids: string[] = [];
    for (let i = 1; i <= 5; i++) ids.push(await importNotebook(page, `tab ${i}`, [{ source: `print("tab ${i}")` }]));
    const tabs: Page[] = [];
    for (const id of ids.slice(0, 4)) {
      const tab = await page.context().newPage();
      tabs.push(tab);
      await open(tab, id);
    }
    await open(page, ids[4]!, 'none');
    const banner = page.getByTestId('kernel-banner');
    expect(await banner.getAttribute('data-code')).toBe('overloaded');
    expect(await page.getByTestId('kernel-banner-message').innerText()).toBe(
      'You have 4 notebooks with running kernels, each open in a tab or running cells; shut one down in Running kernels and run a cell again.',
    );
    expect(await page.getByTestId('kernel-status').innerText()).toBe('No kernel'); // not "Kernel dead"

    await page.getByTestId('kernel-banner-panel').click();
    await page.getByTestId('kernel-row').nth(3).waitFor();
    expect(await page.getByTestId('kernel-row').count()).toBe(4);
    await page.getByTestId('kernel-row').filter({ hasText: 'tab 2' }).getByTestId('shutdown-kernel').click();
    await page.getByTestId('kernel-row').filter({ hasText: 'tab 2' }).waitFor({ state: 'detached' });
    await status(tabs[1]!, 'none').waitFor(); // its tab is told

    await page.goBack();
    await page.locator('[data-testid=cell-editor][data-live=true]').first().waitFor();
    await runCell(page, 0);
    await done(page, 0);
    expect(await outputText(page, 0)).toBe('tab 5');
    await status(page, 'idle').waitFor();
    for (const tab of tabs) await tab.close();
  });

  it('Kernel menu: interrupt; restart asks first (Cancel keeps variables, 0 0 then Enter restarts); restart and run all; shut down', async () => {
    const g = gate();
    const id = await importNotebook(page, 'menu', [
      { source: 'x = 41' },
      { source: `import os, time\nwhile not os.path.exists(${JSON.stringify(g)}):\n    time.sleep(0.05)` },
      { source: 'print(x + 1)' },
    ]);
    await open(page, id);
    await runCell(page, 0);
    await done(page, 0);

    // Interrupt from the menu stops a running cell with KeyboardInterrupt.
    await runCell(page, 1);
    await cell(page, 1).and(page.locator('[data-run-state=running]')).waitFor();
    await page.getByTestId('kernel-menu').click();
    await page.getByTestId('kernel-menu-interrupt').click();
    await done(page, 1);
    expect(await outputText(page, 1)).toContain('KeyboardInterrupt');
    // The menu gave focus back to the notebook (command-mode keys work at once).
    expect(await page.evaluate(() => document.activeElement?.getAttribute('data-testid'))).toBe('cell');

    // Restart asks; Cancel keeps the variables.
    await page.getByTestId('kernel-menu').click();
    await page.getByTestId('kernel-menu-restart').click();
    expect(await page.getByRole('dialog').getByRole('heading').innerText()).toBe('Restart kernel?');
    await page.getByRole('dialog').getByRole('button', { name: 'Cancel' }).click();
    await page.getByRole('dialog').waitFor({ state: 'detached' });
    await runCell(page, 2);
    await done(page, 2);
    expect(await outputText(page, 2)).toBe('42');

    // 0, 0 in command mode asks too; Enter (the dialog's default button) restarts: x is gone.
    await cell(page, 2).getByTestId('cell-prompt').click();
    const seen = await watchStatuses(page);
    await page.keyboard.press('0');
    await page.keyboard.press('0');
    await page.getByRole('dialog').waitFor();
    await page.keyboard.press('Enter');
    await page.getByRole('dialog').waitFor({ state: 'detached' });
    await seen('restarting');
    await status(page, 'idle').waitFor();
    // Focus came back to the notebook: command-mode keys work at once.
    expect(await page.evaluate(() => document.activeElement?.getAttribute('data-testid'))).toBe('cell');
    await page.keyboard.press('Control+Enter');
    await done(page, 2);
    expect(await outputText(page, 2)).toContain("NameError: name 'x' is not defined");

    // Restart and run all: every cell runs on the fresh kernel, in order (the gate is open now).
    fs.writeFileSync(g, '');
    await page.getByTestId('kernel-menu').click();
    await page.getByTestId('kernel-menu-restart-run-all').click();
    await page.getByRole('dialog').getByRole('button', { name: 'Restart and run all' }).click();
    await cell(page, 2).getByTestId('cell-prompt').filter({ hasText: '[3]:' }).waitFor();
    await done(page, 2);
    expect(await page.getByTestId('cell-prompt').allInnerTexts()).toEqual(['[1]:', '[2]:', '[3]:']);
    expect(await outputText(page, 2)).toBe('42');
    await page.getByTestId('run-progress').waitFor({ state: 'detached' });

    // Shut down asks, then there is no kernel; running a cell starts a fresh one.
    await page.getByTestId('kernel-menu').click();
    await page.getByTestId('kernel-menu-shutdown').click();
    await page.getByRole('dialog').getByRole('button', { name: 'Shut down' }).click();
    await status(page, 'none').waitFor();
    await runCell(page, 0);
    await done(page, 0);
    await status(page, 'idle').waitFor();
    expect(await page.getByTestId('cell-prompt').first().innerText()).toBe('[1]:');
  });

  it('a dead kernel: the cell says the kernel died, and Restart in the banner gives a fresh kernel', async () => {
    const id = await importNotebook(page, 'dies', [{ source: 'import os\nos._exit(1)' }, { source: '6 * 7' }]);
    await open(page, id);
    await runCell(page, 0);
    await status(page, 'dead').waitFor();
    await done(page, 0);
    expect(await outputText(page, 0)).toContain('DeadKernelError: The kernel died while running this cell');
    await page.getByTestId('kernel-banner-restart').click();
    await status(page, 'idle').waitFor({ timeout: 60_000 });
    expect(await page.getByTestId('kernel-banner-restart').count()).toBe(0);
    await runCell(page, 1);
    await done(page, 1);
    expect(await outputText(page, 1)).toBe('42');
    expect(await cell(page, 1).getByTestId('cell-prompt').innerText()).toBe('[1]:');
  });

  it('run all that stops at an error leaves no progress bar behind', async () => {
    const g = gate();
    const id = await importNotebook(page, 'stops', [
      { source: `import os, time\nwhile not os.path.exists(${JSON.stringify(g)}):\n    time.sleep(0.05)` },
      { source: '1 / 0' },
      { source: 'print("never")' },
    ]);
    await open(page, id);
    await page.getByTestId('tb-run-all').click();
    await page.locator('[data-testid=run-progress][aria-valuemax="3"]').waitFor(); // shown while it runs
    fs.writeFileSync(g, '');
    await done(page, 2);
    expect(await cell(page, 2).getAttribute('data-run-state')).toBe('done');
    await page.getByTestId('run-progress').waitFor({ state: 'detached' });
    expect(await outputText(page, 1)).toContain('ZeroDivisionError');
    expect(await cell(page, 2).getByTestId('cell-outputs').count()).toBe(0);
  });

  it('input() and getpass() ask in a box under the cell (the password masked); interrupt and restart clear the box', async () => {
    const id = await importNotebook(page, 'asks', [
      {
        source:
          "import getpass\nname = input('Name: ')\npw = getpass.getpass('Password: ')\nprint('hello', name, len(pw))",
      },
      { source: "input('Never answered: ')" },
    ]);
    await open(page, id);
    await runCell(page, 0);
    const field = cell(page, 0).getByTestId('input-field');
    await field.waitFor();
    expect(await cell(page, 0).getByTestId('input-box').innerText()).toContain('Name:');
    expect(await field.getAttribute('type')).toBe('text');
    expect(await page.evaluate(() => document.activeElement?.getAttribute('data-testid'))).toBe('input-field');
    await page.keyboard.type('Ada');
    await page.keyboard.press('Enter');
    await cell(page, 0).locator('[data-testid=input-field][type=password]').waitFor();
    await page.keyboard.type('s3cret');
    await page.keyboard.press('Enter');
    await done(page, 0);
    expect(await outputText(page, 0)).toBe('Name: Ada\nPassword: ········\nhello Ada 6');
    expect(await cell(page, 0).getByTestId('input-box').count()).toBe(0);

    // Interrupt while it waits: the box goes, the cell ends with KeyboardInterrupt.
    await runCell(page, 1);
    await cell(page, 1).getByTestId('input-box').waitFor();
    await page.getByTestId('tb-interrupt').click();
    await cell(page, 1).getByTestId('input-box').waitFor({ state: 'detached' });
    await done(page, 1);
    expect(await outputText(page, 1)).toContain('KeyboardInterrupt');

    // Restart while it waits: the box goes too.
    await runCell(page, 1);
    await cell(page, 1).getByTestId('input-box').waitFor();
    await page.getByTestId('tb-restart').click();
    await page.getByRole('dialog').getByRole('button', { name: 'Restart' }).click();
    await cell(page, 1).getByTestId('input-box').waitFor({ state: 'detached' });
    await status(page, 'idle').waitFor();
  });
});
