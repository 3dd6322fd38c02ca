import { useMutation } from '@tanstack/react-query';
import { z } from 'zod';
import { api } from '../../../lib/api-client';
import type { AuditVerification } from '../../../lib/contracts';

const VerificationSchema = z.union([
  z.object({
    intact: z.literal(true),
    events: z.number(),
    head: z.object({ seq: z.number(), hash: z.string() }).nullable(),
  }),
  z.object({
    intact: z.literal(false),
    events: z.number(),
    broken: z.object({
      seq: z.number(),
      id: z.string().nullable(),
      at: z.string().nullable(),
      reason: z.enum(['hash_mismatch', 'prev_hash_mismatch', 'missing_events']),
      message: z.string(),
    }),
  }),
]) as unknown as z.ZodType<AuditVerification>;

/** `GET /api/audit/verify`: walks the whole chain (may take a moment on a long trail), so it runs on demand. */
export const verifyAudit = () => api('/api/audit/verify', {}, VerificationSchema);

export const useVerifyAudit = () => useMutation({ mutationFn: verifyAudit });
