import { DomainError, isDomainError } from '../errors';
import type { Principal } from '../contracts/principal';
import type { CellResult, RunRecord, RunStatus } from '../store/store';
import { withTimeout } from '../util/timeout';
import { isFinal } from './run-state';
import type { RunService } from './run.service';

/**
 * Live progress of a headless run, for `GET /api/runs/:id/events` (SSE). The worker publishes one RunProgress
 * per cell start and end on the run's job (queue/run-notebook.job.ts); a RunEventSource (queue/run-events.ts,
 * one shared BullMQ QueueEvents per queue) hands them to the web process, whichever process ran the job.
 *
 * A stream is: the stored state at once (`run`), then `progress` as cells start and end, then `end` with the
 * terminal status. Who may read the run is checked first; then it subscribes, then reads the stored state again, so
 * nothing between the two is missed. While the event source (Redis) is unreachable a stream is refused at once (503,
 * Retry-After) instead of hanging; and a stream re-reads the stored state now and then, so a run ended without a job
 * event (cancelled while queued, found lost by the reconciler) still closes its stream.
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
  /** Whether events can be received (the connection to Redis is up), waiting up to `ms` for it. */
  whenAvailable(ms: number): Promise<boolean>;
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
  /** How often an open stream re-reads the stored state. Default 5 s. */
  recheckMs?: number;
  /** How long subscribing may take before the stream is refused as unavailable. Default 2 s. */
  subscribeTimeoutMs?: number;
}

const RETRY_AFTER_SECONDS = 5;
const eventsUnavailable = () =>
  new DomainError('unavailable', 'Live run progress is unavailable: the queue (Redis) is not reachable. Try again shortly.', {
    retryAfterSeconds: RETRY_AFTER_SECONDS,
  });

export class RunProgressService {
  constructor(private readonly deps: RunProgressDeps) {}

  /**
   * The events of one run, for as long as `signal` is not aborted. Access rules and 404 are those of
   * RunService.get, checked before this resolves; the subscription ends with the stream or on abort.
   */
  async open(who: Principal, runId: string, signal: AbortSignal): Promise<AsyncIterable<RunStreamEvent>> {
    const first = await this.deps.runs.get(who, runId); // 404 / 403 before anything is subscribed
    const inbox = new Inbox<RunJobEvent | { kind: 'recheck' }>();
    if (isFinal(first.status)) return stream(first, inbox, async () => first, () => inbox.close());
    const waitMs = this.deps.subscribeTimeoutMs ?? 2_000;
    if (!(await this.deps.events.whenAvailable(waitMs))) throw eventsUnavailable();
    let unsubscribe: () => void;
    try {
      unsubscribe = await withTimeout(this.deps.events.subscribe(runId, (e) => inbox.push(e)), waitMs, 'subscribing to run events');
    } catch {
      throw eventsUnavailable();
    }
    const recheck = setInterval(() => inbox.push({ kind: 'recheck' }), this.deps.recheckMs ?? 5_000);
    recheck.unref();
    const stop = () => {
      clearInterval(recheck);
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
    // The reader's access is re-read with the state: once the run is hidden from them (a share removed, the notebook
    // deleted) or forbidden, the stream ends — no more progress of a notebook they may no longer see.
    const reread = () =>
      this.deps.runs.get(who, runId).catch((e: unknown) => (isDomainError(e) && (e.status === 403 || e.status === 404) ? DENIED : undefined));
    return stream(run, inbox, reread, () => {
      signal.removeEventListener('abort', stop);
      stop();
    });
  }
}

/** A re-read refused: the reader may no longer see the run. */
const DENIED = Symbol('denied');

async function* stream(
  run: RunRecord,
  inbox: Inbox<RunJobEvent | { kind: 'recheck' }>,
  reread: () => Promise<RunRecord | typeof DENIED | undefined>,
  stop: () => void,
): AsyncGenerator<RunStreamEvent> {
  try {
    const state = runState(run);
    yield { event: 'run', data: state };
    if (isFinal(run.status)) {
      yield { event: 'end', data: { id: run.id, status: run.status } };
      return;
    }
    let done = state.done;
    for await (const e of inbox) {
      if (e.kind === 'recheck') {
        const latest = await reread();
        if (latest === DENIED) return;
        if (latest && isFinal(latest.status)) {
          yield { event: 'end', data: { id: run.id, status: latest.status } };
          return;
        }
        continue;
      }
      if (e.kind === 'progress') {
        // Messages published before the stored state was read may be older than it.
        if (e.progress.done < done) continue;
        done = e.progress.done;
        yield { event: 'progress', data: e.progress };
        continue;
      }
      // The worker saves the final state before its job ends. A job can also end while the run goes on (a second
      // delivery of the job leaves the run to the live attempt holding it): then the rechecks close the stream.
      const latest = await reread();
      if (latest === DENIED) return;
      if (latest && !isFinal(latest.status)) continue;
      const status = latest ? latest.status : e.outcome === 'completed' ? 'succeeded' : 'failed';
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
