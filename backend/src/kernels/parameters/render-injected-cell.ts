import type { PyValue } from './param-types';
import { isSafeIdentifier } from './param-types';

/**
 * Python source for the `injected-parameters` cell, generated from typed values only. Nothing is pasted
 * as text: names are checked identifiers, strings go through a Python string-literal encoder that
 * escapes quotes, backslashes and every character that is not printable (line and paragraph separators,
 * controls, NUL, lone surrogates), floats are written so that Python reads back the same double, and
 * dates are built from integers.
 */
const DT_ALIAS = '_folio_datetime';

export function renderInjectedCell(values: Record<string, PyValue>): string {
  const names = Object.keys(values);
  const alias = uniqueAlias(names);
  const ctx = { alias, usedDatetime: false };
  const lines: string[] = [];
  for (const name of names) {
    if (!isSafeIdentifier(name)) throw new Error(`refusing to inject a parameter named ${JSON.stringify(name)}`);
    lines.push(`${name} = ${pyLiteral(values[name]!, ctx)}`);
  }
  const head = ['# Parameters'];
  const tail: string[] = [];
  if (ctx.usedDatetime) {
    // An alias, so the notebook's own `datetime` (module or class) is never rebound.
    head.push(`import datetime as ${alias}`);
    tail.push(`del ${alias}`);
  }
  return [...head, ...lines, ...tail].join('\n') + '\n';
}

function uniqueAlias(names: string[]): string {
  let alias = DT_ALIAS;
  while (names.includes(alias)) alias += '_';
  return alias;
}

interface RenderContext {
  alias: string;
  usedDatetime: boolean;
}

/** A Python expression that evaluates to exactly `v`. */
export function pyLiteral(v: PyValue, ctx: RenderContext = { alias: DT_ALIAS, usedDatetime: false }): string {
  switch (v.t) {
    case 'none':
      return 'None';
    case 'bool':
      return v.v ? 'True' : 'False';
    case 'int':
      return v.v.toString();
    case 'float':
      return pyFloat(v.v);
    case 'str':
      return pyString(v.v);
    case 'date':
      ctx.usedDatetime = true;
      return `${ctx.alias}.date(${int(v.y)}, ${int(v.m)}, ${int(v.d)})`;
    case 'datetime': {
      ctx.usedDatetime = true;
      const args = [v.y, v.m, v.d, v.hh, v.mm, v.ss, v.us].map(int).join(', ');
      const tz =
        v.tzMinutes === undefined
          ? ''
          : `, tzinfo=${ctx.alias}.timezone(${ctx.alias}.timedelta(minutes=${int(v.tzMinutes)}))`;
      return `${ctx.alias}.datetime(${args}${tz})`;
    }
    case 'list':
      return `[${v.items.map((x) => pyLiteral(x, ctx)).join(', ')}]`;
    case 'dict':
      return `{${v.entries.map(([k, x]) => `${pyString(k)}: ${pyLiteral(x, ctx)}`).join(', ')}}`;
  }
}

function int(n: number): string {
  if (!Number.isSafeInteger(n)) throw new Error(`not an integer: ${n}`);
  return String(n);
}

/** Shortest round-trip repr, like Python's float repr; always reads back as a float. */
export function pyFloat(x: number): string {
  if (Number.isNaN(x)) return "float('nan')";
  if (x === Infinity) return "float('inf')";
  if (x === -Infinity) return "float('-inf')";
  if (Object.is(x, -0)) return '-0.0';
  const s = String(x); // e.g. 0.1, 1e+21, 5e-324: all valid Python float literals when they have . or e
  return /[.e]/.test(s) ? s : `${s}.0`;
}

const PRINTABLE_NON_ASCII = /^[\p{L}\p{M}\p{N}\p{P}\p{S}]$/u;

/** A single-quoted Python str literal whose value is exactly `s` (code unit for code unit). */
export function pyString(s: string): string {
  let out = "'";
  for (const ch of s) {
    const cp = ch.codePointAt(0)!;
    if (ch === '\\') out += '\\\\';
    else if (ch === "'") out += "\\'";
    else if (ch === '\n') out += '\\n';
    else if (ch === '\r') out += '\\r';
    else if (ch === '\t') out += '\\t';
    else if (cp >= 0x20 && cp < 0x7f) out += ch;
    else if (cp >= 0xa0 && PRINTABLE_NON_ASCII.test(ch)) out += ch;
    else if (cp < 0x100) out += `\\x${hex(cp, 2)}`;
    else if (cp < 0x10000) out += `\\u${hex(cp, 4)}`;
    else out += `\\U${hex(cp, 8)}`;
  }
  return `${out}'`;
}

const hex = (n: number, w: number) => n.toString(16).padStart(w, '0');
