import { UnrecoverableError, type Job, type JobsOptions } from 'bullmq';
import type { RunExecution } from '../runs/run-execution';
import type { RunStatus } from '../store/store';

/**
 * The `run-notebook` job carries one run id to runs/run-execution.ts, which owns what happens (see runs/run-state.ts
 * for the rules). This file only maps its answer to BullMQ: a run that ended other than `succeeded` fails the job
 * without retry (UnrecoverableError, visible as failed in the queue); an infrastructure failure before the run was
 * claimed is thrown, and BullMQ retries with backoff; a job handed back at shutdown is thrown too, and comes back.
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

/** The abort reason BullMQ's signal carries when the worker's drain time is over (see workers.ts). */
export const SHUTDOWN_REASON = 'shutdown';

export function runNotebookProcessor(execution: RunExecution): (job: Job<RunNotebookData>, token?: string, signal?: AbortSignal) => Promise<RunStatus> {
  return async (job, _token, signal) => {
    const result = await execution.attempt({
      runId: job.data.runId,
      lastAttempt: job.attemptsMade + 1 >= (job.opts.attempts ?? 1),
      publish: (p) => job.updateProgress(p),
      shutdown: signal,
    });
    switch (result.kind) {
      case 'retry':
        throw result.error instanceof Error ? result.error : new Error(String(result.error));
      case 'handed_back':
        throw new Error('The worker stopped before the run started; the run goes back to the queue.');
      case 'skipped':
        if (result.status === 'missing') throw new UnrecoverableError(result.why);
        if (result.status === 'succeeded' || result.status === 'running' || result.status === 'queued') return result.status;
        throw new UnrecoverableError(`${result.status}: ${result.why}`);
      case 'ended':
        // The notebook's own failure: the job fails too (visible as such in the queue) but is never retried.
        if (result.status !== 'succeeded') throw new UnrecoverableError(result.error?.message ?? result.status);
        return result.status;
    }
  };
}
