import type { VisibleCell } from '../contracts/apps';
import { cellTags, type Notebook } from '../contracts/nbformat';
import { badRequest } from '../errors';
import { INJECTED_TAG } from '../kernels/parameters/infer-parameters';

/**
 * The visible cells of an app: at least one; each a code or markdown cell of the notebook, listed once, never the
 * `injected-parameters` cell (its code is generated per run). Returned in notebook order (the app shows them as the
 * notebook does). A refusal is a 400 naming `cells[i].id` (`cells` for an empty list).
 */
export function checkVisibleCells(
  nb: Notebook,
  cells: readonly VisibleCell[],
  opts: { carriedFrom?: number } = {},
): VisibleCell[] {
  if (cells.length === 0)
    throw badRequest('cells: list at least one cell to show (a code cell shows its outputs).', { field: 'cells' });
  const index = new Map(nb.cells.map((c, i) => [c.id, { cell: c, i }]));
  const seen = new Set<string>();
  const carried = opts.carriedFrom
    ? ` It was carried over from version ${opts.carriedFrom}: give cells to publish without it.`
    : '';
  cells.forEach((v, i) => {
    const field = `cells[${i}].id`;
    const found = index.get(v.id);
    if (!found) throw badRequest(`${field}: the notebook has no cell "${v.id}".${carried}`, { field, cellId: v.id });
    if (seen.has(v.id)) throw badRequest(`${field}: cell "${v.id}" is listed twice.`, { field, cellId: v.id });
    seen.add(v.id);
    if (found.cell.cell_type === 'raw')
      throw badRequest(`${field}: cell "${v.id}" is a raw cell; an app shows code and markdown cells.`, {
        field,
        cellId: v.id,
      });
    if (cellTags(found.cell).includes(INJECTED_TAG))
      throw badRequest(`${field}: cell "${v.id}" is the injected-parameters cell, which is generated for every run.`, {
        field,
        cellId: v.id,
      });
  });
  return [...cells].sort((a, b) => index.get(a.id)!.i - index.get(b.id)!.i).map(({ id, show }) => ({ id, show }));
}
