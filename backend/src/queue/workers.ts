import { UnrecoverableError, Worker, type ConnectionOptions, type Job, type WorkerOptions } from 'bullmq';
import type { Logger } from '../logger';
import type { RunExecution } from '../runs/run-execution';
import { RUN_QUEUE_NAME } from './run-queue';
import { RUN_NOTEBOOK_JOB, runNotebookProcessor, SHUTDOWN_REASON } from './run-notebook.job';

/**
 * The worker role: consumes the run queue with as many concurrent jobs as the kernel pool has kernels.
 * Every job name the queue carries must have a handler here; a missing one fails at start-up.
 */
export const JOB_NAMES = [RUN_NOTEBOOK_JOB] as const;

export interface RunWorkerOptions {
  connection: ConnectionOptions;
  /** Default RUN_QUEUE_NAME. */
  queueName?: string;
  /** Redis key prefix. Default BullMQ's 'bull'. */
  prefix?: string;
  /** Jobs run at once: the kernel pool size (at least 1). */
  concurrency: number;
  execution: RunExecution;
  /**
   * Called with the job (= run) id of a job that stalled or failed for good. Past maxStalledCount BullMQ fails a job
   * without running any processor ("job stalled more than allowable limit"), so its run would stay queued or running:
   * the reconciler checks the run and ends it if need be (a run already ended is left as it is).
   */
  onJobTrouble?: (runId: string) => void;
  /** On close, how long running runs may go on before their cells are interrupted. Default 15 s. */
  drainMs?: number;
  /** BullMQ lock and stalled-check settings (tests shorten them). Default BullMQ's (30 s). */
  lock?: Pick<WorkerOptions, 'lockDuration' | 'stalledInterval' | 'maxStalledCount'>;
  logger: Logger;
}

export interface RunWorker {
  worker: Worker;
  /**
   * Stops taking jobs; lets running runs finish for `drainMs`, then interrupts them (they end `failed`, code
   * `interrupted`; a run not yet started goes back to the queue); resolves when no job of this worker is running.
   */
  close(): Promise<void>;
}

export function startRunWorker(opts: RunWorkerOptions): RunWorker {
  const log = opts.logger.child({ component: 'run-worker' });
  const handlers: Record<string, (job: Job, token?: string, signal?: AbortSignal) => Promise<unknown>> = {
    [RUN_NOTEBOOK_JOB]: runNotebookProcessor(opts.execution),
  };
  const missing = JOB_NAMES.filter((n) => !handlers[n]);
  if (missing.length) throw new Error(`No handler for job(s): ${missing.join(', ')}`);

  const worker = new Worker(
    opts.queueName ?? RUN_QUEUE_NAME,
    // Three parameters: BullMQ then passes an AbortSignal (aborted by cancelAllJobs at the end of the drain).
    async (job: Job, token?: string, signal?: AbortSignal) => {
      const handle = handlers[job.name];
      if (!handle) throw new UnrecoverableError(`Unknown job "${job.name}"`);
      return handle(job, token, signal);
    },
    { connection: opts.connection, prefix: opts.prefix, concurrency: Math.max(1, opts.concurrency), ...opts.lock },
  );
  worker.on('error', (err) => log.warn({ err }, 'run worker connection error; retrying'));
  worker.on('failed', (job, err) => {
    log.warn({ jobId: job?.id, err: err.message }, 'job failed');
    const forGood = err.name === 'UnrecoverableError' || (job && job.attemptsMade >= (job.opts.attempts ?? 1));
    if (job?.id && forGood) opts.onJobTrouble?.(job.id);
  });
  worker.on('stalled', (jobId) => {
    log.warn({ jobId }, 'job stalled');
    opts.onJobTrouble?.(jobId);
  });
  let closing: Promise<void> | undefined;
  return {
    worker,
    close: () =>
      (closing ??= (async () => {
        const timer = setTimeout(() => worker.cancelAllJobs(SHUTDOWN_REASON), opts.drainMs ?? 15_000);
        try {
          await worker.close();
        } finally {
          clearTimeout(timer);
        }
      })()),
  };
}
