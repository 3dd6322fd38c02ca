import fs from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { DomainError } from '../errors';
import { nbformatValidate, nbformatValidateAll } from './nbformat-validate.fixture';
import { emptyNotebook, ipynbFileName, normalizeNotebook, parseIpynb, serializeIpynb } from './ipynb';

const here = path.dirname(new URL(import.meta.url).pathname);
const legacyText = fs.readFileSync(path.join(here, 'fixtures/legacy-v4.4.ipynb'), 'utf8');
const MB = 1024 * 1024;

function rejection(fn: () => unknown): DomainError {
  try {
    fn();
  } catch (e) {
    if (e instanceof DomainError) return e;
    throw e;
  }
  throw new Error('expected a rejection');
}

const withoutIds = (nb: { cells: Array<Record<string, unknown>> }) => ({
  ...nb,
  cells: nb.cells.map(({ id: _id, ...rest }) => rest),
});

describe('ipynb import', () => {
  it('upgrades a 4.4 notebook to 4.5 with valid, unique cell ids and keeps everything else verbatim', () => {
    const original = JSON.parse(legacyText);
    const nb = parseIpynb(Buffer.from(legacyText), 50 * MB);
    expect(nb.nbformat_minor).toBe(5);
    const ids = nb.cells.map((c) => c.id);
    expect(new Set(ids).size).toBe(ids.length);
    for (const id of ids) expect(id).toMatch(/^[a-zA-Z0-9-_]{1,64}$/);
    expect(withoutIds(nb as never)).toEqual({ ...original, nbformat_minor: 5 });
  });

  it('exports the stored document unchanged, and the export passes nbformat.validate', () => {
    const nb = parseIpynb(legacyText, 50 * MB);
    const exported = serializeIpynb(nb);
    expect(JSON.parse(exported)).toEqual(nb);
    expect(nbformatValidate(exported)).toBe('');
    // Re-importing the export is a fixed point: same ids, same everything.
    expect(parseIpynb(exported, 50 * MB)).toEqual(nb);
  });

  it('accepts nbformat 4.0 and keeps existing 4.5 ids, replacing only duplicates', () => {
    const v40 = { nbformat: 4, nbformat_minor: 0, metadata: {}, cells: [{ cell_type: 'markdown', metadata: {}, source: 'hi' }] };
    expect(normalizeNotebook(v40).cells[0]?.id).toMatch(/^[a-zA-Z0-9-_]+$/);

    const cell = (id: string) => ({ id, cell_type: 'raw', metadata: {}, source: '' });
    const v45 = { nbformat: 4, nbformat_minor: 5, metadata: {}, cells: [cell('a'), cell('b'), cell('a')] };
    const ids = normalizeNotebook(v45).cells.map((c) => c.id);
    expect(ids.slice(0, 2)).toEqual(['a', 'b']);
    expect(ids[2]).not.toBe('a');
    expect(nbformatValidate(serializeIpynb(normalizeNotebook(v45)))).toBe('');
  });

  it('makes an empty python3 notebook that nbformat accepts', () => {
    expect(nbformatValidate(serializeIpynb(emptyNotebook()))).toBe('');
  });

  const valid = () => JSON.parse(legacyText) as Record<string, unknown> & { cells: Array<Record<string, unknown>> };
  const cases: Array<[string, () => unknown, string, RegExp]> = [
    ['not JSON', () => '{"cells": [', '', /not valid JSON/],
    ['a JSON list', () => '[1, 2]', '', /JSON object, not a list/],
    ['nbformat 3', () => ({ nbformat: 3, nbformat_minor: 0, metadata: {}, worksheets: [] }), 'nbformat', /nbformat 3 notebook.*4\.0–4\.5/],
    ['no nbformat', () => ({ cells: [], metadata: {} }), 'nbformat', /no "nbformat" field/],
    ['nbformat 4.6', () => ({ ...valid(), nbformat_minor: 6 }), 'nbformat_minor', /newer than Folio supports/],
    ['missing cells', () => { const { cells: _c, ...rest } = valid(); return rest; }, 'cells', /no "cells" list/],
    ['cells not a list', () => ({ ...valid(), cells: {} }), 'cells', /must be a list/],
    ['a cell that is a string', () => ({ ...valid(), cells: ['x'] }), 'cells[0]', /must be an object/],
    ['unknown cell type', () => { const nb = valid(); nb.cells[3] = { ...nb.cells[3], cell_type: 'sql' }; return nb; }, 'cells[3].cell_type', /unknown cell_type "sql"/],
    ['missing cell_type', () => { const nb = valid(); delete nb.cells[1]!.cell_type; return nb; }, 'cells[1].cell_type', /no cell_type/],
    ['source is a number', () => { const nb = valid(); nb.cells[2]!.source = 7; return nb; }, 'cells[2].source', /must be a string or a list/],
    ['execution_count is a string', () => { const nb = valid(); nb.cells[2]!.execution_count = '2'; return nb; }, 'cells[2].execution_count', /integer or null/],
    ['outputs on a markdown cell', () => { const nb = valid(); nb.cells[0]!.outputs = []; return nb; }, 'cells[0].outputs', /not an allowed field/],
    ['unknown output type', () => { const nb = valid(); (nb.cells[2]!.outputs as unknown[])[1] = { output_type: 'log' }; return nb; }, 'cells[2].outputs[1].output_type', /Unknown output_type "log"/],
    ['stream text not text', () => { const nb = valid(); (nb.cells[2]!.outputs as Array<Record<string, unknown>>)[0]!.text = { a: 1 }; return nb; }, 'cells[2].outputs[0].text', /string or a list/],
    ['traceback not a list', () => { const nb = valid(); (nb.cells[3]!.outputs as Array<Record<string, unknown>>)[0]!.traceback = 'x'; return nb; }, 'cells[3].outputs[0].traceback', /must be a list/],
    ['metadata not an object', () => ({ ...valid(), metadata: 'x' }), 'metadata', /must be an object/],
    ['kernelspec without a name', () => ({ ...valid(), metadata: { kernelspec: { display_name: 'Py' } } }), 'metadata.kernelspec.name', /required/],
    ['a bad cell id', () => { const nb = valid(); nb.cells[0]!.id = 'has space'; return nb; }, 'cells[0].id', /cell id must be/],
    ['duplicate tags', () => { const nb = valid(); nb.cells[1]!.metadata = { tags: ['a', 'a'] }; return nb; }, 'cells[1].metadata.tags', /duplicate/],
  ];

  it.each(cases)('refuses %s with a 422 naming where', (_label, make, where, message) => {
    const input = make();
    const text = typeof input === 'string' ? input : JSON.stringify(input);
    const err = rejection(() => parseIpynb(text, 50 * MB));
    expect(err.status).toBe(422);
    expect(err.code).toBe('invalid_notebook');
    expect(err.details).toMatchObject({ path: where });
    expect(err.message).toMatch(message);
  });

  it('agrees with nbformat that every refused document is invalid (policy refusals aside)', () => {
    const policy = new Set(['nbformat 3', 'nbformat 4.6']); // valid to nbformat, but outside 4.0–4.5
    const documents = cases.filter(([label, make]) => !policy.has(label) && typeof make() !== 'string');
    const verdicts = nbformatValidateAll(documents.map(([, make]) => JSON.stringify(make())));
    expect(verdicts).toHaveLength(documents.length);
    verdicts.forEach((verdict, i) => expect(verdict, documents[i]?.[0]).not.toBe(''));
  });

  it('refuses a body over the limit with a 413, and bytes that are not UTF-8 with a 422', () => {
    const big = rejection(() => parseIpynb(Buffer.alloc(2 * MB + 1, 0x20), 2 * MB));
    expect(big.status).toBe(413);
    expect(big.message).toMatch(/limit is 2\.0 MB/);
    const latin1 = rejection(() => parseIpynb(Buffer.from([0x7b, 0xe9, 0x7d]), MB));
    expect(latin1.status).toBe(422);
    expect(latin1.message).toMatch(/not UTF-8/);
  });

  it('gives the line and column of a JSON syntax error', () => {
    const err = rejection(() => parseIpynb('{\n "a": 1\n "b": 2}', MB));
    expect(err.details).toMatchObject({ path: '', line: 3, column: 2 });
  });

  it('makes safe download names', () => {
    expect(ipynbFileName('FX report: EUR/USD.ipynb')).toBe('FX report_ EUR_USD.ipynb');
    expect(ipynbFileName('///')).toBe('_.ipynb');
  });
});
