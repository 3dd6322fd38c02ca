import type { Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { importNotebook, startE2E, type E2E } from './harness';
import { cell, openNotebook } from './notebook-page';

/** Polls a UI condition (within e2e/vitest.config.ts's expect.poll timeout). */
const until = <T>(fn: () => Promise<T>) => expect.poll(fn);

/** Every cell's source as shown (Monaco's lines, or the static view, or rendered Markdown). */
const sources = (page: Page) =>
  page.getByTestId('cell').evaluateAll((els) =>
    els.map((el) => {
      const text =
        el.querySelector('.view-lines')?.textContent !== undefined
          ? [...el.querySelectorAll('.view-lines .view-line')]
              .sort((a, b) => parseFloat((a as HTMLElement).style.top) - parseFloat((b as HTMLElement).style.top))
              .map((l) => l.textContent)
              .join('\n')
          : (el.querySelector('.static-code, [data-testid=markdown-rendered]')?.textContent ?? '');
      return text.replace(/\u00a0/g, ' ');
    }),
  );

const types = (page: Page) =>
  page.getByTestId('cell').evaluateAll((els) => els.map((e) => e.getAttribute('data-cell-type')));
const selected = (page: Page) =>
  page
    .getByTestId('cell')
    .evaluateAll((els) =>
      els.filter((e) => e.getAttribute('data-selected') === 'true').map((e) => e.getAttribute('data-index')),
    );
const mode = (page: Page) => page.getByTestId('notebook-editor').getAttribute('data-mode');

/** Command mode on cell `index`: a click on its prompt (the notebook, not the editor, has the focus). */
async function commandModeOn(page: Page, index: number) {
  await cell(page, index).getByTestId('cell-prompt').click();
  await page.locator(`[data-testid=cell].cell-active[data-index="${index}"]`).waitFor();
  await until(() => mode(page)).toBe('command');
}

describe('journeys: command mode as in JupyterLab', () => {
  let e2e: E2E;
  beforeAll(async () => {
    e2e = await startE2E();
  });
  afterAll(() => e2e?.stop());

  it('Z undoes cell deletions, several levels, and Shift+Z redoes them', async () => {
    const { page, context, pageErrors } = await e2e.signedInPage();
    const id = await importNotebook(page, 'undo', [{ source: 'a = 1' }, { source: 'b = 2' }, { source: 'c = 3' }]);
    await openNotebook(page, id, 3);
    await commandModeOn(page, 0);
    await page.keyboard.press('d');
    await page.keyboard.press('d');
    await until(() => sources(page)).toEqual(['b = 2', 'c = 3']);
    await page.keyboard.press('d');
    await page.keyboard.press('d');
    await until(() => sources(page)).toEqual(['c = 3']);

    await page.keyboard.press('z');
    await until(() => sources(page)).toEqual(['b = 2', 'c = 3']);
    await page.keyboard.press('z');
    await until(() => sources(page)).toEqual(['a = 1', 'b = 2', 'c = 3']);
    await page.keyboard.press('Shift+Z');
    await until(() => sources(page)).toEqual(['b = 2', 'c = 3']);
    await page.keyboard.press('z');
    await until(() => sources(page)).toEqual(['a = 1', 'b = 2', 'c = 3']);
    // The restored notebook is what gets saved.
    await page.locator('[data-testid=save-state][data-state=saved]').waitFor();
    const stored = await page.evaluate(async (nid) => (await fetch(`/api/notebooks/${nid}`)).json(), id);
    expect(stored.content.cells.map((c: { source: string | string[] }) => [c.source].flat().join(''))).toEqual([
      'a = 1',
      'b = 2',
      'c = 3',
    ]);
    expect(pageErrors).toEqual([]);
    await context.close();
  });

  it('Shift+J/K, Shift+↑/↓ and Shift+click select several cells; delete, copy/paste, cut, type, move and run act on them', async () => {
    const { page, context, pageErrors } = await e2e.signedInPage();
    const id = await importNotebook(page, 'multi', [
      { source: 'a = 1' },
      { source: 'b = 2' },
      { source: 'c = 3' },
      { source: 'print(a + b)' },
    ]);
    await openNotebook(page, id, 4);
    await commandModeOn(page, 0);
    await page.keyboard.press('Shift+J');
    await page.keyboard.press('Shift+ArrowDown');
    await until(() => selected(page)).toEqual(['0', '1', '2']);
    await page.keyboard.press('Shift+K');
    await until(() => selected(page)).toEqual(['0', '1']);
    await page.keyboard.press('Shift+ArrowUp');
    await until(() => selected(page)).toEqual([]); // back to the active cell alone
    await cell(page, 2)
      .getByTestId('cell-prompt')
      .click({ modifiers: ['Shift'] });
    await until(() => selected(page)).toEqual(['0', '1', '2']);

    // Change type, then back.
    await page.keyboard.press('m');
    await until(() => types(page)).toEqual(['markdown', 'markdown', 'markdown', 'code']);
    await page.keyboard.press('z');
    await until(() => types(page)).toEqual(['code', 'code', 'code', 'code']);

    // Delete the selection, undo it (restored and selected again).
    await page.keyboard.press('d');
    await page.keyboard.press('d');
    await until(() => sources(page)).toEqual(['print(a + b)']);
    await page.keyboard.press('z');
    await until(() => sources(page)).toEqual(['a = 1', 'b = 2', 'c = 3', 'print(a + b)']);
    await until(() => selected(page)).toEqual(['0', '1', '2']);

    // Move the block down, and back up.
    await page.keyboard.press('Control+Shift+ArrowDown');
    await until(() => sources(page)).toEqual(['print(a + b)', 'a = 1', 'b = 2', 'c = 3']);
    await until(() => selected(page)).toEqual(['1', '2', '3']);
    await page.keyboard.press('Control+Shift+ArrowUp');
    await until(() => sources(page)).toEqual(['a = 1', 'b = 2', 'c = 3', 'print(a + b)']);

    // Copy two cells, paste them below the last one.
    await commandModeOn(page, 1);
    await page.keyboard.press('Shift+J');
    await page.keyboard.press('c');
    await commandModeOn(page, 3);
    await page.keyboard.press('v');
    await until(() => sources(page)).toEqual(['a = 1', 'b = 2', 'c = 3', 'print(a + b)', 'b = 2', 'c = 3']);
    // Cut them again: the pasted cells are the last two, the last one active.
    await page.keyboard.press('Shift+K');
    await until(() => selected(page)).toEqual(['4', '5']);
    await page.keyboard.press('x');
    await until(() => sources(page)).toEqual(['a = 1', 'b = 2', 'c = 3', 'print(a + b)']);

    // Run a selection of two code cells with Shift+Enter: both run, the cell after it becomes active.
    await page.locator('[data-testid=kernel-status][data-status=idle]').waitFor({ timeout: 60_000 });
    await commandModeOn(page, 0);
    await page.keyboard.press('Shift+J');
    await page.keyboard.press('Shift+Enter');
    await cell(page, 0).locator('[data-testid=cell-prompt]', { hasText: '[1]:' }).waitFor();
    await cell(page, 1).locator('[data-testid=cell-prompt]', { hasText: '[2]:' }).waitFor();
    expect(await cell(page, 2).getByTestId('cell-prompt').innerText()).toBe('[ ]:');
    await page.locator('[data-testid=cell].cell-active[data-index="2"]').waitFor();
    await page.keyboard.press('j');
    await page.keyboard.press('Shift+Enter');
    await cell(page, 3).getByTestId('cell-outputs').getByText('3').waitFor();
    expect(pageErrors).toEqual([]);
    await context.close();
  });

  it('Shift+M merges the selected cells (it used to make the cell Markdown); Ctrl+Shift+- splits at the cursor', async () => {
    const { page, context } = await e2e.signedInPage();
    const id = await importNotebook(page, 'merge', [{ source: 'a = 1' }, { source: 'b = 2' }, { source: 'c = 3' }]);
    await openNotebook(page, id, 3);
    await commandModeOn(page, 0);
    await page.keyboard.press('Shift+M'); // one cell selected: merges with the one below
    await until(() => sources(page)).toEqual(['a = 1\n\nb = 2', 'c = 3']);
    expect(await types(page)).toEqual(['code', 'code']);
    await page.keyboard.press('Shift+J');
    await page.keyboard.press('Shift+M');
    await until(() => sources(page)).toEqual(['a = 1\n\nb = 2\n\nc = 3']);
    expect(await types(page)).toEqual(['code']);

    // Split: cursor at the start of "b = 2".
    await cell(page, 0).locator('.monaco-editor').click();
    await page.keyboard.press('Control+Home');
    await page.keyboard.press('ArrowDown');
    await page.keyboard.press('ArrowDown');
    await page.keyboard.press('Control+Shift+Minus');
    await until(() => sources(page)).toEqual(['a = 1', 'b = 2\n\nc = 3']);
    // Edit mode stays on, in the second part.
    await page.keyboard.type('x');
    await until(() => sources(page)).toEqual(['a = 1', 'xb = 2\n\nc = 3']);
    expect(await mode(page)).toBe('edit');
    await context.close();
  });

  it('↓ at the end and ↑ at the start of a cell move into the neighbour editor, cursor as in JupyterLab', async () => {
    const { page, context } = await e2e.signedInPage();
    const id = await importNotebook(page, 'edges', [{ source: 'x = 1\ny = 2' }, { source: 'z = 3\nw = 4' }]);
    await openNotebook(page, id, 2);
    await cell(page, 0).locator('.monaco-editor').click();
    await page.keyboard.press('Control+End');
    await page.keyboard.press('ArrowDown');
    await page.locator('[data-testid=cell].cell-editing[data-index="1"]').waitFor();
    await page.keyboard.type('A'); // cursor at the start of the next cell
    await until(() => sources(page)).toEqual(['x = 1\ny = 2', 'Az = 3\nw = 4']);

    await page.keyboard.press('Control+Home');
    await page.keyboard.press('ArrowUp');
    await page.locator('[data-testid=cell].cell-editing[data-index="0"]').waitFor();
    await page.keyboard.type('B'); // cursor at the start of the previous cell's last line
    await until(() => sources(page)).toEqual(['x = 1\nBy = 2', 'Az = 3\nw = 4']);

    // Inside a cell, ↑/↓ only move the cursor (here from after "B" to the same column of the first line).
    await page.keyboard.press('ArrowUp');
    await page.keyboard.type('C');
    await until(() => sources(page)).toEqual(['xC = 1\nBy = 2', 'Az = 3\nw = 4']);
    expect(await page.locator('[data-testid=cell].cell-editing').getAttribute('data-index')).toBe('0');
    await context.close();
  });

  it('after a toolbar click, and after Esc in the name field, command-mode keys act on the notebook', async () => {
    const { page, context } = await e2e.signedInPage();
    const id = await importNotebook(page, 'focus', [{ source: 'a = 1' }]);
    await openNotebook(page, id, 1);
    await commandModeOn(page, 0);
    await page.getByTestId('tb-insert-code').click();
    await until(() => page.getByTestId('cell').count()).toBe(2);
    await page.keyboard.press('b');
    await until(() => page.getByTestId('cell').count()).toBe(3);

    await page.getByTestId('notebook-name').click();
    await page.keyboard.type(' renamed');
    await page.keyboard.press('Escape');
    await page.keyboard.press('a');
    await until(() => page.getByTestId('cell').count()).toBe(4);
    expect(await page.getByTestId('notebook-name').inputValue()).toBe('focus renamed');
    await context.close();
  });

  it("the toolbar's ▶ runs the cell and selects the next, adding one below the last (JupyterLab's run button)", async () => {
    const { page, context } = await e2e.signedInPage();
    const id = await importNotebook(page, 'run-button', [{ source: 'a = 1' }, { source: 'print(a + 1)' }]);
    await openNotebook(page, id, 2);
    await commandModeOn(page, 0);
    await page.getByTestId('tb-run-and-select-next').click();
    await page.locator('[data-testid=cell].cell-active[data-index="1"]').waitFor();
    await page.getByTestId('tb-run-and-select-next').click();
    await until(() => cell(page, 1).getByTestId('cell-outputs').textContent()).toContain('2');
    await until(() => page.getByTestId('cell').count()).toBe(3);
    await page.locator('[data-testid=cell].cell-active[data-index="2"]').waitFor();
    await context.close();
  });

  it('drags a cell by its prompt area to another place', async () => {
    const { page, context } = await e2e.signedInPage();
    const id = await importNotebook(page, 'drag', [{ source: 'a = 1' }, { source: 'b = 2' }, { source: 'c = 3' }]);
    await openNotebook(page, id, 3);
    const target = cell(page, 2);
    const box = (await target.boundingBox())!;
    await cell(page, 0)
      .getByTestId('cell-prompt')
      .dragTo(target, { targetPosition: { x: 120, y: box.height - 4 } });
    await until(() => sources(page)).toEqual(['b = 2', 'c = 3', 'a = 1']);
    await page.locator('[data-testid=save-state][data-state=saved]').waitFor();
    // Undo puts it back.
    await page.keyboard.press('z');
    await until(() => sources(page)).toEqual(['a = 1', 'b = 2', 'c = 3']);
    await context.close();
  });

  it('Ctrl+Shift+C opens a searchable palette of every command with its keys; the shortcuts help lists every binding', async () => {
    // The key table the page's handlers read (imported here, so the test file loads even against an older frontend).
    const { BINDINGS, formatKeys } = await import('../frontend/src/features/editor/model/command-keys');
    const { page, context, pageErrors } = await e2e.signedInPage();
    const id = await importNotebook(page, 'palette', [{ source: 'a = 1' }, { source: 'b = 2' }]);
    await openNotebook(page, id, 2);
    await commandModeOn(page, 0);
    await page.keyboard.press('Control+Shift+C');
    await page.getByTestId('command-palette').waitFor();
    await page.keyboard.type('merge sel');
    const items = page.getByTestId('palette-item');
    await until(() => items.count()).toBe(1);
    expect(await items.first().innerText()).toMatch(/Merge selected cells\s*Shift\+M/);
    await page.keyboard.press('Enter');
    await page.getByTestId('command-palette').waitFor({ state: 'detached' });
    await until(() => sources(page)).toEqual(['a = 1\n\nb = 2']);
    // Focus is back on the notebook: command keys work at once.
    await page.keyboard.press('b');
    await until(() => page.getByTestId('cell').count()).toBe(2);

    // No match: a designed empty state; Escape closes.
    await page.keyboard.press('Control+Shift+C');
    await page.keyboard.type('no such thing');
    await page.getByTestId('palette-empty').waitFor();
    await page.keyboard.press('Escape');
    await page.getByTestId('command-palette').waitFor({ state: 'detached' });

    // The shortcuts help, from the palette: one row per binding of the key table.
    await page.keyboard.press('Control+Shift+C');
    await page.keyboard.type('keyboard shortcuts');
    await page.keyboard.press('Enter');
    const help = page.getByTestId('shortcuts-help-dialog');
    await help.waitFor();
    const rows = await help.getByTestId('shortcut-row').allInnerTexts();
    expect(rows).toHaveLength(BINDINGS.length);
    for (const b of BINDINGS) expect(rows.some((r) => r.startsWith(formatKeys(b.keys)))).toBe(true);
    await page.keyboard.press('Escape');
    await help.waitFor({ state: 'detached' });
    // … and from the "?" button.
    await page.getByTestId('shortcuts-help').click();
    await help.waitFor();
    await help.getByTestId('shortcuts-close').click();
    await help.waitFor({ state: 'detached' });
    await page.keyboard.press('a');
    await until(() => page.getByTestId('cell').count()).toBe(3);

    // From edit mode (the editor's own binding): the command runs, and typing goes on in the editor.
    await cell(page, 0).locator('.monaco-editor').click();
    await page.keyboard.press('Control+Home');
    await page.keyboard.press('Control+Shift+C');
    await page.getByTestId('command-palette').waitFor();
    await page.keyboard.type('save notebook');
    await page.keyboard.press('Enter');
    await page.getByTestId('command-palette').waitFor({ state: 'detached' });
    await page.keyboard.type('Q');
    await until(() => sources(page)).toEqual(['Qa = 1\n\nb = 2', '', '']);
    expect(await mode(page)).toBe('edit');
    expect(pageErrors).toEqual([]);
    await context.close();
  });
});
