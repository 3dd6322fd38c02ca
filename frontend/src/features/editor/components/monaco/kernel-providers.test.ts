import { describe, expect, it } from 'vitest';
import { commonPrefix, tabCompletes } from './kernel-providers';

describe('Tab in a code cell (JupyterLab)', () => {
  it('indents when only whitespace precedes the cursor on its line', () => {
    expect(tabCompletes('')).toBe(false);
    expect(tabCompletes('    ')).toBe(false);
    expect(tabCompletes('\t ')).toBe(false);
  });

  it('completes after anything else, including after an operator or a space', () => {
    expect(tabCompletes('np.ar')).toBe(true);
    expect(tabCompletes('    x = ')).toBe(true);
    expect(tabCompletes('f(')).toBe(true);
  });
});

describe('commonPrefix', () => {
  it('is the longest prefix all matches share', () => {
    expect(commonPrefix(['path', 'pathsep', 'pardir'])).toBe('pa');
    expect(commonPrefix(['arange', 'array'])).toBe('ar');
    expect(commonPrefix(['only'])).toBe('only');
  });

  it('is empty without matches or when they share nothing', () => {
    expect(commonPrefix([])).toBe('');
    expect(commonPrefix(['abs', 'max'])).toBe('');
  });
});
