import type { Token } from './python-tokenizer';
import type { PyValue } from './param-types';
import { dateValue, datetimeValue, parseIsoDate, parseIsoDatetime } from './dates';

/**
 * Reads a Python literal expression from tokens into a PyValue, without evaluating anything:
 * numbers, strings (adjacent ones concatenated), True/False/None, lists, tuples, dicts, signs, plus a
 * few well-known constant forms: float('nan'|'inf'|'-inf'), math.nan/inf, np.nan/inf,
 * date(y, m, d) / datetime(y, m, d[, H, M, S, us]) (any dotted prefix such as datetime.date).
 * Anything else throws NotALiteral.
 */
export class NotALiteral extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'NotALiteral';
  }
}

const MAX_DEPTH = 64;

export function parseLiteral(tokens: Token[]): PyValue {
  const p = new Parser(tokens.filter((t) => t.kind !== 'comment'));
  const v = p.expr(0);
  if (!p.done()) throw new NotALiteral(`unexpected ${JSON.stringify(p.peek()?.text)}`);
  return v;
}

class Parser {
  private i = 0;
  constructor(private readonly toks: Token[]) {}

  done(): boolean {
    return this.i >= this.toks.length;
  }
  peek(offset = 0): Token | undefined {
    return this.toks[this.i + offset];
  }
  private next(): Token {
    const t = this.toks[this.i++];
    if (!t) throw new NotALiteral('unexpected end of expression');
    return t;
  }
  private isOp(text: string, offset = 0): boolean {
    const t = this.peek(offset);
    return t?.kind === 'op' && t.text === text;
  }
  private expect(text: string): void {
    const t = this.next();
    if (t.kind !== 'op' || t.text !== text) throw new NotALiteral(`expected "${text}", got ${JSON.stringify(t.text)}`);
  }

  /** Top level and inside brackets: a bare tuple `1, 2` is allowed only at depth 0 (as in `x = 1, 2`). */
  expr(depth: number): PyValue {
    if (depth > MAX_DEPTH) throw new NotALiteral('literal nested too deeply');
    const first = this.unary(depth);
    if (depth === 0 && this.isOp(',')) {
      const items = [first];
      while (this.isOp(',')) {
        this.next();
        if (this.done()) break;
        items.push(this.unary(depth));
      }
      return { t: 'list', items };
    }
    return first;
  }

  private unary(depth: number): PyValue {
    if (this.isOp('-') || this.isOp('+')) {
      const neg = this.next().text === '-';
      const v = this.unary(depth + 1);
      if (v.t === 'int') return { t: 'int', v: neg ? -v.v : v.v };
      if (v.t === 'float') return { t: 'float', v: neg ? -v.v : v.v };
      throw new NotALiteral('a sign applies only to numbers');
    }
    return this.atom(depth);
  }

  private atom(depth: number): PyValue {
    const t = this.next();
    if (t.kind === 'number') return parseNumber(t.text);
    if (t.kind === 'string') {
      let s = decodeString(t.text);
      while (this.peek()?.kind === 'string') s += decodeString(this.next().text);
      return { t: 'str', v: s };
    }
    if (t.kind === 'op' && t.text === '[') return { t: 'list', items: this.sequence(']', depth) };
    if (t.kind === 'op' && t.text === '(') {
      if (this.isOp(')')) {
        this.next();
        return { t: 'list', items: [] };
      }
      const first = this.expr(depth + 1);
      if (this.isOp(')')) {
        this.next();
        return first;
      }
      this.expect(',');
      return { t: 'list', items: [first, ...this.sequence(')', depth)] };
    }
    if (t.kind === 'op' && t.text === '{') return this.dict(depth);
    if (t.kind === 'name') {
      if (t.text === 'True') return { t: 'bool', v: true };
      if (t.text === 'False') return { t: 'bool', v: false };
      if (t.text === 'None') return { t: 'none' };
      const dotted = [t.text];
      while (this.isOp('.') && this.peek(1)?.kind === 'name') {
        this.next();
        dotted.push(this.next().text);
      }
      if (this.isOp('(')) {
        this.next();
        return this.call(dotted, this.sequence(')', depth));
      }
      return constant(dotted);
    }
    throw new NotALiteral(`unexpected ${JSON.stringify(t.text)}`);
  }

  /** Comma-separated expressions up to `close` (trailing comma allowed); the opening bracket is consumed. */
  private sequence(close: string, depth: number): PyValue[] {
    const items: PyValue[] = [];
    while (!this.isOp(close)) {
      items.push(this.expr(depth + 1));
      if (this.isOp(',')) this.next();
      else break;
    }
    this.expect(close);
    return items;
  }

  private dict(depth: number): PyValue {
    const entries: Array<[string, PyValue]> = [];
    while (!this.isOp('}')) {
      const k = this.expr(depth + 1);
      if (!this.isOp(':')) throw new NotALiteral('sets are not supported; use a list');
      this.next();
      if (k.t !== 'str') throw new NotALiteral('dict keys must be strings');
      entries.push([k.v, this.expr(depth + 1)]);
      if (this.isOp(',')) this.next();
      else break;
    }
    this.expect('}');
    return { t: 'dict', entries };
  }

  private call(dotted: string[], args: PyValue[]): PyValue {
    const fn = dotted[dotted.length - 1];
    if (fn === 'float' && dotted.length === 1 && args.length === 1 && args[0]!.t === 'str') {
      const f = parseFloatWord(args[0]!.v.trim());
      if (f !== undefined) return { t: 'float', v: f };
    }
    if (fn === 'date' || fn === 'datetime') {
      if (args.length === 1 && args[0]!.t === 'str') {
        const v = fn === 'date' ? parseIsoDate(args[0]!.v) : parseIsoDatetime(args[0]!.v);
        if (v) return v;
      }
      const ints = args.map((a) => (a.t === 'int' ? Number(a.v) : NaN));
      if (ints.every((n) => Number.isSafeInteger(n))) {
        const v = fn === 'date' ? (ints.length === 3 ? dateValue(ints[0]!, ints[1]!, ints[2]!) : undefined) : datetimeValue(ints);
        if (v) return v;
      }
      throw new NotALiteral(`invalid ${fn}(...) arguments`);
    }
    throw new NotALiteral(`call to ${dotted.join('.')}() is not a literal`);
  }
}

function constant(dotted: string[]): PyValue {
  const [mod, attr] = dotted;
  if (dotted.length === 2 && ['math', 'np', 'numpy'].includes(mod!)) {
    if (attr === 'nan' || attr === 'NaN') return { t: 'float', v: NaN };
    if (attr === 'inf' || attr === 'Inf' || attr === 'infty') return { t: 'float', v: Infinity };
    if (attr === 'pi') return { t: 'float', v: Math.PI };
    if (attr === 'e') return { t: 'float', v: Math.E };
  }
  throw new NotALiteral(`name ${dotted.join('.')} is not a literal`);
}

function parseFloatWord(s: string): number | undefined {
  const m = /^([+-]?)(nan|inf|infinity)$/i.exec(s);
  if (m) return m[2]!.toLowerCase() === 'nan' ? NaN : m[1] === '-' ? -Infinity : Infinity;
  return /^[+-]?(\d+\.?\d*|\.\d+)(e[+-]?\d+)?$/i.test(s) ? Number(s) : undefined;
}

export function parseNumber(text: string): PyValue {
  const s = text.replace(/_/g, '');
  if (/[jJ]$/.test(s)) throw new NotALiteral('complex numbers are not supported');
  if (/^0[xX]/.test(s)) return { t: 'int', v: BigInt(s) };
  if (/^0[oO]/.test(s)) return { t: 'int', v: BigInt(`0o${s.slice(2)}`) };
  if (/^0[bB]/.test(s)) return { t: 'int', v: BigInt(`0b${s.slice(2)}`) };
  if (/^\d+$/.test(s)) return { t: 'int', v: BigInt(s) };
  return { t: 'float', v: Number(s) };
}

const SIMPLE_ESCAPES: Record<string, string> = {
  '\n': '',
  '\\': '\\',
  "'": "'",
  '"': '"',
  a: '\x07',
  b: '\b',
  f: '\f',
  n: '\n',
  r: '\r',
  t: '\t',
  v: '\v',
};

/** Decode a Python string literal's raw text (prefix and quotes included) into its value. */
export function decodeString(raw: string): string {
  const prefix = /^[a-zA-Z]*/.exec(raw)![0].toLowerCase();
  if (prefix.includes('b')) throw new NotALiteral('bytes are not supported');
  if (prefix.includes('f')) throw new NotALiteral('f-strings are not literals');
  const body = raw.slice(prefix.length);
  const q = body.startsWith('"""') || body.startsWith("'''") ? 3 : 1;
  const inner = body.slice(q, body.length - q);
  if (prefix.includes('r')) return inner;
  let out = '';
  for (let i = 0; i < inner.length; i++) {
    const c = inner[i]!;
    if (c !== '\\') {
      out += c;
      continue;
    }
    const e = inner[++i];
    if (e === undefined) throw new NotALiteral('dangling backslash');
    if (e in SIMPLE_ESCAPES) {
      out += SIMPLE_ESCAPES[e];
    } else if (/[0-7]/.test(e)) {
      const m = /^[0-7]{1,3}/.exec(inner.slice(i))![0];
      out += String.fromCodePoint(parseInt(m, 8));
      i += m.length - 1;
    } else if (e === 'x' || e === 'u' || e === 'U') {
      const n = e === 'x' ? 2 : e === 'u' ? 4 : 8;
      const hex = inner.slice(i + 1, i + 1 + n);
      if (!new RegExp(`^[0-9a-fA-F]{${n}}$`).test(hex)) throw new NotALiteral(`truncated \\${e} escape`);
      const cp = parseInt(hex, 16);
      if (cp > 0x10ffff) throw new NotALiteral(`invalid \\${e} escape`);
      out += cp >= 0xd800 && cp <= 0xdfff ? String.fromCharCode(cp) : String.fromCodePoint(cp);
      i += n;
    } else if (e === 'N') {
      throw new NotALiteral('\\N{...} escapes are not supported');
    } else {
      out += `\\${e}`;
    }
  }
  return out;
}
