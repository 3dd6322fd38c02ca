import { keepPreviousData, queryOptions, useQuery } from '@tanstack/react-query';
import { z } from 'zod';
import { api } from '../../../lib/api-client';
import type { AuditEvent } from '../../../lib/contracts';

/** The filters of the audit page, as `GET /api/audit` takes them (empty strings = not set). */
export interface AuditFilters {
  actor: string;
  action: string;
  target: string;
  /** ISO-8601, or empty. */
  from: string;
  to: string;
}
export const NO_FILTERS: AuditFilters = { actor: '', action: '', target: '', from: '', to: '' };

const JsonSchema: z.ZodType<unknown> = z.unknown();

/** One event (GET /api/audit; backend contracts/audit.ts). */
export const AuditEventSchema = z.object({
  id: z.string(),
  seq: z.number(),
  at: z.string(),
  actor: z.object({
    type: z.enum(['user', 'token', 'anonymous', 'system']),
    userId: z.string().optional(),
    email: z.string().optional(),
    name: z.string().optional(),
    role: z.enum(['admin', 'author', 'viewer']).optional(),
    tokenId: z.string().optional(),
    scopes: z.array(z.string()).optional(),
  }),
  ip: z.string().nullable(),
  action: z.string(),
  target: z.object({ type: z.string(), id: z.string(), name: z.string().optional() }).nullable(),
  details: z.record(z.string(), JsonSchema),
  prevHash: z.string(),
  hash: z.string(),
}) as unknown as z.ZodType<AuditEvent>;

const AuditPageSchema = z.object({ events: z.array(AuditEventSchema), next: z.string().nullable() });
export type AuditPage = z.infer<typeof AuditPageSchema>;

export const PAGE_SIZE = 50;

/** The query string of a filter set (and cursor), without empty values. */
export function auditQuery(
  filters: AuditFilters,
  extra: Record<string, string | undefined> = {},
): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [k, v] of Object.entries({ ...filters, ...extra })) if (v) out[k] = v.trim();
  return out;
}

/** Where the CSV export of these filters downloads from (a plain link: the browser streams it to disk). */
export const auditCsvUrl = (filters: AuditFilters) =>
  `/api/audit?${new URLSearchParams(auditQuery(filters, { format: 'csv' })).toString()}`;

export const getAuditPage = (filters: AuditFilters, cursor: string | undefined) =>
  api('/api/audit', { query: auditQuery(filters, { cursor, limit: String(PAGE_SIZE) }) }, AuditPageSchema);

export const auditQueryKey = ['audit'] as const;

export const auditPageQueryOptions = (filters: AuditFilters, cursor: string | undefined) =>
  queryOptions({
    queryKey: [...auditQueryKey, 'page', filters, cursor ?? null],
    queryFn: () => getAuditPage(filters, cursor),
    // The previous page stays on screen while the next loads (no flash of the spinner between pages).
    placeholderData: keepPreviousData,
    staleTime: 0,
  });

export const useAuditPage = (filters: AuditFilters, cursor: string | undefined) =>
  useQuery(auditPageQueryOptions(filters, cursor));
