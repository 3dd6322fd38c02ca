import { UnrecoverableError, Worker, type ConnectionOptions, type Job } from 'bullmq';
import type { Logger } from '../logger';
import { RUN_QUEUE_NAME } from './run-queue';
import { RUN_NOTEBOOK_JOB, runNotebookProcessor, type RunNotebookDeps } from './run-notebook.job';

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
  deps: RunNotebookDeps;
  logger: Logger;
}

export interface RunWorker {
  worker: Worker;
  /** Stops taking jobs and waits for the running ones to finish. */
  close(): Promise<void>;
}

export function startRunWorker(opts: RunWorkerOptions): RunWorker {
  const log = opts.logger.child({ component: 'run-worker' });
  const handlers: Record<string, (job: Job) => Promise<unknown>> = {
    [RUN_NOTEBOOK_JOB]: runNotebookProcessor(opts.deps),
  };
  const missing = JOB_NAMES.filter((n) => !handlers[n]);
  if (missing.length) throw new Error(`No handler for job(s): ${missing.join(', ')}`);

  const worker = new Worker(
    opts.queueName ?? RUN_QUEUE_NAME,
    async (job: Job) => {
      const handle = handlers[job.name];
      if (!handle) throw new UnrecoverableError(`Unknown job "${job.name}"`);
      return handle(job);
    },
    { connection: opts.connection, prefix: opts.prefix, concurrency: Math.max(1, opts.concurrency) },
  );
  worker.on('error', (err) => log.warn({ err }, 'run worker connection error; retrying'));
  worker.on('failed', (job, err) => log.warn({ jobId: job?.id, err: err.message }, 'job failed'));
  return {
    worker,
    close: () => worker.close(),
  };
}
