import type { CodeCell, Notebook } from '../../contracts/nbformat';
import { cellTags } from '../../contracts/nbformat';
import { findParametersCell, INJECTED_TAG } from './infer-parameters';
import type { PyValue } from './param-types';
import { renderInjectedCell } from './render-injected-cell';

/**
 * A copy of the notebook with the injected-parameters cell in place, as papermill does it: any existing
 * cell tagged `injected-parameters` is removed; with values, a new code cell tagged so is inserted right
 * after the `parameters` cell, or first when there is none. The input notebook is not modified.
 */
export function injectParameters(nb: Notebook, values: Record<string, PyValue>): Notebook {
  const cells = nb.cells.filter((c) => !cellTags(c).includes(INJECTED_TAG));
  const out: Notebook = { ...nb, cells };
  if (Object.keys(values).length === 0) return out;
  const ids = new Set(cells.map((c) => c.id));
  let id = 'injected-parameters';
  for (let n = 2; ids.has(id); n++) id = `injected-parameters-${n}`;
  const cell: CodeCell = {
    id,
    cell_type: 'code',
    source: renderInjectedCell(values),
    metadata: { tags: [INJECTED_TAG] },
    execution_count: null,
    outputs: [],
  };
  const at = findParametersCell(out);
  cells.splice(at + 1, 0, cell);
  return out;
}
