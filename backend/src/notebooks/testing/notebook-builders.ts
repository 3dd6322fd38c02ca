import type { CodeCell, Notebook } from '../../contracts/nbformat';

/** Test builders: a code cell (optionally tagged) and a python3 nbformat 4.5 notebook of cells. */
export const codeCell = (id: string, source: string, tags?: string[]): CodeCell => ({
  id,
  cell_type: 'code',
  source,
  metadata: tags ? { tags } : {},
  execution_count: null,
  outputs: [],
});

export const notebookOf = (cells: Notebook['cells']): Notebook => ({
  nbformat: 4,
  nbformat_minor: 5,
  metadata: { kernelspec: { name: 'python3', display_name: 'Python 3', language: 'python' } },
  cells,
});
