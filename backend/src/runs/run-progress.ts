import type { Principal } from '../http/context';
import type { CellResult, RunRecord, RunStatus } from '../store/store';
import { TERMINAL_STATUSES, type RunService } from './run.service';

/**
 * Live progress of a headless run, for `GET /api/runs/:id/events` (SSE). The worker publishes one RunProgress
 * per cell start and end on the run's job (queue/run-notebook.job.ts); a RunEventSource (queue/run-events.ts,
 * one shared BullMQ QueueEvents per queue) hands them to the web process, whichever process ran the job.
 *
 * A stream is: the stored state at once (`run`), then `progress` as cells start and end, then `end` with the
 * terminal status. It subscribes before it reads the stored state, so nothing between the two is missed.
 */

/** A cell started (`running`) or ended (its result status); `done` of `total` code cells to run. */
export interface RunProgress {
  done: number;
  total: number;
  cellId: string;
  status: 'running' | CellResult['status'];
}

export function isRunProgress(v: unknown): v is RunProgress {
  if (typeof v !== 'object' || v === null) return false;
  const p = v as Record<string, unknown>;
  return typeof p.done === 'number' && typeof p.total === 'number' && typeof p.cellId === 'string' && typeof p.status === 'string';
}

/** What a RunEventSource reports of a run's job: a progress message, or its end (completed, or failed for good). */
export type RunJobEvent = { kind: 'progress'; progress: RunProgress } | { kind: 'ended'; outcome: 'completed' | 'failed' };

export interface RunEventSource {
  /** Calls `listener` with the job events of the run from now on, until the returned function is called. */
  subscribe(runId: string, listener: (e: RunJobEvent) => void): Promise<() => void>;
}

export interface RunState {
  id: string;
  status: RunStatus;
  done: number;
  total: number;
}

export type RunStreamEvent =
  | { event: 'run'; data: RunState }
  | { event: 'progress'; data: RunProgress }
  | { event: 'end'; data: { id: string; status: RunStatus } };

/** `done` / `total` of the stored run: code cells to run (not skipped) and those of them that have ended. */
export function runState(run: RunRecord): RunState {
  const toRun = run.cells.filter((c) => c.status !== 'skipped');
  return { id: run.id, status: run.status, done: toRun.filter((c) => c.status !== 'not_run').length, total: toRun.length };
}

export interface RunProgressDeps {
  runs: Pick<RunService, 'get'>;
  events: RunEventSource;
}

export class RunProgressService {
  constructor(private readonly deps: RunProgressDeps) {}

  /**
   * The events of one run, for as long as `signal` is not aborted. Access rules and 404 are those of
   * RunService.get, checked before this resolves; the subscription ends with the stream or on abort.
   */
  async open(who: Principal, runId: string, signal: AbortSignal): Promise<AsyncIterable<RunStreamEvent>> {
    const inbox = new Inbox<RunJobEvent>();
    const unsubscribe = await this.deps.events.subscribe(runId, (e) => inbox.push(e));
    const stop = () => {
      inbox.close();
      unsubscribe();
    };
    if (signal.aborted) stop();
    signal.addEventListener('abort', stop, { once: true });
    let run: RunRecord;
    try {
      run = await this.deps.runs.get(who, runId);
    } catch (e) {
      stop();
      throw e;
    }
    const reread = () => this.deps.runs.get(who, runId).catch(() => undefined);
    return stream(run, inbox, reread, () => {
      signal.removeEventListener('abort', stop);
      stop();
    });
  }
}

async function* stream(
  run: RunRecord,
  inbox: Inbox<RunJobEvent>,
  reread: () => Promise<RunRecord | undefined>,
  stop: () => void,
): AsyncGenerator<RunStreamEvent> {
  try {
    const state = runState(run);
    yield { event: 'run', data: state };
    if (TERMINAL_STATUSES.has(run.status)) {
      yield { event: 'end', data: { id: run.id, status: run.status } };
      return;
    }
    let done = state.done;
    for await (const e of inbox) {
      if (e.kind === 'progress') {
        // Messages published before the stored state was read may be older than it.
        if (e.progress.done < done) continue;
        done = e.progress.done;
        yield { event: 'progress', data: e.progress };
        continue;
      }
      // The worker saves the terminal status before the job ends; the job's outcome is only a fallback.
      const latest = await reread();
      const status = latest && TERMINAL_STATUSES.has(latest.status) ? latest.status : e.outcome === 'completed' ? 'succeeded' : 'failed';
      yield { event: 'end', data: { id: run.id, status } };
      return;
    }
  } finally {
    stop();
  }
}

/** An unbounded async queue: `push` never blocks; iteration ends once closed and drained. */
class Inbox<T> implements AsyncIterable<T> {
  private readonly items: T[] = [];
  private wake: (() => void) | undefined;
  private closed = false;

  push(item: T): void {
    if (this.closed) return;
    this.items.push(item);
    this.wake?.();
  }

  close(): void {
    this.closed = true;
    this.wake?.();
  }

  async *[Symbol.asyncIterator](): AsyncGenerator<T> {
    for (;;) {
      const item = this.items.shift();
      if (item !== undefined) {
        yield item;
        continue;
      }
      if (this.closed) return;
      await new Promise<void>((resolve) => (this.wake = resolve));
      this.wake = undefined;
    }
  }
}
