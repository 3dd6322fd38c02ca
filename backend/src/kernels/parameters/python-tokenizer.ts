/**
 * A small Python tokenizer, enough to read a `parameters` cell: names, numbers, strings (all prefixes,
 * triple quotes), operators, comments and logical lines (brackets and backslashes continue a line).
 * It never evaluates anything. Strings keep their raw text; python-literal.ts decodes them.
 */
export type TokenKind = 'name' | 'number' | 'string' | 'op' | 'comment' | 'newline';

export interface Token {
  kind: TokenKind;
  text: string;
  /** 1-based physical line where the token starts. */
  line: number;
  /** 0-based column where the token starts. */
  col: number;
}

export class TokenizeError extends Error {
  constructor(
    message: string,
    readonly line: number,
  ) {
    super(`line ${line}: ${message}`);
    this.name = 'TokenizeError';
  }
}

const OPERATORS = [
  '**=', '//=', '>>=', '<<=', '...', '->', ':=', '**', '//', '<<', '>>', '<=', '>=', '==', '!=', '+=', '-=', '*=', '/=',
  '%=', '&=', '|=', '^=', '@=', '(', ')', '[', ']', '{', '}', ',', ':', ';', '.', '=', '+', '-', '*', '/', '%', '&', '|',
  '^', '~', '<', '>', '@',
];

const NAME_START = /[\p{L}\p{Nl}_]/u;
const NAME_CHAR = /[\p{L}\p{Nl}\p{Mn}\p{Mc}\p{Nd}\p{Pc}_]/u;
const STRING_PREFIX = /^(?:[rRuUbBfF]|[rR][bBfF]|[bBfF][rR])?(?='|")/;
const NUMBER =
  /^(?:0[xX](?:_?[0-9a-fA-F])+|0[oO](?:_?[0-7])+|0[bB](?:_?[01])+|(?:(?:\d(?:_?\d)*)?\.\d(?:_?\d)*|\d(?:_?\d)*\.?)(?:[eE][+-]?\d(?:_?\d)*)?[jJ]?)/;

/** Tokenize Python source into tokens; one `newline` token ends each logical line that has content. */
export function tokenize(source: string): Token[] {
  const src = source.replace(/\r\n?/g, '\n');
  const out: Token[] = [];
  let i = 0;
  let line = 1;
  let lineStart = 0;
  let depth = 0;
  const push = (kind: TokenKind, text: string, start: number, startLine: number, startCol: number) => {
    out.push({ kind, text, line: startLine, col: startCol });
    i = start + text.length;
  };

  while (i < src.length) {
    const ch = src[i]!;
    const col = i - lineStart;
    if (ch === '\n') {
      if (depth === 0 && out.length > 0 && out[out.length - 1]!.kind !== 'newline') {
        out.push({ kind: 'newline', text: '\n', line, col });
      }
      i++;
      line++;
      lineStart = i;
      continue;
    }
    if (ch === ' ' || ch === '\t' || ch === '\f') {
      i++;
      continue;
    }
    if (ch === '\\') {
      if (src[i + 1] !== '\n') throw new TokenizeError('unexpected character after line continuation', line);
      i += 2;
      line++;
      lineStart = i;
      continue;
    }
    if (ch === '#') {
      const end = src.indexOf('\n', i);
      push('comment', src.slice(i, end === -1 ? src.length : end), i, line, col);
      continue;
    }
    const rest = src.slice(i, i + 3);
    const prefix = STRING_PREFIX.exec(src.slice(i, i + 3));
    if (prefix) {
      const startLine = line;
      const text = readString(src, i, prefix[0].length, startLine);
      const newlines = text.split('\n').length - 1;
      push('string', text, i, startLine, col);
      if (newlines) {
        line += newlines;
        lineStart = src.lastIndexOf('\n', i - 1) + 1;
      }
      continue;
    }
    if (/\d/.test(ch) || (ch === '.' && /\d/.test(src[i + 1] ?? ''))) {
      const m = NUMBER.exec(src.slice(i, i + 4096));
      if (!m) throw new TokenizeError('invalid number', line);
      push('number', m[0], i, line, col);
      if (NAME_CHAR.test(src[i] ?? '')) throw new TokenizeError(`invalid number near "${m[0]}"`, line);
      continue;
    }
    if (NAME_START.test(ch)) {
      let j = i + 1;
      while (j < src.length && NAME_CHAR.test(src[j]!)) j++;
      push('name', src.slice(i, j), i, line, col);
      continue;
    }
    const op = OPERATORS.find((o) => rest.startsWith(o));
    if (!op) throw new TokenizeError(`unexpected character ${JSON.stringify(ch)}`, line);
    if (op === '(' || op === '[' || op === '{') depth++;
    if (op === ')' || op === ']' || op === '}') depth = Math.max(0, depth - 1);
    push('op', op, i, line, col);
  }
  if (out.length > 0 && out[out.length - 1]!.kind !== 'newline') out.push({ kind: 'newline', text: '', line, col: 0 });
  return out;
}

/** Read a string literal starting at `start` (prefix length `plen`); returns its full raw text. */
function readString(src: string, start: number, plen: number, line: number): string {
  const q = src[start + plen]!;
  const triple = src.startsWith(q.repeat(3), start + plen);
  const delim = triple ? q.repeat(3) : q;
  let j = start + plen + delim.length;
  while (j < src.length) {
    const c = src[j]!;
    if (c === '\\') {
      j += 2;
      continue;
    }
    if (!triple && c === '\n') break;
    if (src.startsWith(delim, j)) return src.slice(start, j + delim.length);
    j++;
  }
  throw new TokenizeError('unterminated string literal', line);
}

/** Split tokens into logical lines (each without its trailing `newline` token). */
export function logicalLines(tokens: Token[]): Token[][] {
  const lines: Token[][] = [];
  let cur: Token[] = [];
  for (const t of tokens) {
    if (t.kind === 'newline') {
      if (cur.length) lines.push(cur);
      cur = [];
    } else {
      cur.push(t);
    }
  }
  if (cur.length) lines.push(cur);
  return lines;
}
