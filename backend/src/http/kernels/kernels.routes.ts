import { Router } from 'express';
import type { RunningKernelsService } from '../../kernels/sessions/running-kernels.service';
import { principalOf } from '../context';
import { parseInput } from '../middleware/validate';
import { KernelSessionIdParamsSchema } from './kernels.schema';

/**
 * The Running kernels panel (mount at /api/kernels). Session required (auth middleware upstream); users see and stop
 * their own live kernels, admins everyone's (the rule is in the service).
 *   GET    /        → {kernels: RunningKernel[]} most recently used first
 *   DELETE /:id     → 204; 404 for a session that is not there or not yours
 *   DELETE /        → {shutDown: n} every kernel you see
 */
export function kernelsRoutes(deps: { kernels: RunningKernelsService }): Router {
  const router = Router();

  router.get('/', async (req, res) => {
    res.json({ kernels: await deps.kernels.list(principalOf(req)) });
  });

  router.delete('/:id', async (req, res) => {
    const { id } = parseInput(KernelSessionIdParamsSchema, req.params, 'params');
    await deps.kernels.shutdown(principalOf(req), id);
    res.status(204).end();
  });

  router.delete('/', async (req, res) => {
    res.json({ shutDown: await deps.kernels.shutdownAll(principalOf(req)) });
  });

  return router;
}
