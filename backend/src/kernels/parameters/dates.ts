import type { PyValue } from './param-types';

/** Calendar-checked construction and strict ISO-8601 parsing of Python date/datetime values. */
type DateValue = Extract<PyValue, { t: 'date' }>;
type DatetimeValue = Extract<PyValue, { t: 'datetime' }>;

export function dateValue(y: number, m: number, d: number): DateValue | undefined {
  // Python's date range is years 1..9999.
  if (![y, m, d].every(Number.isInteger) || y < 1 || y > 9999 || m < 1 || m > 12) return undefined;
  const dim = new Date(Date.UTC(2000, 0, 1));
  dim.setUTCFullYear(y, m, 0);
  if (d < 1 || d > dim.getUTCDate()) return undefined;
  return { t: 'date', y, m, d };
}

/** datetime(y, m, d[, hh, mm, ss, us]) from integers, as Python's constructor accepts them. */
export function datetimeValue(ints: number[], tzMinutes?: number): DatetimeValue | undefined {
  if (ints.length < 3 || ints.length > 7) return undefined;
  const [y, m, d, hh = 0, mm = 0, ss = 0, us = 0] = ints as [number, number, number, ...number[]];
  if (!dateValue(y, m, d)) return undefined;
  if (hh < 0 || hh > 23 || mm < 0 || mm > 59 || ss < 0 || ss > 59 || us < 0 || us > 999_999) return undefined;
  const v: DatetimeValue = { t: 'datetime', y, m, d, hh, mm, ss, us };
  if (tzMinutes !== undefined) v.tzMinutes = tzMinutes;
  return v;
}

/** `YYYY-MM-DD` only. */
export function parseIsoDate(s: string): DateValue | undefined {
  const m = /^(\d{4})-(\d{2})-(\d{2})$/.exec(s);
  return m ? dateValue(Number(m[1]), Number(m[2]), Number(m[3])) : undefined;
}

/**
 * `YYYY-MM-DD[(T| )HH:MM[:SS[.ffffff]]][Z|±HH:MM]`. A bare date is midnight. Offsets make an aware
 * datetime (fixed offset), as Python's datetime.fromisoformat does.
 */
export function parseIsoDatetime(s: string): DatetimeValue | undefined {
  const m = /^(\d{4})-(\d{2})-(\d{2})(?:[T ](\d{2}):(\d{2})(?::(\d{2})(?:\.(\d{1,6}))?)?)?(Z|[+-]\d{2}:\d{2})?$/.exec(s);
  if (!m) return undefined;
  let tz: number | undefined;
  if (m[8] === 'Z') tz = 0;
  else if (m[8]) {
    const h = Number(m[8].slice(1, 3));
    const mi = Number(m[8].slice(4, 6));
    if (h > 23 || mi > 59) return undefined;
    tz = (m[8][0] === '-' ? -1 : 1) * (h * 60 + mi);
  }
  if (tz !== undefined && !m[4]) return undefined;
  const us = m[7] ? Number(m[7].padEnd(6, '0')) : 0;
  return datetimeValue([m[1], m[2], m[3], m[4] ?? '0', m[5] ?? '0', m[6] ?? '0'].map(Number).concat(us), tz);
}

/** Sort key for range checks: dates and datetimes compare as ISO strings (aware ones by UTC instant). */
export function dateSortKey(v: DateValue | DatetimeValue): number {
  const base = Date.UTC(2000, 0, 1);
  const dt = new Date(base);
  dt.setUTCFullYear(v.y, v.m - 1, v.d);
  let ms = dt.getTime();
  if (v.t === 'datetime') ms += ((v.hh * 60 + v.mm - (v.tzMinutes ?? 0)) * 60 + v.ss) * 1000 + v.us / 1000;
  return ms;
}
