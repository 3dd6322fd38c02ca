import { Queue, type ConnectionOptions } from 'bullmq';
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
  /** Producers fail fast: an enqueue that Redis does not confirm within this time throws. Default 5 s. */
  enqueueTimeoutMs?: number;
}

/** The producer side of the run queue: one job per run, with the run id as job id (an enqueue is idempotent). */
export class BullRunQueue implements RunQueue {
  readonly queue: Queue<RunNotebookData>;
  private readonly timeoutMs: number;

  constructor(opts: BullRunQueueOptions) {
    this.queue = new Queue<RunNotebookData>(opts.name ?? RUN_QUEUE_NAME, { connection: opts.connection, prefix: opts.prefix });
    this.timeoutMs = opts.enqueueTimeoutMs ?? 5_000;
    // Connection errors surface on enqueue (and in readyz); do not crash on the emitter.
    this.queue.on('error', () => undefined);
  }

  async enqueue(runId: string): Promise<void> {
    let timer: NodeJS.Timeout | undefined;
    const timeout = new Promise<never>((_, reject) => {
      timer = setTimeout(() => reject(new Error(`Redis did not accept the job within ${this.timeoutMs} ms`)), this.timeoutMs);
    });
    try {
      await Promise.race([this.queue.add(RUN_NOTEBOOK_JOB, { runId }, { ...runNotebookJobOptions, jobId: runId }), timeout]);
    } finally {
      clearTimeout(timer);
    }
  }

  close(): Promise<void> {
    return this.queue.close();
  }
}
