import { describe, expect, it } from 'vitest';
import { formatAgo, formatBytes } from './format';

describe('Running kernels formatting', () => {
  it('says how long ago, from seconds to hours', () => {
    const now = Date.parse('2025-01-01T12:00:00Z');
    expect(formatAgo('2025-01-01T11:59:48Z', now)).toBe('12 s ago');
    expect(formatAgo('2025-01-01T11:55:00Z', now)).toBe('5 min ago');
    expect(formatAgo('2025-01-01T09:00:00Z', now)).toBe('3 h ago');
    expect(formatAgo(null, now)).toBe('—');
    expect(formatAgo('2025-01-01T12:00:03Z', now)).toBe('0 s ago'); // clock skew: never "in the future"
  });

  it('shows memory in MB or GB, and a dash when unknown', () => {
    expect(formatBytes(5.5 * 1024 * 1024)).toBe('5.5 MB');
    expect(formatBytes(125 * 1024 * 1024)).toBe('125 MB');
    expect(formatBytes(1.25 * 1024 ** 3)).toBe('1.3 GB');
    expect(formatBytes(null)).toBe('—');
  });
});
