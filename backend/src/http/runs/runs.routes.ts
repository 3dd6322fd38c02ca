import { Router } from 'express';
import type { DomainError } from '../../errors';
import { IPYNB_MEDIA_TYPE, serializeIpynb } from '../../notebooks/ipynb';
import type { RunProgressService } from '../../runs/run-progress';
import type { RunService } from '../../runs/run.service';
import type { RunRecord } from '../../store/store';
import type { PrincipalWatcher } from '../../users/principal-watch';
import { principalOf } from '../context';
import { parseInput } from '../middleware/validate';
import { NotebookIdParamsSchema, RunIdParamsSchema, StartRunSchema } from './runs.schema';
import { endWhen, sendServerSentEvents } from './sse';

export interface RunsRoutesDeps {
  runs: RunService;
  /** Live progress (GET /runs/:id/events); without it that route is not mounted. */
  progress?: RunProgressService;
  /** Keeps an open stream's principal checked (disable, role change, sessions ended end it at once). */
  watcher?: PrincipalWatcher;
}

/**
 * Headless runs (mount at /api). Session required (auth middleware upstream).
 *   POST /notebooks/:id/runs  {params?}  → 202 {id, status} (+ Location); 400 naming a bad parameter
 *   GET  /runs/:id                       → the run: status, params, per-cell outputs and timings, error, environment
 *   GET  /runs/:id/ipynb                 → the executed notebook (.ipynb attachment); 404 until the run has ended
 *   GET  /runs/:id/events                → Server-Sent Events: `run` {id, status, done, total} at once, `progress`
 *                                          {done, total, cellId, status} as cells start and end, `end` {id, status}; then closes;
 *                                          503 + Retry-After at once while Redis is unreachable; `error` {code, message}
 *                                          then closes when the reader's session ends or access is lost meanwhile
 *   POST /runs/:id/cancel                → 200 {id, status: 'cancelled'} for a queued run (ended at once);
 *                                          202 {id, status: 'running', cancelRequestedAt} for a running one (it ends
 *                                          `cancelled` within about a second); 409 once the run has ended; starter or admin
 */
export function runsRoutes(deps: RunsRoutesDeps): Router {
  const router = Router();

  router.post('/notebooks/:id/runs', async (req, res) => {
    const { id } = parseInput(NotebookIdParamsSchema, req.params, 'params');
    const body = parseInput(StartRunSchema, req.body ?? {}, 'body');
    const run = await deps.runs.start(principalOf(req), id, body.params ?? {});
    res.status(202).location(`/api/runs/${run.id}`).json({ id: run.id, status: run.status });
  });

  router.get('/runs/:id', async (req, res) => {
    const { id } = parseInput(RunIdParamsSchema, req.params, 'params');
    res.json(present(await deps.runs.get(principalOf(req), id)));
  });

  router.get('/runs/:id/ipynb', async (req, res) => {
    const { id } = parseInput(RunIdParamsSchema, req.params, 'params');
    const file = await deps.runs.executedNotebook(principalOf(req), id);
    res.attachment(file.fileName).type(IPYNB_MEDIA_TYPE).send(serializeIpynb(file.notebook));
  });

  router.post('/runs/:id/cancel', async (req, res) => {
    const { id } = parseInput(RunIdParamsSchema, req.params, 'params');
    const { run, outcome } = await deps.runs.cancel(principalOf(req), id);
    res.status(outcome === 'cancelled' ? 200 : 202).json({ id: run.id, status: run.status, cancelRequestedAt: run.cancelRequestedAt });
  });

  const progress = deps.progress;
  if (progress) {
    router.get('/runs/:id/events', async (req, res) => {
      const { id } = parseInput(RunIdParamsSchema, req.params, 'params');
      const gone = new AbortController();
      res.on('close', () => gone.abort());
      const events = await progress.open(principalOf(req), id, gone.signal);
      // The reader's access is re-checked while the stream is open: a lost one ends it with an `error` event.
      const who = principalOf(req);
      const reauthenticate = req.reauthenticate;
      const lost = new Promise<DomainError>((resolve) => {
        const watch = deps.watcher?.watch(who, {
          // An API token is re-checked as the request was (the same secret: revoked, expired); a session by the watcher.
          revalidate:
            who.credential?.kind === 'token' && reauthenticate
              ? async () => {
                  const now = await reauthenticate();
                  return now && { principal: now, expiresAt: null };
                }
              : undefined,
          reauthorize: (p) => deps.runs.get(p, id),
          onLost: resolve,
        });
        gone.signal.addEventListener('abort', () => watch?.stop(), { once: true });
      });
      await sendServerSentEvents(res, endWhen(events, lost));
    });
  }

  return router;
}

/** The run without the executed notebook (served by /ipynb); per-cell outputs are in `cells`. */
function present(run: RunRecord): Omit<RunRecord, 'executed'> & { hasExecutedNotebook: boolean } {
  const { executed, ...rest } = run;
  return { ...rest, hasExecutedNotebook: executed !== undefined };
}
