import { describe, expect, it } from 'vitest';
import { MAX_NOTEBOOK_NAME } from '../../../lib/contracts';
import { copyName } from './copy-notebook';

describe('copyName', () => {
  it('is "Copy of <name>"', () => {
    expect(copyName('Risk report')).toBe('Copy of Risk report');
  });

  it('stays within the longest name the API accepts', () => {
    const long = 'x'.repeat(MAX_NOTEBOOK_NAME);
    expect(copyName(long)).toHaveLength(MAX_NOTEBOOK_NAME);
    expect(copyName(long).startsWith('Copy of x')).toBe(true);
  });
});
