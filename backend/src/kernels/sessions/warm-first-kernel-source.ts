import type { PooledKernel } from '../pooled-kernel';
import type { KernelSource } from './session-events';

type Pool = KernelSource & { take(): PooledKernel | undefined };

/**
 * Kernels for live editing: a warm one taken from `warm` for good when one is idle (no start-up wait; the pool starts
 * a replacement, so runs sharing that pool never wait on a live session), otherwise a kernel started on
 * demand by `onDemand` (a KernelPool of size 0). A bounded pool alone would cap the number of open notebooks at its
 * size; this keeps the warm start for the common case without that cap. Each kernel goes back to the pool it came
 * from, which shuts it down.
 */
export class WarmFirstKernelSource implements KernelSource {
  private readonly origin = new WeakMap<PooledKernel, KernelSource>();

  constructor(
    private readonly warm: Pool,
    private readonly onDemand: KernelSource,
  ) {}

  async acquire(timeoutMs: number): Promise<PooledKernel> {
    const warm = this.warm.take();
    if (warm) return this.from(this.warm, warm);
    return this.from(this.onDemand, await this.onDemand.acquire(timeoutMs));
  }

  release(kernel: PooledKernel, opts?: { discard?: boolean }): void {
    const pool = this.origin.get(kernel);
    if (!pool) return;
    this.origin.delete(kernel);
    pool.release(kernel, opts);
  }

  private from(pool: KernelSource, kernel: PooledKernel): PooledKernel {
    this.origin.set(kernel, pool);
    return kernel;
  }
}
