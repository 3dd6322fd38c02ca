import { Router } from 'express';
import type { ApiOperation } from './operation';
import { buildOpenApiDocument } from './document';
import { API_OPERATIONS } from './operations';

/** `GET /api/openapi.json` (mount at /api; any signed-in user or token): the API's OpenAPI 3.1 document. */
export function openApiRoutes(operations: readonly ApiOperation[] = API_OPERATIONS): Router {
  const router = Router();
  let doc: string | undefined;
  router.get('/openapi.json', (_req, res) => {
    doc ??= JSON.stringify(buildOpenApiDocument(operations));
    res.setHeader('Cache-Control', 'no-cache');
    res.type('application/json').send(doc);
  });
  return router;
}
