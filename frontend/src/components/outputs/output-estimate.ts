import type { Output } from '../../lib/nbformat';
import { joinText, pickMime } from './mime';

/** Outputs taller than this many lines (of 1.3 × the font size, 13px) scroll inside a box, as in Notebook 7. */
export const SCROLL_AFTER_LINES = 100;
export const SCROLL_AFTER_PX = SCROLL_AFTER_LINES * 1.3 * 13;
/** `.output-text`'s line height in CSS pixels (13px / 1.35). */
const LINE_PX = 17.55;
/** The scroll box's height (`.output-scrolled .output-box`: 24em of 13px). */
const BOX_PX = 24 * 13;

const lineCount = (text: string) => (text ? text.split('\n').length - (text.endsWith('\n') ? 1 : 0) : 0);

function textOf(o: Output): string | null {
  switch (o.output_type) {
    case 'stream':
      return joinText(o.text);
    case 'error':
      return o.traceback?.length ? o.traceback.join('\n') : `${o.ename}: ${o.evalue}`;
    case 'display_data':
    case 'execute_result': {
      const mime = pickMime(o.data ?? {});
      return mime === 'text/plain' || mime === 'application/json' ? joinText(o.data?.[mime]) || '{}' : null;
    }
    default:
      return '';
  }
}

/** A rich output's height before it has rendered: an image's own height when its metadata says, else a typical one. */
function richHeight(o: Output): number {
  if (o.output_type !== 'display_data' && o.output_type !== 'execute_result') return LINE_PX;
  const mime = pickMime(o.data ?? {});
  const meta = (o.metadata?.[mime ?? ''] ?? {}) as { height?: unknown };
  if (typeof meta.height === 'number') return meta.height;
  if (mime?.startsWith('image/')) return 400;
  return 240;
}

/**
 * What a cell's outputs will look like before the browser lays them out, from their content alone (no layout read):
 * whether their text alone is long enough for the scroll box (rich outputs are measured once rendered), and about how
 * tall the area will be. The output area starts in the right state without measuring, so a 200-cell notebook opens
 * without laying out every output first, and off-screen outputs take this height until they are rendered
 * (`contain-intrinsic-size`).
 */
export function estimateOutputs(outputs: readonly Output[]): { tall: boolean; heightPx: number } {
  let lines = 0;
  let rich = 0;
  for (const o of outputs) {
    const text = textOf(o);
    if (text === null) rich += richHeight(o);
    else lines += Math.max(1, lineCount(text));
  }
  const tall = lines * LINE_PX > SCROLL_AFTER_PX;
  const full = lines * LINE_PX + rich;
  return { tall, heightPx: Math.round(tall ? Math.min(full, BOX_PX) : full) + 4 };
}
