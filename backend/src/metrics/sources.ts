import type { KernelPoolHealth } from '../kernels/pool';
import type { FolioMetrics } from './metrics';

/**
 * Gauges over state that already exists, read when Prometheus scrapes (compose.ts registers what each role has).
 */

/** A kernel pool's health(): kernels by state, its target size, acquires waiting. */
export function watchKernelPool(metrics: FolioMetrics, name: string, pool: { health(): KernelPoolHealth }): void {
  metrics.gauge('folio_kernel_pool_kernels', 'Kernels of a warm pool, by state.', ['pool', 'state'], () => {
    const h = pool.health();
    return (['idle', 'busy', 'taken', 'starting'] as const).map((state) => ({
      labels: { pool: name, state },
      value: h[state],
    }));
  });
  metrics.gauge(
    'folio_kernel_pool_target_size',
    'Warm kernels a pool keeps ready (KERNEL_POOL_SIZE).',
    ['pool'],
    () => [{ labels: { pool: name }, value: pool.health().size }],
  );
  metrics.gauge('folio_kernel_pool_waiting', 'Acquires waiting for a kernel of a pool.', ['pool'], () => [
    { labels: { pool: name }, value: pool.health().waiting },
  ]);
}

/** BullMQ's job counts of the run queue (Redis; left out of a scrape while Redis does not answer). */
export function watchRunQueue(
  metrics: FolioMetrics,
  queue: { getJobCounts(...states: string[]): Promise<Record<string, number>> },
): void {
  const states = ['waiting', 'prioritized', 'delayed', 'active', 'failed', 'completed'];
  metrics.gauge('folio_run_queue_jobs', 'Jobs of the run queue, by BullMQ state.', ['state'], async () => {
    const counts = await queue.getJobCounts(...states);
    return states.map((state) => ({ labels: { state }, value: counts[state] ?? 0 }));
  });
}

/** Live editing kernel sessions of this web process. */
export function watchLiveKernels(metrics: FolioMetrics, sessions: { list(): unknown[] }): void {
  metrics.gauge(
    'folio_live_kernels',
    'Live editing kernel sessions of this web process.',
    [],
    () => sessions.list().length,
  );
}

/** Long-lived connections: kernel WebSockets and run progress streams (SSE). */
export function watchConnections(metrics: FolioMetrics, kind: 'kernel_ws' | 'sse', count: () => number): void {
  metrics.gauge('folio_open_connections', 'Open long-lived connections, by kind.', ['kind'], () => [
    { labels: { kind }, value: count() },
  ]);
}
