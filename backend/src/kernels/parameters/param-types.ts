import { APP_PARAM_TYPES } from '../../contracts/apps';
/**
 * Parameter types shared by inference, validation and injection.
 *
 * A `PyValue` is a typed Python value: the only thing the injected cell is ever generated from. Request
 * values (JSON) become PyValues in validate-params.ts; parameter-cell literals become PyValues in
 * python-literal.ts. `toJson` gives the canonical JSON form (stored on runs, hashed for caching) which
 * validates back to the same PyValue.
 */
export type PyValue =
  | { t: 'none' }
  | { t: 'bool'; v: boolean }
  | { t: 'int'; v: bigint }
  | { t: 'float'; v: number }
  | { t: 'str'; v: string }
  | { t: 'date'; y: number; m: number; d: number }
  | {
      t: 'datetime';
      y: number;
      m: number;
      d: number;
      hh: number;
      mm: number;
      ss: number;
      us: number;
      /** Offset from UTC in minutes; undefined for a naive datetime. */
      tzMinutes?: number;
    }
  | { t: 'list'; items: PyValue[] }
  | { t: 'dict'; entries: Array<[string, PyValue]> };

export type JsonValue = null | boolean | number | string | JsonValue[] | { [key: string]: JsonValue };

/**
 * `any` is a parameter whose type cannot be told (e.g. `x = None` without annotation): any JSON value is
 * accepted and typed structurally. `choice`/`multichoice` come from `Literal[...]` annotations or from
 * the author refining a spec when publishing.
 */
export const PARAM_TYPES = APP_PARAM_TYPES; // one list, in the shared contract (the app form offers the same types)
export type ParamType = (typeof PARAM_TYPES)[number];

export interface ParamSpec {
  /** A Python identifier (ASCII, not a keyword). */
  name: string;
  type: ParamType;
  /** Canonical JSON of the default; absent when the default is not a literal (see defaultSource). */
  default?: JsonValue;
  /** The default as written in the parameters cell. */
  defaultSource: string;
  /** The annotation as written, if any. */
  annotation?: string;
  label: string;
  help?: string;
  /** None is accepted (Optional[...] / `X | None` / a None default). */
  nullable: boolean;
  required: boolean;
  min?: number | string;
  max?: number | string;
  step?: number;
  /** Allowed values (canonical JSON) for choice and multichoice. */
  options?: JsonValue[];
}

const pad = (n: number, w = 2) => String(n).padStart(w, '0');

export function formatDate(v: { y: number; m: number; d: number }): string {
  return `${pad(v.y, 4)}-${pad(v.m)}-${pad(v.d)}`;
}

export function formatDatetime(v: Extract<PyValue, { t: 'datetime' }>): string {
  let s = `${formatDate(v)}T${pad(v.hh)}:${pad(v.mm)}:${pad(v.ss)}`;
  if (v.us) s += `.${pad(v.us, 6)}`;
  if (v.tzMinutes !== undefined) {
    const sign = v.tzMinutes < 0 ? '-' : '+';
    const abs = Math.abs(v.tzMinutes);
    s += `${sign}${pad(Math.floor(abs / 60))}:${pad(abs % 60)}`;
  }
  return s;
}

/** Canonical JSON form: non-finite floats as 'nan' | 'inf' | '-inf', big ints as decimal strings, dates ISO. */
export function toJson(v: PyValue): JsonValue {
  switch (v.t) {
    case 'none':
      return null;
    case 'bool':
      return v.v;
    case 'int':
      return v.v >= BigInt(Number.MIN_SAFE_INTEGER) && v.v <= BigInt(Number.MAX_SAFE_INTEGER)
        ? Number(v.v)
        : v.v.toString();
    case 'float':
      if (Number.isNaN(v.v)) return 'nan';
      if (v.v === Infinity) return 'inf';
      if (v.v === -Infinity) return '-inf';
      return v.v;
    case 'str':
      return v.v;
    case 'date':
      return formatDate(v);
    case 'datetime':
      return formatDatetime(v);
    case 'list':
      return v.items.map(toJson);
    case 'dict':
      return Object.fromEntries(v.entries.map(([k, x]) => [k, toJson(x)]));
  }
}

/** Python keywords (3.12); soft keywords (match, case, type, _) are valid identifiers. */
export const PYTHON_KEYWORDS = new Set([
  'False',
  'None',
  'True',
  'and',
  'as',
  'assert',
  'async',
  'await',
  'break',
  'class',
  'continue',
  'def',
  'del',
  'elif',
  'else',
  'except',
  'finally',
  'for',
  'from',
  'global',
  'if',
  'import',
  'in',
  'is',
  'lambda',
  'nonlocal',
  'not',
  'or',
  'pass',
  'raise',
  'return',
  'try',
  'while',
  'with',
  'yield',
]);

/** True for names the injected cell may assign: ASCII identifiers that are not Python keywords. */
export function isSafeIdentifier(name: string): boolean {
  return /^[A-Za-z_][A-Za-z0-9_]*$/.test(name) && !PYTHON_KEYWORDS.has(name);
}
