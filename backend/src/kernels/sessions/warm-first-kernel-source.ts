import type { PooledKernel } from '../pooled-kernel';
import type { KernelSource } from './session-events';

type Pool = KernelSource & { health(): { idle: number } };

/**
 * Kernels for live editing: a warm one from `warm` when one is idle (no start-up wait), otherwise a kernel started
 * on demand by `onDemand` (a KernelPool of size 0). A bounded pool alone would cap the number of open notebooks at
 * its size; this keeps the warm start for the common case without that cap. Each kernel goes back to the pool it
 * came from.
 */
export class WarmFirstKernelSource implements KernelSource {
  private readonly origin = new WeakMap<PooledKernel, KernelSource>();

  constructor(
    private readonly warm: Pool,
    private readonly onDemand: KernelSource,
  ) {}

  async acquire(timeoutMs: number): Promise<PooledKernel> {
    if (this.warm.health().idle > 0) {
      try {
        return this.from(this.warm, await this.warm.acquire(0));
      } catch {
        // taken meanwhile: start one
      }
    }
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
