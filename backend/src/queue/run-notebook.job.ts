import { UnrecoverableError, type Job, type JobsOptions } from 'bullmq';
import { isDomainError } from '../errors';
import { kernelEnvironment } from '../kernels/environment';
import { executeNotebook } from '../kernels/executor';
import { inferParameters, injectParameters, validateParams } from '../kernels/parameters';
import type { PooledKernel } from '../kernels/pooled-kernel';
import type { Logger } from '../logger';
import { cellTags, sourceText, type Cell, type Notebook } from '../notebooks/nbformat';
import type { RunProgress } from '../runs/run-progress';
import { TERMINAL_STATUSES } from '../runs/run.service';
import type { CellResult, KernelEnvironment, RunRecord, RunStatus, Store } from '../store/store';

/**
 * The `run-notebook` job: execute one queued run on a pooled kernel.
 * 1. load the run and the notebook revision it was started on; re-validate its parameters there;
 * 2. inject the parameters cell, acquire a kernel, capture its environment (cached per kernel);
 * 3. execute cell by cell, saving per-cell results and timings as each cell ends and publishing each cell's start
 *    and end as job progress (`RunProgress`, streamed to browsers by runs/run-progress.ts);
 * 4. save status, error, environment and the executed notebook; give the kernel back (discarded if it died).
 * Failures of the notebook itself (an error, a timeout, a dying kernel, bad parameters) end the run and
 * are not retried (UnrecoverableError). Infrastructure failures (no kernel free in time, Jupyter or the
 * store unreachable) throw, and BullMQ retries with backoff; the last attempt marks the run failed.
 */
export const RUN_NOTEBOOK_JOB = 'run-notebook';

export interface RunNotebookData {
  runId: string;
}

/** Three attempts, 2 s then 4 s apart; finished jobs are trimmed (the run record is the history). */
export const runNotebookJobOptions: JobsOptions = {
  attempts: 3,
  backoff: { type: 'exponential', delay: 2_000 },
  removeOnComplete: { age: 3_600, count: 1_000 },
  removeOnFail: { age: 7 * 24 * 3_600 },
};

/** Where kernels come from: the engine's KernelPool fits. */
export interface KernelSource {
  acquire(timeoutMs: number): Promise<PooledKernel>;
  release(kernel: PooledKernel, opts?: { discard?: boolean }): void;
}

export interface RunNotebookDeps {
  store: Pick<Store, 'runs' | 'notebooks'>;
  kernels: KernelSource;
  /** Per-cell time limit (config FOLIO_CELL_TIMEOUT_S). */
  cellTimeoutMs: number;
  /** Per-cell output cap (config FOLIO_MAX_OUTPUT_MB). */
  maxOutputBytes: number;
  /** How long to wait for a free kernel before this attempt fails (and is retried). Default 60 s. */
  acquireTimeoutMs?: number;
  logger: Logger;
}

export function runNotebookProcessor(deps: RunNotebookDeps): (job: Job<RunNotebookData>) => Promise<RunStatus> {
  const { runs, notebooks } = deps.store;
  const log = deps.logger.child({ component: 'run-notebook' });

  const end = async (run: RunRecord, status: RunStatus, error: { code: string; message: string }) => {
    await runs.update(run.id, { status, error, endedAt: new Date().toISOString() });
    log.info({ runId: run.id, status, error }, 'run ended');
  };

  return async (job) => {
    const { runId } = job.data;
    const run = await runs.get(runId);
    if (!run) throw new UnrecoverableError(`Run ${runId} does not exist (deleted with its notebook?).`);
    if (TERMINAL_STATUSES.has(run.status)) return run.status; // a retry after the result was saved

    const revision = await notebooks.getRevision(run.notebookId, run.notebookVersion);
    if (!revision) {
      await end(run, 'failed', { code: 'notebook_missing', message: `Version ${run.notebookVersion} of the notebook no longer exists.` });
      throw new UnrecoverableError('notebook version missing');
    }
    let notebook: Notebook;
    try {
      notebook = injectParameters(revision.content, validateParams(inferParameters(revision.content), run.params));
    } catch (e) {
      if (!isDomainError(e)) throw e;
      await end(run, 'failed', { code: 'bad_params', message: e.message });
      throw new UnrecoverableError(e.message);
    }

    const lastAttempt = job.attemptsMade + 1 >= (job.opts.attempts ?? 1);
    try {
      return await execute(run, notebook, job);
    } catch (e) {
      if (e instanceof UnrecoverableError) throw e;
      const message = e instanceof Error ? e.message : String(e);
      if (lastAttempt) await end(run, 'failed', { code: 'infrastructure', message }).catch(() => undefined);
      else await runs.update(run.id, { status: 'queued' }).catch(() => undefined);
      log.warn({ runId, attempt: job.attemptsMade + 1, err: e }, lastAttempt ? 'run failed for good' : 'run attempt failed; will retry');
      throw e;
    }
  };

  async function execute(run: RunRecord, notebook: Notebook, job: Job<RunNotebookData>): Promise<RunStatus> {
    const kernel = await deps.kernels.acquire(deps.acquireTimeoutMs ?? 60_000);
    let discard = true;
    let result: Awaited<ReturnType<typeof executeNotebook>>;
    let environment: KernelEnvironment | undefined;
    try {
      const cells: CellResult[] = notebook.cells
        .filter((c) => c.cell_type === 'code')
        .map((c) => ({ cellId: c.id, executionCount: null, status: willRun(c) ? 'not_run' : 'skipped', outputs: [] }));
      const startedAt = new Date().toISOString();
      await runs.update(run.id, { status: 'running', startedAt, cells, error: undefined });
      environment = await kernelEnvironment(kernel).catch((e: unknown) => {
        log.warn({ runId: run.id, err: e }, 'could not capture the kernel environment');
        return undefined;
      });

      // Progress is saved and published off the execution path (see `progressReporter`).
      const byId = new Map(cells.map((c, i) => [c.cellId, i]));
      const progress = progressReporter(
        () => runs.update(run.id, { cells: [...cells] }),
        (p) => job.updateProgress(p),
        (e) => log.warn({ runId: run.id, err: e }, 'could not save or publish run progress'),
      );
      result = await executeNotebook(kernel, notebook, {
        cellTimeoutMs: deps.cellTimeoutMs,
        maxOutputBytes: deps.maxOutputBytes,
        onProgress: (p) => {
          const i = byId.get(p.cellId);
          if (p.cell && i !== undefined) cells[i] = p.cell;
          progress.push({ done: p.done, total: p.total, cellId: p.cellId, status: p.cell?.status ?? 'running' });
        },
      });
      await progress.flush();
      discard = kernel.died;
    } finally {
      deps.kernels.release(kernel, { discard });
    }

    const executed = result.notebook;
    executed.metadata = { ...executed.metadata, folio: { run_id: run.id, notebook_version: run.notebookVersion, parameters: run.params } };
    await runs.update(run.id, {
      status: result.status,
      cells: result.cells,
      executed,
      environment,
      error: result.error,
      endedAt: new Date().toISOString(),
    });
    log.info({ runId: run.id, status: result.status, error: result.error }, 'run ended');
    // The notebook's own failure: the job fails too (visible as such in the queue) but is never retried.
    if (result.status !== 'succeeded') throw new UnrecoverableError(result.error?.message ?? result.status);
    return result.status;
  }
}

/** The executor's rule: `skip-execution` and empty code cells are not run (so the stored run counts them out). */
const willRun = (c: Cell) => !cellTags(c).includes('skip-execution') && sourceText(c.source).trim() !== '';

/**
 * Publishes every progress message, in order, one at a time; before publishing a cell's end it saves the cells
 * (so a client told "cell i ended" reads it from the run record). Ends queued while a save or publish is in flight
 * share one save. `flush()` resolves when nothing is pending.
 */
function progressReporter(
  save: () => Promise<unknown>,
  publish: (p: RunProgress) => Promise<unknown>,
  onError: (e: unknown) => void,
): { push(p: RunProgress): void; flush(): Promise<void> } {
  let pending: RunProgress[] = [];
  let running: Promise<void> | undefined;
  const drain = async () => {
    while (pending.length) {
      const batch = pending;
      pending = [];
      if (batch.some((p) => p.status !== 'running')) await save().catch(onError);
      for (const p of batch) await publish(p).catch(onError);
    }
    running = undefined;
  };
  return {
    push(p) {
      pending.push(p);
      running ??= drain();
    },
    async flush() {
      while (running) await running;
    },
  };
}
