import { badRequest } from '../../errors';
import { dateSortKey, parseIsoDate, parseIsoDatetime } from './dates';
import type { JsonValue, ParamSpec, PyValue } from './param-types';
import { isSafeIdentifier, toJson } from './param-types';

/**
 * Request values (JSON) → typed PyValues, checked against the specs. Every failure is a 400 DomainError
 * whose message and `details.param` name the parameter. Accepted JSON forms per type:
 *   int       integer number (safe range) or a decimal string for big ints ("123456789012345678901")
 *   float     number, or "nan" | "inf" | "-inf" | "infinity" | "-infinity" (any case)
 *   str       string (at most MAX_STRING_CHARS characters)
 *   bool      true | false
 *   date      "YYYY-MM-DD"; datetime "YYYY-MM-DDTHH:MM[:SS[.ffffff]][Z|±HH:MM]"
 *   list/dict array/object of JSON values, typed structurally (integral numbers → int, others → float)
 *   any       any JSON value, typed structurally
 *   choice    one of `options`; multichoice: an array of distinct options
 * null is accepted only when the spec is nullable. min/max bound int, float, date and datetime values.
 */
export const MAX_STRING_CHARS = 4 * 1024 * 1024;
export const MAX_DEPTH = 32;
export const MAX_NODES = 100_000;

class ParamError extends Error {}

export function validateParams(specs: ParamSpec[], values: unknown): Record<string, PyValue> {
  if (values === undefined || values === null) values = {};
  if (typeof values !== 'object' || Array.isArray(values)) {
    throw badRequest('params must be an object mapping parameter names to values.', { field: 'params' });
  }
  const byName = new Map(specs.map((s) => [s.name, s]));
  const out: Record<string, PyValue> = Object.create(null) as Record<string, PyValue>; // '__proto__' is a valid name
  for (const [name, raw] of Object.entries(values as Record<string, unknown>)) {
    const spec = byName.get(name);
    if (!spec || !isSafeIdentifier(name)) {
      const known = specs.map((s) => s.name);
      throw badRequest(
        `Unknown parameter "${name}"${known.length ? ` (known: ${known.join(', ')})` : ' (this notebook declares no parameters)'}.`,
        { param: name, known },
      );
    }
    try {
      out[name] = validateValue(spec, raw);
    } catch (e) {
      if (!(e instanceof ParamError)) throw e;
      throw badRequest(`Parameter "${name}": ${e.message}`, { param: name, reason: e.message });
    }
  }
  for (const spec of specs) {
    if (spec.required && !(spec.name in out)) {
      throw badRequest(`Parameter "${spec.name}" is required.`, { param: spec.name, reason: 'required' });
    }
  }
  return out;
}

/** One value against one spec; throws ParamError (a message without the name) when it does not fit. */
export function validateValue(spec: ParamSpec, raw: unknown): PyValue {
  if (raw === null) {
    if (spec.nullable || spec.type === 'any') return { t: 'none' };
    throw new ParamError(`must not be null (expected ${describe(spec)}).`);
  }
  const got = () => `expected ${describe(spec)}, got ${kindOf(raw)}.`;
  switch (spec.type) {
    case 'int': {
      let v: bigint;
      if (typeof raw === 'number' && Number.isSafeInteger(raw)) v = BigInt(raw);
      else if (typeof raw === 'string' && /^[+-]?\d{1,4300}$/.test(raw)) v = BigInt(raw);
      else throw new ParamError(got());
      checkRange(spec, Number(v), (x) => Number(x));
      if (spec.step && spec.min !== undefined && (Number(v) - Number(spec.min)) % spec.step !== 0) {
        throw new ParamError(`must be ${spec.min} plus a multiple of ${spec.step}.`);
      }
      return { t: 'int', v };
    }
    case 'float': {
      let v: number;
      if (typeof raw === 'number' && Number.isFinite(raw)) v = raw;
      else if (typeof raw === 'string' && /^[+-]?(nan|inf|infinity)$/i.test(raw)) {
        v = /nan/i.test(raw) ? NaN : raw.startsWith('-') ? -Infinity : Infinity;
      } else throw new ParamError(got());
      if (Number.isNaN(v) && (spec.min !== undefined || spec.max !== undefined)) throw new ParamError('must be a number in range, not NaN.');
      checkRange(spec, v, (x) => Number(x));
      return { t: 'float', v };
    }
    case 'str':
      if (typeof raw !== 'string') throw new ParamError(got());
      checkString(raw);
      return { t: 'str', v: raw };
    case 'bool':
      if (typeof raw !== 'boolean') throw new ParamError(got());
      return { t: 'bool', v: raw };
    case 'date': {
      const v = typeof raw === 'string' ? parseIsoDate(raw) : undefined;
      if (!v) throw new ParamError(typeof raw === 'string' ? `"${clip(raw)}" is not a valid date (YYYY-MM-DD).` : got());
      checkRange(spec, dateSortKey(v), dateBound(spec));
      return v;
    }
    case 'datetime': {
      const v = typeof raw === 'string' ? parseIsoDatetime(raw) : undefined;
      if (!v) throw new ParamError(typeof raw === 'string' ? `"${clip(raw)}" is not a valid ISO-8601 datetime.` : got());
      checkRange(spec, dateSortKey(v), dateBound(spec));
      return v;
    }
    case 'list':
      if (!Array.isArray(raw)) throw new ParamError(got());
      return fromJson(raw);
    case 'dict':
      if (typeof raw !== 'object' || Array.isArray(raw)) throw new ParamError(got());
      return fromJson(raw);
    case 'any':
      return fromJson(raw);
    case 'choice':
      return pickOption(spec, raw);
    case 'multichoice': {
      if (!Array.isArray(raw)) throw new ParamError(got());
      const items = raw.map((x) => pickOption(spec, x));
      const keys = items.map((x) => JSON.stringify(toJson(x)));
      if (new Set(keys).size !== keys.length) throw new ParamError('must not repeat an option.');
      return { t: 'list', items };
    }
  }
}

function pickOption(spec: ParamSpec, raw: unknown): PyValue {
  const key = canonicalJson(raw as JsonValue);
  const option = (spec.options ?? []).find((o) => canonicalJson(o) === key);
  if (option === undefined) {
    throw new ParamError(`${clip(JSON.stringify(raw) ?? String(raw))} is not one of the options ${clip(JSON.stringify(spec.options ?? []))}.`);
  }
  return fromJson(option);
}

/** Any JSON value typed structurally, with depth, size and string-length limits. */
export function fromJson(raw: unknown): PyValue {
  let nodes = 0;
  const walk = (x: unknown, depth: number): PyValue => {
    if (++nodes > MAX_NODES) throw new ParamError(`has more than ${MAX_NODES} elements.`);
    if (depth > MAX_DEPTH) throw new ParamError(`is nested more than ${MAX_DEPTH} levels deep.`);
    if (x === null) return { t: 'none' };
    if (typeof x === 'boolean') return { t: 'bool', v: x };
    if (typeof x === 'number') {
      if (!Number.isFinite(x)) throw new ParamError('contains a non-finite number.');
      return Number.isSafeInteger(x) ? { t: 'int', v: BigInt(x) } : { t: 'float', v: x };
    }
    if (typeof x === 'string') {
      checkString(x);
      return { t: 'str', v: x };
    }
    if (Array.isArray(x)) return { t: 'list', items: x.map((y) => walk(y, depth + 1)) };
    if (typeof x === 'object' && Object.getPrototypeOf(x) === Object.prototype) {
      return { t: 'dict', entries: Object.entries(x).map(([k, y]) => [k, walk(y, depth + 1)]) };
    }
    throw new ParamError(`contains an unsupported value (${kindOf(x)}).`);
  };
  return walk(raw, 0);
}

/** JSON with sorted object keys: equal values give equal strings (used for options and parameter hashes). */
export function canonicalJson(v: JsonValue): string {
  if (Array.isArray(v)) return `[${v.map(canonicalJson).join(',')}]`;
  if (v !== null && typeof v === 'object') {
    const keys = Object.keys(v).sort();
    return `{${keys.map((k) => `${JSON.stringify(k)}:${canonicalJson(v[k]!)}`).join(',')}}`;
  }
  return JSON.stringify(v) ?? 'null';
}

function checkString(s: string): void {
  if (s.length > MAX_STRING_CHARS) throw new ParamError(`is longer than ${MAX_STRING_CHARS} characters.`);
}

function checkRange(spec: ParamSpec, v: number, bound: (b: number | string) => number): void {
  if (spec.min !== undefined && v < bound(spec.min)) throw new ParamError(`must be at least ${spec.min}.`);
  if (spec.max !== undefined && v > bound(spec.max)) throw new ParamError(`must be at most ${spec.max}.`);
}

function dateBound(spec: ParamSpec): (b: number | string) => number {
  return (b) => {
    const v = typeof b === 'string' ? (spec.type === 'date' ? parseIsoDate(b) : parseIsoDatetime(b)) : undefined;
    if (!v) throw new Error(`spec ${spec.name} has an invalid bound ${b}`);
    return dateSortKey(v);
  };
}

function describe(spec: ParamSpec): string {
  const base: Record<ParamSpec['type'], string> = {
    int: 'an integer',
    float: 'a number',
    str: 'a string',
    bool: 'true or false',
    date: 'a date "YYYY-MM-DD"',
    datetime: 'an ISO-8601 datetime string',
    list: 'a list',
    dict: 'an object',
    any: 'a JSON value',
    choice: 'one of the options',
    multichoice: 'a list of options',
  };
  return base[spec.type] + (spec.nullable ? ' or null' : '');
}

function kindOf(x: unknown): string {
  if (Array.isArray(x)) return 'a list';
  if (x === null) return 'null';
  if (typeof x === 'object') return 'an object';
  if (typeof x === 'string') return 'a string';
  if (typeof x === 'number') return Number.isInteger(x) ? 'an integer' : 'a number';
  return `a ${typeof x}`;
}

function clip(s: string): string {
  return s.length > 60 ? `${s.slice(0, 57)}...` : s;
}
