import { describe, expect, it } from 'vitest';
import type { Cell } from '../../../lib/nbformat';
import {
  compileQuery,
  findMatches,
  matchAtOrAfter,
  matchesIn,
  outputText,
  replaceAllIn,
  replaceAt,
  stepMatch,
} from './find';

const plain = { caseSensitive: false, regex: false, wholeWord: false };
const re = (q: string, o: Partial<typeof plain> = {}) => {
  const c = compileQuery(q, { ...plain, ...o });
  if (!c?.ok) throw new Error('no regex');
  return c.re;
};
const code = (id: string, source: string, outputs: Extract<Cell, { cell_type: 'code' }>['outputs'] = []): Cell => ({
  id,
  cell_type: 'code',
  source,
  metadata: {},
  execution_count: null,
  outputs,
});

describe('compileQuery', () => {
  it('takes the query literally unless regex is on', () => {
    expect(matchesIn('a.b axb', re('a.b'))).toEqual([[0, 3]]);
    expect(matchesIn('a.b axb', re('a.b', { regex: true }))).toEqual([
      [0, 3],
      [4, 7],
    ]);
  });

  it('ignores case unless asked, and matches whole words only when asked', () => {
    expect(matchesIn('Rate rate', re('rate'))).toHaveLength(2);
    expect(matchesIn('Rate rate', re('rate', { caseSensitive: true }))).toEqual([[5, 9]]);
    expect(matchesIn('rate rates irate', re('rate', { wholeWord: true }))).toEqual([[0, 4]]);
  });

  it('says why a regex is invalid, and is null for an empty query', () => {
    expect(compileQuery('(', { ...plain, regex: true })).toMatchObject({ ok: false });
    expect(compileQuery('', plain)).toBeNull();
  });

  it('skips empty matches instead of looping on them', () => {
    expect(matchesIn('abc', re('x*', { regex: true }))).toEqual([]);
    expect(matchesIn('aa\naa', re('^a', { regex: true }))).toEqual([
      [0, 1],
      [3, 4],
    ]);
  });
});

describe('findMatches', () => {
  const cells: Cell[] = [
    code('c1', 'price = 1\nprice += 2', [{ output_type: 'stream', name: 'stdout', text: ['price 3\n'] }]),
    { id: 'm1', cell_type: 'markdown', source: ['# Price'], metadata: {} },
    code('c2', 'x = 1', [
      { output_type: 'execute_result', execution_count: 1, metadata: {}, data: { 'text/plain': 'price' } },
      { output_type: 'display_data', metadata: {}, data: { 'text/html': '<b>price</b>', 'text/plain': 'price' } },
    ]),
  ];

  it('finds in every cell’s source, in document order', () => {
    const m = findMatches(cells, re('price'), { outputs: false });
    expect(m.map((x) => [x.cellId, x.output, x.start, x.nth])).toEqual([
      ['c1', null, 0, 0],
      ['c1', null, 10, 1],
      ['m1', null, 2, 0],
    ]);
  });

  it('with outputs, also in the text the page shows (a source’s matches before its outputs’)', () => {
    const m = findMatches(cells, re('price'), { outputs: true });
    expect(m.map((x) => [x.cellId, x.output])).toEqual([
      ['c1', null],
      ['c1', null],
      ['c1', 0],
      ['m1', null],
      ['c2', 0],
    ]);
    // The HTML output is drawn in a frame: its text/plain is not what the page shows, so it is not counted.
  });

  it('reads stream, error (without ANSI) and plain-text outputs', () => {
    expect(outputText({ output_type: 'error', ename: 'E', evalue: 'v', traceback: ['\u001b[31mBoom\u001b[0m'] })).toBe(
      'Boom',
    );
    expect(outputText({ output_type: 'stream', name: 'stderr', text: ['a', 'b'] })).toBe('ab');
    expect(outputText({ output_type: 'display_data', metadata: {}, data: { 'image/png': 'iVBOR' } })).toBeNull();
  });
});

describe('moving between matches', () => {
  const m = findMatches([code('a', 'x x'), code('b', 'x')], re('x'), { outputs: false });

  it('starts at the first match at or after a position, wrapping to the first', () => {
    expect(matchAtOrAfter(m, { cellIndex: 0, output: null, start: 1 })).toBe(1);
    expect(matchAtOrAfter(m, { cellIndex: 1, output: null, start: 0 })).toBe(2);
    expect(matchAtOrAfter(m, { cellIndex: 1, output: null, start: 5 })).toBe(0);
    expect(matchAtOrAfter([], { cellIndex: 0, output: null, start: 0 })).toBe(-1);
  });

  it('steps forward and back with wrap-around', () => {
    expect(stepMatch(3, 2, 1)).toBe(0);
    expect(stepMatch(3, 0, -1)).toBe(2);
    expect(stepMatch(3, -1, -1)).toBe(2);
    expect(stepMatch(0, -1, 1)).toBe(-1);
  });
});

describe('replace', () => {
  it('replaces one match at its offset, literally or with regex groups', () => {
    expect(replaceAt('a1 a2', re('a'), 3, 'b', false)).toBe('a1 b2');
    expect(replaceAt('a1 a2', re('a(\\d)', { regex: true }), 3, '<$1>', true)).toBe('a1 <2>');
    // Literal replacement text keeps its dollars.
    expect(replaceAt('cost', re('cost'), 0, '$&$1', false)).toBe('$&$1');
  });

  it('sees the whole text for look-behinds', () => {
    expect(replaceAt('xa ya', re('(?<=y)a', { regex: true }), 4, 'b', true)).toBe('xa yb');
  });

  it('replace all changes sources only, every match, and leaves cells without matches alone', () => {
    const cells = [
      code('a', 'rate = rate * 2', [{ output_type: 'stream', name: 'stdout', text: ['rate'] }]),
      code('b', 'nothing'),
    ];
    expect(replaceAllIn(cells, re('rate'), 'r', false)).toEqual([{ cellId: 'a', source: 'r = r * 2' }]);
    expect(replaceAllIn(cells, re('(r)ate', { regex: true }), '$1$1', true)).toEqual([
      { cellId: 'a', source: 'rr = rr * 2' },
    ]);
  });
});
