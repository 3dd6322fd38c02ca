import { createHash, randomUUID } from 'node:crypto';
import { forbidden, notFound, unavailable } from '../errors';
import type { Principal } from '../http/context';
import { canonicalJson, inferParameters, toJson, validateParams, type JsonValue, type ParamSpec } from '../kernels/parameters';
import type { Logger } from '../logger';
import type { Notebook } from '../notebooks/nbformat';
import type { NotebookRepository, RunRecord, RunRepository, RunTrigger } from '../store/store';

/**
 * Headless runs of saved notebooks (papermill-like): validate the parameters, record the run, queue it.
 * The worker (queue/run-notebook.job.ts) executes it on a pooled kernel and fills the record in.
 *
 * Access rules (for now, like notebooks until sharing lands): authors and admins may start a run of any
 * notebook they can read (all of them) and read any run; viewers get 403 — they use published apps.
 * Parameters are validated here (400 naming the parameter) and again by the worker against the exact
 * notebook version the run was started on.
 */
export interface RunQueue {
  /** Queue the run for a worker. Throws when the queue is unreachable. */
  enqueue(runId: string): Promise<void>;
}

export interface RunServiceDeps {
  notebooks: NotebookRepository;
  runs: RunRepository;
  queue: RunQueue;
  logger: Logger;
}

export interface ExecutedIpynb {
  fileName: string;
  notebook: Notebook;
}

export const TERMINAL_STATUSES: ReadonlySet<RunRecord['status']> = new Set(['succeeded', 'failed', 'timed_out', 'cancelled']);

export class RunService {
  private readonly log: Logger;
  constructor(private readonly deps: RunServiceDeps) {
    this.log = deps.logger.child({ component: 'runs' });
  }

  /** Validates `params` against the notebook's parameters cell, records a queued run and enqueues it. */
  async start(who: Principal, notebookId: string, params: unknown, trigger: RunTrigger = 'manual'): Promise<RunRecord> {
    assertCanRun(who);
    const nb = await this.deps.notebooks.get(notebookId);
    if (!nb) throw notFound('Notebook');
    const specs = inferParameters(nb.content);
    const values = validateParams(specs, params);
    const canonical = Object.fromEntries(Object.entries(values).map(([k, v]) => [k, toJson(v)]));
    const run: RunRecord = {
      id: randomUUID(),
      notebookId,
      notebookVersion: nb.version,
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
      await this.deps.queue.enqueue(run.id);
    } catch (e) {
      this.log.error({ err: e, runId: run.id }, 'could not enqueue run');
      const error = { code: 'unavailable', message: 'The run queue is not reachable; the run was not started.' };
      await this.deps.runs.update(run.id, { status: 'failed', error, endedAt: new Date().toISOString() });
      throw unavailable(error.message);
    }
    this.log.info({ runId: run.id, notebookId, version: nb.version, trigger }, 'run queued');
    return run;
  }

  async get(who: Principal, id: string): Promise<RunRecord> {
    assertCanRead(who);
    const run = await this.deps.runs.get(id);
    if (!run) throw notFound('Run');
    return run;
  }

  /** The executed notebook (injected parameters, outputs, execution counts) once the run has ended. */
  async executedNotebook(who: Principal, id: string): Promise<ExecutedIpynb> {
    const run = await this.get(who, id);
    if (!run.executed) throw notFound(TERMINAL_STATUSES.has(run.status) ? 'Executed notebook' : 'Executed notebook (the run has not ended yet)');
    const nb = await this.deps.notebooks.get(run.notebookId);
    const base = (nb?.name ?? 'notebook').replace(/\.ipynb$/i, '').replace(/[^\w.\- ]+/g, '_');
    return { fileName: `${base}-run-${run.id.slice(0, 8)}.ipynb`, notebook: run.executed };
  }
}

function assertCanRun(who: Principal): void {
  if (who.role !== 'author' && who.role !== 'admin') throw forbidden('Only authors and admins can run notebooks.');
}

function assertCanRead(who: Principal): void {
  if (who.role !== 'author' && who.role !== 'admin') throw forbidden('Only authors and admins can read notebook runs.');
}

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
