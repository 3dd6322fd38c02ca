import type { NotebookSummary } from '../api/notebook-summary.schema';

export type NotebookSort = 'name' | 'updated';
/** Which notebooks the list shows: all of them, or only the examples seeded on first start. */
export type NotebookShow = 'all' | 'examples';

/**
 * Case-insensitive name search, then sort by name (A→Z) or by last update (newest first). The example notebooks are
 * pinned: they come first (sorted the same way among themselves), so newer work never buries them; `show:
 * 'examples'` lists only them.
 */
export function filterNotebooks(
  list: readonly NotebookSummary[],
  search: string,
  sort: NotebookSort,
  show: NotebookShow = 'all',
): NotebookSummary[] {
  const q = search.trim().toLowerCase();
  const hits = list.filter((n) => (!q || n.name.toLowerCase().includes(q)) && (show === 'all' || n.example));
  return hits.sort(
    (a, b) =>
      Number(!!b.example) - Number(!!a.example) ||
      (sort === 'name'
        ? a.name.localeCompare(b.name, undefined, { sensitivity: 'base', numeric: true })
        : Date.parse(b.updatedAt) - Date.parse(a.updatedAt)),
  );
}

/** Kept here for the list's imports; the one implementation is lib/format.ts. */
export { formatWhen } from '../../../lib/format';
