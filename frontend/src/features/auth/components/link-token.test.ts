import { describe, expect, it } from 'vitest';
import { tokenFromFragment } from './link-token';

describe('tokenFromFragment (the secret of a set-password link)', () => {
  it('reads the fragment, without its #, decoded', () => {
    expect(tokenFromFragment('#abc_DEF-123')).toBe('abc_DEF-123');
    expect(tokenFromFragment('#a%2Bb')).toBe('a+b');
  });

  it('gives an empty secret for no fragment or a mangled one, instead of throwing', () => {
    expect(tokenFromFragment('')).toBe('');
    expect(tokenFromFragment('#')).toBe('');
    expect(tokenFromFragment('#abc%E0%A4%A')).toBe('');
    expect(tokenFromFragment('#100%')).toBe('');
  });
});
