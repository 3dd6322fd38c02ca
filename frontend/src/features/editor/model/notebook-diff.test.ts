import { describe, expect, it } from 'vitest';
import type { Cell } from '../../../lib/nbformat';
import { cellChanges, describeChanges, notebookText } from './notebook-diff';

const code = (id: string, source: string): Cell => ({
  id,
  cell_type: 'code',
  source,
  metadata: {},
  execution_count: null,
  outputs: [],
});
const md = (id: string, source: string): Cell => ({ id, cell_type: 'markdown', source, metadata: {} });

describe('notebook diff', () => {
  it('writes a notebook as percent-format text, one header per cell, outputs left out', () => {
    const withOutput: Cell = {
      id: 'b',
      cell_type: 'code',
      source: 'print(1)',
      metadata: {},
      execution_count: 1,
      outputs: [{ output_type: 'stream', name: 'stdout', text: '1\n' }],
    };
    expect(notebookText({ cells: [md('a', '# Title\n'), withOutput, code('c', '')] })).toBe(
      '# %% [markdown] a\n# Title\n\n# %% [code] b\nprint(1)\n\n# %% [code] c\n',
    );
    expect(notebookText({ cells: [md('m', ['line 1\n', 'line 2'] as unknown as string)] })).toBe(
      '# %% [markdown] m\nline 1\nline 2\n',
    );
  });

  it('counts cells edited, added, removed and moved, matched by id', () => {
    const before = { cells: [code('a', 'x = 1'), code('b', 'y = 2'), md('c', 'text'), code('d', 'z')] };
    const after = {
      cells: [
        code('b', 'y = 3'),
        code('a', 'x = 1'),
        { ...md('c', 'text'), cell_type: 'raw' } as Cell,
        code('e', 'new'),
      ],
    };
    expect(cellChanges(before, after)).toEqual({ added: 1, removed: 1, changed: 2, moved: 2 });
    expect(describeChanges(cellChanges(before, after))).toBe('2 cells edited, 1 added, 1 removed, 2 moved');
    expect(describeChanges(cellChanges(before, before))).toBe('No changes to the cells');
    expect(describeChanges({ added: 0, removed: 0, changed: 1, moved: 0 })).toBe('1 cell edited');
  });
});
