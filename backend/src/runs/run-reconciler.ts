import type { Logger } from '../logger';
import type { RunRepository } from '../store/store';
import type { RunLifecycle } from './run-lifecycle';

/**
 * Finds runs the queue has forgotten and makes the store tell the truth about them, by the rule of run-state.ts:
 * - `queued`, and its job is gone (Redis lost it: restarted without its data, flushed) → enqueued again; it never
 *   started, so this is its first execution (the job id is the run id, so a job that still exists is not doubled);
 * - `queued` or `running`, and its job failed for good or completed without the run ending (BullMQ failed it after
 *   too many stalls, a worker died between its last write and the job's end) → ended `failed`, code `lost` — a
 *   running one only once its attempt is silent;
 * - `running`, and its job is gone → the same, once its attempt is silent.
 * Runs younger than `graceMs` are left alone (a run is recorded just before its job is added).
 * Safe to run in every worker at once: each end is a compare-and-set, and enqueuing is idempotent.
 */
export type JobState = 'waiting' | 'delayed' | 'active' | 'completed' | 'failed' | 'missing';

export interface RunJobs {
  state(runId: string): Promise<JobState>;
  enqueue(runId: string): Promise<void>;
}

export interface RunReconcilerDeps {
  runs: Pick<RunRepository, 'listUnfinished' | 'get'>;
  jobs: RunJobs;
  lifecycle: RunLifecycle;
  logger: Logger;
  /** Default 10 s. */
  graceMs?: number;
  /** Runs looked at per pass, oldest first. Default 500. */
  batch?: number;
  now?: () => number;
}

export interface ReconcileReport {
  checked: number;
  requeued: string[];
  ended: string[];
}

export class RunReconciler {
  private readonly log: Logger;
  private timer?: NodeJS.Timeout;
  private pass?: Promise<ReconcileReport>;

  constructor(private readonly deps: RunReconcilerDeps) {
    this.log = deps.logger.child({ component: 'run-reconciler' });
  }

  /** One pass over the unfinished runs (a pass already going is shared). */
  reconcile(): Promise<ReconcileReport> {
    this.pass ??= this.run().finally(() => (this.pass = undefined));
    return this.pass;
  }

  /** Looks at one run now (e.g. its job just stalled). */
  async reconcileOne(runId: string): Promise<'requeued' | 'ended' | 'ok'> {
    const state = await this.deps.jobs.state(runId);
    if (state === 'waiting' || state === 'delayed' || state === 'active') return 'ok';
    const run = await this.deps.runs.get(runId);
    if (!run || (run.status !== 'queued' && run.status !== 'running')) return 'ok';
    return this.settle(run.id, run.status, state);
  }

  /** Reconciles now and then every `intervalMs` until stop(). */
  start(intervalMs: number): void {
    const tick = () =>
      void this.reconcile().catch((err: unknown) => this.log.warn({ err }, 'run reconciliation failed; will try again'));
    tick();
    this.timer = setInterval(tick, intervalMs);
    this.timer.unref();
  }

  async stop(): Promise<void> {
    clearInterval(this.timer);
    await this.pass?.catch(() => undefined);
  }

  private async run(): Promise<ReconcileReport> {
    const now = (this.deps.now ?? Date.now)();
    const grace = this.deps.graceMs ?? 10_000;
    const report: ReconcileReport = { checked: 0, requeued: [], ended: [] };
    for (const run of await this.deps.runs.listUnfinished(this.deps.batch ?? 500)) {
      if (now - Date.parse(run.createdAt) < grace) continue;
      report.checked += 1;
      const state = await this.deps.jobs.state(run.id);
      if (state === 'waiting' || state === 'delayed' || state === 'active') continue;
      const verdict = await this.settle(run.id, run.status, state);
      if (verdict === 'requeued') report.requeued.push(run.id);
      if (verdict === 'ended') report.ended.push(run.id);
    }
    if (report.requeued.length || report.ended.length) this.log.warn(report, 'reconciled runs the queue had lost');
    return report;
  }

  private async settle(runId: string, status: string, state: Exclude<JobState, 'waiting' | 'delayed' | 'active'>): Promise<'requeued' | 'ended' | 'ok'> {
    if (status === 'queued' && state === 'missing') {
      await this.deps.jobs.enqueue(runId);
      this.log.warn({ runId }, 'queued run had no job; enqueued it again');
      return 'requeued';
    }
    const why = state === 'missing' ? 'its job is gone from the queue' : `its job ${state === 'failed' ? 'failed' : 'completed'} without ending it`;
    return (await this.deps.lifecycle.endLost(runId, why)) ? 'ended' : 'ok';
  }
}
