import {
  type AppJson,
  type AppParamSpec,
  type AppParamType,
  type AppWidget,
  type ParamRefinement,
} from '../contracts/apps';
import { badRequest } from '../errors';
import { parseIsoDate, parseIsoDatetime, dateSortKey } from '../kernels/parameters/dates';
import { toJson, type JsonValue, type ParamSpec } from '../kernels/parameters/param-types';
import { canonicalJson, validateValue } from '../kernels/parameters/validate-params';

/**
 * An app's parameter form: the specs inferred from the notebook's `parameters` cell (kernels/parameters), refined by
 * the author when publishing. Every parameter of the cell is in the app, in the cell's order; a refinement changes
 * how it is asked for and what is accepted, never which parameters exist. Every refusal is a 400 whose
 * `details.field` names the refinement's field (`params[2].default`).
 *
 * The rules:
 * - `name` must be a parameter of the cell, once.
 * - `options` (non-empty, distinct, each a valid value of the cell's type) make a scalar a `choice` and a list a
 *   `multichoice` (options are then the list's possible items).
 * - `min`/`max` bound int and float (numbers) and date/datetime (ISO strings); `min` ≤ `max`; not with options.
 *   `step` > 0, for int (whole) and float.
 * - `widget` must suit the type (WIDGETS below; the first is the default): a slider needs min and max.
 * - The default (the refinement's, else the cell's) must satisfy the refined spec: in range, one of the options.
 *   A cell default that no longer fits (say the author set min above it) must be replaced in the refinement.
 */
export const WIDGETS: Record<AppParamType, readonly AppWidget[]> = {
  int: ['number', 'slider'],
  float: ['number', 'slider'],
  // A str can take a date picker: the notebook still receives the ISO text it was written for.
  str: ['text', 'date', 'datetime'],
  bool: ['checkbox'],
  date: ['date'],
  datetime: ['datetime'],
  list: ['text'],
  dict: ['text'],
  any: ['text'],
  choice: ['select'],
  multichoice: ['multiselect'],
};

const NUMERIC = new Set<AppParamType>(['int', 'float']);
const DATED = new Set<AppParamType>(['date', 'datetime']);

export interface BuildParamsOptions {
  /** The refinements were carried over from this version (said in the refusal). */
  carriedFrom?: number;
}

/** The app's specs: every inferred parameter, refined where the author said so. */
export function buildParamSpecs(
  inferred: readonly ParamSpec[],
  refinements: readonly ParamRefinement[],
  opts: BuildParamsOptions = {},
): AppParamSpec[] {
  const byName = new Map(inferred.map((s) => [s.name, s]));
  const refined = new Map<string, { r: ParamRefinement; i: number }>();
  refinements.forEach((r, i) => {
    const field = `params[${i}].name`;
    if (!byName.has(r.name)) {
      const known = inferred.map((s) => s.name);
      const carried = opts.carriedFrom
        ? ` (carried over from version ${opts.carriedFrom}; give params to change them)`
        : '';
      throw badRequest(
        `params[${i}].name: "${r.name}" is not a parameter of the notebook's parameters cell${carried}` +
          (known.length ? ` (it declares ${known.join(', ')}).` : ' (it declares none).'),
        { field, known },
      );
    }
    if (refined.has(r.name)) throw badRequest(`params[${i}].name: "${r.name}" is refined twice.`, { field });
    refined.set(r.name, { r, i });
  });
  return inferred.map((spec) => {
    const entry = refined.get(spec.name);
    return entry ? refine(spec, entry.r, entry.i) : withWidget(stripSpec(spec));
  });
}

/** The kernels' spec as an app spec (JSON types), with the default widget of its type. */
function stripSpec(spec: ParamSpec): Omit<AppParamSpec, 'widget'> {
  const { default: def, options, ...rest } = spec;
  return {
    ...rest,
    ...(def !== undefined ? { default: def as AppJson } : {}),
    ...(options ? { options: options as AppJson[] } : {}),
  };
}

const withWidget = (spec: Omit<AppParamSpec, 'widget'>, widget?: AppWidget): AppParamSpec => ({
  ...spec,
  widget: widget ?? WIDGETS[spec.type][0]!,
});

function refine(inferred: ParamSpec, r: ParamRefinement, i: number): AppParamSpec {
  const at = (f: string) => `params[${i}].${f}`;
  const refuse = (f: string, why: string, extra: Record<string, unknown> = {}) =>
    badRequest(`${at(f)} ("${r.name}"): ${why}`, { field: at(f), ...extra });
  const base = stripSpec(inferred);
  let type = base.type;
  let options = base.options;

  if (r.options !== undefined) {
    if (r.options.length === 0) throw refuse('options', 'give at least one option (or leave options out).');
    if (r.min !== undefined || r.max !== undefined || r.step !== undefined)
      throw refuse(
        r.min !== undefined ? 'min' : r.max !== undefined ? 'max' : 'step',
        'min, max and step do not apply to options.',
      );
    const itemType: AppParamType = type === 'list' || type === 'multichoice' ? 'any' : type === 'choice' ? 'any' : type;
    if (type === 'dict') throw refuse('options', 'a dict parameter cannot take options.');
    const seen = new Set<string>();
    options = r.options.map((o, j) => {
      let value: JsonValue;
      try {
        value = toJson(validateValue({ ...inferred, type: itemType, nullable: false, options: undefined }, o));
      } catch (e) {
        throw refuse(`options[${j}]`, `not a valid ${itemType} value: ${(e as Error).message}`);
      }
      const key = canonicalJson(value);
      if (seen.has(key)) throw refuse(`options[${j}]`, `${key} is listed twice.`);
      seen.add(key);
      return value as AppJson;
    });
    type = type === 'list' || type === 'multichoice' ? 'multichoice' : 'choice';
  }

  const widget = r.widget ?? WIDGETS[type][0]!;
  if (!WIDGETS[type].includes(widget)) {
    const needsOptions = widget === 'select' || widget === 'multiselect';
    throw refuse(
      'widget',
      needsOptions && !options
        ? `a ${widget} needs options.`
        : `a ${widget} does not suit a ${type} parameter (use ${WIDGETS[type].join(' or ')}).`,
      { allowed: WIDGETS[type] },
    );
  }

  const min = r.min === undefined ? undefined : checkBound(type, r.min, () => refuse('min', boundRule(type)));
  const max = r.max === undefined ? undefined : checkBound(type, r.max, () => refuse('max', boundRule(type)));
  if (min !== undefined && max !== undefined && boundKey(type, min) > boundKey(type, max))
    throw refuse('min', `min (${min}) is greater than max (${max}).`);
  if (widget === 'slider' && (min === undefined || max === undefined))
    throw refuse(min === undefined ? 'min' : 'max', 'a slider needs both min and max.');
  if (r.step !== undefined) {
    if (!NUMERIC.has(type)) throw refuse('step', `step applies to int and float parameters, not ${type}.`);
    if (!(r.step > 0) || !Number.isFinite(r.step)) throw refuse('step', 'step must be a number greater than 0.');
    if (type === 'int' && !Number.isInteger(r.step)) throw refuse('step', 'the step of an int must be a whole number.');
  }

  const spec: Omit<AppParamSpec, 'widget'> = {
    ...base,
    type,
    label: r.label ?? base.label,
    required: r.required ?? base.required,
    ...(r.help !== undefined ? { help: r.help } : {}),
    ...(min !== undefined ? { min } : {}),
    ...(max !== undefined ? { max } : {}),
    ...(r.step !== undefined ? { step: r.step } : {}),
  };
  if (options) spec.options = options;
  else delete spec.options;

  const given = r.default !== undefined;
  const candidate = given ? r.default : base.default;
  if (candidate !== undefined) {
    try {
      spec.default = toJson(validateValue(spec as ParamSpec, candidate)) as AppJson;
    } catch (e) {
      throw refuse(
        'default',
        given
          ? (e as Error).message
          : `the parameters cell's default ${JSON.stringify(candidate)} does not fit: ${(e as Error).message} Give a default that does.`,
      );
    }
  }
  return withWidget(spec, widget);
}

function boundRule(type: AppParamType): string {
  if (NUMERIC.has(type)) return `must be a number for a ${type} parameter.`;
  if (type === 'date') return 'must be a date "YYYY-MM-DD".';
  if (type === 'datetime') return 'must be an ISO-8601 datetime.';
  return `min and max apply to int, float, date and datetime parameters, not ${type}.`;
}

function checkBound(type: AppParamType, b: number | string, refuse: () => Error): number | string {
  if (NUMERIC.has(type)) {
    if (typeof b !== 'number' || !Number.isFinite(b)) throw refuse();
    return b;
  }
  if (DATED.has(type) && typeof b === 'string') {
    const v = type === 'date' ? parseIsoDate(b) : parseIsoDatetime(b);
    if (v) return b;
  }
  throw refuse();
}

function boundKey(type: AppParamType, b: number | string): number {
  if (typeof b === 'number') return b;
  return dateSortKey((type === 'date' ? parseIsoDate(b) : parseIsoDatetime(b))!);
}
