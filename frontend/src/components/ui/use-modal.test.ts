import { describe, expect, it } from 'vitest';
import { nextInCycle } from './use-modal';

describe('nextInCycle (Tab inside a modal)', () => {
  const items = ['search', 'select', 'cancel', 'save'];

  it('moves forward and backward between neighbours', () => {
    expect(nextInCycle(items, 'select', false)).toBe('cancel');
    expect(nextInCycle(items, 'select', true)).toBe('search');
  });

  it('wraps round at either end instead of leaving the dialog', () => {
    expect(nextInCycle(items, 'save', false)).toBe('search');
    expect(nextInCycle(items, 'search', true)).toBe('save');
  });

  it('comes back in from outside: Tab to the first, Shift+Tab to the last', () => {
    expect(nextInCycle(items, null, false)).toBe('search');
    expect(nextInCycle(items, 'the page behind', true)).toBe('save');
  });

  it('has nowhere to go in a dialog with nothing focusable', () => {
    expect(nextInCycle([], null, false)).toBeNull();
  });
});
