import { randomUUID } from 'node:crypto';
import type { AuditAction, AuditActor, AuditEvent, AuditTarget, AuditVerification } from '../contracts/audit';
import { AUDIT_ACTIONS, AUDIT_AREAS, isAuditAction } from '../contracts/audit';
import type { Principal } from '../contracts/principal';
import { badRequest, forbidden, unavailable } from '../errors';
import type { Logger } from '../logger';
import type { AuditFilter, AuditRepository } from '../store/store';
import { requireScope } from '../users/scopes';
import { eventHash, GENESIS_HASH } from './audit-chain';
import { auditDetails } from './audit-details';

/**
 * The audit trail (issue 9): append-only, hash-chained events of security-relevant actions, read by admins.
 *
 * Recording is SYNCHRONOUS with the action: `record()` resolves only once the event is stored, and callers await it
 * before answering; when it fails it throws 503 `unavailable` (and logs the event at error level, so it is not lost
 * from sight), and the caller's request fails too — a bank expects no security-relevant action without its record.
 * Callers order it so that an effect never stands unrecorded where that can be helped:
 * - effects that can be undone are done first and undone when recording fails (create, import: the notebook is
 *   deleted again; run.request: the run is ended before it is queued, so it never executes);
 * - effects that cannot be undone are recorded first, right after every check has passed (delete, cancel): the
 *   trail may then hold a request whose effect failed afterwards, never an effect without its request;
 * - a notebook save is recorded after it is stored, once per editing burst (`coalesceWithinMs`, NotebookService); if
 *   that fails the save stands and the request fails, and the next save of the burst records it.
 *
 * Who: a user (session, or an internal caller acting for one), an API token and its owner, anonymous (a failed
 * sign-in: the email tried) or Folio itself (`{system: 'scheduler'}`). Never a session id, token secret or password;
 * `details` pass through audit-details.ts (secret-named keys redacted, huge strings digested).
 *
 * The chain: each event carries its `seq` (1, 2, 3…), the previous event's hash and its own (audit-chain.ts).
 * Appending reads the head, links the event to it and appends with a compare-and-set on the head
 * (AuditRepository.append); a writer that lost the race (another process appended first) relinks and retries, so
 * concurrent writers never fork the chain.
 */
export type AuditActorInput =
  Principal | { anonymous: true; email?: string; ip?: string } | { system: string; ip?: string };

export interface AuditEventInput {
  action: AuditAction;
  actor: AuditActorInput;
  target?: AuditTarget;
  /** What the action was: names, versions, parameters of runs, role changes. Never secrets. */
  details?: Record<string, unknown>;
}

export interface RecordOptions {
  /**
   * Record nothing when the same user's latest event of this action on this target is less than this old: one
   * event per burst of repeated actions (autosave: `notebook.update`). The burst's first action is recorded; a
   * failed record leaves the burst unrecorded, so the next action tries again.
   */
  coalesceWithinMs?: number;
}

/** What services receive: the one method that records (AuditService implements it). */
export interface AuditRecorder {
  record(event: AuditEventInput, options?: RecordOptions): Promise<void>;
}

/** The query of `GET /api/audit` (validated by the route; meaning decided here). */
export interface AuditQuery {
  /** A user id, an email (any case) or an API token id. */
  actor?: string;
  /** One action, `area.*` / `area` for every action of an area, or several of these separated by commas. */
  action?: string;
  /** A target id, or `type:id`, or `type:` for every target of a type. */
  target?: string;
  /** ISO-8601; events at or after it. */
  from?: string;
  /** ISO-8601; events before it. */
  to?: string;
  /** From a previous page's `next`. */
  cursor?: string;
  /** Page size, 1–500. Default 50. */
  limit?: number;
}

export interface AuditPage {
  events: AuditEvent[];
  /** The cursor of the next (older) page, or null when this is the last. */
  next: string | null;
}

export interface AuditServiceDeps {
  audit: AuditRepository;
  logger: Logger;
  /** Clock (ms since the epoch). Default Date.now. */
  now?: () => number;
}

export const DEFAULT_PAGE_SIZE = 50;
export const MAX_PAGE_SIZE = 500;
/** Compare-and-set retries before an append gives up (each retry means another writer appended meanwhile). */
const MAX_APPEND_ATTEMPTS = 100;
const VERIFY_BATCH = 1000;
const EXPORT_BATCH = 500;
const MAX_ANONYMOUS_EMAIL_CHARS = 320;

export class AuditService implements AuditRecorder {
  private readonly log: Logger;
  constructor(private readonly deps: AuditServiceDeps) {
    this.log = deps.logger.child({ component: 'audit' });
  }

  async record(input: AuditEventInput, options: RecordOptions = {}): Promise<void> {
    const { actor, ip } = actorOf(input.actor);
    const now = (this.deps.now ?? Date.now)();
    if (
      options.coalesceWithinMs &&
      actor.userId &&
      input.target &&
      (await this.withinBurst(input, actor.userId, now, options.coalesceWithinMs))
    )
      return;
    const base = {
      id: randomUUID(),
      at: new Date(now).toISOString(),
      actor,
      ip,
      action: input.action,
      target: input.target ? targetOf(input.target) : null,
      details: auditDetails(input.details),
    };
    try {
      for (let attempt = 0; attempt < MAX_APPEND_ATTEMPTS; attempt++) {
        const head = await this.deps.audit.head();
        const linked = { ...base, seq: (head?.seq ?? 0) + 1, prevHash: head?.hash ?? GENESIS_HASH };
        if (await this.deps.audit.append({ ...linked, hash: eventHash(linked) })) return;
      }
      throw new Error(`the chain head moved ${MAX_APPEND_ATTEMPTS} times in a row`);
    } catch (err) {
      this.log.error({ err, event: base }, 'could not write an audit event; the action fails');
      throw unavailable('The audit trail could not be written, so this action was not completed. Try again later.');
    }
  }

  private async withinBurst(input: AuditEventInput, userId: string, now: number, withinMs: number): Promise<boolean> {
    try {
      const filter = { actor: userId, actions: [input.action], targetId: input.target!.id };
      const [latest] = await this.deps.audit.list(filter, { limit: 1 });
      return !!latest && latest.actor.userId === userId && now - Date.parse(latest.at) < withinMs;
    } catch {
      return false; // record() then fails loudly
    }
  }

  /** A page of events, newest first (admins). */
  async list(who: Principal, query: AuditQuery): Promise<AuditPage> {
    assertCanRead(who);
    const filter = filterOf(query);
    const limit = query.limit ?? DEFAULT_PAGE_SIZE;
    if (!Number.isInteger(limit) || limit < 1 || limit > MAX_PAGE_SIZE)
      throw badRequest(`limit must be between 1 and ${MAX_PAGE_SIZE}.`, { field: 'limit' });
    const beforeSeq = query.cursor === undefined ? undefined : decodeCursor(query.cursor);
    const rows = await this.deps.audit.list(filter, { beforeSeq, limit: limit + 1 });
    const events = rows.slice(0, limit);
    const last = events[events.length - 1];
    return { events, next: rows.length > limit && last ? encodeCursor(last.seq) : null };
  }

  /**
   * Every matching event from the cursor on, newest first, in batches (the CSV export streams them). Checks access
   * and the query before the first batch is read, so a bad request fails before anything is sent.
   */
  async exportEvents(who: Principal, query: Omit<AuditQuery, 'limit'>): Promise<AsyncIterable<AuditEvent[]>> {
    assertCanRead(who);
    const filter = filterOf(query);
    let beforeSeq = query.cursor === undefined ? undefined : decodeCursor(query.cursor);
    const audit = this.deps.audit;
    return {
      async *[Symbol.asyncIterator]() {
        for (;;) {
          const batch = await audit.list(filter, { beforeSeq, limit: EXPORT_BATCH });
          if (batch.length) yield batch;
          if (batch.length < EXPORT_BATCH) return;
          beforeSeq = batch[batch.length - 1]!.seq;
        }
      },
    };
  }

  /**
   * Walks the whole chain from the first event: each `seq` follows the previous one, each `prevHash` is the previous
   * event's hash and each `hash` is recomputed from the event's fields. The first event where one of these fails
   * is the answer. (An edited row fails its own hash, or — if its hash was recomputed too — the next event's link;
   * a deleted row leaves a gap. Removing the newest events leaves a shorter, intact chain: compare `head` with one
   * noted earlier to catch that.)
   */
  async verify(who: Principal): Promise<AuditVerification> {
    assertCanRead(who);
    let prev: { seq: number; hash: string } = { seq: 0, hash: GENESIS_HASH };
    let checked = 0;
    for (;;) {
      const batch = await this.deps.audit.chain(prev.seq, VERIFY_BATCH);
      for (const e of batch) {
        const at = { seq: e.seq, id: e.id, at: e.at };
        if (e.seq !== prev.seq + 1) {
          const missing = e.seq - 1 === prev.seq + 1 ? `${prev.seq + 1}` : `${prev.seq + 1}–${e.seq - 1}`;
          return broken(checked, {
            ...at,
            reason: 'missing_events',
            message: `Events ${missing} are missing before this one.`,
          });
        }
        if (e.prevHash !== prev.hash) {
          return broken(checked, {
            ...at,
            reason: 'prev_hash_mismatch',
            message: `This event does not link to event ${prev.seq}: that one was changed or replaced.`,
          });
        }
        if (eventHash(e) !== e.hash) {
          return broken(checked, {
            ...at,
            reason: 'hash_mismatch',
            message: 'This event was changed after it was recorded.',
          });
        }
        prev = { seq: e.seq, hash: e.hash };
        checked++;
      }
      if (batch.length < VERIFY_BATCH) break;
    }
    this.log.info({ events: checked, head: prev }, 'audit chain verified');
    return { intact: true, events: checked, head: checked ? prev : null };
  }
}

const broken = (events: number, b: Extract<AuditVerification, { intact: false }>['broken']): AuditVerification => ({
  intact: false,
  events,
  broken: b,
});

function assertCanRead(who: Principal): void {
  if (who.role !== 'admin') throw forbidden('Only admins can read the audit trail.');
  requireScope(who, 'admin');
}

function actorOf(input: AuditActorInput): { actor: AuditActor; ip: string | null } {
  if ('anonymous' in input) {
    const email = input.email?.slice(0, MAX_ANONYMOUS_EMAIL_CHARS);
    return { actor: { type: 'anonymous', ...(email ? { email } : {}) }, ip: input.ip ?? null };
  }
  if ('system' in input) return { actor: { type: 'system', name: input.system }, ip: input.ip ?? null };
  const who = { userId: input.id, email: input.email, name: input.name, role: input.role };
  const c = input.credential;
  const actor: AuditActor =
    c?.kind === 'token'
      ? { type: 'token', tokenId: c.tokenId, scopes: [...c.scopes], ...who }
      : { type: 'user', ...who };
  return { actor, ip: input.ip ?? null };
}

function targetOf(t: AuditTarget): AuditTarget {
  return t.name === undefined ? { type: t.type, id: t.id } : { type: t.type, id: t.id, name: t.name };
}

/** The store filter of a query: `action` expanded against the known actions, `target` split into type and id. */
function filterOf(q: Omit<AuditQuery, 'limit' | 'cursor'>): AuditFilter {
  const filter: AuditFilter = {};
  if (q.actor) filter.actor = q.actor;
  if (q.action) filter.actions = actionsOf(q.action);
  if (q.target) {
    const i = q.target.indexOf(':');
    if (i < 0) filter.targetId = q.target;
    else {
      filter.targetType = q.target.slice(0, i);
      if (i < q.target.length - 1) filter.targetId = q.target.slice(i + 1);
    }
  }
  if (q.from) filter.from = isoOf(q.from, 'from');
  if (q.to) filter.to = isoOf(q.to, 'to');
  if (filter.from && filter.to && filter.from >= filter.to)
    throw badRequest('from must be before to.', { field: 'from' });
  return filter;
}

function actionsOf(value: string): string[] {
  const out = new Set<string>();
  for (const part of value
    .split(',')
    .map((s) => s.trim())
    .filter(Boolean)) {
    const area = part.endsWith('.*') ? part.slice(0, -2) : part;
    if (isAuditAction(part)) out.add(part);
    else if (AUDIT_AREAS.includes(area))
      AUDIT_ACTIONS.filter((a) => a.startsWith(`${area}.`)).forEach((a) => out.add(a));
    else throw badRequest(`Unknown audit action "${part}".`, { field: 'action', known: AUDIT_ACTIONS });
  }
  return [...out];
}

function isoOf(value: string, field: string): string {
  const t = Date.parse(value);
  if (Number.isNaN(t)) throw badRequest(`${field} must be an ISO-8601 date or time.`, { field });
  return new Date(t).toISOString();
}

/** Cursors are opaque to clients: the seq the next page starts below. */
const encodeCursor = (seq: number) => Buffer.from(`before:${seq}`).toString('base64url');

function decodeCursor(cursor: string): number {
  const m = /^before:(\d{1,15})$/.exec(Buffer.from(cursor, 'base64url').toString('utf8'));
  if (!m) throw badRequest('cursor is not one this API gave out.', { field: 'cursor' });
  return Number(m[1]);
}
