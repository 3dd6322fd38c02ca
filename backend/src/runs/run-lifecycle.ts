import { isDomainError } from '../errors';
import { inferParameters, injectParameters, validateParams } from '../kernels/parameters';
import type { Logger } from '../logger';
import type { Notebook } from '../contracts/nbformat';
import type { CellResult, KernelEnvironment, NotebookRepository, RunPatch, RunRecord, RunRepository, RunStatus } from '../store/store';
import { DEFAULT_LIVENESS, guards, isFinal, isSilent, type Liveness } from './run-state';

/**
 * The moves of a run's state machine (runs/run-state.ts has the rules), as the worker makes them: prepare, claim,
 * heartbeat, save progress, finish — plus ending runs whose attempt was lost. Every write is a compare-and-set, so a
 * call that lost the run (another attempt, a cancel, the reconciler) changes nothing and says so.
 */
export type RunError = { code: string; message: string };

export type Prepared =
  | { kind: 'execute'; run: RunRecord; notebook: Notebook }
  /** Nothing to execute: the run has ended (now or before), or a live attempt holds it. */
  | { kind: 'skip'; status: RunStatus | 'missing'; why: string };

export interface Outcome {
  status: Exclude<RunStatus, 'queued' | 'running'>;
  cells: CellResult[];
  executed?: Notebook;
  environment?: KernelEnvironment;
  error?: RunError;
}

/** What a heartbeat learns: the attempt still holds the run; a cancel was asked for; or the run is no longer its own. */
export type Beat = 'held' | 'cancel' | 'lost';

export interface RunLifecycleDeps {
  runs: RunRepository;
  notebooks: Pick<NotebookRepository, 'getRevision'>;
  logger: Logger;
  liveness?: Liveness;
  now?: () => number;
}

export class RunLifecycle {
  readonly liveness: Liveness;
  private readonly runs: RunRepository;
  private readonly log: Logger;
  private readonly now: () => number;

  constructor(private readonly deps: RunLifecycleDeps) {
    this.runs = deps.runs;
    this.log = deps.logger.child({ component: 'run-lifecycle' });
    this.liveness = deps.liveness ?? DEFAULT_LIVENESS;
    this.now = deps.now ?? Date.now;
  }

  /**
   * Loads the run and the notebook version it was started on, and re-validates its parameters there (the notebook may
   * have changed its parameters cell since). A run that cannot run ends here; a run held by a live attempt is left alone.
   */
  async prepare(runId: string): Promise<Prepared> {
    const run = await this.runs.get(runId);
    if (!run) return { kind: 'skip', status: 'missing', why: `Run ${runId} does not exist (deleted with its notebook?).` };
    if (isFinal(run.status)) return { kind: 'skip', status: run.status, why: 'the run has already ended' };
    if (run.status === 'running') {
      const ended = await this.endIfLost(run, 'its job was handed out again');
      return { kind: 'skip', status: ended?.status ?? 'running', why: ended ? 'its attempt went silent' : 'a live attempt holds it' };
    }
    const revision = await this.deps.notebooks.getRevision(run.notebookId, run.notebookVersion);
    if (!revision) {
      return this.endUnclaimed(run, { code: 'notebook_missing', message: `Version ${run.notebookVersion} of the notebook no longer exists.` });
    }
    try {
      return { kind: 'execute', run, notebook: injectParameters(revision.content, validateParams(inferParameters(revision.content), run.params)) };
    } catch (e) {
      if (!isDomainError(e)) throw e;
      return this.endUnclaimed(run, { code: 'bad_params', message: e.message });
    }
  }

  /** The run's status now ('missing' once deleted). */
  async statusOf(runId: string): Promise<RunStatus | 'missing'> {
    return (await this.runs.get(runId))?.status ?? 'missing';
  }

  /** queued → running under `attemptId`. Null when the run is no longer queued (cancelled meanwhile, claimed by another). */
  async claim(run: RunRecord, attemptId: string, cells: CellResult[]): Promise<RunRecord | null> {
    const at = new Date(this.now()).toISOString();
    const claimed = await this.runs.transition(run.id, guards.claimQueued, {
      status: 'running',
      attemptId,
      attempts: (run.attempts ?? 0) + 1,
      startedAt: at,
      cells,
      error: undefined,
    });
    if (claimed) {
      await this.runs.heartbeat(run.id, attemptId, at);
      this.log.info({ runId: run.id, attemptId, attempt: claimed.attempts }, 'run started');
    }
    return claimed;
  }

  async heartbeat(runId: string, attemptId: string): Promise<Beat> {
    const state = await this.runs.heartbeat(runId, attemptId, new Date(this.now()).toISOString());
    if (!state) return 'lost';
    return state.cancelRequestedAt ? 'cancel' : 'held';
  }

  /** The cells so far; false when the attempt no longer holds the run. */
  async saveProgress(runId: string, attemptId: string, cells: CellResult[]): Promise<boolean> {
    return (await this.runs.transition(runId, guards.held(attemptId), { cells })) !== null;
  }

  /**
   * running → final, written once by the attempt holding the run. The outputs are stored once, in the executed
   * notebook (the cells keep their status and timings). If that write fails (the store refuses a huge document, is
   * busy…), a small final record saying so is written instead, so the run still ends and is never executed again.
   */
  async finish(runId: string, attemptId: string, outcome: Outcome): Promise<RunRecord | null> {
    const endedAt = new Date(this.now()).toISOString();
    const patch: RunPatch = { ...outcome, endedAt };
    if (outcome.executed) {
      patch.cells = outcome.cells.map((c) => ({ ...c, outputs: [] }));
      patch.outputsIn = 'executed';
    }
    let ended: RunRecord | null;
    try {
      ended = await this.runs.transition(runId, guards.held(attemptId), patch);
    } catch (err) {
      this.log.error({ err, runId }, 'could not save the result of a run; recording its end without it');
      const message = `The run ended (${outcome.status}) but its result could not be saved: ${err instanceof Error ? err.message : String(err)}`;
      ended = await this.runs.transition(runId, guards.held(attemptId), {
        status: 'failed',
        error: { code: 'result_not_saved', message },
        cells: outcome.cells.map((c) => ({ ...c, outputs: [] })),
        environment: outcome.environment,
        endedAt,
      });
    }
    if (ended) this.log.info({ runId, status: ended.status, error: ended.error }, 'run ended');
    else this.log.warn({ runId, attemptId }, 'the attempt no longer holds the run (cancelled, or ended as lost); its result is discarded');
    return ended;
  }

  /**
   * An attempt failed on infrastructure (no kernel in time, Jupyter unreachable…). Before the run was claimed, BullMQ may
   * try again — unless this was the last attempt; after, the run ends (it is never executed twice).
   */
  async attemptFailed(runId: string, claimedBy: string | undefined, err: unknown, lastAttempt: boolean): Promise<'retry' | 'ended'> {
    const message = err instanceof Error ? err.message : String(err);
    if (claimedBy) {
      await this.runs.transition(runId, guards.held(claimedBy), {
        status: 'failed',
        error: { code: 'infrastructure', message },
        endedAt: new Date(this.now()).toISOString(),
      });
      return 'ended';
    }
    if (!lastAttempt) return 'retry';
    const run = await this.runs.get(runId);
    if (run) await this.endUnclaimed(run, { code: 'infrastructure', message });
    return 'ended';
  }

  /**
   * Ends a run whose job is gone or failed for good without the run being ended: a queued run fails with `code`, a running
   * one only once its attempt is silent (it may still be working, e.g. through a Redis outage). Null when left as is.
   */
  async endLost(runId: string, why: string): Promise<RunRecord | null> {
    const run = await this.runs.get(runId);
    if (!run || isFinal(run.status)) return null;
    if (run.status === 'queued') {
      const ended = await this.runs.transition(run.id, guards.unclaimed, lostPatch(`The run's job was lost before it started (${why}).`, this.now()));
      if (ended) this.log.warn({ runId, why }, 'queued run lost its job; ended as lost');
      return ended;
    }
    return this.endIfLost(run, why);
  }

  /** A running run whose attempt is silent → failed/lost; otherwise null. */
  private async endIfLost(run: RunRecord, why: string): Promise<RunRecord | null> {
    if (!isSilent(run, this.now(), this.liveness.staleAfterMs)) return null;
    const seconds = Math.round(this.liveness.staleAfterMs / 1000);
    const message =
      `The worker running this run stopped responding (no sign of life for over ${seconds} s; ${why}). ` +
      'It was not re-run automatically, because its cells may have run partly; start it again to re-run it.';
    // A run recorded before attempts existed has none: then its status alone guards the write.
    const guard = run.attemptId ? guards.held(run.attemptId) : { status: ['running'] as const };
    const ended = await this.runs.transition(run.id, guard, lostPatch(message, this.now()));
    if (ended) this.log.warn({ runId: run.id, attemptId: run.attemptId, why }, 'running run lost its attempt; ended as lost');
    return ended;
  }

  private async endUnclaimed(run: RunRecord, error: RunError): Promise<Prepared> {
    const ended = await this.runs.transition(run.id, guards.unclaimed, { status: 'failed', error, endedAt: new Date(this.now()).toISOString() });
    if (ended) this.log.info({ runId: run.id, error }, 'run ended before it started');
    const status = ended?.status ?? (await this.runs.get(run.id))?.status ?? 'missing';
    return { kind: 'skip', status, why: error.message };
  }
}

const lostPatch = (message: string, now: number): RunPatch => ({
  status: 'failed',
  error: { code: 'lost', message },
  endedAt: new Date(now).toISOString(),
});
