import { describe, expect, it } from 'vitest';
import { formatBytes, formatWhen } from './format';

describe('format', () => {
  it('formats sizes as file browsers do', () => {
    expect([0, 999, 1024, 1536, 10 * 1024, 5 * 1024 * 1024 + 1, 3 * 1024 ** 3].map(formatBytes)).toEqual([
      '0 B',
      '999 B',
      '1 KB',
      '1.5 KB',
      '10 KB',
      '5 MB',
      '3 GB',
    ]);
  });
  it('formats times relative to now', () => {
    const now = Date.parse('2026-03-02T12:00:00Z');
    expect(formatWhen('2026-03-02T11:59:30Z', now)).toBe('just now');
    expect(formatWhen('2026-03-02T11:55:00Z', now)).toBe('5 min ago');
    expect(formatWhen('2026-03-02T09:00:00Z', now)).toBe('3 h ago');
    expect(formatWhen('nonsense', now)).toBe('');
  });
});
