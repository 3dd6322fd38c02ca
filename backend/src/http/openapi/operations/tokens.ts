import { CreateTokenSchema, ListTokensQuerySchema, TokenIdParamsSchema } from '../../tokens/tokens.schema';
import type { ApiOperation } from '../operation';

const tag = 'API tokens';

export const TOKEN_OPERATIONS: ApiOperation[] = [
  {
    method: 'GET',
    path: '/api/tokens',
    tag,
    auth: 'user',
    summary: 'List API tokens (yours; admins: a user’s with ?userId=, or all with ?all=true)',
    query: ListTokensQuerySchema,
    responses: {
      200: '`{tokens: TokenView[]}`, newest first (never the secrets).',
      403: 'Another user’s tokens, for a non-admin.',
    },
  },
  {
    method: 'POST',
    path: '/api/tokens',
    tag,
    auth: 'user',
    summary: 'Create an API token (the secret is in this answer only)',
    description:
      'Admins may create one for another user or a service account (`userId`). A token never exceeds its owner’s rights.',
    body: { schema: CreateTokenSchema },
    responses: {
      201: '`{id, token, name, scopes, expiresAt, userId}` with Cache-Control: no-store.',
      403: 'For another user, by a non-admin.',
    },
  },
  {
    method: 'DELETE',
    path: '/api/tokens/:id',
    tag,
    auth: 'user',
    summary: 'Revoke an API token (at once)',
    params: TokenIdParamsSchema,
    responses: { 204: 'Revoked.', 404: 'No such token, or not yours.' },
  },
];
