import type { AuditActor, AuditEvent } from '../../../lib/contracts';
import { NO_FILTERS, type AuditFilters } from '../api/get-audit';

/** Who, in a table cell: "Ada Lovelace <ada@bank.test>", "token 1f3a… of ada@bank.test", "anonymous (eve@x.test)". */
export function actorLabel(a: AuditActor): string {
  const person = a.name && a.email ? `${a.name} <${a.email}>` : (a.email ?? a.name ?? a.userId ?? '');
  switch (a.type) {
    case 'token':
      return `API token ${a.tokenId ?? ''} of ${person}`.trim();
    case 'anonymous':
      return a.email ? `anonymous (${a.email})` : 'anonymous';
    case 'system':
      return `Folio (${a.name ?? 'system'})`;
    default:
      return person || 'unknown user';
  }
}

/** What it was done to: "notebook Risk", or the id when there was no name. */
export function targetLabel(t: AuditEvent['target']): string {
  if (!t) return '—';
  return `${t.type} ${t.name ?? t.id}`;
}

/** A one-line view of the details, `key: value` pairs, long values cut; the full JSON is one click away. */
export function detailsSummary(details: Record<string, unknown>, max = 120): string {
  const parts = Object.entries(details).map(([k, v]) => `${k}: ${typeof v === 'string' ? v : JSON.stringify(v)}`);
  const text = parts.join(', ');
  return text.length > max ? `${text.slice(0, max - 1)}…` : text;
}

/** `<input type="datetime-local">` value (the browser's local time) → ISO-8601 UTC; '' stays ''. */
export function localInputToIso(value: string): string {
  if (!value) return '';
  const t = new Date(value).getTime();
  return Number.isNaN(t) ? '' : new Date(t).toISOString();
}

/** ISO-8601 → a `datetime-local` value in the browser's time zone (minutes). */
export function isoToLocalInput(iso: string): string {
  if (!iso) return '';
  const d = new Date(iso);
  if (Number.isNaN(d.getTime())) return '';
  const pad = (n: number) => String(n).padStart(2, '0');
  return `${d.getFullYear()}-${pad(d.getMonth() + 1)}-${pad(d.getDate())}T${pad(d.getHours())}:${pad(d.getMinutes())}`;
}

const KEYS = Object.keys(NO_FILTERS) as (keyof AuditFilters)[];

/** The filters kept in the page's URL (`/audit?actor=…&action=…`), so a filtered view can be bookmarked or shared. */
export function filtersFromSearch(params: URLSearchParams): AuditFilters {
  const f = { ...NO_FILTERS };
  for (const k of KEYS) f[k] = params.get(k) ?? '';
  return f;
}

export function filtersToSearch(f: AuditFilters): URLSearchParams {
  const p = new URLSearchParams();
  for (const k of KEYS) if (f[k]) p.set(k, f[k]);
  return p;
}
