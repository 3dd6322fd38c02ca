import type { Logger } from '../logger';

/**
 * Keeps one embedded child (Jupyter Server, redis-server) running: when it exits without being asked to, the
 * supervisor logs it, restarts it after a backoff (0.5 s doubling to 30 s; reset once a child stayed up a minute) and
 * keeps trying until it is back or Folio stops. The child is restarted with the same address and credentials (the
 * caller's `start` sees to that), so every client and settings object made from the first start stays valid.
 * `state()` is what /readyz reports meanwhile.
 */
export interface SupervisedChild {
  pid: number;
  /** Resolves when the process has exited (and, for Jupyter, its kernels are gone), with the exit code or signal. */
  exited: Promise<number | string>;
  stop(): Promise<void>;
}

export type SupervisorState =
  | { state: 'up'; pid: number; restarts: number }
  | { state: 'restarting'; since: string; lastExit: number | string; attempt: number }
  | { state: 'stopped' };

export interface SupervisorOptions<C extends SupervisedChild> {
  /** For logs and /readyz: "Jupyter Server", "redis-server". */
  name: string;
  /**
   * Starts the child: the first time (`first` undefined) and for every restart (`first` = the first child, whose
   * port and credentials the new one must reuse). Rejects if it could not start.
   */
  start: (first?: C) => Promise<C>;
  logger: Logger;
  /** Called after each successful restart (not the first start), e.g. to refill kernel pools. */
  onRestarted?: (child: C) => void;
  /** Delay before restart attempt `n` (1-based). Default 500 ms · 2^(n-1), at most 30 s. */
  backoffMs?: (attempt: number) => number;
  /** A child that stayed up this long resets the backoff. Default 60 s. */
  stableAfterMs?: number;
  /** Last lines of the log of the child that exited, for the "exited unexpectedly" entry. */
  logTail?: (exited: C) => string;
}

export const defaultBackoffMs = (attempt: number): number => Math.min(500 * 2 ** Math.max(0, attempt - 1), 30_000);

export class Supervisor<C extends SupervisedChild> {
  private child?: C;
  private first?: C;
  private current: SupervisorState = { state: 'stopped' };
  private stopping = false;
  private restarts = 0;
  /** Consecutive restart attempts since a child last stayed up `stableAfterMs`. */
  private attempts = 0;
  private timer?: NodeJS.Timeout;
  private wakeUp?: () => void;
  private restarting?: Promise<void>;
  private readonly log: Logger;

  constructor(private readonly opts: SupervisorOptions<C>) {
    this.log = opts.logger.child({ component: 'supervisor', child: opts.name });
  }

  /** The first start: rejects when the child cannot start (a start-up error, reported to the operator as such). */
  async start(): Promise<C> {
    const child = await this.opts.start();
    this.first = child;
    this.adopt(child);
    return child;
  }

  state(): SupervisorState {
    return this.current;
  }

  /** Stops the child (or a restart in progress) for good. Idempotent. */
  async stop(): Promise<void> {
    this.stopping = true;
    clearTimeout(this.timer);
    this.wakeUp?.();
    await this.restarting;
    const child = this.child;
    this.child = undefined;
    this.current = { state: 'stopped' };
    await child?.stop();
  }

  private adopt(child: C): void {
    this.child = child;
    this.current = { state: 'up', pid: child.pid, restarts: this.restarts };
    const upSince = Date.now();
    void child.exited.then((how) => {
      if (this.stopping || this.child !== child) return;
      this.child = undefined;
      if (Date.now() - upSince >= (this.opts.stableAfterMs ?? 60_000)) this.attempts = 0;
      this.log.error(
        { pid: child.pid, exit: how, tail: this.opts.logTail?.(child) },
        `${this.opts.name} exited unexpectedly; restarting it`,
      );
      this.restarting = this.restartLoop(how);
    });
  }

  private async restartLoop(lastExit: number | string): Promise<void> {
    const since = new Date().toISOString();
    while (!this.stopping) {
      this.attempts += 1;
      this.current = { state: 'restarting', since, lastExit, attempt: this.attempts };
      const delay = (this.opts.backoffMs ?? defaultBackoffMs)(this.attempts);
      await new Promise<void>((resolve) => {
        this.wakeUp = resolve;
        this.timer = setTimeout(resolve, delay);
      });
      if (this.stopping) return;
      try {
        const child = await this.opts.start(this.first);
        if (this.stopping) {
          await child.stop();
          return;
        }
        this.restarts += 1;
        this.adopt(child);
        this.log.info(
          { pid: child.pid, attempt: this.attempts, restarts: this.restarts },
          `${this.opts.name} restarted`,
        );
        this.opts.onRestarted?.(child);
        return;
      } catch (e) {
        this.log.error({ err: e, attempt: this.attempts }, `${this.opts.name} did not restart; trying again`);
      }
    }
  }
}
