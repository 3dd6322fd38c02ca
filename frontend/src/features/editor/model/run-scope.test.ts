import { describe, expect, it } from 'vitest';
import { planRun } from './run-scope';

const cells = [
  { id: 'a', cell_type: 'code' as const, source: 'x = 1', metadata: {}, execution_count: null, outputs: [] },
  { id: 'b', cell_type: 'markdown' as const, source: '# T', metadata: {} },
  { id: 'c', cell_type: 'code' as const, source: ['  \n'], metadata: {}, execution_count: 1, outputs: [] },
  { id: 'd', cell_type: 'raw' as const, source: 'raw', metadata: {} },
  {
    id: 'e',
    cell_type: 'code' as const,
    source: ['print(x)\n', 'x'],
    metadata: {},
    execution_count: null,
    outputs: [],
  },
];

describe('planRun', () => {
  it('runs all code cells in order, renders markdown, clears empty code cells, skips raw', () => {
    expect(planRun(cells, 0, 'all')).toEqual({
      execute: [
        { cellId: 'a', code: 'x = 1' },
        { cellId: 'e', code: 'print(x)\nx' },
      ],
      clear: ['c'],
      render: ['b'],
    });
  });
  it('above excludes the active cell, below includes it', () => {
    expect(planRun(cells, 4, 'above').execute.map((c) => c.cellId)).toEqual(['a']);
    expect(planRun(cells, 1, 'below').execute.map((c) => c.cellId)).toEqual(['e']);
    expect(planRun(cells, 1, 'below').render).toEqual(['b']);
  });
  it('one runs only the active cell', () => {
    expect(planRun(cells, 0, 'one').execute).toEqual([{ cellId: 'a', code: 'x = 1' }]);
    expect(planRun(cells, 1, 'one')).toEqual({ execute: [], clear: [], render: ['b'] });
  });
  it('one runs every selected cell, in order', () => {
    expect(planRun(cells, { from: 1, to: 4 }, 'one')).toEqual({
      execute: [{ cellId: 'e', code: 'print(x)\nx' }],
      clear: ['c'],
      render: ['b'],
    });
    expect(planRun(cells, { from: 2, to: 4 }, 'above').execute.map((c) => c.cellId)).toEqual(['a']);
  });
});
