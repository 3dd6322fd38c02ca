import type { editor } from 'monaco-editor/esm/vs/editor/editor.api.js';
import { matchesIn, type FindMatch } from '../model/find';
import { loadMonaco, monacoIfReady } from './monaco/monaco-loader';

/**
 * Paints find matches in the page: Monaco decorations in live cell editors; CSS Custom Highlights (no DOM changes)
 * over the not-yet-live editors' plain text and over outputs. Returns how to find the current match on screen.
 */
const ALL = 'folio-find';
const CURRENT = 'folio-find-current';
const decorations = new Map<editor.ICodeEditor, editor.IEditorDecorationsCollection>();

const cssHighlights = (): HighlightRegistry | null =>
  typeof CSS !== 'undefined' && 'highlights' in CSS ? CSS.highlights : null;

/** Ranges of `re`'s matches over an element's text (across its text nodes). */
function textRanges(el: Element, re: RegExp): Range[] {
  const nodes: Text[] = [];
  const walker = document.createTreeWalker(el, NodeFilter.SHOW_TEXT);
  for (let n = walker.nextNode(); n; n = walker.nextNode()) nodes.push(n as Text);
  const starts: number[] = [];
  let text = '';
  for (const n of nodes) {
    starts.push(text.length);
    text += n.data;
  }
  const at = (offset: number, end: boolean): [Text, number] => {
    let i = nodes.length - 1;
    while (i > 0 && (end ? starts[i]! >= offset : starts[i]! > offset)) i--;
    return [nodes[i]!, offset - starts[i]!];
  };
  return matchesIn(text, re).map(([s, e]) => {
    const r = document.createRange();
    r.setStart(...at(s, false));
    r.setEnd(...at(e, true));
    return r;
  });
}

/** Live Monaco editors of this notebook's cells, by cell id. */
function cellEditors(root: HTMLElement): Map<string, editor.ICodeEditor> {
  const out = new Map<string, editor.ICodeEditor>();
  for (const ed of monacoIfReady()?.editor.getEditors() ?? []) {
    const cell = ed.getContainerDomNode().closest<HTMLElement>('[data-cell-id]');
    if (cell && root.contains(cell) && ed.getModel()) out.set(cell.dataset.cellId!, ed);
  }
  return out;
}

export function clearHighlights(): void {
  cssHighlights()?.delete(ALL);
  cssHighlights()?.delete(CURRENT);
  for (const d of decorations.values()) d.clear();
  decorations.clear();
}

export function paintHighlights(
  root: HTMLElement,
  re: RegExp,
  matches: readonly FindMatch[],
  current: number,
): (() => { el: Element; rect: DOMRect } | null) | null {
  const editors = cellEditors(root);
  const byCell = new Map<string, FindMatch[]>();
  for (const m of matches) byCell.set(m.cellId, [...(byCell.get(m.cellId) ?? []), m]);
  const cur = matches[current];
  const all: Range[] = [];
  const currentRanges: Range[] = [];
  let locate: (() => { el: Element; rect: DOMRect } | null) | null = null;

  for (const [ed, d] of decorations) {
    if (editors.has(cellOf(ed) ?? '')) continue;
    d.clear();
    decorations.delete(ed);
  }
  for (const [cellId, ed] of editors) {
    const model = ed.getModel()!;
    const own = (byCell.get(cellId) ?? []).filter((m) => m.output === null);
    const decos = own.map((m) => {
      const s = model.getPositionAt(m.start);
      const e = model.getPositionAt(m.end);
      return {
        range: {
          startLineNumber: s.lineNumber,
          startColumn: s.column,
          endLineNumber: e.lineNumber,
          endColumn: e.column,
        },
        options: { inlineClassName: m === cur ? 'find-match find-match-current' : 'find-match' },
      };
    });
    let d = decorations.get(ed);
    if (!d) decorations.set(ed, (d = ed.createDecorationsCollection()));
    d.set(decos);
    if (cur?.cellId === cellId && cur.output === null) {
      const at = model.getPositionAt(cur.start);
      locate = () => {
        const box = ed.getDomNode()?.getBoundingClientRect();
        if (!box) return null;
        const top = box.top + ed.getTopForPosition(at.lineNumber, at.column);
        return { el: ed.getDomNode()!, rect: new DOMRect(box.left, top, box.width, 19) };
      };
    }
  }

  for (const [cellId, list] of byCell) {
    const cell = root.querySelector(`[data-cell-id="${CSS.escape(cellId)}"]`);
    if (!cell) continue;
    const place = (el: Element | null, ms: FindMatch[]) => {
      if (!el || !ms.length) return;
      const ranges = textRanges(el, re);
      for (const m of ms) {
        const r = ranges[m.nth];
        if (!r) continue;
        (m === cur ? currentRanges : all).push(r);
        if (m === cur) locate = () => ({ el, rect: r.getBoundingClientRect() });
      }
    };
    if (!editors.has(cellId))
      place(
        cell.querySelector('.static-code'),
        list.filter((m) => m.output === null),
      );
    const outputs = cell.querySelectorAll(':scope [data-testid=cell-outputs] .output-list > .output');
    const byOutput = new Map<number, FindMatch[]>();
    for (const m of list) if (m.output !== null) byOutput.set(m.output, [...(byOutput.get(m.output) ?? []), m]);
    for (const [j, ms] of byOutput) place(outputs[j] ?? null, ms);
  }

  const reg = cssHighlights();
  if (reg) {
    reg.set(ALL, new Highlight(...all));
    reg.set(CURRENT, new Highlight(...currentRanges));
  }
  return locate;
}

function cellOf(ed: editor.ICodeEditor): string | undefined {
  return ed.getContainerDomNode().closest<HTMLElement>('[data-cell-id]')?.dataset.cellId;
}

/** Scrolls every scrolling ancestor of `el` (an output box, the page) so that the rect is in view, centred. */
export function reveal(locate: () => { el: Element; rect: DOMRect } | null): void {
  let found = locate();
  if (!found) return;
  for (let a = found.el.parentElement; a && a !== document.body; a = a.parentElement) {
    if (!/(auto|scroll)/.test(getComputedStyle(a).overflowY) || a.scrollHeight <= a.clientHeight) continue;
    const box = a.getBoundingClientRect();
    const { rect } = found;
    if (rect.top < box.top || rect.bottom > box.bottom)
      a.scrollTop += rect.top - box.top - (a.clientHeight - rect.height) / 2;
    found = locate() ?? found;
  }
  const { rect } = found;
  // The sticky top bar and toolbar cover the top of the window: centre the match rather than just bring it in.
  if (rect.top < window.innerHeight * 0.25 || rect.bottom > window.innerHeight)
    window.scrollBy(0, rect.top - (window.innerHeight - rect.height) / 2);
}

/** Calls `f` when a Monaco editor is created (a cell became live), once it has its model and layout. */
export function onEditorCreated(f: () => void): () => void {
  let sub: { dispose: () => void } | null = null;
  let done = false;
  void loadMonaco().then((monaco) => {
    if (!done) sub = monaco.editor.onDidCreateEditor(() => requestAnimationFrame(f));
  });
  return () => {
    done = true;
    sub?.dispose();
  };
}
