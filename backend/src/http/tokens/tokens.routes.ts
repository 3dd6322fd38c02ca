import { Router } from 'express';
import type { TokensService } from '../../users/tokens.service';
import { principalOf } from '../context';
import { parseInput } from '../middleware/validate';
import { CreateTokenSchema, ListTokensQuerySchema, TokenIdParamsSchema } from './tokens.schema';

/**
 * API tokens (mount at /api/tokens; the rules are in users/tokens.service.ts).
 *   GET    /?userId=&all=true  → {tokens: TokenView[]} the caller's, newest first (admins: another user's, or all)
 *   POST   /  {name, scopes, expiresInDays?, userId?} → 201 {id, token, name, scopes, expiresAt, userId}; the secret
 *             is in this answer only (Cache-Control: no-store)
 *   DELETE /:id               → 204, revoked at once; 404 when it is not there or not yours
 */
export function tokensRoutes(deps: { tokens: TokensService }): Router {
  const router = Router();

  router.get('/', async (req, res) => {
    const q = parseInput(ListTokensQuerySchema, req.query, 'query');
    res.json({ tokens: await deps.tokens.list(principalOf(req), { userId: q.userId, all: q.all === 'true' }) });
  });

  router.post('/', async (req, res) => {
    const body = parseInput(CreateTokenSchema, req.body ?? {}, 'body');
    const created = await deps.tokens.create(principalOf(req), body);
    res.setHeader('Cache-Control', 'no-store');
    res.status(201).json(created);
  });

  router.delete('/:id', async (req, res) => {
    const { id } = parseInput(TokenIdParamsSchema, req.params, 'params');
    await deps.tokens.revoke(principalOf(req), id);
    res.status(204).end();
  });

  return router;
}
