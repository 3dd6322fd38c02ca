import { useEffect, useState } from 'react';
import { estimateOutputs } from '../../../components/outputs/output-estimate';
import { holdRenderLater } from '../../../components/outputs/render-later';
import { sourceText, type Cell } from '../../../lib/nbformat';

/** A code line in the editor (px), for the first-screen estimate. */
const CODE_LINE_PX = 19;
/** Cells past the active one that render their outputs at once (moving the selection never meets a placeholder). */
const AHEAD = 3;
/** The latest the held outputs start rendering when no code editor comes up (e.g. a notebook of rendered Markdown). */
const HOLD_AT_MOST_MS = 1500;

/** How many leading cells fill about two screens, by their source lines and estimated outputs (no layout read). */
function firstScreens(cells: readonly Cell[]): number {
  const budget = 2 * (typeof window === 'undefined' ? 900 : window.innerHeight);
  let height = 0;
  for (let i = 0; i < cells.length; i++) {
    const c = cells[i]!;
    height += 24 + CODE_LINE_PX * sourceText(c.source).split('\n').length;
    if (c.cell_type === 'code') height += estimateOutputs(c.outputs).heightPx;
    if (height > budget) return i + 1;
  }
  return cells.length;
}

/**
 * Which cells render their outputs only once the browser is idle (OutputArea's `later`): when a notebook opens, those
 * past its first two screens, except the active cell and the few after it. Cells added or run later are not among
 * them. They wait until the first code editor is up (`editorShown`), so the first editor is usable at once, and the
 * rest arrive within moments after, as in JupyterLab's windowed notebook.
 */
export function useOutputsLater(
  cells: readonly Cell[],
  active: number,
): { isLater: (index: number, id: string) => boolean; editorShown: () => void } {
  const [later] = useState(() => new Set(cells.slice(firstScreens(cells)).map((c) => c.id)));
  const [lift] = useState(() => (later.size ? holdRenderLater() : () => {}));
  useEffect(() => {
    const t = setTimeout(lift, HOLD_AT_MOST_MS);
    return () => {
      clearTimeout(t);
      lift();
    };
  }, [lift]);
  return {
    isLater: (index, id) => later.has(id) && (index < active || index > active + AHEAD),
    editorShown: lift,
  };
}
