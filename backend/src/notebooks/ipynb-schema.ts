import Ajv, { type ErrorObject, type ValidateFunction } from 'ajv';
import nbformatSchema from './schema/nbformat.v4.5.schema.json';

/**
 * Validation against the official nbformat v4.5 JSON schema (copied verbatim from nbformat 5.11, BSD-3-Clause).
 *
 * The schema says draft-04; for this schema draft-04 and Ajv's default draft-07 mean the same thing (no boolean
 * exclusiveMinimum/Maximum, no schema `id`), so `$schema` is dropped before compiling. `strict: false` because the
 * schema carries a few non-keywords (`item`, `source_hidden`) that Ajv's strict mode would refuse.
 *
 * Cells and outputs are `oneOf` unions in the schema, whose errors are a pile of every branch's failures. To report
 * one precise problem, callers check `cell_type`/`output_type` first and then validate the object against its own
 * definition (`validatorFor('code_cell')`), so each error points at one field.
 */
export type Definition = 'raw_cell' | 'markdown_cell' | 'code_cell' | 'execute_result' | 'display_data' | 'stream' | 'error';

const SCHEMA_ID = 'nbformat-v4.5';
const { $schema: _draft, ...schemaBody } = nbformatSchema as Record<string, unknown>;

const ajv = new Ajv({ strict: false, allErrors: false });
ajv.addSchema({ ...schemaBody, $id: SCHEMA_ID }, SCHEMA_ID);

const cache = new Map<string, ValidateFunction>();
function compiled(ref: string): ValidateFunction {
  let fn = cache.get(ref);
  if (!fn) {
    fn = ajv.getSchema(ref);
    if (!fn) throw new Error(`nbformat schema has no ${ref}`);
    cache.set(ref, fn);
  }
  return fn;
}

/** The notebook's top level (metadata, nbformat, nbformat_minor), with `cells` checked only for being an array. */
const topLevel = ajv.compile({
  ...schemaBody,
  $id: `${SCHEMA_ID}-top`,
  properties: {
    ...(schemaBody.properties as Record<string, unknown>),
    cells: { type: 'array' },
  },
});

export interface SchemaProblem {
  /** Where, as `cells[3].outputs[0].text`; '' for the document itself. */
  path: string;
  message: string;
}

/** Checks the top level; null when it conforms. */
export function checkTopLevel(doc: unknown): SchemaProblem | null {
  return topLevel(doc) ? null : describe(topLevel.errors ?? [], '');
}

/** Checks one cell or output against its own definition; `at` is the object's path, prefixed to the error's. */
export function checkDefinition(def: Definition, value: unknown, at: string): SchemaProblem | null {
  const fn = compiled(`${SCHEMA_ID}#/definitions/${def}`);
  return fn(value) ? null : describe(fn.errors ?? [], at);
}

/** Checks the whole notebook against the v4.5 schema (used as the last word after the targeted checks). */
export function checkNotebook(doc: unknown): SchemaProblem | null {
  const fn = compiled(SCHEMA_ID);
  return fn(doc) ? null : describe(fn.errors ?? [], '');
}

/** `/cells/3/source` → `cells[3].source`, prefixed with `at`. */
export function joinPath(at: string, pointer: string): string {
  let out = at;
  for (const raw of pointer.split('/').slice(1)) {
    const key = raw.replace(/~1/g, '/').replace(/~0/g, '~');
    if (/^\d+$/.test(key)) out += `[${key}]`;
    else if (/^[A-Za-z_$][\w$]*$/.test(key)) out += out ? `.${key}` : key;
    else out += `[${JSON.stringify(key)}]`;
  }
  return out;
}

/** Turns Ajv's errors into one problem: the deepest location, with the branches of a oneOf merged into one sentence. */
function describe(errors: ErrorObject[], at: string): SchemaProblem {
  const real = errors.filter((e) => e.keyword !== 'oneOf' && e.keyword !== 'anyOf');
  const pool = real.length > 0 ? real : errors;
  const depth = (e: ErrorObject) => e.instancePath.split('/').length;
  const deepest = Math.max(...pool.map(depth));
  const here = pool.filter((e) => depth(e) === deepest);
  const first = here[0];
  if (!first) return { path: at, message: 'does not match the nbformat 4.5 schema' };

  const path = joinPath(at, first.instancePath);
  const types = here.filter((e) => e.keyword === 'type').map((e) => String((e.params as { type: unknown }).type));
  if (types.length > 1 || (types.length === 1 && here.every((e) => e.keyword === 'type'))) {
    const wanted = [...new Set(types.flatMap((t) => t.split(',')))].map(typeName);
    return { path, message: `must be ${wanted.join(' or ')}` };
  }
  switch (first.keyword) {
    case 'required': {
      const field = String((first.params as { missingProperty: string }).missingProperty);
      return { path: joinPath(path, `/${field}`), message: 'is required but missing' };
    }
    case 'additionalProperties': {
      const field = String((first.params as { additionalProperty: string }).additionalProperty);
      return { path: joinPath(path, `/${field}`), message: 'is not an allowed field here' };
    }
    case 'enum':
      return {
        path,
        message: `must be one of ${((first.params as { allowedValues: unknown[] }).allowedValues ?? []).map((v) => JSON.stringify(v)).join(', ')}`,
      };
    case 'type':
      return { path, message: `must be ${typeName(String((first.params as { type: unknown }).type))}` };
    default:
      return { path, message: first.message ?? 'does not match the nbformat 4.5 schema' };
  }
}

function typeName(t: string): string {
  switch (t) {
    case 'array':
      return 'a list';
    case 'object':
      return 'an object';
    case 'integer':
      return 'an integer';
    default:
      return t === 'null' ? 'null' : `a ${t}`;
  }
}
