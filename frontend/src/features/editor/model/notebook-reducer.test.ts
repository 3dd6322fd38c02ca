import { describe, expect, it } from 'vitest';
import type { Notebook } from '../../../lib/nbformat';
import { sourceText } from '../../../lib/nbformat';
import { initialState, notebookReducer, toNotebook, type NotebookAction, type NotebookState } from './notebook-reducer';

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

  it('deletes into the clipboard and keeps at least one cell', () => {
    let s = apply(start(), { type: 'select', index: 2 }, { type: 'delete' });
    expect(ids(s)).toEqual(['a', 'b']);
    expect(s.active).toBe(1);
    expect(s.clipboard[0]!.id).toBe('c');
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
    expect(s.runs.a).toEqual({ state: 'done', status: 'ok', startedAt: 1000, endedAt: 1250 });
    expect(toNotebook(s).cells[0]).toMatchObject({ execution_count: 3, outputs: [{ text: '1\n' }] });
  });

  it('marks queued and running cells aborted on restart', () => {
    const s = apply(
      start(),
      { type: 'queued', cellIds: ['a', 'c'] },
      { type: 'cell-started', cellId: 'a', startedAt: 1 },
      { type: 'runs-reset' },
    );
    expect(s.runs.a).toEqual({ state: 'done', status: 'aborted' });
    expect(s.runs.c).toEqual({ state: 'done', status: 'aborted' });
  });

  it('serialises back to nbformat 4.5 with notebook metadata kept', () => {
    const out = toNotebook(
      initialState('n', { ...nb([code('a', 'x')]), nbformat_minor: 4, metadata: { custom: { k: 1 } } }),
    );
    expect(out).toMatchObject({ nbformat: 4, nbformat_minor: 5, metadata: { custom: { k: 1 } } });
  });
});
