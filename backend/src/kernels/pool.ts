import { KernelAPI, KernelConnection, type Kernel, type KernelMessage, type ServerConnection } from '@jupyterlab/services';
import { DomainError, unavailable } from '../errors';
import type { Logger } from '../logger';
import { executeCode } from './executor';
import {
  drainKernelInfo,
  settledConnecting,
  tolerateCancelledKernelInfo,
  type PooledKernel,
} from './pooled-kernel';
import { settleWithin, TimeoutError, withTimeout } from '../util/timeout';

export type { PooledKernel } from './pooled-kernel';

/**
 * A pool of warm kernels of one kernelspec on one Jupyter Server.
 * - start() warms `size` kernels (and runs the optional preamble in each);
 * - acquire(timeoutMs) hands out a ready kernel, FIFO among waiters, or rejects with 'overloaded';
 * - release(k) restarts the kernel in the background (fresh interpreter: no variables of the previous
 *   run survive, files in the cwd aside) and re-runs the preamble before handing it out again;
 *   release(k, {discard: true}) — or a kernel that died — shuts it down and starts a replacement;
 * - a periodic health check (kernel_info) and status events replace idle kernels that died;
 * - size 0 starts a kernel per acquire (within its timeout) and shuts it down on release;
 * - take() hands an idle kernel out for good (live editing keeps it for a session) and starts a replacement (soon, or
 *   at once when an acquire needs it), so one pool can warm kernels for runs and live editing alike without runs
 *   ever waiting on a session; a taken kernel is shut down when released;
 * - shutdown() shuts every kernel down.
 */
export interface KernelPoolOptions {
  settings: ServerConnection.ISettings;
  /** Kernelspec name. Default 'python3'. */
  kernelName?: string;
  /** Warm kernels kept ready. 0 = start on demand. */
  size: number;
  /** Code run in every kernel before it is handed out, e.g. `import pandas, numpy, matplotlib`. Default none. */
  preamble?: string;
  logger: Logger;
  /** Health check period for idle kernels. Default 30 s. */
  healthIntervalMs?: number;
  /** Time allowed to start (or restart) a kernel and run the preamble. Default 60 s. */
  startTimeoutMs?: number;
  /** Time allowed for a kernel restart between runs; past it the kernel is replaced. Default 20 s. */
  restartTimeoutMs?: number;
  /**
   * Delay before a taken kernel's replacement starts, unless an acquire needs it first: a kernel start (a process,
   * the preamble's imports: seconds of CPU, and the Jupyter Server's attention) would otherwise compete with the
   * first cells of the notebook that took the kernel. Default 1 s.
   */
  refillAfterTakeMs?: number;
  /** Lifecycle events, for metrics and tests. Default none. */
  onEvent?: (e: KernelPoolEvent) => void;
}

export type KernelPoolEvent =
  | { type: 'started'; kernelId: string }
  | { type: 'recycled'; kernelId: string }
  | { type: 'discarded'; kernelId: string; reason: 'released' | 'died' | 'unhealthy' | 'shutdown' };

export interface KernelPoolHealth {
  kernelName: string;
  size: number;
  idle: number;
  busy: number;
  /** Handed out for good by take(), not yet released. */
  taken: number;
  starting: number;
  waiting: number;
}

interface Waiter {
  resolve: (k: PooledKernel) => void;
  reject: (e: Error) => void;
  timer: NodeJS.Timeout;
}

export class KernelPool {
  readonly kernelName: string;
  readonly size: number;
  private readonly settings: ServerConnection.ISettings;
  private readonly preamble?: string;
  private readonly log: Logger;
  private readonly healthIntervalMs: number;
  private readonly startTimeoutMs: number;
  private readonly restartTimeoutMs: number;
  private readonly refillAfterTakeMs: number;
  private readonly onEvent: (e: KernelPoolEvent) => void;
  private readonly idle: PooledKernel[] = [];
  private readonly busy = new Set<PooledKernel>();
  private readonly taken = new Set<PooledKernel>();
  private readonly live = new Set<PooledKernel>();
  private readonly inflight = new Set<Promise<unknown>>();
  private waiters: Waiter[] = [];
  private starting = 0;
  private closed = false;
  private healthTimer?: NodeJS.Timeout;

  constructor(opts: KernelPoolOptions) {
    this.settings = opts.settings;
    this.kernelName = opts.kernelName ?? 'python3';
    this.size = opts.size;
    this.preamble = opts.preamble?.trim() ? opts.preamble : undefined;
    this.log = opts.logger.child({ component: 'kernel-pool', kernelName: this.kernelName });
    this.healthIntervalMs = opts.healthIntervalMs ?? 30_000;
    this.startTimeoutMs = opts.startTimeoutMs ?? 60_000;
    this.restartTimeoutMs = opts.restartTimeoutMs ?? 20_000;
    this.refillAfterTakeMs = opts.refillAfterTakeMs ?? 1_000;
    this.onEvent = opts.onEvent ?? (() => undefined);
  }

  /** Warm the pool; resolves when `size` kernels are ready, rejects if one cannot start. */
  async start(): Promise<void> {
    const warm = Array.from({ length: this.size }, () => this.track(this.createKernel()));
    const kernels = await Promise.all(warm);
    for (const k of kernels) this.offer(k);
    this.healthTimer = setInterval(() => void this.checkHealth(), this.healthIntervalMs);
    this.healthTimer.unref();
    this.log.info({ size: this.size }, 'kernel pool ready');
  }

  /** A ready kernel, or DomainError 'overloaded' when none frees up within timeoutMs. */
  async acquire(timeoutMs: number): Promise<PooledKernel> {
    if (this.closed) throw unavailable('The kernel pool is shut down.');
    while (this.idle.length) {
      const k = this.idle.shift()!;
      if (isUsable(k)) {
        this.busy.add(k);
        return k;
      }
      this.replace(k, 'died');
    }
    if (this.size === 0) {
      const k = await this.startWithin(timeoutMs);
      this.busy.add(k);
      return k;
    }
    this.refill();
    return new Promise<PooledKernel>((resolve, reject) => {
      const waiter: Waiter = {
        resolve,
        reject,
        timer: setTimeout(() => {
          this.waiters = this.waiters.filter((w) => w !== waiter);
          const seconds = Number((timeoutMs / 1000).toFixed(3));
          reject(new DomainError('overloaded', `No kernel became free within ${seconds}s`, { retryAfterSeconds: Math.max(1, Math.ceil(seconds)) }));
        }, timeoutMs),
      };
      this.waiters.push(waiter);
    });
  }

  /**
   * An idle kernel, taken out of the pool for good: it no longer counts against the size, so a replacement starts
   * (after refillAfterTakeMs, or at once when an acquire finds no idle kernel). Never waits: undefined when no kernel
   * is idle (or the pool is shut down).
   */
  take(): PooledKernel | undefined {
    while (!this.closed && this.idle.length) {
      const k = this.idle.shift()!;
      if (!isUsable(k)) {
        this.replace(k, 'died');
        continue;
      }
      this.taken.add(k);
      setTimeout(() => this.refill(), this.refillAfterTakeMs).unref();
      return k;
    }
    return undefined;
  }

  /** Give a kernel back: restarted (or, with discard / when it died, replaced) in the background. Taken: shut down. */
  release(k: PooledKernel, opts: { discard?: boolean } = {}): void {
    if (this.taken.delete(k)) {
      // replace() refills only up to the size, which take()'s replacement fills (or will: its timer is pending).
      this.replace(k, k.died || !isUsable(k) ? 'died' : 'released');
      return;
    }
    if (!this.busy.delete(k)) return;
    if (this.closed || this.size === 0 || opts.discard || k.died || !isUsable(k)) {
      this.replace(k, k.died || !isUsable(k) ? 'died' : this.closed ? 'shutdown' : 'released');
      return;
    }
    this.starting += 1;
    void this.track(this.recycle(k)).then(
      () => {
        this.starting -= 1;
        this.onEvent({ type: 'recycled', kernelId: k.id });
        this.offer(k);
      },
      (e: unknown) => {
        this.starting -= 1;
        this.log.warn({ err: e, kernelId: k.id }, 'kernel restart failed; replacing it');
        this.replace(k, 'unhealthy');
      },
    );
  }

  health(): KernelPoolHealth {
    return {
      kernelName: this.kernelName,
      size: this.size,
      idle: this.idle.length,
      busy: this.busy.size,
      taken: this.taken.size,
      starting: this.starting,
      waiting: this.waiters.length,
    };
  }

  /**
   * The Jupyter Server was restarted (embedded/supervisor.ts): every kernel of the old process is gone, though
   * services keeps reconnecting to them. Idle ones are replaced now; busy ones are flagged, end through the
   * executor's liveness watchdog, and are replaced when released.
   */
  serverRestarted(): void {
    for (const k of this.live) k.died = true;
    for (const k of [...this.idle]) this.replace(k, 'died');
  }

  /** Shut every kernel down (also those still starting). Idempotent. */
  async shutdown(): Promise<void> {
    this.closed = true;
    clearInterval(this.healthTimer);
    for (const w of this.waiters.splice(0)) {
      clearTimeout(w.timer);
      w.reject(unavailable('The kernel pool is shutting down.'));
    }
    while (this.inflight.size) await Promise.allSettled([...this.inflight]);
    await Promise.allSettled([...this.live].map((k) => this.destroy(k)));
    this.idle.length = 0;
    this.busy.clear();
    this.taken.clear();
  }

  /** Size 0: a kernel started for this acquire, or 'overloaded' past timeoutMs (the late kernel is shut down). */
  private async startWithin(timeoutMs: number): Promise<PooledKernel> {
    const creating = this.track(this.createKernel());
    const first = await settleWithin(creating, timeoutMs);
    if (first.settled) return first.value;
    void this.track(creating.then((k) => this.destroy(k), () => undefined));
    const seconds = Number((timeoutMs / 1000).toFixed(3));
    throw new DomainError('overloaded', `No kernel could be started within ${seconds}s`, { retryAfterSeconds: Math.max(1, Math.ceil(seconds)) });
  }

  private async createKernel(): Promise<PooledKernel> {
    if (this.closed) throw unavailable('The kernel pool is shut down.');
    const starting = KernelAPI.startNew({ name: this.kernelName }, this.settings);
    let model: Kernel.IModel;
    try {
      model = await withTimeout(starting, this.startTimeoutMs, 'Jupyter did not start a kernel');
    } catch (e) {
      // The server may still start it: shut it down when it does, so nothing is left running.
      if (e instanceof TimeoutError) {
        void this.track(starting.then((m) => KernelAPI.shutdownKernel(m.id, this.settings)).catch(() => undefined));
      }
      throw e;
    }
    const connection = new KernelConnection({ model, serverSettings: this.settings, handleComms: false });
    tolerateCancelledKernelInfo(connection);
    const k: PooledKernel = { id: model.id, kernelName: this.kernelName, connection, died: false };
    this.live.add(k);
    connection.statusChanged.connect((_, status: KernelMessage.Status) => this.onStatus(k, status));
    try {
      await withTimeout(connection.info, this.startTimeoutMs, 'kernel did not answer kernel_info');
      await this.runPreamble(k);
    } catch (e) {
      await this.destroy(k);
      throw e;
    }
    this.log.debug({ kernelId: k.id }, 'kernel started');
    this.onEvent({ type: 'started', kernelId: k.id });
    return k;
  }

  private async recycle(k: PooledKernel): Promise<void> {
    await drainKernelInfo(k.connection);
    // A restart that hangs (seen rarely under load) costs a replacement kernel, not a minute of waiting runs.
    await withTimeout(k.connection.restart(), this.restartTimeoutMs, 'kernel restart timed out');
    await withTimeout(k.connection.requestKernelInfo(), this.restartTimeoutMs, 'kernel did not answer after restart');
    await this.runPreamble(k);
  }

  private async runPreamble(k: PooledKernel): Promise<void> {
    if (!this.preamble) return;
    const r = await executeCode(k, this.preamble, { silent: true, storeHistory: false, timeoutMs: this.startTimeoutMs });
    if (r.status === 'died' || r.status === 'timed_out') throw new Error(`kernel preamble ${r.status}`);
    if (r.status !== 'ok') this.log.warn({ kernelId: k.id, error: r.error }, 'kernel preamble raised an error');
  }

  /** Hand a ready kernel to the first waiter, or park it. */
  private offer(k: PooledKernel): void {
    if (this.closed || !isUsable(k)) {
      this.replace(k, this.closed ? 'shutdown' : 'died');
      return;
    }
    const waiter = this.waiters.shift();
    if (waiter) {
      clearTimeout(waiter.timer);
      this.busy.add(k);
      waiter.resolve(k);
      return;
    }
    this.idle.push(k);
  }

  /** Shut a kernel down and, unless closed or on-demand, start a replacement. */
  private replace(k: PooledKernel, reason: 'released' | 'died' | 'unhealthy' | 'shutdown'): void {
    if (this.live.has(k)) this.onEvent({ type: 'discarded', kernelId: k.id, reason });
    const i = this.idle.indexOf(k);
    if (i >= 0) this.idle.splice(i, 1);
    this.busy.delete(k);
    void this.track(this.destroy(k));
    this.refill();
  }

  /** Start kernels until idle + busy + starting reaches the pool size. */
  private refill(): void {
    if (this.closed || this.size === 0) return;
    while (this.idle.length + this.busy.size + this.starting < this.size) {
      this.starting += 1;
      void this.track(this.createKernel()).then(
        (k) => {
          this.starting -= 1;
          this.offer(k);
        },
        (e: unknown) => {
          this.starting -= 1;
          this.log.error({ err: e }, 'could not start a replacement kernel; retrying');
          if (!this.closed) setTimeout(() => this.refill(), 2_000).unref();
        },
      );
    }
  }

  private onStatus(k: PooledKernel, status: KernelMessage.Status): void {
    if (status !== 'dead' && status !== 'autorestarting') return;
    k.died = true;
    if (this.idle.includes(k)) {
      this.log.warn({ kernelId: k.id, status }, 'idle kernel died; replacing it');
      this.replace(k, 'died');
    }
  }

  private async checkHealth(): Promise<void> {
    for (const k of [...this.idle]) {
      try {
        await withTimeout(k.connection.requestKernelInfo(), 10_000, 'no kernel_info reply');
      } catch (e) {
        if (!this.idle.includes(k)) continue;
        this.log.warn({ err: e, kernelId: k.id }, 'idle kernel failed its health check; replacing it');
        this.replace(k, 'unhealthy');
      }
    }
  }

  private async destroy(k: PooledKernel): Promise<void> {
    if (!this.live.delete(k)) return;
    // services schedules its reconnect after an auto-restart in a microtask of the status event that may
    // have brought us here: let it start before checking the connection state.
    await new Promise((resolve) => setImmediate(resolve));
    // Disposing while services is reconnecting (after an auto-restart) would reject its internal,
    // unawaited reconnect promise: let the reconnect settle first.
    await settledConnecting(k.connection, 5_000);
    await drainKernelInfo(k.connection);
    k.connection.dispose();
    // A kernel the server is auto-restarting (it just died) can answer 500 for a moment: retry a little.
    for (let attempt = 1; ; attempt++) {
      try {
        await KernelAPI.shutdownKernel(k.id, this.settings);
        return;
      } catch (e) {
        const status = (e as { response?: { status?: number } }).response?.status;
        if (status === 404) return; // already gone
        if (attempt >= 5) {
          this.log.error({ err: e, kernelId: k.id }, 'could not shut a kernel down');
          return;
        }
        await new Promise((r) => setTimeout(r, 300 * attempt));
      }
    }
  }

  private track<T>(p: Promise<T>): Promise<T> {
    this.inflight.add(p);
    const forget = () => this.inflight.delete(p);
    p.then(forget, forget);
    return p;
  }
}

const isUsable = (k: PooledKernel) => !k.died && !k.connection.isDisposed && k.connection.status !== 'dead';
