import { stripAnsi } from '../../../components/outputs/ansi';
import { joinText, pickMime } from '../../../components/outputs/mime';
import { sourceText, type Cell, type Output } from '../../../lib/nbformat';

/**
 * Notebook-wide find and replace (JupyterLab's search box) as pure functions: a query and its options → the matches in
 * document order (cell by cell, each cell's source before its outputs), and the sources a replacement produces.
 * Outputs are searched in the text the page shows for them and are never replaced (they are the kernel's).
 */
export interface FindOptions {
  caseSensitive: boolean;
  regex: boolean;
  wholeWord: boolean;
  /** Also search the cells' outputs (JupyterLab's "Search in cell outputs" filter). */
  outputs: boolean;
}

export interface FindMatch {
  cellId: string;
  cellIndex: number;
  /** null: the cell's source; n: its n-th output. */
  output: number | null;
  /** The n-th match inside that text (for finding it again in the page's rendering of it). */
  nth: number;
  start: number;
  end: number;
}

export type CompiledQuery = { ok: true; re: RegExp } | { ok: false; error: string };

const escapeRegex = (s: string) => s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');

/** The query as a global regular expression, or why it is not one. Empty queries are null. */
export function compileQuery(query: string, o: Pick<FindOptions, 'caseSensitive' | 'regex' | 'wholeWord'>) {
  if (!query) return null;
  let source = o.regex ? query : escapeRegex(query);
  if (o.wholeWord) source = `\\b(?:${source})\\b`;
  try {
    return { ok: true, re: new RegExp(source, `gm${o.caseSensitive ? '' : 'i'}`) } satisfies CompiledQuery;
  } catch (e) {
    return { ok: false, error: (e as Error).message } satisfies CompiledQuery;
  }
}

/** Non-empty matches of a global regex in `text`, as [start, end) offsets. */
export function matchesIn(text: string, re: RegExp): [number, number][] {
  const out: [number, number][] = [];
  re.lastIndex = 0;
  for (let m = re.exec(text); m; m = re.exec(text)) {
    if (m[0].length) out.push([m.index, m.index + m[0].length]);
    else re.lastIndex = m.index + 1; // an empty match (`^`, `a*`) is skipped, never looped on
  }
  return out;
}

/** What the page shows of an output as text (null for outputs drawn as images, frames or plots). */
export function outputText(o: Output): string | null {
  switch (o.output_type) {
    case 'stream':
      return stripAnsi(joinText(o.text));
    case 'error':
      return stripAnsi(o.traceback?.length ? o.traceback.join('\n') : `${o.ename}: ${o.evalue}`);
    case 'display_data':
    case 'execute_result': {
      const data = o.data ?? {};
      const mime = pickMime(data);
      if (mime === 'text/plain') return stripAnsi(joinText(data[mime]));
      if (mime === 'application/json') return JSON.stringify(data[mime], null, 2);
      return null;
    }
    default:
      return null;
  }
}

export function findMatches(cells: readonly Cell[], re: RegExp, o: Pick<FindOptions, 'outputs'>): FindMatch[] {
  const out: FindMatch[] = [];
  const add = (cell: Cell, cellIndex: number, output: number | null, text: string) =>
    matchesIn(text, re).forEach(([start, end], nth) =>
      out.push({ cellId: cell.id, cellIndex, output, nth, start, end }),
    );
  cells.forEach((cell, i) => {
    add(cell, i, null, sourceText(cell.source));
    if (o.outputs && cell.cell_type === 'code')
      cell.outputs.forEach((output, j) => {
        const text = outputText(output);
        if (text !== null) add(cell, i, j, text);
      });
  });
  return out;
}

/** Where a match is, for ordering and for staying near it when the matches are recomputed. */
export type FindPosition = Pick<FindMatch, 'cellIndex' | 'output' | 'start'>;

function compare(a: FindPosition, b: FindPosition): number {
  if (a.cellIndex !== b.cellIndex) return a.cellIndex - b.cellIndex;
  const ao = a.output ?? -1;
  const bo = b.output ?? -1;
  return ao !== bo ? ao - bo : a.start - b.start;
}

/** The index of the first match at or after `at` (wrapping to the first match), or -1 without matches. */
export function matchAtOrAfter(matches: readonly FindMatch[], at: FindPosition): number {
  if (!matches.length) return -1;
  const i = matches.findIndex((m) => compare(m, at) >= 0);
  return i < 0 ? 0 : i;
}

/** The next (delta 1) or previous (-1) match index, wrapping around as JupyterLab does. */
export const stepMatch = (count: number, current: number, delta: 1 | -1): number =>
  count ? (current < 0 ? (delta > 0 ? 0 : count - 1) : (current + delta + count) % count) : -1;

/**
 * `text` with the match at `start` replaced. The replacement may use `$1`, `$<name>`, `$&` when searching by regex
 * (else it is literal). The match is taken again at `start` with a sticky copy of the regex, so look-behinds and
 * anchors see the whole text.
 */
export function replaceAt(text: string, re: RegExp, start: number, replacement: string, regex: boolean): string {
  const sticky = new RegExp(re.source, re.flags.replace('g', '') + 'y');
  sticky.lastIndex = start;
  const m = sticky.exec(text);
  if (!m || !m[0].length) return text;
  sticky.lastIndex = start;
  return regex
    ? text.replace(sticky, replacement)
    : text.slice(0, start) + replacement + text.slice(start + m[0].length);
}

/** New sources for every cell whose source has matches (outputs are never replaced). */
export function replaceAllIn(
  cells: readonly Cell[],
  re: RegExp,
  replacement: string,
  regex: boolean,
): { cellId: string; source: string }[] {
  const edits: { cellId: string; source: string }[] = [];
  for (const cell of cells) {
    const text = sourceText(cell.source);
    const found = matchesIn(text, re);
    if (!found.length) continue;
    // From the last match back, so earlier offsets stay valid.
    let next = text;
    for (let k = found.length - 1; k >= 0; k--) next = replaceAt(next, re, found[k]![0], replacement, regex);
    if (next !== text) edits.push({ cellId: cell.id, source: next });
  }
  return edits;
}
