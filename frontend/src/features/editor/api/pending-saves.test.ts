import { afterEach, describe, expect, it, vi } from 'vitest';
import { clearExitSave, exitSaveBase, hasPendingSaves, noteExitSave, savesSettled, trackSave } from './pending-saves';

describe('pending saves', () => {
  afterEach(() => {
    vi.useRealTimers();
    sessionStorage.clear();
  });

  it('waits for every save of a notebook tracked meanwhile, and forgets them once ended (failed ones too)', async () => {
    let endFirst!: () => void;
    let failSecond!: (e: Error) => void;
    trackSave('nb', new Promise<void>((r) => (endFirst = r)));
    let settled = false;
    const wait = savesSettled('nb').then(() => (settled = true));
    trackSave(
      'nb',
      new Promise<void>((_, reject) => (failSecond = reject)).catch(() => undefined),
    );
    endFirst();
    await Promise.resolve();
    expect(settled).toBe(false);
    failSecond(new Error('409'));
    await wait;
    expect(hasPendingSaves('nb')).toBe(false);
  });

  it("notes a page-exit save's base version for the next load in this tab, for 10 s", () => {
    vi.useFakeTimers();
    noteExitSave('nb', 4);
    expect(exitSaveBase('nb')).toBe(4);
    expect(exitSaveBase('other')).toBeNull();
    vi.advanceTimersByTime(10_001);
    expect(exitSaveBase('nb')).toBeNull();
    noteExitSave('nb', 5);
    clearExitSave('nb');
    expect(exitSaveBase('nb')).toBeNull();
  });
});
