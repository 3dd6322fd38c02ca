import { describe, expect, it } from 'vitest';
import {
  chdirCode,
  checked,
  fileInWorkdir,
  liveWorkdir,
  pythonString,
  runWorkdir,
  UnsafeWorkdirError,
  type WorkdirPath,
} from './workdir-path';

/** The chdir code a kernel runs is made from server ids only; nothing hostile gets into it or out of its folder. */
const HOSTILE = [
  '',
  '..',
  '../x',
  'a/b',
  '/etc',
  'a\\b',
  '-rf',
  '_x',
  'x") ; import os; os.system("id',
  "x'); __import__('os').system('id'); ('",
  'x\nimport os',
  'x\u0000',
  'x\u2028y',
  'ｘ', // a fullwidth letter (NFKC would fold it to x)
  '%2e%2e',
  'a'.repeat(129),
];

describe('working directory paths', () => {
  it('are made from ids of letters, digits, - and _ only', () => {
    expect(runWorkdir('6f1c0a52-2b0e-4c55-9d8e-1a2b3c4d5e6f')).toBe('folio-runs/6f1c0a52-2b0e-4c55-9d8e-1a2b3c4d5e6f');
    expect(liveWorkdir('s0a1b2c3', 'k_1')).toBe('folio-live/s0a1b2c3/k_1');
    for (const id of HOSTILE) {
      expect(() => runWorkdir(id), JSON.stringify(id)).toThrow(UnsafeWorkdirError);
      expect(() => liveWorkdir(id, 'k'), JSON.stringify(id)).toThrow(UnsafeWorkdirError);
      expect(() => liveWorkdir('s', id), JSON.stringify(id)).toThrow(UnsafeWorkdirError);
    }
  });

  it('the chdir code is the fixed call with the path as a string literal, and refuses any other path', () => {
    expect(chdirCode(runWorkdir('r1'))).toBe(
      '__import__("os").makedirs("folio-runs/r1", exist_ok=True); __import__("os").chdir("folio-runs/r1")',
    );
    for (const p of HOSTILE.map((h) => `folio-runs/${h}`).concat([
      'folio-runs',
      'folio-runs/a/b',
      'elsewhere/a',
      'folio-live/a',
    ])) {
      expect(() => chdirCode(p as WorkdirPath), JSON.stringify(p)).toThrow(UnsafeWorkdirError);
      expect(() => checked(p), JSON.stringify(p)).toThrow(UnsafeWorkdirError);
    }
  });

  it('encodes any string as a Python literal that evaluates to the same string', () => {
    // JSON's escapes are Python's: a quote or a newline stays inside the literal.
    expect(pythonString('a"b\\c\nd\u0000e\u2028')).toBe('"a\\"b\\\\c\\nd\\u0000e\u2028"');
    for (const s of HOSTILE) expect(JSON.parse(pythonString(s))).toBe(s);
  });

  it('keeps a file inside its working directory', () => {
    const dir = runWorkdir('r1');
    expect(fileInWorkdir(dir, 'data/x.txt')).toBe('folio-runs/r1/data/x.txt');
    expect(fileInWorkdir(dir, '.env')).toBe('folio-runs/r1/.env');
    for (const p of ['', '/etc/passwd', '../x', 'a/../../x', 'a/./b', 'a//b', 'a/', 'a\\..\\b', 'a\u0000', '..']) {
      expect(() => fileInWorkdir(dir, p), JSON.stringify(p)).toThrow(UnsafeWorkdirError);
    }
  });
});
