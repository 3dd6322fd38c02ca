import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { kernelStateOf, watchLiveness, type KernelState } from './liveness';

describe('watchLiveness', () => {
  beforeEach(() => vi.useFakeTimers());
  afterEach(() => vi.useRealTimers());

  function watch(states: Array<KernelState | Error>) {
    const onLost = vi.fn();
    const probe = vi.fn(async () => {
      const s = states.shift() ?? 'busy';
      if (s instanceof Error) throw s;
      return s;
    });
    const stop = watchLiveness({ probe, onLost, intervalMs: 1000, idleProbes: 2 });
    return { onLost, probe, stop };
  }

  it('says nothing while the kernel is busy or starting', async () => {
    const { onLost, stop } = watch(['starting', 'busy', 'busy', 'other']);
    await vi.advanceTimersByTimeAsync(5000);
    expect(onLost).not.toHaveBeenCalled();
    stop();
  });

  it('reports a kernel the server no longer has, or reports dead, at once', async () => {
    const gone = watch(['busy', 'gone']);
    await vi.advanceTimersByTimeAsync(2000);
    expect(gone.onLost).toHaveBeenCalledWith('gone');
    const dead = watch(['dead']);
    await vi.advanceTimersByTimeAsync(1000);
    expect(dead.onLost).toHaveBeenCalledWith('dead');
  });

  it('reports idle only after consecutive idle probes (a reply may be in flight on the first)', async () => {
    const { onLost, probe } = watch(['idle', 'busy', 'idle', 'idle', 'idle']);
    await vi.advanceTimersByTimeAsync(3000);
    expect(onLost).not.toHaveBeenCalled();
    await vi.advanceTimersByTimeAsync(1000);
    expect(onLost).toHaveBeenCalledOnce();
    expect(onLost).toHaveBeenCalledWith('idle');
    await vi.advanceTimersByTimeAsync(5000);
    expect(probe).toHaveBeenCalledTimes(4); // stopped after reporting
  });

  it('ignores failed probes and stops probing when stopped', async () => {
    const { onLost, probe, stop } = watch([new Error('ECONNRESET'), new Error('ECONNRESET'), 'busy']);
    await vi.advanceTimersByTimeAsync(3000);
    expect(onLost).not.toHaveBeenCalled();
    stop();
    await vi.advanceTimersByTimeAsync(5000);
    expect(probe).toHaveBeenCalledTimes(3);
  });
});

describe('kernelStateOf', () => {
  it('maps the server model', () => {
    expect(kernelStateOf(undefined)).toBe('gone');
    expect(kernelStateOf({ execution_state: 'idle' })).toBe('idle');
    expect(kernelStateOf({ execution_state: 'restarting' })).toBe('other');
    expect(kernelStateOf({})).toBe('other');
  });
});
