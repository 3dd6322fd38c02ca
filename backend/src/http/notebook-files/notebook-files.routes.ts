import express, { Router, type RequestHandler } from 'express';
import { tooLarge } from '../../errors';
import { servedType } from '../../notebook-files/file-types';
import { tooLargeMessage, type NotebookFilesService } from '../../notebook-files/notebook-files.service';
import { principalOf } from '../context';
import { parseInput } from '../middleware/validate';
import { NotebookFileParamsSchema, NotebookFilesParamsSchema } from './notebook-files.schema';

export interface NotebookFilesRoutesDeps {
  files: NotebookFilesService;
  config: { limits: { maxFileBytes: number } };
}

/**
 * A file response may be opened directly in a tab (an SVG, a downloaded HTML): it renders in an opaque origin with
 * scripts, plugins, forms and network off, so it can never act as Folio's origin.
 */
export const FILE_CONTENT_SECURITY_POLICY = "sandbox; default-src 'none'; img-src data:; style-src 'unsafe-inline'";

/**
 * /api/notebooks (mount there), the notebook's folder of files (NotebookFilesService has the rules):
 *   GET    /:id/files              → {files: [{notebookId, path, size, sha256, updatedAt, updatedBy}]} sorted by path
 *   PUT    /:id/files/<path>       raw body (any content type) → 201 (new) or 200 (replaced) with the file's summary;
 *                                  413 over FOLIO_MAX_FILE_MB (nothing stored), 400 bad path, 409 file/folder clash
 *   GET    /:id/files/<path>       → the bytes: images inline with their type, anything else as an attachment;
 *                                  `X-Content-Type-Options: nosniff`, a `sandbox` CSP, ETag = the sha256 (304)
 *   DELETE /:id/files/<path>       → 204
 * <path> may hold sub-folders (`img/logo.png`); URL-encode each segment.
 */
export function notebookFilesRoutes(deps: NotebookFilesRoutesDeps): Router {
  const { files } = deps;
  const router = Router();

  router.get('/:id/files', async (req, res) => {
    const { id } = parseInput(NotebookFilesParamsSchema, req.params, 'params');
    res.json({ files: await files.list(principalOf(req), id) });
  });

  router.put('/:id/files/*path', rawBody(deps.config.limits.maxFileBytes), async (req, res) => {
    const { id, path } = parseInput(NotebookFileParamsSchema, req.params, 'params');
    const body = Buffer.isBuffer(req.body) ? req.body : Buffer.alloc(0);
    const { file, created } = await files.put(principalOf(req), id, path, body);
    res.status(created ? 201 : 200).json(file);
  });

  router.get('/:id/files/*path', async (req, res) => {
    const { id, path } = parseInput(NotebookFileParamsSchema, req.params, 'params');
    const file = await files.get(principalOf(req), id, path);
    const { contentType, disposition } = servedType(file.path);
    res.setHeader('Content-Security-Policy', FILE_CONTENT_SECURITY_POLICY);
    res.setHeader('X-Content-Type-Options', 'nosniff');
    res.setHeader('Cross-Origin-Resource-Policy', 'same-origin');
    res.setHeader('Cache-Control', 'private, no-cache');
    res.setHeader('ETag', `"${file.sha256}"`);
    if (disposition === 'attachment') res.attachment(file.path.split('/').pop());
    res.type(contentType).send(file.data);
  });

  router.delete('/:id/files/*path', async (req, res) => {
    const { id, path } = parseInput(NotebookFileParamsSchema, req.params, 'params');
    await files.delete(principalOf(req), id, path);
    res.status(204).end();
  });

  return router;
}

/** The upload as raw bytes whatever its content type (app.ts leaves these bodies unparsed), capped (413). */
function rawBody(limit: number): RequestHandler {
  const parse = express.raw({ type: () => true, limit });
  return (req, res, next) => {
    parse(req, res, (err?: unknown) => {
      if (err && (err as { type?: string }).type === 'entity.too.large') next(tooLarge(tooLargeMessage(limit)));
      else next(err);
    });
  };
}
