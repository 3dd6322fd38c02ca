import { createHash } from 'node:crypto';
import type { AuditEvent, AuditJson } from '../contracts/audit';

/**
 * The audit trail's hash chain. Each event's `hash` is
 *
 *   sha256_hex( canonical({v: 1, seq, id, at, actor, ip, action, target, details, prevHash}) )
 *
 * where `canonical` is the JSON Canonicalization Scheme (RFC 8785): object keys sorted by UTF-16 code units, no
 * whitespace, strings and numbers as ECMAScript's JSON.stringify writes them; `ip` and `target` are `null` when absent.
 * The first event's `prevHash` is 64 zeros. Any adapter (SQLite, MongoDB) or an outside verifier with an RFC 8785
 * library computes the same bytes, as long as the stored JSON values come back unchanged — which is why details are
 * plain JSON (normalized by `toAuditJson` before hashing) and never BSON dates or non-finite numbers.
 */
export const GENESIS_HASH = '0'.repeat(64);
export const CHAIN_VERSION = 1;

export type ChainedFields = Omit<AuditEvent, 'hash'>;

export function eventHash(e: ChainedFields): string {
  const covered = {
    v: CHAIN_VERSION,
    seq: e.seq,
    id: e.id,
    at: e.at,
    actor: e.actor as unknown as AuditJson,
    ip: e.ip ?? null,
    action: e.action,
    target: (e.target ?? null) as unknown as AuditJson,
    details: e.details,
    prevHash: e.prevHash,
  };
  return createHash('sha256').update(canonicalJson(covered), 'utf8').digest('hex');
}

/** RFC 8785 canonical JSON of a JSON value. Throws on what JSON cannot hold (undefined, functions, NaN, Infinity). */
export function canonicalJson(v: AuditJson): string {
  if (v === null || typeof v === 'boolean' || typeof v === 'string') return JSON.stringify(v);
  if (typeof v === 'number') {
    if (!Number.isFinite(v)) throw new TypeError('canonicalJson: non-finite number');
    return JSON.stringify(v);
  }
  if (Array.isArray(v)) return `[${v.map(canonicalJson).join(',')}]`;
  if (typeof v === 'object') {
    // Array.prototype.sort without a comparator orders by UTF-16 code units, as RFC 8785 requires.
    const keys = Object.keys(v)
      .filter((k) => v[k] !== undefined)
      .sort();
    return `{${keys.map((k) => `${JSON.stringify(k)}:${canonicalJson(v[k]!)}`).join(',')}}`;
  }
  throw new TypeError(`canonicalJson: unsupported value of type ${typeof v}`);
}

/**
 * A value as JSON would carry it: what the store gives back after a round trip, so the hash computed before storing
 * equals the one recomputed from the stored event. Dates become ISO strings, undefined object fields vanish,
 * non-finite numbers become null, Buffers/Maps/class instances become what their JSON form is.
 */
export function toAuditJson(value: unknown): AuditJson {
  const text = JSON.stringify(value);
  return text === undefined ? null : (JSON.parse(text) as AuditJson);
}
