import express, { Router, type RequestHandler } from 'express';
import { tooLarge } from '../../errors';
import type { NotebookService } from '../../notebooks/notebook.service';
import { IPYNB_MEDIA_TYPE } from '../../notebooks/ipynb';
import { principalOf } from '../context';
import { parseInput } from '../middleware/validate';
import {
  AccessCandidatesQuerySchema,
  CreateNotebookSchema,
  ImportQuerySchema,
  NotebookIdParamsSchema,
  RestoreRevisionSchema,
  RevisionParamsSchema,
  SetAccessSchema,
  UpdateNotebookSchema,
} from './notebooks.schema';

export interface NotebooksRoutesDeps {
  notebooks: NotebookService;
  config: { limits: { maxUploadBytes: number } };
}

/**
 * /api/notebooks (mount there). Session required on every route (auth middleware upstream).
 *   GET    /                                  → {notebooks: NotebookSummary[]}
 *   POST   /            {name, content?}      → 201 NotebookRecord
 *   POST   /import?name=<file name>           raw .ipynb body (send it as application/x-ipynb+json or
 *                                             application/octet-stream) → 201 NotebookRecord; 422 invalid, 413 too big
 *   GET    /:id                               → NotebookRecord
 *   PUT    /:id         {version, overwriteVersion?, name?, content?, checkpoint?, keepOutputs?, returnContent?}
 *                                             → NotebookRecord (new version; NotebookSummary with returnContent:
 *                                             false); 409 {currentVersion, current} for a stale version, 409
 *                                             {currentVersion, reason: 'would_blank', blanked} for a save that would
 *                                             empty code the client never saw. keepOutputs: code cells sent without
 *                                             outputs, which keep the stored ones (NotebookService)
 *   DELETE /:id                               → 204
 *   GET    /:id/ipynb                         → the .ipynb as an attachment
 *   GET    /:id/revisions                     → {revisions: RevisionSummary[]} newest first
 *   GET    /:id/revisions/:version            → RevisionRecord
 *   POST   /:id/revisions/:version/restore {version?} → NotebookRecord (a new version, kept as a checkpoint)
 *   GET    /:id/access                        → {notebookId, owner: {userId, name, email}, users: [{userId, name,
 *                                             email, permission, grantedBy, grantedAt}]} (anyone who may read it)
 *   PUT    /:id/access  {users: [{userId, permission: 'read'|'edit'}]} → the new list (owner or admin; replaces it;
 *                                             400 naming an unknown user, a viewer, the owner or a duplicate)
 *   GET    /:id/access/candidates?q=          → {users: [{userId, name, email, role}]} authors and admins to share
 *                                             with, matching q (owner or admin), at most 20
 * Records and list items carry `access` ('owner' | 'admin' | 'edit' | 'read': how the caller reaches the notebook)
 * and `ownerName`.
 * History (NotebookService): saves by one user within 10 minutes of the start of the latest revision replace it
 * (one revision per editing burst, holding its last save; `version` is that save's); creation, `checkpoint: true`
 * and restores always make a new revision that is never replaced; at most 100 revisions per notebook, the oldest
 * plain ones pruned first. A version that was coalesced or pruned away answers 404 under /revisions.
 * Access (notebooks/notebook-access.ts): the list holds what the caller may read; reading needs read access, saving,
 * renaming and restoring edit access, deleting and sharing the owner or an admin. A notebook hidden from the caller is
 * 404, one they may see but not change 403; viewers get 403 on every route, whatever the id. Deleting archives.
 */
export function notebooksRoutes(deps: NotebooksRoutesDeps): Router {
  const { notebooks } = deps;
  const router = Router();

  router.get('/', async (req, res) => {
    res.json({ notebooks: await notebooks.list(principalOf(req)) });
  });

  router.post('/', async (req, res) => {
    const body = parseInput(CreateNotebookSchema, req.body, 'body');
    res.status(201).json(await notebooks.create(principalOf(req), body));
  });

  router.post('/import', rawBody(deps.config.limits.maxUploadBytes), async (req, res) => {
    const { name } = parseInput(ImportQuerySchema, req.query, 'query');
    res.status(201).json(await notebooks.importIpynb(principalOf(req), { name, body: uploadedText(req.body) }));
  });

  router.get('/:id', async (req, res) => {
    const { id } = parseInput(NotebookIdParamsSchema, req.params, 'params');
    res.json(await notebooks.get(principalOf(req), id));
  });

  router.put('/:id', async (req, res) => {
    const { id } = parseInput(NotebookIdParamsSchema, req.params, 'params');
    const { returnContent, ...body } = parseInput(UpdateNotebookSchema, req.body, 'body');
    const saved = await notebooks.update(principalOf(req), id, body);
    res.json(returnContent === false ? summaryOf(saved) : saved);
  });

  router.delete('/:id', async (req, res) => {
    const { id } = parseInput(NotebookIdParamsSchema, req.params, 'params');
    await notebooks.delete(principalOf(req), id);
    res.status(204).end();
  });

  router.get('/:id/ipynb', async (req, res) => {
    const { id } = parseInput(NotebookIdParamsSchema, req.params, 'params');
    const file = await notebooks.exportIpynb(principalOf(req), id);
    res.attachment(file.fileName).type(IPYNB_MEDIA_TYPE).send(file.body);
  });

  router.get('/:id/revisions', async (req, res) => {
    const { id } = parseInput(NotebookIdParamsSchema, req.params, 'params');
    res.json({ revisions: await notebooks.listRevisions(principalOf(req), id) });
  });

  router.get('/:id/revisions/:version', async (req, res) => {
    const { id, version } = parseInput(RevisionParamsSchema, req.params, 'params');
    res.json(await notebooks.getRevision(principalOf(req), id, version));
  });

  router.post('/:id/revisions/:version/restore', async (req, res) => {
    const { id, version } = parseInput(RevisionParamsSchema, req.params, 'params');
    const body = parseInput(RestoreRevisionSchema, req.body, 'body');
    res.json(await notebooks.restoreRevision(principalOf(req), id, version, body?.version));
  });

  router.get('/:id/access', async (req, res) => {
    const { id } = parseInput(NotebookIdParamsSchema, req.params, 'params');
    res.json(await notebooks.sharing.get(principalOf(req), id));
  });

  router.put('/:id/access', async (req, res) => {
    const { id } = parseInput(NotebookIdParamsSchema, req.params, 'params');
    const { users } = parseInput(SetAccessSchema, req.body, 'body');
    res.json(await notebooks.sharing.set(principalOf(req), id, users));
  });

  router.get('/:id/access/candidates', async (req, res) => {
    const { id } = parseInput(NotebookIdParamsSchema, req.params, 'params');
    const { q } = parseInput(AccessCandidatesQuerySchema, req.query, 'query');
    res.json({ users: await notebooks.sharing.candidates(principalOf(req), id, q) });
  });

  return router;
}

/**
 * The upload as raw bytes whatever its content type (app.ts leaves this route's body unparsed), capped at the upload
 * limit (413 as a DomainError).
 */
function rawBody(limit: number): RequestHandler {
  const parse = express.raw({ type: () => true, limit });
  return (req, res, next) => {
    parse(req, res, (err?: unknown) => {
      if (err && (err as { type?: string }).type === 'entity.too.large') {
        next(tooLarge(`The upload is larger than the ${Math.round(limit / (1024 * 1024))} MB limit.`));
      } else next(err);
    });
  };
}

/** The record without its content (the notebook's summary, as in the list). */
function summaryOf<T extends { content: unknown }>(record: T): Omit<T, 'content'> {
  const { content: _, ...summary } = record;
  return summary;
}

function uploadedText(body: unknown): Buffer {
  return Buffer.isBuffer(body) ? body : Buffer.alloc(0);
}
