import { z } from 'zod';
import { MAX_PAGE_SIZE } from '../../audit/audit.service';

const text = z.string().trim().min(1).max(320);

/**
 * `GET /api/audit` query. Unknown parameters are refused (a misspelt filter must not quietly show everything).
 * `format=csv` is the same as `Accept: text/csv` (for a plain download link).
 */
export const AuditQuerySchema = z
  .object({
    actor: text.optional(),
    action: text.optional(),
    target: text.optional(),
    from: text.optional(),
    to: text.optional(),
    cursor: z.string().min(1).max(200).optional(),
    limit: z.coerce.number().int().min(1).max(MAX_PAGE_SIZE).optional(),
    format: z.enum(['json', 'csv']).optional(),
  })
  .strict();
export type AuditQueryInput = z.infer<typeof AuditQuerySchema>;
