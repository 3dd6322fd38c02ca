import { z } from 'zod';
import { TOKEN_SCOPES } from '../../users/scopes';
import { TOKEN_EXPIRY } from '../../users/tokens.service';

const ScopeSchema = z.enum(TOKEN_SCOPES, { error: `must be one of ${TOKEN_SCOPES.join(', ')}` });

export const CreateTokenSchema = z.object({
  name: z.string().trim().min(1, 'is required').max(100, 'is at most 100 characters'),
  scopes: z.array(ScopeSchema).min(1, 'needs at least one scope').max(TOKEN_SCOPES.length),
  expiresInDays: z.number().int('must be a whole number of days').min(1).max(TOKEN_EXPIRY.maxDays).optional(),
  userId: z.string().min(1).max(100).optional(),
});
export type CreateToken = z.infer<typeof CreateTokenSchema>;

export const ListTokensQuerySchema = z.object({
  userId: z.string().min(1).max(100).optional(),
  all: z.enum(['true', 'false']).optional(),
});

export const TokenIdParamsSchema = z.object({ id: z.string().min(1).max(100) });
