import type { Cell, Notebook } from '../../contracts/nbformat';
import { cellTags, sourceText } from '../../contracts/nbformat';
import { interpretAnnotation, type AnnotationInfo } from './annotation';
import type { ParamSpec, ParamType, PyValue } from './param-types';
import { isSafeIdentifier, toJson } from './param-types';
import { parseLiteral } from './python-literal';
import { logicalLines, tokenize, type Token } from './python-tokenizer';
import { validateValue } from './validate-params';

/**
 * Parameter specs from the cell tagged `parameters`, as papermill reads them:
 *   name: annotation = literal  # help
 * Only top-level simple assignments count; imports, comments and other statements are ignored. The
 * type comes from the annotation, else from a `# type: X` comment, else from the literal. A default
 * that is not a literal (`x = compute()`) keeps its source text, and the type from its annotation or
 * `any`. Names that could not be injected safely (non-ASCII, keywords) are left out. Pure and cheap:
 * no Python is run.
 */
export const PARAMETERS_TAG = 'parameters';
export const INJECTED_TAG = 'injected-parameters';

export function findParametersCell(nb: Notebook): number {
  return nb.cells.findIndex((c: Cell) => c.cell_type === 'code' && cellTags(c).includes(PARAMETERS_TAG));
}

export function inferParameters(nb: Notebook): ParamSpec[] {
  const i = findParametersCell(nb);
  return i < 0 ? [] : inferFromSource(sourceText(nb.cells[i]!.source));
}

export function inferFromSource(source: string): ParamSpec[] {
  let tokens: Token[];
  try {
    tokens = tokenize(source);
  } catch {
    return []; // A cell that is not valid Python declares nothing we can read; the kernel will say why.
  }
  const specs = new Map<string, ParamSpec>();
  for (const line of logicalLines(tokens)) {
    const spec = readAssignment(line);
    if (spec) {
      specs.delete(spec.name); // A re-assignment wins, in its new position.
      specs.set(spec.name, spec);
    }
  }
  return [...specs.values()];
}

function readAssignment(line: Token[]): ParamSpec | undefined {
  const [target, sep] = line;
  if (!target || target.kind !== 'name' || target.col !== 0 || !isSafeIdentifier(target.text)) return undefined;
  if (!sep || sep.kind !== 'op' || (sep.text !== '=' && sep.text !== ':')) return undefined;

  const comment = trailingComment(line);
  const body = line.filter((t) => t.kind !== 'comment');
  const eq = topLevelIndex(body, '=', 1);
  if (eq < 0) return undefined;
  const annTokens = sep.text === ':' ? body.slice(2, eq) : [];
  const valueTokens = body.slice(eq + 1);
  if (valueTokens.length === 0 || topLevelIndex(valueTokens, '=', 0) >= 0) return undefined; // a = b = 1

  let help = comment;
  let ann: AnnotationInfo = annTokens.length ? interpretAnnotation(annTokens) : { nullable: false };
  const typeComment = comment ? /^type:\s*(\S+)\s*(.*)$/.exec(comment) : null;
  if (typeComment && !ann.type) {
    try {
      ann = interpretAnnotation(tokenize(typeComment[1]!).filter((t) => t.kind !== 'newline'));
    } catch {
      /* an unreadable type comment is just help text */
    }
    help = typeComment[2] || undefined;
  }

  let literal: PyValue | undefined;
  try {
    literal = parseLiteral(valueTokens);
  } catch {
    literal = undefined;
  }

  const type: ParamType = ann.type ?? (literal ? typeOfLiteral(literal) : 'any');
  const spec: ParamSpec = {
    name: target.text,
    type,
    defaultSource: sourceOf(valueTokens),
    label: labelOf(target.text),
    nullable: ann.nullable || literal?.t === 'none',
    required: false,
  };
  if (annTokens.length) spec.annotation = sourceOf(annTokens);
  if (help) spec.help = help;
  if (ann.options) spec.options = ann.options;
  if (literal) {
    try {
      spec.default = toJson(validateValue(spec, toJson(literal)));
    } catch {
      /* a default that does not fit its annotation stays source-only */
    }
  }
  return spec;
}

function typeOfLiteral(v: PyValue): ParamType {
  switch (v.t) {
    case 'none':
      return 'any';
    case 'bool':
    case 'int':
    case 'float':
    case 'str':
    case 'date':
    case 'datetime':
    case 'list':
    case 'dict':
      return v.t;
  }
}

/** The comment ending the statement, else the one on its first line (papermill's help text). */
function trailingComment(line: Token[]): string | undefined {
  const last = line[line.length - 1]!;
  const firstLine = line[0]!.line;
  const c = last.kind === 'comment' ? last : line.find((t) => t.kind === 'comment' && t.line === firstLine);
  const text = c?.text.replace(/^#+\s*/, '').trim();
  return text || undefined;
}

function topLevelIndex(tokens: Token[], op: string, from: number): number {
  let depth = 0;
  for (let i = from; i < tokens.length; i++) {
    const t = tokens[i]!;
    if (t.kind !== 'op') continue;
    if ('([{'.includes(t.text)) depth++;
    else if (')]}'.includes(t.text)) depth--;
    else if (depth === 0 && t.text === op) return i;
  }
  return -1;
}

/** Tokens back to compact source text (one line; string tokens kept verbatim). */
function sourceOf(tokens: Token[]): string {
  let out = '';
  let prev: Token | undefined;
  for (const t of tokens) {
    const tight =
      !prev ||
      (t.kind === 'op' && [')', ']', '}', ',', ':', '.'].includes(t.text)) ||
      (prev.kind === 'op' && ['(', '[', '{', '.'].includes(prev.text)) ||
      (t.kind === 'op' && ['(', '[', '.'].includes(t.text) && prev.kind === 'name');
    const unarySign = prev?.kind === 'op' && ['-', '+'].includes(prev.text) && out.trim().length === 1;
    out += (tight || unarySign ? '' : ' ') + t.text;
    prev = t;
  }
  return out;
}

function labelOf(name: string): string {
  const words = name.replace(/_+/g, ' ').trim();
  return words ? words[0]!.toUpperCase() + words.slice(1) : name;
}
