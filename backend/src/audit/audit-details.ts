import { createHash } from 'node:crypto';
import type { AuditJson } from '../contracts/audit';
import { canonicalJson, toAuditJson } from './audit-chain';

/**
 * What an event's `details` may carry. Callers pass what the action was (a run's parameters, a role change) and
 * never secrets; this is the safety net behind them:
 * - values under keys that name secrets (password, token, secret, cookie, authorization, invite links, session ids…)
 *   are replaced by "[redacted]", at any depth;
 * - strings longer than MAX_STRING_CHARS are replaced by {truncated, chars, sha256} (the digest still proves what the
 *   value was, e.g. against the run record, without 4 MB strings in the trail);
 * - past MAX_DETAILS_CHARS in all, the largest top-level values are replaced the same way.
 */
export const MAX_STRING_CHARS = 4096;
export const MAX_DETAILS_CHARS = 64 * 1024;
export const REDACTED = '[redacted]';

const SECRET_KEYS = new Set([
  'password',
  'passwd',
  'passphrase',
  'newpassword',
  'currentpassword',
  'oldpassword',
  'passwordhash',
  'secret',
  'clientsecret',
  'token',
  'accesstoken',
  'refreshtoken',
  'idtoken',
  'bearer',
  'apikey',
  'cookie',
  'authorization',
  'session',
  'sessionid',
  'sessiontoken',
  'invite',
  'invitelink',
  'inviteurl',
  'invitetoken',
  'setpasswordlink',
  'setpasswordurl',
  'resetlink',
  'otp',
]);

/** Whether a details key names a secret (case, `_` and `-` ignored): `password`, `apiKey`, `invite_link`… */
export const isSecretKey = (key: string) => SECRET_KEYS.has(key.toLowerCase().replace(/[_-]/g, ''));

const digest = (text: string) => createHash('sha256').update(text, 'utf8').digest('hex');

function scrub(v: AuditJson): AuditJson {
  if (typeof v === 'string') {
    return v.length > MAX_STRING_CHARS ? { truncated: true, chars: v.length, sha256: digest(v) } : v;
  }
  if (Array.isArray(v)) return v.map(scrub);
  if (v !== null && typeof v === 'object') {
    return Object.fromEntries(Object.entries(v).map(([k, x]) => [k, isSecretKey(k) ? REDACTED : scrub(x)]));
  }
  return v;
}

/** `details` made safe and bounded for the trail (see above), as plain JSON. */
export function auditDetails(details: Record<string, unknown> | undefined): Record<string, AuditJson> {
  const json = toAuditJson(details ?? {});
  if (json === null || typeof json !== 'object' || Array.isArray(json)) return {};
  const out = scrub(json) as Record<string, AuditJson>;
  let size = canonicalJson(out).length;
  if (size <= MAX_DETAILS_CHARS) return out;
  const bySize = Object.entries(out)
    .map(([k, v]) => ({ k, text: canonicalJson(v) }))
    .sort((a, b) => b.text.length - a.text.length);
  for (const { k, text } of bySize) {
    if (size <= MAX_DETAILS_CHARS) break;
    out[k] = { truncated: true, chars: text.length, sha256: digest(text) };
    size = canonicalJson(out).length;
  }
  return out;
}
