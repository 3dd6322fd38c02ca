import { execFileSync } from 'node:child_process';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import type { Notebook } from '../../contracts/nbformat';
import { inferFromSource, inferParameters } from './infer-parameters';

const PYTHON = path.resolve(__dirname, '../../../../kernels/.venv/bin/python');
const byName = (src: string) => Object.fromEntries(inferFromSource(src).map((s) => [s.name, s]));

describe('inferFromSource', () => {
  it('reads papermill-style literals with their types, defaults and help', () => {
    const s = byName(
      [
        'alpha = 0.05  # significance level',
        'n_paths = 10_000',
        'ccy = "EUR"',
        "note = 'it\\'s'",
        'verbose = False',
        'nothing = None',
        'hexed = 0xff',
        'neg = -3',
        'big = 123456789012345678901234567890',
        'tiny = 1e-300',
      ].join('\n'),
    );
    expect(s.alpha).toMatchObject({ type: 'float', default: 0.05, help: 'significance level', label: 'Alpha', nullable: false });
    expect(s.n_paths).toMatchObject({ type: 'int', default: 10000, label: 'N paths' });
    expect(s.ccy).toMatchObject({ type: 'str', default: 'EUR' });
    expect(s.note).toMatchObject({ type: 'str', default: "it's" });
    expect(s.verbose).toMatchObject({ type: 'bool', default: false });
    expect(s.nothing).toMatchObject({ type: 'any', default: null, nullable: true });
    expect(s.hexed).toMatchObject({ type: 'int', default: 255 });
    expect(s.neg).toMatchObject({ type: 'int', default: -3 });
    expect(s.big).toMatchObject({ type: 'int', default: '123456789012345678901234567890' });
    expect(s.tiny).toMatchObject({ type: 'float', default: 1e-300 });
  });

  it('reads multi-line lists and dicts, tuples and nested values', () => {
    const s = byName(
      [
        'tickers = [',
        '    "AAPL",  # apple',
        "    'MSFT',",
        ']',
        'weights = {',
        '    "AAPL": 0.6,',
        '    "MSFT": 0.4,',
        '}',
        'pair = (1, 2.5)',
        'nested = {"a": [1, {"b": None}], "c": (True,)}',
        'bare = 1, 2',
      ].join('\n'),
    );
    expect(s.tickers).toMatchObject({ type: 'list', default: ['AAPL', 'MSFT'] });
    expect(s.weights).toMatchObject({ type: 'dict', default: { AAPL: 0.6, MSFT: 0.4 } });
    expect(s.pair).toMatchObject({ type: 'list', default: [1, 2.5] });
    expect(s.nested).toMatchObject({ type: 'dict', default: { a: [1, { b: null }], c: [true] } });
    expect(s.bare).toMatchObject({ type: 'list', default: [1, 2] });
  });

  it('uses annotations: scalar, Optional, union, Literal choices, dates', () => {
    const s = byName(
      [
        'from datetime import date',
        'rate: float = 1',
        'limit: Optional[int] = None',
        'label: str | None = None',
        'mode: Literal["fast", "exact"] = "fast"',
        'as_of: date = "2024-01-31"',
        'start: datetime.date = date(2023, 12, 29)',
        'stamp: datetime = "2024-01-31T16:30:00"',
        'ids: list[int] = []',
        'cfg: Dict[str, float] = {}',
        'num: int | float = 3',
      ].join('\n'),
    );
    expect(s.rate).toMatchObject({ type: 'float', default: 1, annotation: 'float' });
    expect(s.limit).toMatchObject({ type: 'int', nullable: true, default: null });
    expect(s.label).toMatchObject({ type: 'str', nullable: true, default: null });
    expect(s.mode).toMatchObject({ type: 'choice', options: ['fast', 'exact'], default: 'fast' });
    expect(s.as_of).toMatchObject({ type: 'date', default: '2024-01-31' });
    expect(s.start).toMatchObject({ type: 'date', default: '2023-12-29' });
    expect(s.stamp).toMatchObject({ type: 'datetime', default: '2024-01-31T16:30:00' });
    expect(s.ids).toMatchObject({ type: 'list', default: [] });
    expect(s.cfg).toMatchObject({ type: 'dict', default: {} });
    expect(s.num).toMatchObject({ type: 'float', default: 3 });
    expect(s.date).toBeUndefined();
  });

  it('takes `# type: X` comments, keeping the rest as help', () => {
    const s = byName(['as_of = "2024-01-31"  # type: date  valuation date', 'when = "2024-01-31 08:00"  # type: datetime'].join('\n'));
    expect(s.as_of).toMatchObject({ type: 'date', default: '2024-01-31', help: 'valuation date' });
    expect(s.when).toMatchObject({ type: 'datetime', default: '2024-01-31T08:00:00' });
  });

  it('reads NaN/inf forms and keeps non-literal defaults as source only', () => {
    const s = byName(['a = float("nan")', 'b = -math.inf', "c = float('-inf')", 'd = np.nan', 'e = compute(1)', 'f: int = load()'].join('\n'));
    expect(s.a).toMatchObject({ type: 'float', default: 'nan' });
    expect(s.b).toMatchObject({ type: 'float', default: '-inf' });
    expect(s.c).toMatchObject({ type: 'float', default: '-inf' });
    expect(s.d).toMatchObject({ type: 'float', default: 'nan' });
    expect(s.e).toMatchObject({ type: 'any', defaultSource: 'compute(1)' });
    expect(s.e!.default).toBeUndefined();
    expect(s.f).toMatchObject({ type: 'int', defaultSource: 'load()' });
  });

  it('decodes string escapes, prefixes, concatenation and triple quotes', () => {
    const s = byName(
      [
        String.raw`a = "tab\there\x41\u00e9\U0001F600\101\\"`,
        String.raw`b = r"C:\new\table"`,
        'c = "one" \'two\'',
        'd = """multi',
        'line"""',
        'e = "\u00e9t\u00e9"',
      ].join('\n'),
    );
    expect(s.a!.default).toBe('tab\thereA\u00e9\u{1F600}A\\');
    expect(s.b!.default).toBe('C:\\new\\table');
    expect(s.c!.default).toBe('onetwo');
    expect(s.d!.default).toBe('multi\nline');
    expect(s.e!.default).toBe('\u00e9t\u00e9');
  });

  it('ignores what is not a top-level simple assignment', () => {
    const s = byName(
      [
        'import numpy as np',
        '# a comment',
        'x = y = 1',
        'x += 1',
        'if True:',
        '    inner = 1',
        'a, b = 1, 2',
        'obj.attr = 3',
        'def f(k=1): pass',
        'kept = 1',
        'kept = "two"',
      ].join('\n'),
    );
    expect(Object.keys(s)).toEqual(['kept']);
    expect(s.kept).toMatchObject({ type: 'str', default: 'two' });
  });

  it('drops a default that contradicts its annotation but keeps the parameter', () => {
    const s = byName('n: int = "ten"\nd: date = "31/01/2024"');
    expect(s.n).toMatchObject({ type: 'int', defaultSource: '"ten"' });
    expect(s.n!.default).toBeUndefined();
    expect(s.d!.default).toBeUndefined();
  });

  it('returns nothing for source that does not tokenize', () => {
    expect(inferFromSource('x = "unterminated')).toEqual([]);
  });
});

describe('inferParameters', () => {
  const nb = (cells: Notebook['cells']): Notebook => ({ nbformat: 4, nbformat_minor: 5, metadata: {}, cells });
  it('reads the first code cell tagged parameters', () => {
    const specs = inferParameters(
      nb([
        { id: 'a', cell_type: 'markdown', source: 'x = 1', metadata: { tags: ['parameters'] } },
        { id: 'b', cell_type: 'code', source: ['x = 1\n', 'y = 2'], metadata: { tags: ['parameters'] }, execution_count: null, outputs: [] },
        { id: 'c', cell_type: 'code', source: 'z = 3', metadata: { tags: ['parameters'] }, execution_count: null, outputs: [] },
      ]),
    );
    expect(specs.map((s) => s.name)).toEqual(['x', 'y']);
  });
  it('is empty without a parameters cell', () => {
    expect(inferParameters(nb([{ id: 'a', cell_type: 'code', source: 'x = 1', metadata: {}, execution_count: null, outputs: [] }]))).toEqual([]);
  });
});

describe('literal reading agrees with Python (kernels/.venv evaluates the same source)', () => {
  it('gives the same value for tricky literals', () => {
    const literals = [
      '0x_ff', '0o17', '0b1010', '1_000_000', '007.5', '.5', '5.', '1e-5', '1E+300', '-0.0', '+3', '- 4', '--5',
      '123456789012345678901234567890', '9007199254740993', '0.1', '2.5e-324',
      String.raw`'\a\b\f\v\0\x7f\u2028\U0001F600'`, String.raw`"\101\1012\8"`, String.raw`r'\'raw\''`, String.raw`R"C:\x"`,
      String.raw`u'\u00e9'`, "'a' \"b\" '''c'''", '"""x\\\ny"""', "'''it''s'''", '"\\\\"', "'\\q'",
      '[1, (2, 3), {"k": [None, True, False]}]', '(1,)', '()', '[]', '{}', '[1, 2,]', '{"a": 1, "a": 2}',
      '[\n  1,  # one\n  2,\n]', '{\n "x": (\n  1.5, -2\n )\n}', '"\u00e9\u0301"',
    ];
    const src = literals.map((l, i) => `v${i} = ${l}`).join('\n');
    const specs = Object.fromEntries(inferFromSource(src).map((s) => [s.name, s.default]));
    const py = [
      'import ast, json, math, sys',
      'def enc(v):',
      '    if isinstance(v, bool) or v is None: return v',
      '    if isinstance(v, int): return v if abs(v) <= 2**53 - 1 else str(v)',
      '    if isinstance(v, float): return "nan" if math.isnan(v) else ("inf" if v == math.inf else ("-inf" if v == -math.inf else v))',
      '    if isinstance(v, (list, tuple)): return [enc(x) for x in v]',
      '    if isinstance(v, dict): return {k: enc(x) for k, x in v.items()}',
      '    return v',
      'tree = ast.parse(sys.stdin.read())',
      "ev = lambda node: eval(compile(ast.Expression(node), '<literal>', 'eval'), {'__builtins__': {}})",
      'print(json.dumps({s.targets[0].id: enc(ev(s.value)) for s in tree.body}))',
    ].join('\n');
    const expected = JSON.parse(execFileSync(PYTHON, ['-W', 'ignore', '-c', py], { input: src }).toString()) as Record<string, unknown>;
    literals.forEach((l, i) => expect(specs[`v${i}`], l).toEqual(expected[`v${i}`]));
  });
});
