import { once } from 'node:events';
import { Router, type Response } from 'express';
import type { AuditService } from '../../audit/audit.service';
import type { AuditEvent } from '../../contracts/audit';
import type { Logger } from '../../logger';
import { principalOf } from '../context';
import { parseInput } from '../middleware/validate';
import { AuditQuerySchema } from './audit.schema';
import { csvRow, UTF8_BOM } from './csv';

/**
 * The audit trail (mount at /api/audit). Admins only (the rule is in the service); read-only: no route edits or
 * deletes an event (any other method gets the API's 404).
 *   GET /?actor=&action=&target=&from=&to=&cursor=&limit=  → {events: [{id, seq, at, actor, ip, action, target,
 *        details, prevHash, hash}], next}, newest first; `next` is the cursor of the next (older) page, null at the end
 *   GET / with `Accept: text/csv` (or `format=csv`)        → every matching event (from `cursor` on) as a CSV
 *        attachment, streamed
 *   GET /verify                                            → {intact: true, events, head} or {intact: false, events,
 *        broken: {seq, id, at, reason, message}}
 */
export function auditRoutes(deps: { audit: AuditService; logger: Logger }): Router {
  const router = Router();
  const log = deps.logger.child({ component: 'audit-export' });

  router.get('/', async (req, res) => {
    const { format, ...query } = parseInput(AuditQuerySchema, req.query, 'query');
    const csv = format ? format === 'csv' : req.accepts(['application/json', 'text/csv']) === 'text/csv';
    if (!csv) {
      res.json(await deps.audit.list(principalOf(req), query));
      return;
    }
    const { limit: _limit, ...all } = query;
    const batches = await deps.audit.exportEvents(principalOf(req), all);
    const stamp = new Date().toISOString().replace(/[:.]/g, '-');
    res
      .status(200)
      .type('text/csv; charset=utf-8')
      .attachment(`folio-audit-${stamp}.csv`)
      .setHeader('cache-control', 'no-store');
    try {
      await write(res, UTF8_BOM + csvRow(CSV_COLUMNS));
      for await (const batch of batches) {
        if (res.destroyed) return;
        await write(res, batch.map((e) => csvRow(csvCells(e))).join(''));
      }
      res.end();
    } catch (err) {
      // Headers are gone: cut the download so it cannot pass for a complete file.
      log.error({ err }, 'audit CSV export failed part-way');
      res.destroy(err as Error);
    }
  });

  router.get('/verify', async (req, res) => {
    res.json(await deps.audit.verify(principalOf(req)));
  });

  return router;
}

/** Writes with backpressure: waits for 'drain' when the socket's buffer is full. */
async function write(res: Response, chunk: string): Promise<void> {
  if (res.write(chunk)) return;
  await Promise.race([once(res, 'drain'), once(res, 'close')]);
}

export const CSV_COLUMNS = [
  'seq',
  'id',
  'at',
  'action',
  'actor_type',
  'actor_user_id',
  'actor_email',
  'actor_name',
  'actor_role',
  'actor_token_id',
  'ip',
  'target_type',
  'target_id',
  'target_name',
  'details',
  'prev_hash',
  'hash',
] as const;

function csvCells(e: AuditEvent): (string | number | null | undefined)[] {
  return [
    e.seq,
    e.id,
    e.at,
    e.action,
    e.actor.type,
    e.actor.userId,
    e.actor.email,
    e.actor.name,
    e.actor.role,
    e.actor.tokenId,
    e.ip,
    e.target?.type,
    e.target?.id,
    e.target?.name,
    JSON.stringify(e.details),
    e.prevHash,
    e.hash,
  ];
}
