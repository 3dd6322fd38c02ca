import type { NotebookSummary } from '../api/notebook-summary.schema';

export type NotebookSort = 'name' | 'updated';

/** Case-insensitive name search, then sort by name (A→Z) or by last update (newest first). */
export function filterNotebooks(
  list: readonly NotebookSummary[],
  search: string,
  sort: NotebookSort,
): NotebookSummary[] {
  const q = search.trim().toLowerCase();
  const hits = q ? list.filter((n) => n.name.toLowerCase().includes(q)) : [...list];
  return hits.sort((a, b) =>
    sort === 'name'
      ? a.name.localeCompare(b.name, undefined, { sensitivity: 'base', numeric: true })
      : Date.parse(b.updatedAt) - Date.parse(a.updatedAt),
  );
}

/** Kept here for the list's imports; the one implementation is lib/format.ts. */
export { formatWhen } from '../../../lib/format';
