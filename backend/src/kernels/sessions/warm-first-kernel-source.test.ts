import { describe, expect, it } from 'vitest';
import type { PooledKernel } from '../pooled-kernel';
import { WarmFirstKernelSource } from './warm-first-kernel-source';

/** Pure routing logic: fake pools that hand out labelled kernels and record what comes back. */
function fakePool(name: string, idle: number) {
  let n = 0;
  const released: Array<{ id: string; discard?: boolean }> = [];
  return {
    released,
    take: () => (idle > 0 ? ((idle -= 1), { id: `${name}-${++n}` } as PooledKernel) : undefined),
    async acquire() {
      if (name === 'warm') throw new Error('live editing never waits on the warm pool');
      return { id: `${name}-${++n}` } as PooledKernel;
    },
    release(k: PooledKernel, opts?: { discard?: boolean }) {
      released.push({ id: k.id, discard: opts?.discard });
    },
  };
}

describe('WarmFirstKernelSource', () => {
  it('takes warm kernels while there are idle ones, then starts kernels on demand, without a cap', async () => {
    const warm = fakePool('warm', 1);
    const onDemand = fakePool('demand', 0);
    const source = new WarmFirstKernelSource(warm, onDemand);
    const kernels = await Promise.all([source.acquire(1000), source.acquire(1000), source.acquire(1000)]);
    expect(kernels.map((k) => k.id).sort()).toEqual(['demand-1', 'demand-2', 'warm-1']);
  });

  it('gives each kernel back to the pool it came from, once', async () => {
    const warm = fakePool('warm', 1);
    const onDemand = fakePool('demand', 0);
    const source = new WarmFirstKernelSource(warm, onDemand);
    const a = await source.acquire(1000);
    const b = await source.acquire(1000);
    source.release(a);
    source.release(b, { discard: true });
    source.release(b);
    expect(warm.released).toEqual([{ id: 'warm-1', discard: undefined }]);
    expect(onDemand.released).toEqual([{ id: 'demand-1', discard: true }]);
  });
});
