import { describe, expect, it } from 'vitest';
import type { Notebook } from '../../../lib/nbformat';
import { sourceText } from '../../../lib/nbformat';
import {
  initialState,
  isSelected,
  notebookReducer,
  selectedCells,
  toNotebook,
  type NotebookAction,
  type NotebookState,
} from './notebook-reducer';

const nb = (cells: Notebook['cells']): Notebook => ({
  nbformat: 4,
  nbformat_minor: 5,
  metadata: { kernelspec: { name: 'python3', display_name: 'Python 3' } },
  cells,
});
const code = (id: string, src: string) => ({
  id,
  cell_type: 'code' as const,
  source: src,
  metadata: {},
  execution_count: null,
  outputs: [],
});
const md = (id: string, src: string) => ({ id, cell_type: 'markdown' as const, source: src, metadata: {} });
const apply = (s: NotebookState, ...actions: NotebookAction[]) => actions.reduce(notebookReducer, s);
const ids = (s: NotebookState) => s.cells.map((c) => c.id);

describe('notebookReducer', () => {
  const start = () => initialState('n', nb([code('a', 'x = 1'), md('b', '# T'), code('c', 'x')]));

  it('adds missing and duplicate ids on load, and an empty notebook gets one cell', () => {
    const s = initialState('n', nb([code('', 'a'), code('z', 'b'), code('z', 'c')]));
    expect(new Set(ids(s)).size).toBe(3);
    expect(s.cells[1]!.id).toBe('z');
    expect(initialState('n', nb([])).cells).toHaveLength(1);
  });

  it('inserts above/below and selects the new cell; markdown cells start as source', () => {
    let s = apply(start(), { type: 'select', index: 1 }, { type: 'insert', where: 'below' });
    expect(s.active).toBe(2);
    expect(s.cells[2]!.cell_type).toBe('code');
    s = apply(s, { type: 'insert', where: 'above', cellType: 'markdown' });
    expect(s.active).toBe(2);
    expect(s.editingMarkdown[s.cells[2]!.id]).toBe(true);
    expect(s.cells).toHaveLength(5);
  });

  it('moves cells within bounds', () => {
    let s = apply(start(), { type: 'move', delta: -1 });
    expect(ids(s)).toEqual(['a', 'b', 'c']);
    s = apply(s, { type: 'move', delta: 1 }, { type: 'move', delta: 1 }, { type: 'move', delta: 1 });
    expect(ids(s)).toEqual(['b', 'c', 'a']);
    expect(s.active).toBe(2);
  });

  it('deletes (not into the clipboard, as JupyterLab) and keeps at least one cell', () => {
    let s = apply(start(), { type: 'select', index: 2 }, { type: 'delete' });
    expect(ids(s)).toEqual(['a', 'b']);
    expect(s.active).toBe(1);
    expect(s.clipboard).toEqual([]);
    s = apply(s, { type: 'delete' }, { type: 'delete' });
    expect(s.cells).toHaveLength(1);
    expect(s.cells[0]!.cell_type).toBe('code');
  });

  it('pastes copies with fresh ids', () => {
    const s = apply(start(), { type: 'copy' }, { type: 'paste', where: 'below' }, { type: 'paste', where: 'above' });
    expect(s.cells).toHaveLength(5);
    expect(new Set(ids(s)).size).toBe(5);
    expect(s.cells.filter((c) => sourceText(c.source) === 'x = 1')).toHaveLength(3);
  });

  it('changes cell type keeping id, source and metadata', () => {
    const s = apply(
      start(),
      { type: 'set-tags', cellId: 'a', tags: ['parameters'] },
      { type: 'change-type', cellType: 'markdown' },
    );
    expect(s.cells[0]).toEqual({ id: 'a', cell_type: 'markdown', source: 'x = 1', metadata: { tags: ['parameters'] } });
    const back = apply(s, { type: 'change-type', cellType: 'code' });
    expect(back.cells[0]).toMatchObject({ cell_type: 'code', outputs: [], execution_count: null });
  });

  it('edits tags: trims, dedupes, and drops an empty list', () => {
    let s = apply(start(), { type: 'set-tags', cellId: 'a', tags: [' parameters', 'parameters', ''] });
    expect(s.cells[0]!.metadata.tags).toEqual(['parameters']);
    s = apply(s, { type: 'set-tags', cellId: 'a', tags: [] });
    expect('tags' in s.cells[0]!.metadata).toBe(false);
  });

  it('stores sources as nbformat lines and bumps the revision only on real changes', () => {
    const s0 = start();
    const s1 = apply(s0, { type: 'set-source', cellId: 'a', source: 'x = 1\ny = 2\n' });
    expect(s1.cells[0]!.source).toEqual(['x = 1\n', 'y = 2\n']);
    expect(s1.revision).toBe(s0.revision + 1);
    expect(apply(s1, { type: 'set-source', cellId: 'a', source: 'x = 1\ny = 2\n' }).revision).toBe(s1.revision);
    expect(apply(s1, { type: 'select', index: 2 }).revision).toBe(s1.revision);
  });

  it('follows a live execution: queued → started (outputs cleared) → outputs → done', () => {
    let s = apply(start(), {
      type: 'outputs',
      cellId: 'a',
      outputs: [{ output_type: 'stream', name: 'stdout', text: 'old' }],
    });
    s = apply(s, { type: 'queued', cellIds: ['a'] });
    expect(s.runs.a!.state).toBe('queued');
    s = apply(s, { type: 'cell-started', cellId: 'a', executionCount: 3, startedAt: 1000 });
    expect(s.cells[0]).toMatchObject({ outputs: [], execution_count: 3 });
    s = apply(s, { type: 'outputs', cellId: 'a', outputs: [{ output_type: 'stream', name: 'stdout', text: '1\n' }] });
    s = apply(s, { type: 'cell-done', cellId: 'a', status: 'ok', executionCount: 3, endedAt: 1250 });
    expect(s.runs.a).toEqual({ state: 'done', status: 'ok', startedAt: 1000, endedAt: 1250, own: true });
    expect(toNotebook(s).cells[0]).toMatchObject({ execution_count: 3, outputs: [{ text: '1\n' }] });
  });

  it('marks queued and running cells aborted on restart', () => {
    const s = apply(
      start(),
      { type: 'queued', cellIds: ['a', 'c'] },
      { type: 'cell-started', cellId: 'a', startedAt: 1 },
      { type: 'runs-reset' },
    );
    expect(s.runs.a).toEqual({ state: 'done', status: 'aborted', own: true });
    expect(s.runs.c).toEqual({ state: 'done', status: 'aborted', own: true });
  });

  it('serialises back to nbformat 4.5 with notebook metadata kept', () => {
    const out = toNotebook(
      initialState('n', { ...nb([code('a', 'x')]), nbformat_minor: 4, metadata: { custom: { k: 1 } } }),
    );
    expect(out).toMatchObject({ nbformat: 4, nbformat_minor: 5, metadata: { custom: { k: 1 } } });
  });

  describe('selection (Shift+J/K, Shift+click)', () => {
    const five = () =>
      initialState('n', nb([code('a', 'a'), code('b', 'b'), md('c', 'c'), code('d', 'd'), code('e', 'e')]));
    const sel = (s: NotebookState) => selectedCells(s).map((c) => c.id);

    it('extends from the anchor and shrinks back; a plain move collapses it', () => {
      let s = apply(five(), { type: 'select', index: 1 }, { type: 'select-relative', delta: 1, extend: true });
      s = apply(s, { type: 'select-relative', delta: 1, extend: true });
      expect(sel(s)).toEqual(['b', 'c', 'd']);
      expect(s.active).toBe(3);
      s = apply(s, { type: 'select-relative', delta: -1, extend: true });
      expect(sel(s)).toEqual(['b', 'c']);
      s = apply(
        s,
        { type: 'select-relative', delta: -1, extend: true },
        { type: 'select-relative', delta: -1, extend: true },
      );
      expect(sel(s)).toEqual(['a', 'b']);
      expect(isSelected(s, 0) && isSelected(s, 1) && !isSelected(s, 2)).toBe(true);
      expect(sel(apply(s, { type: 'select-relative', delta: 1 }))).toEqual(['b']);
      expect(sel(apply(s, { type: 'select', index: 4, extend: true }))).toEqual(['b', 'c', 'd', 'e']);
      expect(sel(apply(s, { type: 'select-all' }))).toEqual(['a', 'b', 'c', 'd', 'e']);
      expect(sel(apply(s, { type: 'set-mode', mode: 'edit' }))).toEqual(['a']);
    });

    it('deletes, cuts, copies and pastes the selection', () => {
      const s = apply(five(), { type: 'select', index: 1 }, { type: 'select', index: 3, extend: true });
      const deleted = apply(s, { type: 'delete' });
      expect(ids(deleted)).toEqual(['a', 'e']);
      expect(deleted.active).toBe(1);
      const cut = apply(s, { type: 'cut' });
      expect(ids(cut)).toEqual(['a', 'e']);
      expect(cut.clipboard.map((c) => c.id)).toEqual(['b', 'c', 'd']);
      const pasted = apply(cut, { type: 'select', index: 0 }, { type: 'paste', where: 'below' });
      expect(pasted.cells.map((c) => sourceText(c.source))).toEqual(['a', 'b', 'c', 'd', 'e']);
      expect(pasted.active).toBe(3);
      const copied = apply(s, { type: 'copy' });
      expect(copied.clipboard.map((c) => c.id)).toEqual(['b', 'c', 'd']);
      expect(ids(apply(s, { type: 'select-all' }, { type: 'delete' }))).toHaveLength(1);
    });

    it('moves the selection as a block, which stays selected', () => {
      let s = apply(five(), { type: 'select', index: 1 }, { type: 'select', index: 2, extend: true });
      s = apply(s, { type: 'move', delta: 1 });
      expect(ids(s)).toEqual(['a', 'd', 'b', 'c', 'e']);
      expect(sel(s)).toEqual(['b', 'c']);
      s = apply(s, { type: 'move', delta: 1 }, { type: 'move', delta: 1 });
      expect(ids(s)).toEqual(['a', 'd', 'e', 'b', 'c']);
      s = apply(s, { type: 'move', delta: -1 });
      expect(ids(s)).toEqual(['a', 'd', 'b', 'c', 'e']);
    });

    it('changes the type of every selected cell', () => {
      const s = apply(
        five(),
        { type: 'select', index: 1 },
        { type: 'select', index: 3, extend: true },
        { type: 'change-type', cellType: 'markdown' },
      );
      expect(s.cells.map((c) => c.cell_type)).toEqual(['code', 'markdown', 'markdown', 'markdown', 'code']);
      expect(s.editingMarkdown.b && s.editingMarkdown.d).toBe(true);
    });
  });

  it('1…6 make the selected cells Markdown headings, replacing an existing heading mark', () => {
    const s = apply(start(), { type: 'select', index: 1, extend: true }, { type: 'heading', level: 2 });
    expect(s.cells.slice(0, 2).map((c) => [c.cell_type, sourceText(c.source)])).toEqual([
      ['markdown', '## x = 1'],
      ['markdown', '## T'],
    ]);
    expect(apply(s, { type: 'undo' }).cells).toEqual(start().cells);
  });

  describe('drag and drop (move-to)', () => {
    const four = () => initialState('n', nb([code('a', 'a'), code('b', 'b'), code('c', 'c'), code('d', 'd')]));
    it('moves one cell to an insertion point, counting from the current list', () => {
      expect(ids(apply(four(), { type: 'move-to', cellId: 'a', to: 3 }))).toEqual(['b', 'c', 'a', 'd']);
      expect(ids(apply(four(), { type: 'move-to', cellId: 'a', to: 4 }))).toEqual(['b', 'c', 'd', 'a']);
      expect(ids(apply(four(), { type: 'move-to', cellId: 'd', to: 0 }))).toEqual(['d', 'a', 'b', 'c']);
      const same = four();
      expect(apply(same, { type: 'move-to', cellId: 'b', to: 2 }).cells).toBe(same.cells);
      const moved = apply(four(), { type: 'move-to', cellId: 'c', to: 1 });
      expect(moved.cells[moved.active]!.id).toBe('c');
    });
    it('drags the whole selection when the dragged cell is part of it', () => {
      const s = apply(four(), { type: 'select', index: 0 }, { type: 'select', index: 1, extend: true });
      expect(ids(apply(s, { type: 'move-to', cellId: 'b', to: 4 }))).toEqual(['c', 'd', 'a', 'b']);
      expect(ids(apply(s, { type: 'move-to', cellId: 'd', to: 0 }))).toEqual(['d', 'a', 'b', 'c']);
    });
  });

  describe('merge (Shift+M) and split (Ctrl+Shift+-)', () => {
    it("Shift+M merges the selected cells into one with the active cell's type, no outputs", () => {
      let s = initialState('n', nb([code('a', 'x = 1'), md('b', '# T'), code('c', 'y = 2'), code('d', 'z')]));
      s = apply(s, { type: 'outputs', cellId: 'a', outputs: [{ output_type: 'stream', name: 'stdout', text: '1' }] });
      s = apply(s, { type: 'select', index: 2 }, { type: 'select', index: 0, extend: true }, { type: 'merge' });
      expect(s.cells).toHaveLength(2);
      expect(s.cells[0]).toMatchObject({ cell_type: 'code', outputs: [], execution_count: null });
      expect(sourceText(s.cells[0]!.source)).toBe('x = 1\n\n# T\n\ny = 2');
      expect(s.cells[1]!.id).toBe('d');
      expect(s.active).toBe(0);
    });
    it('one selected cell merges with the one below; above with `with: above`; nothing past the ends', () => {
      const s = initialState('n', nb([md('a', 'A'), code('b', 'B'), code('c', 'C')]));
      const below = apply(s, { type: 'merge' });
      expect(below.cells.map((c) => [c.cell_type, sourceText(c.source)])).toEqual([
        ['markdown', 'A\n\nB'],
        ['code', 'C'],
      ]);
      expect(below.editingMarkdown[below.cells[0]!.id]).toBe(true);
      const above = apply(s, { type: 'select', index: 2 }, { type: 'merge', with: 'above' });
      expect(above.cells.map((c) => sourceText(c.source))).toEqual(['A', 'B\n\nC']);
      expect(apply(s, { type: 'select', index: 2 }, { type: 'merge' }).cells).toBe(
        apply(s, { type: 'select', index: 2 }).cells,
      );
    });
    it('splits at the cursor; the last part keeps the outputs and is active', () => {
      let s = initialState('n', nb([code('a', 'x = 1\ny = 2\n\nz = 3'), code('b', 'b')]));
      s = apply(s, { type: 'outputs', cellId: 'a', outputs: [{ output_type: 'stream', name: 'stdout', text: '1' }] });
      const split = apply(s, { type: 'split', cellId: 'a', offsets: [6] });
      expect(split.cells.map((c) => sourceText(c.source))).toEqual(['x = 1', 'y = 2\n\nz = 3', 'b']);
      expect(split.cells[0]!.id).toBe('a');
      expect(split.cells[0]).toMatchObject({ outputs: [] });
      expect(split.cells[1]).toMatchObject({ outputs: [{ text: '1' }] });
      expect(split.active).toBe(1);
      const sel = apply(s, { type: 'split', cellId: 'a', offsets: [6, 11] });
      expect(sel.cells.map((c) => sourceText(c.source))).toEqual(['x = 1', 'y = 2', 'z = 3', 'b']);
      expect(sel.active).toBe(1);
    });
  });

  describe('undo (Z) and redo (Shift+Z) of cell operations', () => {
    it('undoes several deletions, in reverse order, and redoes them', () => {
      let s = apply(start(), { type: 'delete' }, { type: 'delete' });
      expect(ids(s)).toEqual(['c']);
      s = apply(s, { type: 'undo' });
      expect(ids(s)).toEqual(['b', 'c']);
      expect(s.active).toBe(0);
      s = apply(s, { type: 'undo' });
      expect(ids(s)).toEqual(['a', 'b', 'c']);
      expect(s.active).toBe(0);
      expect(apply(s, { type: 'undo' })).toBe(s);
      s = apply(s, { type: 'redo' }, { type: 'redo' });
      expect(ids(s)).toEqual(['c']);
      expect(apply(s, { type: 'redo' })).toBe(s);
    });
    it('keeps edits made to other cells after the deletion, and the deleted cell as it was', () => {
      let s = apply(start(), { type: 'set-source', cellId: 'a', source: 'x = 10' }, { type: 'delete' });
      s = apply(s, { type: 'set-source', cellId: 'c', source: 'x * 2' }, { type: 'undo' });
      expect(s.cells.map((c) => sourceText(c.source))).toEqual(['x = 10', '# T', 'x * 2']);
      expect(s.revision).toBeGreaterThan(0);
    });
    it('restores a multi-cell deletion selected, and undoes insert, paste, move, merge, split and type changes', () => {
      let s = apply(start(), { type: 'select-all' }, { type: 'delete' }, { type: 'undo' });
      expect(ids(s)).toEqual(['a', 'b', 'c']);
      expect(selectedCells(s).map((c) => c.id)).toEqual(['a', 'b', 'c']);
      const base = start();
      const ops: NotebookAction[][] = [
        [{ type: 'insert', where: 'below' }],
        [{ type: 'copy' }, { type: 'paste', where: 'above' }],
        [{ type: 'move', delta: 1 }],
        [{ type: 'merge' }],
        [{ type: 'split', cellId: 'a', offsets: [2] }],
        [{ type: 'change-type', cellType: 'raw' }],
        [{ type: 'move-to', cellId: 'a', to: 3 }],
      ];
      for (const op of ops) {
        s = apply(base, ...op);
        expect(s.cells).not.toEqual(base.cells);
        const undone = apply(s, { type: 'undo' });
        expect(undone.cells).toEqual(base.cells);
        expect(apply(undone, { type: 'redo' }).cells.map((c) => [c.cell_type, c.source])).toEqual(
          s.cells.map((c) => [c.cell_type, c.source]),
        );
      }
    });
    it('a new operation clears redo; the history is bounded', () => {
      let s = apply(start(), { type: 'delete' }, { type: 'undo' }, { type: 'insert', where: 'below' });
      expect(s.redo).toEqual([]);
      for (let i = 0; i < 150; i++) s = apply(s, { type: 'insert', where: 'below' });
      expect(s.undo.length).toBe(100);
    });
  });

  it("kernel outputs never make the code dirty; only this tab's own runs count as outputs to save", () => {
    const stream = (text: string) => [{ output_type: 'stream' as const, name: 'stdout' as const, text }];
    // Another tab of the user runs `a`: shown here, nothing to save.
    let s = apply(
      start(),
      { type: 'cell-started', cellId: 'a', startedAt: 1, own: false },
      { type: 'outputs', cellId: 'a', outputs: stream('theirs') },
    );
    expect(s.cells[0]).toMatchObject({ outputs: stream('theirs') });
    expect([s.revision, s.outputsRevision]).toEqual([0, 0]);
    // This tab runs `c`: outputs to save, still no author edit.
    s = apply(
      s,
      { type: 'queued', cellIds: ['c'] },
      { type: 'cell-started', cellId: 'c', startedAt: 2, own: true },
      { type: 'outputs', cellId: 'c', outputs: stream('mine') },
    );
    expect(s.revision).toBe(0);
    expect(s.outputsRevision).toBe(2);
    expect(s.outputsChangedAt).toEqual({ c: 2 });
  });

  it('adopts a saved notebook: new sources, selection by cell id, live and unsaved own outputs kept', () => {
    const stream = (text: string) => [{ output_type: 'stream' as const, name: 'stdout' as const, text }];
    let s = apply(
      start(),
      { type: 'select', index: 2 },
      { type: 'queued', cellIds: ['c'] },
      { type: 'cell-started', cellId: 'c', startedAt: 2, own: true },
      { type: 'outputs', cellId: 'c', outputs: stream('live') },
    );
    const saved = nb([
      code('new', 'inserted elsewhere'),
      { ...code('a', 'x = 2'), outputs: stream('saved a') },
      md('b', '# T'),
      { ...code('c', 'x'), outputs: stream('older c') },
    ]);
    s = apply(s, { type: 'adopt', name: 'renamed', notebook: saved, keepOutputsSince: 0 });
    expect(ids(s)).toEqual(['new', 'a', 'b', 'c']);
    expect(s.active).toBe(3); // still on `c`
    expect(s.name).toBe('renamed');
    expect(sourceText(s.cells[1]!.source)).toBe('x = 2');
    expect(s.cells[1]).toMatchObject({ outputs: stream('saved a') });
    expect(s.cells[3]).toMatchObject({ outputs: stream('live') }); // running here: newer than the saved copy
    expect(s.revision).toBe(0); // not an author edit
  });
});
