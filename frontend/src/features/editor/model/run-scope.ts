import { sourceText, type Cell } from '../../../lib/nbformat';

/** `one`: the selected cells (the active cell, or a Shift+J/K selection). */
export type RunScope = 'one' | 'all' | 'above' | 'below';

export interface RunPlan {
  /** Code cells to send to the kernel, in order. */
  execute: { cellId: string; code: string }[];
  /** Code cells with no code: their outputs are cleared, nothing is sent (as Jupyter does). */
  clear: string[];
  /** Markdown cells to render. */
  render: string[];
}

/**
 * Which cells a run command covers: the selected ones (`at`: the active index, or the selection's range), all, those
 * above the selection (not included), or the selection and below.
 */
export function planRun(cells: readonly Cell[], at: number | { from: number; to: number }, scope: RunScope): RunPlan {
  const sel = typeof at === 'number' ? { from: at, to: at } : at;
  const [from, to] =
    scope === 'one'
      ? [sel.from, sel.to + 1]
      : scope === 'all'
        ? [0, cells.length]
        : scope === 'above'
          ? [0, sel.from]
          : [sel.from, cells.length];
  const plan: RunPlan = { execute: [], clear: [], render: [] };
  for (const c of cells.slice(Math.max(0, from), to)) {
    if (c.cell_type === 'markdown') plan.render.push(c.id);
    else if (c.cell_type === 'code') {
      const code = sourceText(c.source);
      if (code.trim()) plan.execute.push({ cellId: c.id, code });
      else plan.clear.push(c.id);
    }
  }
  return plan;
}
