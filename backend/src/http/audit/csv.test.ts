import { describe, expect, it } from 'vitest';
import { csvCell, csvRow } from './csv';

describe('csv', () => {
  it('quotes every cell and doubles quotes; commas, newlines and CR stay inside the cell', () => {
    expect(csvRow(['a', 'b,c', 'say "hi"', 'two\nlines', 'cr\r\nlf', 3, true, null, undefined])).toBe(
      '"a","b,c","say ""hi""","two\nlines","cr\r\nlf","3","true","",""\r\n',
    );
  });

  it('defuses formulas: = + - @ tab and CR at the start get a leading quote', () => {
    for (const f of ['=HYPERLINK("http://evil","x")', '+1+1', '-2+3', '@SUM(A1)', '\t=1', '\r=1']) {
      expect(csvCell(f)).toBe(`"'${f.replace(/"/g, '""')}"`);
    }
    expect(csvCell('a=1')).toBe('"a=1"');
    expect(csvCell(-5)).toBe(`"'-5"`);
    expect(csvCell('')).toBe('""');
  });
});
