import { describe, expect, it } from 'vitest';
import type { ParamRefinement } from '../contracts/apps';
import { isDomainError } from '../errors';
import { inferFromSource } from '../kernels/parameters/infer-parameters';
import { buildParamSpecs } from './app-params';
import { checkSlug, slugify } from './app-slug';

const CELL = [
  'as_of: str = "2026-11-20"  # valuation date',
  'confidence: float = 0.99  # VaR level',
  'days: int = 10',
  'when: datetime.date = datetime.date(2026, 1, 31)',
  'ccys: list = ["EUR", "GBP"]',
  'flag = True',
  'opts: dict = {"a": 1}',
].join('\n');
const inferred = inferFromSource(CELL);

/** The field a refusal names (details.field), or 'ok'. */
function fieldOf(refinements: ParamRefinement[]): string {
  try {
    buildParamSpecs(inferred, refinements);
    return 'ok';
  } catch (e) {
    if (!isDomainError(e) || e.status !== 400) throw e;
    return (e.details as { field: string }).field;
  }
}

describe('buildParamSpecs', () => {
  it('takes every parameter of the cell, with its default and help, and the default widget of its type', () => {
    const specs = buildParamSpecs(inferred, []);
    expect(specs.map((s) => [s.name, s.type, s.widget, s.default])).toEqual([
      ['as_of', 'str', 'text', '2026-11-20'],
      ['confidence', 'float', 'number', 0.99],
      ['days', 'int', 'number', 10],
      ['when', 'date', 'date', '2026-01-31'],
      ['ccys', 'list', 'text', ['EUR', 'GBP']],
      ['flag', 'bool', 'checkbox', true],
      ['opts', 'dict', 'text', { a: 1 }],
    ]);
    expect(specs[0]).toMatchObject({ label: 'As of', help: 'valuation date', required: false });
  });

  it('applies refinements: label, help, widget, bounds, step, options, required, default', () => {
    const specs = buildParamSpecs(inferred, [
      { name: 'confidence', label: 'Confidence', widget: 'slider', min: 0.9, max: 0.999, step: 0.001, default: 0.95 },
      { name: 'ccys', widget: 'multiselect', options: ['EUR', 'GBP', 'JPY'] },
      { name: 'as_of', widget: 'date', required: true },
      { name: 'days', options: [5, 10, 20] },
      { name: 'when', min: '2026-01-01', max: '2026-12-31' },
    ]);
    const by = new Map(specs.map((s) => [s.name, s]));
    expect(by.get('confidence')).toMatchObject({
      type: 'float',
      label: 'Confidence',
      widget: 'slider',
      min: 0.9,
      max: 0.999,
      step: 0.001,
      default: 0.95,
    });
    expect(by.get('ccys')).toMatchObject({ type: 'multichoice', widget: 'multiselect', options: ['EUR', 'GBP', 'JPY'] });
    expect(by.get('as_of')).toMatchObject({ type: 'str', widget: 'date', required: true });
    expect(by.get('days')).toMatchObject({ type: 'choice', widget: 'select', options: [5, 10, 20], default: 10 });
    expect(by.get('when')).toMatchObject({ min: '2026-01-01', max: '2026-12-31', default: '2026-01-31' });
    expect(specs.map((s) => s.name)).toEqual(inferred.map((s) => s.name)); // the cell's order, whatever the refinements'
  });

  it.each<[string, ParamRefinement[], string]>([
    ['an unknown name', [{ name: 'nope' }], 'params[0].name'],
    ['a name refined twice', [{ name: 'days' }, { name: 'days', label: 'again' }], 'params[1].name'],
    ['a default above max', [{ name: 'days', max: 20, default: 50 }], 'params[0].default'],
    ['a default below min', [{ name: 'confidence', min: 0.5, default: 0.1 }], 'params[0].default'],
    ['a cell default outside the new bounds', [{ name: 'days', min: 20 }], 'params[0].default'],
    ['min greater than max', [{ name: 'days', min: 10, max: 1 }], 'params[0].min'],
    ['a text bound on a number', [{ name: 'days', max: 'ten' }], 'params[0].max'],
    ['bounds on a string', [{ name: 'as_of', min: 1 }], 'params[0].min'],
    ['an invalid date bound', [{ name: 'when', min: '2026-02-30' }], 'params[0].min'],
    ['empty options', [{ name: 'as_of', options: [] }], 'params[0].options'],
    ['repeated options', [{ name: 'days', options: [1, 2, 1] }], 'params[0].options[2]'],
    ['an option of the wrong type', [{ name: 'days', options: [1, 'two'] }], 'params[0].options[1]'],
    ['a default not in the options', [{ name: 'days', options: [1, 2], default: 3 }], 'params[0].default'],
    ['a cell default not in the options', [{ name: 'days', options: [1, 2] }], 'params[0].default'],
    ['options with bounds', [{ name: 'days', options: [10], min: 1 }], 'params[0].min'],
    ['a checkbox on a number', [{ name: 'days', widget: 'checkbox' }], 'params[0].widget'],
    ['a select without options', [{ name: 'as_of', widget: 'select' }], 'params[0].widget'],
    ['a slider without bounds', [{ name: 'days', widget: 'slider', min: 1 }], 'params[0].max'],
    ['a step on a string', [{ name: 'as_of', step: 1 }], 'params[0].step'],
    ['a zero step', [{ name: 'confidence', step: 0 }], 'params[0].step'],
    ['a fractional step of an int', [{ name: 'days', step: 0.5 }], 'params[0].step'],
    ['a default of the wrong type', [{ name: 'flag', default: 'yes' }], 'params[0].default'],
    ['null for a parameter that takes no None', [{ name: 'days', default: null }], 'params[0].default'],
  ])('refuses %s, naming the field', (_what, refinements, field) => {
    expect(fieldOf(refinements)).toBe(field);
  });

  it('says when a refusal comes from refinements carried over from an earlier version', () => {
    expect(() => buildParamSpecs(inferred, [{ name: 'gone' }], { carriedFrom: 3 })).toThrow(/carried over from version 3/);
  });
});

describe('slugs', () => {
  it.each(['fx', 'FX-report', 'fx_report', '-fx', 'fx-', 'fx--report', 'a'.repeat(65), 'new', 'fx report', 'épée'])(
    'refuses %j, naming the field and the rule',
    (slug) => {
      try {
        checkSlug(slug);
        expect.unreachable();
      } catch (e) {
        expect(isDomainError(e) && e.details).toEqual({ field: 'slug' });
        expect((e as Error).message).toMatch(/lowercase letters|reserved/);
      }
    },
  );

  it('accepts lowercase letters, digits and single hyphens, and makes slugs from names', () => {
    expect(checkSlug('fx-rates-2026')).toBe('fx-rates-2026');
    expect(slugify('FX rates: report (EUR/USD)')).toBe('fx-rates-report-eur-usd');
    expect(slugify('é')).toBe('e-app');
  });
});
