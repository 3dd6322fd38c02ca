import { describe, expect, it } from 'vitest';
import { completionTypes } from './introspection';

describe('completionTypes', () => {
  it("gives each match IPython's type, null where it has none or says '<unknown>'", () => {
    const metadata = {
      _jupyter_types_experimental: [
        { start: 3, end: 6, text: 'path', type: 'module', signature: '' },
        { start: 3, end: 6, text: 'pathsep', type: '<unknown>', signature: '' },
        { start: 3, end: 6, text: 'getcwd', type: 'function', signature: '()' },
      ],
    };
    expect(completionTypes(['path', 'pathsep', 'getcwd', 'other'], metadata)).toEqual([
      'module',
      null,
      'function',
      null,
    ]);
  });

  it('is undefined when the kernel sends no types (other kernels, IPython without jedi)', () => {
    expect(completionTypes(['a'], {})).toBeUndefined();
    expect(completionTypes(['a'], undefined)).toBeUndefined();
    expect(completionTypes(['a'], { _jupyter_types_experimental: 'nope' })).toBeUndefined();
  });

  it('ignores malformed entries', () => {
    expect(
      completionTypes(['a'], { _jupyter_types_experimental: [null, { text: 'a' }, { text: 'a', type: 1 }] }),
    ).toEqual([null]);
  });
});
