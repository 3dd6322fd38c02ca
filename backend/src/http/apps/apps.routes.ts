import { Router } from 'express';
import type { AppService } from '../../apps/app.service';
import { principalOf } from '../context';
import { parseInput } from '../middleware/validate';
import {
  AppSlugParamsSchema,
  ListAppsQuerySchema,
  PublishAppSchema,
  PublishVersionSchema,
  RollbackAppSchema,
  UpdateAppSchema,
} from './apps.schema';

export interface AppsRoutesDeps {
  apps: AppService;
}

/**
 * /api/apps (mount there). Signed-in callers only (auth middleware upstream).
 *   GET    /?unpublished=true         → {apps: AppSummaryView[]} the apps you may open (managers: their manager
 *                                       summary; unpublished ones with ?unpublished=true)
 *   POST   /  PublishApp              → 201 AppManagerView (version 1)
 *   GET    /:slug                     → AppView (redacted) or AppManagerView (owner, admins)
 *   PATCH  /:slug {title?, description?, access?, cache?} → AppManagerView
 *   DELETE /:slug                     → 204 (unpublished; history and slug kept)
 *   GET    /:slug/versions            → {versions: AppVersionView[]} newest first (owner, admins)
 *   POST   /:slug/versions PublishVersion → 201 AppManagerView (the next version, now current)
 *   POST   /:slug/rollback {version}  → AppManagerView
 * Access (apps/app-access.ts): someone who may not open an app gets 404; management is the owner's and admins'
 * (403 for others who may open it). Tokens: `apps:read` to read, `notebooks:write` to publish and manage.
 */
export function appsRoutes(deps: AppsRoutesDeps): Router {
  const { apps } = deps;
  const router = Router();

  router.get('/', async (req, res) => {
    const { unpublished } = parseInput(ListAppsQuerySchema, req.query, 'query');
    res.json({ apps: await apps.list(principalOf(req), { unpublished: unpublished === 'true' }) });
  });

  router.post('/', async (req, res) => {
    const body = parseInput(PublishAppSchema, req.body, 'body');
    res.status(201).json(await apps.publish(principalOf(req), body));
  });

  router.get('/:slug', async (req, res) => {
    const { slug } = parseInput(AppSlugParamsSchema, req.params, 'params');
    res.json(await apps.get(principalOf(req), slug));
  });

  router.patch('/:slug', async (req, res) => {
    const { slug } = parseInput(AppSlugParamsSchema, req.params, 'params');
    const body = parseInput(UpdateAppSchema, req.body, 'body');
    res.json(await apps.update(principalOf(req), slug, body));
  });

  router.delete('/:slug', async (req, res) => {
    const { slug } = parseInput(AppSlugParamsSchema, req.params, 'params');
    await apps.unpublish(principalOf(req), slug);
    res.status(204).end();
  });

  router.get('/:slug/versions', async (req, res) => {
    const { slug } = parseInput(AppSlugParamsSchema, req.params, 'params');
    res.json({ versions: await apps.listVersions(principalOf(req), slug) });
  });

  router.post('/:slug/versions', async (req, res) => {
    const { slug } = parseInput(AppSlugParamsSchema, req.params, 'params');
    const body = parseInput(PublishVersionSchema, req.body, 'body');
    res.status(201).json(await apps.publishVersion(principalOf(req), slug, body ?? {}));
  });

  router.post('/:slug/rollback', async (req, res) => {
    const { slug } = parseInput(AppSlugParamsSchema, req.params, 'params');
    const { version } = parseInput(RollbackAppSchema, req.body, 'body');
    res.json(await apps.rollback(principalOf(req), slug, version));
  });

  return router;
}
