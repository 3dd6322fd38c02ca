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

describe('watchLiveness: an unreachable Jupyter Server', () => {
  beforeEach(() => vi.useFakeTimers());
  afterEach(() => vi.useRealTimers());

  const refused = () => new Error('ECONNREFUSED');

  function watch(states: Array<KernelState | Error | 'hang'>) {
    const onLost = vi.fn();
    const probe = vi.fn(() => {
      const s = states.shift() ?? 'busy';
      if (s === 'hang') return new Promise<KernelState>(() => undefined);
      return s instanceof Error ? Promise.reject(s) : Promise.resolve(s);
    });
    const stop = watchLiveness({ probe, onLost, intervalMs: 1000, failedProbes: 3, probeTimeoutMs: 500 });
    return { onLost, probe, stop };
  }

  it('counts consecutive failed probes as the server being unreachable', async () => {
    const { onLost, probe } = watch([refused(), refused(), refused(), 'busy']);
    await vi.advanceTimersByTimeAsync(2000);
    expect(onLost).not.toHaveBeenCalled();
    await vi.advanceTimersByTimeAsync(1000);
    expect(onLost).toHaveBeenCalledExactlyOnceWith('unreachable');
    await vi.advanceTimersByTimeAsync(5000);
    expect(probe).toHaveBeenCalledTimes(3); // stopped after reporting
  });

  it('starts counting again after a probe that answers', async () => {
    const { onLost, stop } = watch([refused(), refused(), 'busy', refused(), refused(), 'busy']);
    await vi.advanceTimersByTimeAsync(8000);
    expect(onLost).not.toHaveBeenCalled();
    stop();
  });

  it('counts a probe that never answers as failed', async () => {
    const { onLost } = watch(['hang', 'hang', 'hang']);
    await vi.advanceTimersByTimeAsync(2000);
    expect(onLost).not.toHaveBeenCalled();
    // 1st probe at 1 s times out at 1.5 s; the 2nd starts at 2 s, the 3rd at 3 s and times out at 3.5 s.
    await vi.advanceTimersByTimeAsync(1500);
    expect(onLost).toHaveBeenCalledExactlyOnceWith('unreachable');
  });

  it('reports a kernel gone after failed probes as unreachable (the server came back without it)', async () => {
    const { onLost } = watch([refused(), 'gone']);
    await vi.advanceTimersByTimeAsync(2000);
    expect(onLost).toHaveBeenCalledExactlyOnceWith('unreachable');
  });

  it('reports a kernel gone while the client reconnects its dropped socket as unreachable; gone otherwise', async () => {
    const lost = async (reconnecting: boolean) => {
      const onLost = vi.fn();
      watchLiveness({ probe: async () => 'gone', onLost, intervalMs: 1000, reconnecting: () => reconnecting });
      await vi.advanceTimersByTimeAsync(1000);
      return onLost.mock.calls;
    };
    expect(await lost(true)).toEqual([['unreachable']]);
    expect(await lost(false)).toEqual([['gone']]);
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
