import { describe, expect, it } from 'vitest';
import { DomainError } from '../../errors';
import { inferFromSource } from './infer-parameters';
import type { ParamSpec } from './param-types';
import { toJson } from './param-types';
import { canonicalJson, MAX_STRING_CHARS, validateParams } from './validate-params';

const specs = inferFromSource(
  [
    'n: int = 10',
    'rate = 0.5',
    'ccy = "EUR"',
    'flag = True',
    'as_of: date = "2024-01-31"',
    'stamp: datetime = "2024-01-31T00:00:00"',
    'tickers = ["A"]',
    'cfg = {"a": 1}',
    'anything = None',
    'maybe: Optional[int] = None',
    'mode: Literal["fast", "exact"] = "fast"',
  ].join('\n'),
);

function reject(values: unknown, list: ParamSpec[] = specs): DomainError {
  try {
    validateParams(list, values);
  } catch (e) {
    if (e instanceof DomainError) return e;
    throw e;
  }
  throw new Error(`accepted ${JSON.stringify(values)}`);
}

describe('validateParams', () => {
  it('types each accepted JSON form', () => {
    const v = validateParams(specs, {
      n: 3,
      rate: 2,
      ccy: 'USD',
      flag: false,
      as_of: '2024-02-29',
      stamp: '2024-03-01T12:30:15.25+01:00',
      tickers: ['B', 1, 1.5, null, [true]],
      cfg: { x: { y: [] } },
      anything: 'whatever',
      maybe: null,
      mode: 'exact',
    });
    expect(v.n).toEqual({ t: 'int', v: 3n });
    expect(v.rate).toEqual({ t: 'float', v: 2 });
    expect(v.as_of).toEqual({ t: 'date', y: 2024, m: 2, d: 29 });
    expect(toJson(v.stamp!)).toBe('2024-03-01T12:30:15.250000+01:00');
    expect(toJson(v.tickers!)).toEqual(['B', 1, 1.5, null, [true]]);
    expect(v.tickers).toMatchObject({ items: [{ t: 'str' }, { t: 'int' }, { t: 'float' }, { t: 'none' }, { t: 'list' }] });
    expect(v.maybe).toEqual({ t: 'none' });
    expect(v.mode).toEqual({ t: 'str', v: 'exact' });
  });

  it('accepts big ints as decimal strings and non-finite floats by name', () => {
    const v = validateParams(specs, { n: '-123456789012345678901234567890', rate: '-Infinity' });
    expect(v.n).toEqual({ t: 'int', v: -123456789012345678901234567890n });
    expect(v.rate).toEqual({ t: 'float', v: -Infinity });
    expect(validateParams(specs, { rate: 'NaN' }).rate!).toMatchObject({ t: 'float' });
  });

  it('returns only the values given; none and undefined mean no params', () => {
    expect(validateParams(specs, {})).toEqual({});
    expect(validateParams(specs, undefined)).toEqual({});
  });

  it.each([
    [{ n: 1.5 }, 'n', 'expected an integer'],
    [{ n: '12abc' }, 'n', 'expected an integer'],
    [{ n: 2 ** 60 }, 'n', 'expected an integer'],
    [{ rate: 'fast' }, 'rate', 'expected a number'],
    [{ ccy: 5 }, 'ccy', 'expected a string, got an integer'],
    [{ ccy: null }, 'ccy', 'must not be null'],
    [{ flag: 'true' }, 'flag', 'expected true or false'],
    [{ as_of: '2023-02-29' }, 'as_of', 'not a valid date'],
    [{ as_of: '2024-1-31' }, 'as_of', 'not a valid date'],
    [{ stamp: '2024-01-31T25:00' }, 'stamp', 'not a valid ISO-8601'],
    [{ tickers: 'A' }, 'tickers', 'expected a list'],
    [{ cfg: [] }, 'cfg', 'expected an object'],
    [{ mode: 'slow' }, 'mode', 'not one of the options'],
    [{ maybe: 'x' }, 'maybe', 'expected an integer or null'],
  ])('rejects %j naming %s', (values, param, message) => {
    const e = reject(values);
    expect(e.status).toBe(400);
    expect(e.message).toContain(`"${param}"`);
    expect(e.message).toContain(message);
    expect(e.details).toMatchObject({ param });
  });

  it('rejects unknown and unsafe names, and non-object params', () => {
    expect(reject({ nope: 1 }).message).toContain('Unknown parameter "nope"');
    expect(reject({ 'x; import os': 1 }).details).toMatchObject({ param: 'x; import os' });
    expect(reject(JSON.parse('{"__proto__": 1}')).message).toContain('Unknown parameter "__proto__"');
    const proto: ParamSpec[] = inferFromSource('__proto__ = 1');
    expect(Object.keys(validateParams(proto, JSON.parse('{"__proto__": 2}')))).toEqual(['__proto__']);
    expect(reject([1, 2]).details).toEqual({ field: 'params' });
    expect(reject('n=1').status).toBe(400);
  });

  it('enforces min, max and step, for numbers and dates', () => {
    const bounded: ParamSpec[] = [
      { name: 'k', type: 'int', defaultSource: '5', label: 'K', nullable: false, required: true, min: 0, max: 10, step: 5 },
      { name: 'x', type: 'float', defaultSource: '0', label: 'X', nullable: false, required: false, min: -1, max: 1 },
      { name: 'd', type: 'date', defaultSource: '', label: 'D', nullable: false, required: false, min: '2024-01-01', max: '2024-12-31' },
    ];
    expect(validateParams(bounded, { k: 10, x: 1, d: '2024-12-31' }).k).toEqual({ t: 'int', v: 10n });
    expect(reject({ k: 11 }, bounded).message).toContain('"k": must be at most 10');
    expect(reject({ k: -5 }, bounded).message).toContain('at least 0');
    expect(reject({ k: 3 }, bounded).message).toContain('multiple of 5');
    expect(reject({ k: 5, x: 'nan' }, bounded).message).toContain('"x"');
    expect(reject({ k: 5, x: 'inf' }, bounded).message).toContain('at most 1');
    expect(reject({ k: 5, d: '2023-12-31' }, bounded).message).toContain('"d": must be at least 2024-01-01');
    expect(reject({}, bounded).message).toBe('Parameter "k" is required.');
  });

  it('limits string length, nesting depth and non-plain values', () => {
    expect(reject({ ccy: 'x'.repeat(MAX_STRING_CHARS + 1) }).message).toContain('longer than');
    let deep: unknown = 1;
    for (let i = 0; i < 40; i++) deep = [deep];
    expect(reject({ tickers: deep }).message).toContain('nested more than');
    expect(reject({ anything: new Date() }).message).toContain('unsupported value');
  });

  it('multichoice takes distinct options', () => {
    const mc: ParamSpec[] = [{ name: 'm', type: 'multichoice', defaultSource: '', label: 'M', nullable: false, required: false, options: ['a', 'b', 1] }];
    expect(toJson(validateParams(mc, { m: ['b', 1] }).m!)).toEqual(['b', 1]);
    expect(reject({ m: ['a', 'a'] }, mc).message).toContain('repeat');
    expect(reject({ m: ['c'] }, mc).message).toContain('not one of the options');
  });
});

describe('canonicalJson', () => {
  it('sorts keys at every level', () => {
    expect(canonicalJson({ b: 1, a: { d: [1, { z: 1, y: 2 }], c: null } })).toBe('{"a":{"c":null,"d":[1,{"y":2,"z":1}]},"b":1}');
  });
});
