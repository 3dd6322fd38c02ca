import { collectDefaultMetrics, Counter, Gauge, Histogram, Registry } from 'prom-client';

/**
 * Folio's Prometheus metrics (prom-client), one registry per process, labelled with the process role. Counters and
 * histograms are observed where things happen (HTTP responses, runs ending in the worker); gauges read the state that
 * already exists (kernel pools, live sessions, open sockets, the queue) when Prometheus scrapes, through `gauge()`
 * sources registered by the composition root — nothing is threaded through the services for them.
 *
 * Names (all `folio_` + Node's `process_*` / `nodejs_*` defaults):
 *   folio_http_requests_total{method,route,status}           counter; `route` is the route pattern, never the path
 *   folio_http_request_duration_seconds{method,route,status}  histogram
 *   folio_runs_finished_total{status}                         counter (runs ended by this worker)
 *   folio_run_duration_seconds{status}                        histogram, claimed → ended
 *   folio_run_queue_wait_seconds                              histogram, queued → claimed
 *   folio_run_queue_jobs{state}                               gauge, BullMQ job counts (waiting, active, delayed, …)
 *   folio_kernel_pool_kernels{pool,state}                     gauge, idle | busy | taken | starting
 *   folio_kernel_pool_target_size{pool}                       gauge, KERNEL_POOL_SIZE
 *   folio_kernel_pool_waiting{pool}                           gauge, acquires waiting for a kernel
 *   folio_live_kernels                                        gauge, live editing kernel sessions (web)
 *   folio_open_connections{kind}                              gauge, kernel_ws | sse
 */
export type ProcessRole = 'all' | 'web' | 'worker';

/** A labelled value read at scrape time. */
export type Sample = { labels?: Record<string, string>; value: number };
export type GaugeSource = () => Sample[] | number | Promise<Sample[] | number>;

/** Request latencies from 5 ms to 30 s (Monaco assets and saves are fast; imports and exports can take seconds). */
const HTTP_BUCKETS = [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30];
/** Run durations and queue waits from 100 ms to 1 h (a cell may run for FOLIO_CELL_TIMEOUT_S, 10 min by default). */
const RUN_BUCKETS = [0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 120, 300, 600, 1800, 3600];

export class FolioMetrics {
  readonly registry = new Registry();
  readonly httpRequests: Counter<'method' | 'route' | 'status'>;
  readonly httpDuration: Histogram<'method' | 'route' | 'status'>;
  readonly runsFinished: Counter<'status'>;
  readonly runDuration: Histogram<'status'>;
  readonly runQueueWait: Histogram<string>;

  constructor(opts: { role: ProcessRole }) {
    this.registry.setDefaultLabels({ role: opts.role });
    collectDefaultMetrics({ register: this.registry });
    const registers = [this.registry];
    this.httpRequests = new Counter({
      name: 'folio_http_requests_total',
      help: 'HTTP requests answered, by method, route pattern and status.',
      labelNames: ['method', 'route', 'status'],
      registers,
    });
    this.httpDuration = new Histogram({
      name: 'folio_http_request_duration_seconds',
      help: 'HTTP response time (until the response ended), by method, route pattern and status.',
      labelNames: ['method', 'route', 'status'],
      buckets: HTTP_BUCKETS,
      registers,
    });
    this.runsFinished = new Counter({
      name: 'folio_runs_finished_total',
      help: 'Runs ended by this worker, by final status.',
      labelNames: ['status'],
      registers,
    });
    this.runDuration = new Histogram({
      name: 'folio_run_duration_seconds',
      help: 'Run time from claim to end, by final status.',
      labelNames: ['status'],
      buckets: RUN_BUCKETS,
      registers,
    });
    this.runQueueWait = new Histogram({
      name: 'folio_run_queue_wait_seconds',
      help: 'Time a run waited in the queue before a worker claimed it.',
      buckets: RUN_BUCKETS,
      registers,
    });
  }

  /**
   * A gauge whose value is read from `source` at each scrape (e.g. a pool's health()). Several sources may feed one
   * gauge (two kernel pools): their samples are summed per label set. A source that throws or takes over a second
   * (Redis away) leaves its samples out of that scrape instead of failing or stalling it.
   */
  gauge(name: string, help: string, labelNames: string[], source: GaugeSource): void {
    let g = this.registry.getSingleMetric(name) as (Gauge & { sources?: GaugeSource[] }) | undefined;
    if (!g) {
      const sources: GaugeSource[] = [];
      g = new Gauge({
        name,
        help,
        labelNames,
        registers: [this.registry],
        async collect() {
          this.reset();
          const results = await Promise.all(sources.map((s) => readSource(s)));
          for (const samples of results)
            for (const s of samples) {
              if (s.labels && Object.keys(s.labels).length) this.inc(s.labels, s.value);
              else this.inc(s.value);
            }
        },
      }) as Gauge & { sources?: GaugeSource[] };
      g.sources = sources;
    }
    g.sources!.push(source);
  }

  /** The text exposition format and its content type. */
  async scrape(): Promise<{ contentType: string; body: string }> {
    return { contentType: this.registry.contentType, body: await this.registry.metrics() };
  }

  /** A run ended (runs/run-lifecycle.ts onEnded): counted, and its duration observed when it had started. */
  runEnded(run: { status: string; startedAt?: string; endedAt?: string }): void {
    this.runsFinished.inc({ status: run.status });
    const seconds = secondsBetween(run.startedAt, run.endedAt);
    if (seconds !== null) this.runDuration.observe({ status: run.status }, seconds);
  }

  /** A run was claimed by a worker: how long it waited since it was queued. */
  runClaimed(run: { createdAt: string; startedAt?: string }): void {
    const seconds = secondsBetween(run.createdAt, run.startedAt);
    if (seconds !== null) this.runQueueWait.observe(seconds);
  }
}

const SOURCE_TIMEOUT_MS = 1_000;

async function readSource(source: GaugeSource): Promise<Sample[]> {
  let timer: NodeJS.Timeout | undefined;
  try {
    const value = await Promise.race([
      Promise.resolve().then(source),
      new Promise<never>((_, reject) => {
        timer = setTimeout(() => reject(new Error('metrics source timed out')), SOURCE_TIMEOUT_MS);
      }),
    ]);
    return typeof value === 'number' ? [{ value }] : value;
  } catch {
    return [];
  } finally {
    clearTimeout(timer);
  }
}

function secondsBetween(from?: string, to?: string): number | null {
  if (!from || !to) return null;
  const ms = Date.parse(to) - Date.parse(from);
  return Number.isFinite(ms) && ms >= 0 ? ms / 1000 : null;
}
