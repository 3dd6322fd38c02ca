import { createHash, randomUUID } from 'node:crypto';
import type { AuditRecorder } from '../audit/audit.service';
import { conflict, forbidden, isDomainError, notFound, unavailable } from '../errors';
import type { Principal } from '../contracts/principal';
import { canonicalJson, inferParameters, toJson, validateParams, type JsonValue, type ParamSpec } from '../kernels/parameters';
import type { Logger } from '../logger';
import type { Notebook } from '../contracts/nbformat';
import { NotebookAccess } from '../notebooks/notebook-access';
import type { NotebookRepository, RunRecord, RunRepository, RunTrigger } from '../store/store';
import { withCellOutputs } from './run-record';
import { guards, isFinal } from './run-state';

/**
 * Headless runs of saved notebooks (papermill-like): validate the parameters, record the run, queue it.
 * The worker (queue/run-notebook.job.ts) executes it on a pooled kernel and fills the record in.
 *
 * Access follows the run's notebook (notebooks/notebook-access.ts): starting a run needs edit access (it executes
 * code); reading a run, its executed notebook and its progress needs read access; cancelling it, read access and being
 * its starter, the notebook's owner or an admin. Viewers get 403. Runs of a deleted (archived) notebook stay: admins
 * read them by id, everyone else gets 404.
 * Parameters are validated here (400 naming the parameter) and again by the worker against the exact
 * notebook version the run was started on.
 */
export interface RunQueue {
  /** Queue the run for a worker. Throws when the queue is unreachable. */
  enqueue(runId: string): Promise<void>;
  /** Removes the run's job if no worker holds it; false otherwise (best effort: the run's state is what counts). */
  remove(runId: string): Promise<boolean>;
}

/** What POST /api/runs/:id/cancel did: ended a queued run at once, or asked the worker running it to stop. */
export type CancelResult = { run: RunRecord; outcome: 'cancelled' | 'cancelling' };

export interface RunServiceDeps {
  notebooks: NotebookRepository;
  /** The notebooks' access rules (compose.ts shares one). Default: owners and admins only, over `notebooks`. */
  access?: NotebookAccess;
  runs: RunRepository;
  queue: RunQueue;
  logger: Logger;
  /**
   * The audit trail: run.request (who, which notebook and version, which parameters) before the run is queued — a run
   * whose event cannot be written ends failed and never executes — and run.cancel before the cancel applies.
   * Default: nothing recorded (tests of other rules).
   */
  audit?: AuditRecorder;
}

export interface ExecutedIpynb {
  fileName: string;
  notebook: Notebook;
}

export class RunService {
  private readonly log: Logger;
  private readonly access: NotebookAccess;
  constructor(private readonly deps: RunServiceDeps) {
    this.log = deps.logger.child({ component: 'runs' });
    this.access = deps.access ?? new NotebookAccess({ notebooks: deps.notebooks });
  }

  /** Validates `params` against the notebook's parameters cell, records a queued run and enqueues it. */
  async start(who: Principal, notebookId: string, params: unknown, trigger: RunTrigger = 'manual'): Promise<RunRecord> {
    const { notebook: nb } = await this.access.writable(who, notebookId);
    const specs = inferParameters(nb.content);
    const values = validateParams(specs, params);
    const canonical = Object.fromEntries(Object.entries(values).map(([k, v]) => [k, toJson(v)]));
    const run: RunRecord = {
      id: randomUUID(),
      notebookId,
      notebookVersion: nb.version,
      files: { from: 'notebook' },
      params: canonical,
      paramsHash: paramsHash(specs, canonical),
      trigger,
      actorId: who.id,
      status: 'queued',
      cells: [],
      createdAt: new Date().toISOString(),
    };
    await this.deps.runs.create(run);
    try {
      await this.deps.audit?.record({
        action: 'run.request',
        actor: who,
        target: { type: 'notebook', id: notebookId, name: nb.name },
        details: { runId: run.id, notebookVersion: nb.version, params: canonical, paramsHash: run.paramsHash, trigger },
      });
    } catch (e) {
      const error = { code: 'audit_unavailable', message: 'The audit trail could not be written; the run was not started.' };
      await this.deps.runs.transition(run.id, guards.unclaimed, { status: 'failed', error, endedAt: new Date().toISOString() });
      throw e;
    }
    try {
      await this.deps.queue.enqueue(run.id);
    } catch (e) {
      this.log.error({ err: e, runId: run.id }, 'could not enqueue run');
      const error = { code: 'unavailable', message: 'The run queue is not reachable; the run was not started.' };
      await this.deps.runs.transition(run.id, guards.unclaimed, { status: 'failed', error, endedAt: new Date().toISOString() });
      throw unavailable(error.message);
    }
    this.log.info({ runId: run.id, notebookId, version: nb.version, trigger }, 'run queued');
    return run;
  }

  /** The run, with each cell's outputs; `notebookArchived` when its notebook was deleted (admins only see those). */
  async get(who: Principal, id: string): Promise<RunRecord & { notebookArchived?: true }> {
    const { run, archived } = await this.readable(who, id);
    return archived ? { ...withCellOutputs(run), notebookArchived: true } : withCellOutputs(run);
  }

  /** The run if `who` may read it (404 'Run' otherwise, never naming the notebook), and whether its notebook is archived. */
  private async readable(who: Principal, id: string): Promise<{ run: RunRecord; archived: boolean }> {
    this.access.assertAuthor(who, 'read');
    const run = await this.deps.runs.get(id);
    if (!run) throw notFound('Run');
    try {
      await this.access.readable(who, run.notebookId);
      return { run, archived: false };
    } catch (e) {
      if (!isDomainError(e) || e.code !== 'not_found') throw e;
      // The notebook is hidden from `who`, or archived (deleted): its runs stay readable by admins only.
      if (who.role === 'admin' && !(await this.deps.notebooks.get(run.notebookId))) return { run, archived: true };
      throw notFound('Run');
    }
  }

  /**
   * Cancels a run (its starter, the notebook's owner or an admin). A queued run ends `cancelled` at once and its job is removed; a running
   * one is asked to stop: the worker holding it sees the request on its next heartbeat (about a second), interrupts
   * the running cell, ends the run `cancelled` and gives the kernel back restarted. 409 once the run has ended.
   */
  async cancel(who: Principal, id: string): Promise<CancelResult> {
    const { run } = await this.readable(who, id);
    this.access.assertAuthor(who, 'edit'); // tokens: notebooks:write
    const nb = await this.deps.notebooks.get(run.notebookId);
    if (run.actorId !== who.id && nb?.ownerId !== who.id && who.role !== 'admin')
      throw forbidden('Only the user who started a run, the notebook’s owner or an admin can cancel it.');
    if (isFinal(run.status)) throw alreadyEnded(run.status);
    // Recorded first (a cancel cannot be undone); a run that ends on its own meanwhile still gets its 409 below.
    await this.deps.audit?.record({
      action: 'run.cancel',
      actor: who,
      target: { type: 'notebook', id: run.notebookId, ...(nb ? { name: nb.name } : {}) },
      details: { runId: id, status: run.status, startedBy: run.actorId },
    });
    const at = new Date().toISOString();
    const error = { code: 'cancelled', message: `The run was cancelled by ${who.email}.` };
    if (run.status === 'queued') {
      const ended = await this.deps.runs.transition(id, guards.unclaimed, { status: 'cancelled', error, endedAt: at, cancelRequestedBy: who.id });
      if (ended) {
        await this.deps.queue.remove(id);
        this.log.info({ runId: id, by: who.id }, 'queued run cancelled');
        return { run: withCellOutputs(ended), outcome: 'cancelled' };
      }
    }
    const current = (await this.deps.runs.get(id)) ?? run;
    if (current.status === 'running') {
      const asked = await this.deps.runs.transition(id, { status: ['running'] }, { cancelRequestedAt: current.cancelRequestedAt ?? at, cancelRequestedBy: who.id });
      if (asked) {
        this.log.info({ runId: id, by: who.id }, 'cancel requested for a running run');
        return { run: withCellOutputs(asked), outcome: 'cancelling' };
      }
    }
    const ended = (await this.deps.runs.get(id)) ?? current;
    throw alreadyEnded(ended.status);
  }

  /** The executed notebook (injected parameters, outputs, execution counts) once the run has ended. */
  async executedNotebook(who: Principal, id: string): Promise<ExecutedIpynb> {
    const run = await this.get(who, id);
    if (!run.executed) throw notFound(isFinal(run.status) ? 'Executed notebook' : 'Executed notebook (the run has not ended yet)');
    const nb = await this.deps.notebooks.get(run.notebookId);
    const base = (nb?.name ?? 'notebook').replace(/\.ipynb$/i, '').replace(/[^\w.\- ]+/g, '_');
    return { fileName: `${base}-run-${run.id.slice(0, 8)}.ipynb`, notebook: run.executed };
  }
}

const alreadyEnded = (status: RunRecord['status']) =>
  conflict(`The run has already ended (${status}); there is nothing to cancel.`, { status });

/**
 * sha256 of the canonical JSON of the effective parameters: the given values over the literal defaults, so
 * `{}` and `{n: <its default>}` hash the same (the result cache key of apps).
 */
export function paramsHash(specs: ParamSpec[], given: Record<string, JsonValue>): string {
  const effective: Record<string, JsonValue> = {};
  for (const s of specs) if (s.default !== undefined) effective[s.name] = s.default;
  Object.assign(effective, given);
  return createHash('sha256').update(canonicalJson(effective)).digest('hex');
}
