import { describe, expect, it } from 'vitest';
import type { Output } from '../../contracts/nbformat';
import { CellOutputs } from './cell-outputs';
import { fromCodePoints, toCodePoints } from './code-points';

const stream = (text: string): Output => ({ output_type: 'stream', name: 'stdout', text });

function outputs(throttleMs: number) {
  let clock = Date.parse('2025-01-01T00:00:00Z');
  const sent: Array<[string, Output[]]> = [];
  const cells = new CellOutputs({
    maxOutputBytes: 1024 * 1024,
    throttleMs,
    now: () => clock,
    send: (cellId, o) => sent.push([cellId, structuredClone(o)]),
  });
  return { cells, sent, advance: (ms: number) => (clock += ms) };
}

describe('CellOutputs', () => {
  it('sends the first change at once, holds later ones until flush, and flush sends the latest state', () => {
    const { cells, sent } = outputs(60_000);
    const model = cells.begin('a');
    model.add(stream('one\n'));
    expect(sent).toEqual([['a', [{ output_type: 'stream', name: 'stdout', text: 'one\n' }]]]);
    model.add(stream('two\n'));
    model.add(stream('three\n'));
    expect(sent).toHaveLength(1); // throttled
    cells.flush('a');
    expect(sent).toHaveLength(2);
    expect(sent[1]).toEqual(['a', [{ output_type: 'stream', name: 'stdout', text: 'one\ntwo\nthree\n' }]]);
    cells.flush('a');
    expect(sent).toHaveLength(2); // nothing pending: nothing sent
  });

  it('sends again at once once the throttle interval has passed', () => {
    const { cells, sent, advance } = outputs(50);
    const model = cells.begin('a');
    model.add(stream('one\n'));
    advance(50);
    model.add(stream('two\n'));
    expect(sent).toHaveLength(2);
  });

  it('reset drops what is pending', () => {
    const { cells, sent } = outputs(60_000);
    const model = cells.begin('a');
    model.add(stream('one\n'));
    model.add(stream('two\n'));
    cells.reset();
    cells.flush('a');
    expect(sent).toHaveLength(1);
  });
});

describe('code points', () => {
  it('converts UTF-16 offsets to code points and back around astral characters', () => {
    const text = 's = "😀"; import o';
    expect(text.length).toBe(18);
    expect(toCodePoints(text, 18)).toBe(17);
    expect(fromCodePoints(text, 17)).toBe(18);
    expect(toCodePoints(text, 99)).toBe(17);
    expect(fromCodePoints('abc', 2)).toBe(2);
  });
});
