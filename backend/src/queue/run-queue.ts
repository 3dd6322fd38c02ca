import { Queue, type ConnectionOptions } from 'bullmq';
import { withTimeout } from '../util/timeout';
import type { JobState, RunJobs } from '../runs/run-reconciler';
import type { RunQueue } from '../runs/run.service';
import { RUN_NOTEBOOK_JOB, runNotebookJobOptions, type RunNotebookData } from './run-notebook.job';

/** Name of the BullMQ queue of notebook runs. Tests use a unique name each. */
export const RUN_QUEUE_NAME = 'folio-runs';

export interface BullRunQueueOptions {
  connection: ConnectionOptions;
  /** Default RUN_QUEUE_NAME. */
  name?: string;
  /** Redis key prefix. Default BullMQ's 'bull'. */
  prefix?: string;
  /** Producers fail fast: a command that Redis does not confirm within this time throws. Default 5 s. */
  enqueueTimeoutMs?: number;
}

/** The producer side of the run queue: one job per run, with the run id as job id (an enqueue is idempotent). */
export class BullRunQueue implements RunQueue, RunJobs {
  readonly queue: Queue<RunNotebookData>;
  private readonly timeoutMs: number;

  constructor(opts: BullRunQueueOptions) {
    this.queue = new Queue<RunNotebookData>(opts.name ?? RUN_QUEUE_NAME, { connection: opts.connection, prefix: opts.prefix });
    this.timeoutMs = opts.enqueueTimeoutMs ?? 5_000;
    // Connection errors surface on enqueue (and in readyz); do not crash on the emitter.
    this.queue.on('error', () => undefined);
  }

  async enqueue(runId: string): Promise<void> {
    const adding = this.queue.add(RUN_NOTEBOOK_JOB, { runId }, { ...runNotebookJobOptions, jobId: runId });
    await withTimeout(adding, this.timeoutMs, 'Redis did not accept the job');
  }

  /** Removes a job that no worker holds (waiting or delayed). False when there was none to remove or it is held. */
  async remove(runId: string): Promise<boolean> {
    try {
      return (await withTimeout(this.queue.remove(runId), this.timeoutMs, 'Redis did not answer')) === 1;
    } catch {
      return false; // locked by a worker, or Redis away: the run's state says what happens next
    }
  }

  async state(runId: string): Promise<JobState> {
    const state = await withTimeout(this.queue.getJobState(runId), this.timeoutMs, 'Redis did not answer');
    switch (state) {
      case 'completed':
      case 'failed':
      case 'delayed':
      case 'active':
        return state;
      case 'unknown':
        return 'missing';
      default:
        return 'waiting'; // waiting, prioritized, waiting-children
    }
  }

  close(): Promise<void> {
    return this.queue.close();
  }
}
