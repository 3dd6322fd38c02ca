import type { Token } from './python-tokenizer';
import type { JsonValue, ParamType } from './param-types';
import { toJson } from './param-types';
import { parseLiteral } from './python-literal';

/**
 * What a type annotation says about a parameter: `int`, `float`, `str`, `bool`, `date`, `datetime`
 * (any dotted prefix: `datetime.date`, `dt.datetime`, `pd.Timestamp` counts as datetime), `list[...]`,
 * `dict[...]`, `Optional[X]`, `X | None`, `Union[...]`, `Literal[...]` (a choice) and `Any`.
 * Unknown annotations say nothing (`type` undefined) and the literal decides.
 */
export interface AnnotationInfo {
  type?: ParamType;
  nullable: boolean;
  options?: JsonValue[];
}

const SIMPLE: Record<string, ParamType> = {
  int: 'int',
  float: 'float',
  str: 'str',
  bool: 'bool',
  date: 'date',
  datetime: 'datetime',
  Timestamp: 'datetime',
  list: 'list',
  List: 'list',
  tuple: 'list',
  Tuple: 'list',
  Sequence: 'list',
  dict: 'dict',
  Dict: 'dict',
  Mapping: 'dict',
  Any: 'any',
  object: 'any',
};

type Term = { type?: ParamType; none?: boolean; options?: JsonValue[] };

export function interpretAnnotation(tokens: Token[]): AnnotationInfo {
  try {
    const terms = new AnnParser(tokens.filter((t) => t.kind !== 'comment')).union();
    return combine(terms);
  } catch {
    return { nullable: false };
  }
}

function combine(terms: Term[]): AnnotationInfo {
  const nullable = terms.some((t) => t.none);
  const real = terms.filter((t) => !t.none);
  if (real.length === 0) return { nullable };
  if (real.length === 1) return { type: real[0]!.type, nullable, options: real[0]!.options };
  const kinds = new Set(real.map((t) => t.type));
  if (kinds.size === 2 && kinds.has('int') && kinds.has('float')) return { type: 'float', nullable };
  if (real.every((t) => t.type === 'choice')) return { type: 'choice', nullable, options: real.flatMap((t) => t.options ?? []) };
  return { type: kinds.size === 1 ? real[0]!.type : 'any', nullable };
}

class AnnParser {
  private i = 0;
  constructor(private readonly toks: Token[]) {}

  private peek(): Token | undefined {
    return this.toks[this.i];
  }
  private isOp(text: string): boolean {
    const t = this.peek();
    return t?.kind === 'op' && t.text === text;
  }

  union(): Term[] {
    const terms = this.term();
    while (this.isOp('|')) {
      this.i++;
      terms.push(...this.term());
    }
    return terms;
  }

  /** One annotation term; Optional/Union expand to several. */
  private term(): Term[] {
    const t = this.toks[this.i++];
    if (!t) throw new Error('empty annotation');
    if (t.kind === 'string') {
      // A forward reference: "date"
      const inner = t.text.replace(/^[a-zA-Z]*(['"]{1,3})(.*)\1$/s, '$2').trim();
      return [{ type: SIMPLE[inner.split('.').pop() ?? ''] }];
    }
    if (t.kind !== 'name') throw new Error('unsupported annotation');
    if (t.text === 'None') return [{ none: true }];
    let name = t.text;
    while (this.isOp('.')) {
      this.i++;
      name = this.toks[this.i++]?.text ?? '';
    }
    if (!this.isOp('[')) return [{ type: SIMPLE[name] }];
    this.i++;
    if (name === 'Literal') {
      const start = this.i;
      let depth = 1;
      while (this.i < this.toks.length && depth > 0) {
        const x = this.toks[this.i++]!;
        if (x.kind === 'op' && '([{'.includes(x.text)) depth++;
        if (x.kind === 'op' && ')]}'.includes(x.text)) depth--;
      }
      const lit = parseLiteral(this.toks.slice(start, this.i - 1));
      const values = lit.t === 'list' ? lit.items : [lit];
      return [{ type: 'choice', options: values.map(toJson) }];
    }
    const args: Term[][] = [this.union()];
    while (this.isOp(',')) {
      this.i++;
      if (this.isOp(']')) break;
      args.push(this.union());
    }
    if (!this.isOp(']')) throw new Error('unclosed subscript');
    this.i++;
    if (name === 'Optional') return [...args[0]!, { none: true }];
    if (name === 'Union') return args.flat();
    return [{ type: SIMPLE[name] }];
  }
}
