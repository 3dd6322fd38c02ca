import { randomUUID } from 'node:crypto';
import { kernelEnvironment } from '../kernels/environment';
import { executeNotebook, type ExecuteNotebookResult } from '../kernels/executor';
import type { PooledKernel } from '../kernels/pooled-kernel';
import type { WorkdirPath } from '../kernels/workdirs/workdir-path';
import { withTimeout } from '../util/timeout';
import type { Logger } from '../logger';
import { cellTags, sourceText, type Cell, type Notebook } from '../contracts/nbformat';
import type { CellResult, KernelEnvironment, RunRecord, RunStatus } from '../store/store';
import type { Outcome, RunLifecycle } from './run-lifecycle';
import type { RunProgress } from './run-progress';
import type { RunWorkdirs } from './run-workdir';

/**
 * Executes one run on a pooled kernel, moving it through its state machine (run-lifecycle.ts) — what a `run-notebook`
 * job does, wherever it came from:
 * 1. prepare (load, re-validate; a run that cannot or need not run ends or is left here);
 * 2. acquire a kernel, create the run's fresh working directory with its files and move the kernel there
 *    (run-workdir.ts; failures here may be retried: the run is still `queued`);
 * 3. claim the run (queued → running under a fresh attempt id) and heartbeat it while it runs — a heartbeat that
 *    finds a cancel request interrupts the cell; one that finds the run no longer its own stops executing;
 * 4. execute cell by cell, saving per-cell results as cells end and publishing progress off the execution path;
 * 5. give the kernel back, then write the final state once, then (bounded) flush the last progress messages, then
 *    remove the working directory (however the run ended).
 * Neither a slow store nor an unreachable Redis can hold the kernel, and nothing after the claim executes the run again.
 */
export interface KernelSource {
  acquire(timeoutMs: number): Promise<PooledKernel>;
  release(kernel: PooledKernel, opts?: { discard?: boolean }): void;
}

export interface RunExecutionDeps {
  lifecycle: RunLifecycle;
  kernels: KernelSource;
  /** Each run's working directory (run-workdir.ts). */
  workdirs: RunWorkdirs;
  /** Per-cell time limit (config FOLIO_CELL_TIMEOUT_S). */
  cellTimeoutMs: number;
  /** Per-cell output cap (config FOLIO_MAX_OUTPUT_MB). */
  maxOutputBytes: number;
  /** Cap of a run's outputs, all cells together (config FOLIO_MAX_RUN_OUTPUT_MB). Default the executor's (100 MB). */
  maxRunOutputBytes?: number;
  /** How long to wait for a free kernel before this attempt fails (and may be retried). Default 60 s. */
  acquireTimeoutMs?: number;
  /** How long one progress message may take to publish before the next are dropped (Redis away). Default 2 s. */
  publishTimeoutMs?: number;
  logger: Logger;
}

export interface RunAttempt {
  runId: string;
  /** Whether the queue will not try this run again after this attempt. */
  lastAttempt: boolean;
  /** Publishes a progress message to whoever follows the run (BullMQ job progress). May hang while Redis is away. */
  publish: (p: RunProgress) => Promise<unknown>;
  /** Aborted when the worker is shutting down and the drain time is over: the run ends `failed` (code `interrupted`). */
  shutdown?: AbortSignal;
}

export type AttemptResult =
  /** The run ended under this attempt (any final status). */
  | { kind: 'ended'; status: RunStatus; error?: { code: string; message: string } }
  /** Nothing was executed: the run had ended, could not run, or is held by a live attempt. */
  | { kind: 'skipped'; status: RunStatus | 'missing'; why: string }
  /** Infrastructure failed before the run was claimed: the queue may try again. */
  | { kind: 'retry'; error: unknown }
  /** The worker is stopping before the run was claimed: hand the job back to the queue. */
  | { kind: 'handed_back' };

const SHUTDOWN_MESSAGE = 'Folio was stopped while this run was in progress; start it again to re-run it.';

export class RunExecution {
  private readonly log: Logger;

  constructor(private readonly deps: RunExecutionDeps) {
    this.log = deps.logger.child({ component: 'run-execution' });
  }

  async attempt(a: RunAttempt): Promise<AttemptResult> {
    const { lifecycle } = this.deps;
    const prepared = await lifecycle.prepare(a.runId);
    if (prepared.kind === 'skip') return { kind: 'skipped', status: prepared.status, why: prepared.why };
    if (a.shutdown?.aborted) return { kind: 'handed_back' };

    let kernel: PooledKernel;
    try {
      kernel = await this.acquire(a.shutdown);
    } catch (error) {
      if (a.shutdown?.aborted) return { kind: 'handed_back' };
      const verdict = await lifecycle.attemptFailed(a.runId, undefined, error, a.lastAttempt);
      this.log.warn({ runId: a.runId, err: error, verdict }, 'no kernel for the run');
      return verdict === 'retry' ? { kind: 'retry', error } : { kind: 'ended', status: 'failed' };
    }

    let dir: WorkdirPath;
    try {
      dir = await this.deps.workdirs.open(prepared.run, kernel);
    } catch (error) {
      this.deps.kernels.release(kernel);
      const verdict = await lifecycle.attemptFailed(a.runId, undefined, error, a.lastAttempt);
      this.log.warn({ runId: a.runId, err: error, verdict }, 'could not create the working directory of the run');
      return verdict === 'retry' ? { kind: 'retry', error } : { kind: 'ended', status: 'failed' };
    }

    const attemptId = randomUUID();
    const cells = initialCells(prepared.notebook);
    try {
      let claimed: RunRecord | null;
      try {
        claimed = await lifecycle.claim(prepared.run, attemptId, cells);
      } catch (error) {
        this.deps.kernels.release(kernel);
        const verdict = await lifecycle.attemptFailed(a.runId, undefined, error, a.lastAttempt);
        return verdict === 'retry' ? { kind: 'retry', error } : { kind: 'ended', status: 'failed' };
      }
      if (!claimed) {
        this.deps.kernels.release(kernel);
        return { kind: 'skipped', status: await lifecycle.statusOf(a.runId), why: 'cancelled or claimed meanwhile' };
      }
      return await this.run(a, claimed, prepared.notebook, cells, kernel, attemptId);
    } finally {
      await this.removeWorkdir(a.runId, () => this.deps.workdirs.remove(dir));
    }
  }

  /** Removes a run's working directory; a failure is logged (the folder is swept at the next start: sweepRunWorkdirs). */
  private async removeWorkdir(runId: string, remove: () => Promise<void>): Promise<void> {
    await remove().catch((err: unknown) => this.log.warn({ runId, err }, 'could not remove the working directory of the run'));
  }

  private async run(a: RunAttempt, run: RunRecord, notebook: Notebook, cells: CellResult[], kernel: PooledKernel, attemptId: string): Promise<AttemptResult> {
    const { lifecycle } = this.deps;
    const stop = new AbortController();
    const onShutdown = () => stop.abort('shutdown');
    if (a.shutdown?.aborted) onShutdown();
    a.shutdown?.addEventListener('abort', onShutdown, { once: true });
    const beats = heartbeats(() => lifecycle.heartbeat(run.id, attemptId), lifecycle.liveness.heartbeatMs, (beat) => {
      if (beat === 'cancel') stop.abort('cancelled');
      if (beat === 'lost') stop.abort('lost');
    }, (err) => this.log.warn({ runId: run.id, err }, 'run heartbeat failed'));

    const byId = new Map(cells.map((c, i) => [c.cellId, i]));
    const progress = progressReporter(
      () => lifecycle.saveProgress(run.id, attemptId, [...cells]),
      a.publish,
      (err) => this.log.warn({ runId: run.id, err }, 'could not save or publish run progress'),
      this.deps.publishTimeoutMs,
    );
    let environment: KernelEnvironment | undefined;
    let result: ExecuteNotebookResult | undefined;
    let failure: unknown;
    let discard = true;
    try {
      environment = await kernelEnvironment(kernel).catch((err: unknown) => {
        this.log.warn({ runId: run.id, err }, 'could not capture the kernel environment');
        return undefined;
      });
      result = await executeNotebook(kernel, notebook, {
        cellTimeoutMs: this.deps.cellTimeoutMs,
        maxOutputBytes: this.deps.maxOutputBytes,
        maxRunOutputBytes: this.deps.maxRunOutputBytes,
        signal: stop.signal,
        onProgress: (p) => {
          const i = byId.get(p.cellId);
          if (p.cell && i !== undefined) cells[i] = p.cell;
          progress.push({ done: p.done, total: p.total, cellId: p.cellId, status: p.cell?.status ?? 'running' });
        },
      });
      discard = kernel.died;
    } catch (err) {
      failure = err;
    } finally {
      beats.stop();
      a.shutdown?.removeEventListener('abort', onShutdown);
      // The kernel goes back before anything is saved or published (restarted by the pool, or replaced).
      this.deps.kernels.release(kernel, { discard });
    }

    if (stop.signal.reason === 'lost') {
      this.log.warn({ runId: run.id, attemptId }, 'the run was ended elsewhere while it ran; stopped executing it');
      return { kind: 'skipped', status: 'failed', why: 'ended elsewhere while it ran' };
    }
    const outcome: Outcome = result
      ? outcomeOf(result, stop.signal.reason, run, environment)
      : { status: 'failed', cells, environment, error: { code: 'infrastructure', message: errorMessage(failure) } };
    // The result first: a progress save still in flight is refused once the run is final (compare-and-set).
    const ended = await lifecycle.finish(run.id, attemptId, outcome);
    await progress.settled();
    return ended ? { kind: 'ended', status: ended.status, error: ended.error } : { kind: 'skipped', status: 'failed', why: 'ended elsewhere while it ran' };
  }

  private async acquire(shutdown: AbortSignal | undefined): Promise<PooledKernel> {
    const acquiring = this.deps.kernels.acquire(this.deps.acquireTimeoutMs ?? 60_000);
    if (!shutdown) return acquiring;
    let onAbort: (() => void) | undefined;
    const aborted = new Promise<never>((_, reject) => {
      onAbort = () => reject(new Error('the worker is shutting down'));
      shutdown.addEventListener('abort', onAbort, { once: true });
    });
    try {
      return await Promise.race([acquiring, aborted]);
    } catch (e) {
      // A kernel that arrives after we gave up goes straight back.
      acquiring.then((k) => this.deps.kernels.release(k), () => undefined);
      throw e;
    } finally {
      if (onAbort) shutdown.removeEventListener('abort', onAbort);
    }
  }
}

function outcomeOf(result: ExecuteNotebookResult, stopReason: unknown, run: RunRecord, environment: KernelEnvironment | undefined): Outcome {
  const executed = result.notebook;
  executed.metadata = { ...executed.metadata, folio: { run_id: run.id, notebook_version: run.notebookVersion, parameters: run.params } };
  const base = { cells: result.cells, executed, environment };
  if (result.status === 'cancelled' && stopReason === 'shutdown') {
    return { ...base, status: 'failed', error: { code: 'interrupted', message: SHUTDOWN_MESSAGE } };
  }
  return { ...base, status: result.status, error: result.error };
}

const errorMessage = (e: unknown) => (e instanceof Error ? e.message : String(e));

/** The executor's rule: `skip-execution` and empty code cells are not run (so the stored run counts them out). */
const willRun = (c: Cell) => !cellTags(c).includes('skip-execution') && sourceText(c.source).trim() !== '';

function initialCells(notebook: Notebook): CellResult[] {
  return notebook.cells
    .filter((c) => c.cell_type === 'code')
    .map((c) => ({ cellId: c.id, executionCount: null, status: willRun(c) ? 'not_run' : 'skipped', outputs: [] }));
}

/** Calls `beat` every `ms` (never two at once) and hands each answer to `onBeat` until stopped. */
function heartbeats<T>(beat: () => Promise<T>, ms: number, onBeat: (v: T) => void, onError: (e: unknown) => void): { stop(): void } {
  let busy = false;
  const timer = setInterval(() => {
    if (busy) return;
    busy = true;
    beat().then(onBeat, onError).finally(() => (busy = false));
  }, ms);
  timer.unref();
  return { stop: () => clearInterval(timer) };
}

/**
 * Publishes every progress message, in order, one at a time; before publishing a cell's end it saves the cells (so a
 * client told "cell i ended" reads it from the run record). Ends queued while a save or publish is in flight share
 * one save. A publish that does not finish within `publishTimeoutMs` (Redis away: the worker's connection queues
 * commands until it is back) is not waited for: messages are dropped, not queued without bound, until it settles.
 * So `settled()`, which waits for what is pending, is bounded too.
 */
function progressReporter(
  save: () => Promise<unknown>,
  publish: (p: RunProgress) => Promise<unknown>,
  onError: (e: unknown) => void,
  publishTimeoutMs = 2_000,
): { push(p: RunProgress): void; settled(): Promise<void> } {
  let pending: RunProgress[] = [];
  let running: Promise<void> | undefined;
  let stuck: Promise<unknown> | undefined;
  const send = async (p: RunProgress) => {
    if (stuck) return; // dropped: an earlier publish is still waiting for Redis
    const sending = publish(p).catch(onError);
    try {
      await withTimeout(sending, publishTimeoutMs, 'progress publish did not finish');
    } catch (e) {
      onError(e);
      stuck = sending.finally(() => (stuck = undefined));
    }
  };
  const drain = async () => {
    while (pending.length) {
      const batch = pending;
      pending = [];
      if (batch.some((p) => p.status !== 'running')) await save().catch(onError);
      for (const p of batch) await send(p);
    }
    running = undefined;
  };
  return {
    push(p) {
      pending.push(p);
      running ??= drain();
    },
    async settled() {
      while (running) await running;
    },
  };
}
