import { Router } from 'express';
import type { HealthService } from './health.service';

/**
 * Public probes, outside /api (no session): `GET /healthz` says the process serves HTTP; `GET /readyz` names each
 * dependency and its state, 503 while any is down. Neither reveals more than a dependency's name and error kind.
 */
export function healthRoutes(deps: { health: HealthService }): Router {
  const router = Router();
  router.get('/healthz', (_req, res) => {
    res.set('Cache-Control', 'no-store').json({ status: 'ok' });
  });
  router.get('/readyz', async (_req, res) => {
    const readiness = await deps.health.readiness();
    res
      .status(readiness.status === 'ok' ? 200 : 503)
      .set('Cache-Control', 'no-store')
      .json(readiness);
  });
  return router;
}
