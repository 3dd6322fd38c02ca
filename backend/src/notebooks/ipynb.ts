import { randomUUID } from 'node:crypto';
import { invalidNotebook, tooLarge } from '../errors';
import type { Notebook } from '../contracts/nbformat';
import { checkDefinition, checkNotebook, checkTopLevel, type Definition } from './ipynb-schema';

/**
 * .ipynb import, validation and export.
 *
 * Accepted: nbformat 4.0–4.5. Older minors are upgraded to 4.5 the way nbformat does it: missing cell ids are added
 * (a UUID, as JupyterLab makes them; valid per the 4.5 `cell_id` pattern) and duplicate ids are replaced. Everything
 * else — notebook and cell metadata, attachments, outputs, unknown metadata keys, key order — is kept verbatim.
 * Anything that is not a valid nbformat 4 notebook is refused with a 422 naming what is wrong and where
 * (`details.path`, e.g. `cells[3].cell_type`); a body over the size limit is refused with a 413.
 */
const CELL_TYPES = ['code', 'markdown', 'raw'] as const;
const OUTPUT_TYPES = ['execute_result', 'display_data', 'stream', 'error'] as const;
const CELL_ID = /^[a-zA-Z0-9-_]{1,64}$/;

export const IPYNB_MEDIA_TYPE = 'application/x-ipynb+json';

/** A new cell id, in JupyterLab's shape (UUID v4). */
export const newCellId = (): string => randomUUID();

/** A new, empty notebook for the python3 kernel. */
export function emptyNotebook(): Notebook {
  return {
    nbformat: 4,
    nbformat_minor: 5,
    metadata: {
      kernelspec: { name: 'python3', display_name: 'Python 3 (ipykernel)', language: 'python' },
      language_info: { name: 'python' },
    },
    cells: [{ id: newCellId(), cell_type: 'code', source: '', metadata: {}, execution_count: null, outputs: [] }],
  };
}

/** Decodes and parses an uploaded .ipynb, then validates and upgrades it (see `normalizeNotebook`). */
export function parseIpynb(body: Buffer | string, maxBytes: number): Notebook {
  const bytes = typeof body === 'string' ? Buffer.byteLength(body) : body.length;
  if (bytes > maxBytes) {
    throw tooLarge(`The notebook is ${formatMb(bytes)}; the limit is ${formatMb(maxBytes)}.`);
  }
  let text: string;
  try {
    text = typeof body === 'string' ? body : new TextDecoder('utf-8', { fatal: true }).decode(body);
  } catch {
    throw invalidNotebook('The file is not UTF-8 text; an .ipynb file is UTF-8 JSON.', { path: '' });
  }
  if (text.charCodeAt(0) === 0xfeff) text = text.slice(1);
  if (text.trim() === '') throw invalidNotebook('The file is empty.', { path: '' });
  let doc: unknown;
  try {
    doc = JSON.parse(text);
  } catch (e) {
    throw invalidNotebook(`The file is not valid JSON: ${(e as Error).message}`, { path: '', ...jsonErrorLocation(e, text) });
  }
  return normalizeNotebook(doc);
}

/**
 * Validates a parsed notebook document and returns it upgraded to nbformat 4.5. Throws a 422 DomainError with
 * `details.path` at the first problem. The input is not mutated; untouched cells are shared with it.
 */
export function normalizeNotebook(doc: unknown): Notebook {
  if (!isObject(doc)) throw bad('', `A notebook is a JSON object, not ${describeValue(doc)}.`);
  if (!('nbformat' in doc)) throw bad('nbformat', 'The document has no "nbformat" field; is this a Jupyter notebook?');
  const major = doc.nbformat;
  if (major !== 4) {
    if (typeof major === 'number' && Number.isInteger(major) && major < 4) {
      throw bad(
        'nbformat',
        `This is an nbformat ${major} notebook; Folio accepts nbformat 4.0–4.5. Convert it with ` +
          '`jupyter nbconvert --to notebook --nbformat 4` (or open and save it in Jupyter) and import it again.',
      );
    }
    throw bad('nbformat', `nbformat must be 4 (Folio accepts nbformat 4.0–4.5), not ${describeValue(major)}.`);
  }
  const minor = doc.nbformat_minor;
  if (typeof minor !== 'number' || !Number.isInteger(minor) || minor < 0) {
    throw bad('nbformat_minor', `nbformat_minor must be an integer from 0 to 5, not ${describeValue(minor)}.`);
  }
  if (minor > 5) {
    throw bad('nbformat_minor', `nbformat 4.${minor} is newer than Folio supports (4.0–4.5).`);
  }
  if (!('cells' in doc)) throw bad('cells', 'The notebook has no "cells" list.');
  if (!Array.isArray(doc.cells)) throw bad('cells', `"cells" must be a list, not ${describeValue(doc.cells)}.`);

  const upgraded: Record<string, unknown> = { ...doc, nbformat_minor: 5, cells: upgradeCells(doc.cells) };
  const top = checkTopLevel(upgraded);
  if (top) throw bad(top.path, sentence(top.path, top.message));
  (upgraded.cells as unknown[]).forEach(checkCell);
  // The targeted checks above cover the schema; this is the last word, so nothing invalid is ever stored.
  const whole = checkNotebook(upgraded);
  if (whole) throw bad(whole.path, sentence(whole.path, whole.message));
  return upgraded as unknown as Notebook;
}

/** The stored document as .ipynb text (nbformat's layout: one-space indent, trailing newline). */
export function serializeIpynb(nb: Notebook): string {
  return `${JSON.stringify(nb, null, 1)}\n`;
}

/** A safe download file name for a notebook name: keeps letters, digits, space, dot, dash and underscore. */
export function ipynbFileName(name: string): string {
  const base = name.replace(/\.ipynb$/i, '').replace(/[^\p{L}\p{N} ._-]+/gu, '_').trim() || 'notebook';
  return `${base.slice(0, 120)}.ipynb`;
}

function upgradeCells(cells: unknown[]): unknown[] {
  const seen = new Set<string>();
  return cells.map((cell, i) => {
    if (!isObject(cell)) throw bad(`cells[${i}]`, `Each cell must be an object, not ${describeValue(cell)}.`);
    const id = cell.id;
    if (id === undefined || (typeof id === 'string' && seen.has(id))) {
      const fresh = newCellId();
      seen.add(fresh);
      return id === undefined ? { id: fresh, ...cell } : { ...cell, id: fresh };
    }
    if (typeof id !== 'string' || !CELL_ID.test(id)) {
      throw bad(`cells[${i}].id`, `A cell id must be 1–64 letters, digits, "-" or "_", not ${describeValue(id)}.`);
    }
    seen.add(id);
    return cell;
  });
}

function checkCell(cell: unknown, i: number): void {
  const at = `cells[${i}]`;
  const c = cell as Record<string, unknown>;
  if (!('cell_type' in c)) throw bad(`${at}.cell_type`, `Cell ${i} has no cell_type.`);
  const type = c.cell_type;
  if (!CELL_TYPES.includes(type as (typeof CELL_TYPES)[number])) {
    throw bad(`${at}.cell_type`, `Cell ${i} has an unknown cell_type ${describeValue(type)}; expected "code", "markdown" or "raw".`);
  }
  if (type === 'code' && Array.isArray(c.outputs)) {
    c.outputs.forEach((o: unknown, j: number) => checkOutput(o, `${at}.outputs[${j}]`));
  }
  const problem = checkDefinition(`${type as string}_cell` as Definition, cell, at);
  if (problem) throw bad(problem.path, sentence(problem.path, problem.message));
}

function checkOutput(output: unknown, at: string): void {
  if (!isObject(output)) throw bad(at, `Each output must be an object, not ${describeValue(output)}.`);
  const type = output.output_type;
  if (!OUTPUT_TYPES.includes(type as (typeof OUTPUT_TYPES)[number])) {
    throw bad(
      `${at}.output_type`,
      `Unknown output_type ${describeValue(type)}; expected "execute_result", "display_data", "stream" or "error".`,
    );
  }
  const problem = checkDefinition(type as Definition, output, at);
  if (problem) throw bad(problem.path, sentence(problem.path, problem.message));
}

const bad = (path: string, message: string) => invalidNotebook(message, { path });
const sentence = (path: string, message: string) => `${path || 'The notebook'} ${message}.`;
const isObject = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);
const formatMb = (bytes: number) => `${(bytes / (1024 * 1024)).toFixed(1)} MB`;

function describeValue(v: unknown): string {
  if (v === undefined) return 'missing';
  if (v === null) return 'null';
  if (Array.isArray(v)) return 'a list';
  if (typeof v === 'object') return 'an object';
  const shown = JSON.stringify(v);
  return shown.length > 40 ? `${typeof v} ${shown.slice(0, 37)}...` : shown;
}

/** Line and column of a JSON.parse error, from the "at position N" V8 puts in its message. */
function jsonErrorLocation(e: unknown, text: string): { line?: number; column?: number } {
  const m = /position (\d+)/.exec((e as Error).message ?? '');
  if (!m) return {};
  const pos = Number(m[1]);
  const before = text.slice(0, pos);
  const line = before.split('\n').length;
  return { line, column: pos - before.lastIndexOf('\n') };
}
