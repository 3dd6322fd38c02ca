import { execFileSync } from 'node:child_process';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { codeCell as code, notebookOf } from '../../notebooks/testing/notebook-builders';
import { injectParameters } from './inject-parameters';
import type { PyValue } from './param-types';
import { pyFloat, pyString, renderInjectedCell } from './render-injected-cell';
import { validateParams } from './validate-params';
import { inferFromSource } from './infer-parameters';

const PYTHON = path.resolve(__dirname, '../../../../kernels/.venv/bin/python');

/** Runs the rendered cell in a real Python and reads each value back as JSON (ensure_ascii keeps bytes exact). */
function roundTrip(values: Record<string, PyValue>): Record<string, unknown> {
  const code = renderInjectedCell(values);
  const names = Object.keys(values);
  const script = `import json, math, sys\nsrc = sys.stdin.read()\nns = {}\nexec(compile(src, "<injected>", "exec"), ns)\nenc = lambda v: v.isoformat() if hasattr(v, "isoformat") else ("nan" if isinstance(v, float) and math.isnan(v) else (str(v) if type(v) is int and abs(v) > 2**53 else v))\nprint(json.dumps({k: (lambda v: [enc(x) for x in v] if isinstance(v, list) else enc(v))(ns[k]) for k in ${JSON.stringify(names)}}, ensure_ascii=True, allow_nan=True))\nprint(sorted(k for k in ns if k != "__builtins__"))`;
  const out = execFileSync(PYTHON, ['-c', script], { input: code, maxBuffer: 64 * 1024 * 1024 }).toString().split('\n');
  const globalsLeft = out[1];
  expect(globalsLeft).toBe(`[${names.sort().map((n) => `'${n}'`).join(', ')}]`);
  return JSON.parse(out[0]!.replace(/\bNaN\b/g, '"nan"').replace(/-Infinity\b/g, '"-inf"').replace(/\bInfinity\b/g, '"inf"'));
}

const str = (v: string): PyValue => ({ t: 'str', v });

describe('pyString', () => {
  it('escapes quotes, backslashes, controls and separators; keeps printable unicode', () => {
    expect(pyString(`it's a "test" \\ \n\r\t\0\u2028\u00a0é€😀`)).toBe(
      `'it\\'s a "test" \\\\ \\n\\r\\t\\x00\\u2028\\xa0é€😀'`,
    );
    expect(pyString('\ud800x\udfff')).toBe("'\\ud800x\\udfff'");
  });
});

describe('pyFloat', () => {
  it('always reads back as the same float', () => {
    expect([1, -0, 0.1, 1e21, 5e-324, NaN, Infinity, -Infinity, 1.7976931348623157e308].map(pyFloat)).toEqual([
      '1.0', '-0.0', '0.1', '1e+21', '5e-324', "float('nan')", "float('inf')", "float('-inf')", '1.7976931348623157e+308',
    ]);
  });
});

describe('renderInjectedCell in a real Python', () => {
  it('round-trips hostile strings exactly and executes none of them', () => {
    const hostile = [
      `"; import os; os.system('touch /tmp/pwned')`,
      `'''; raise SystemExit #`,
      '\\',
      'trailing backslash\\',
      'line1\nline2\r\nline3\rline4',
      '\u2028\u2029\u0085\u000b\u000c\u001c',
      'nul\u0000byte',
      '\ud83d\ude00 \ud800 lone \udc00',
      'Zürich €100 日本語 \u200b\u200e\u202e rtl',
      '{x}{{}}%s\\N{BULLET}\\x41',
      '\u0301combining first',
    ];
    const values: Record<string, PyValue> = Object.fromEntries(hostile.map((s, i) => [`s${i}`, str(s)]));
    const back = roundTrip(values);
    hostile.forEach((s, i) => expect(back[`s${i}`]).toBe(s));
  });

  it('round-trips random code units (10k chars) exactly', () => {
    let seed = 42;
    const rand = () => ((seed = (seed * 1103515245 + 12345) % 2 ** 31) / 2 ** 31);
    const s = Array.from({ length: 10_000 }, () => String.fromCharCode(Math.floor(rand() * 0x10000))).join('');
    expect(roundTrip({ r: str(s) }).r).toBe(s);
  });

  it('round-trips numbers, dates, nested values and keeps the notebook\'s datetime name', () => {
    const specs = inferFromSource(
      'i = 1\nbig = 1\nf = 1.5\nnan = 1.0\nninf = 1.0\nd: date = "2024-01-01"\nt: datetime = "2024-01-01"\nl = []\nm = {}\nnone: Optional[str] = "x"\nb = True',
    );
    const values = validateParams(specs, {
      i: -7,
      big: '123456789012345678901234567890',
      f: 0.1,
      nan: 'nan',
      ninf: '-inf',
      d: '2024-02-29',
      t: '2024-02-29T23:59:59.000001-05:30',
      l: [1, 'two', [3.5, null], { k: false }],
      m: { "a'b": { '\n': [] } },
      none: null,
      b: false,
    });
    const back = roundTrip(values);
    expect(back).toEqual({
      i: -7,
      big: '123456789012345678901234567890',
      f: 0.1,
      nan: 'nan',
      ninf: '-inf',
      d: '2024-02-29',
      t: '2024-02-29T23:59:59.000001-05:30',
      l: [1, 'two', [3.5, null], { k: false }],
      m: { "a'b": { '\n': [] } },
      none: null,
      b: false,
    });
    const code = renderInjectedCell(values);
    expect(code).toContain("d = _folio_datetime.date(2024, 2, 29)");
    expect(code.split('\n')[0]).toBe('# Parameters');
  });

  it('refuses to render unsafe names', () => {
    expect(() => renderInjectedCell({ 'x=1;import os;y': str('') })).toThrow(/refusing/);
    expect(() => renderInjectedCell({ class: str('') })).toThrow(/refusing/);
  });
});

describe('injectParameters', () => {

  it('inserts after the parameters cell, replacing an old injected cell, without touching the input', () => {
    const input = notebookOf([
      code('a', 'import x'),
      code('p', 'n = 1', ['parameters']),
      code('injected-parameters', '# Parameters\nn = 5\n', ['injected-parameters']),
      code('z', 'print(n)'),
    ]);
    const copy = structuredClone(input);
    const out = injectParameters(input, { n: { t: 'int', v: 2n } });
    expect(input).toEqual(copy);
    expect(out.cells.map((c) => c.id)).toEqual(['a', 'p', 'injected-parameters', 'z']);
    expect(out.cells[2]).toMatchObject({ source: '# Parameters\nn = 2\n', metadata: { tags: ['injected-parameters'] }, cell_type: 'code' });
    expect(out.metadata).toEqual(input.metadata);
  });

  it('goes first without a parameters cell, picks a free id, and injects nothing for no values', () => {
    const input = notebookOf([code('injected-parameters', 'x = 1'), code('b', 'y')]);
    const out = injectParameters(input, { n: { t: 'int', v: 1n } });
    expect(out.cells.map((c) => c.id)).toEqual(['injected-parameters-2', 'injected-parameters', 'b']);
    const cleaned = injectParameters(notebookOf([code('p', 'n = 1', ['parameters']), code('i', 'n = 9', ['injected-parameters'])]), {});
    expect(cleaned.cells.map((c) => c.id)).toEqual(['p']);
  });
});
