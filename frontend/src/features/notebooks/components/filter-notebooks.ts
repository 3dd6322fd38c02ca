import type { NotebookSummary } from '../api/notebook-summary.schema';

export type NotebookSort = 'name' | 'updated';
/**
 * Which notebooks the list shows: all of them, only mine, only those others shared with me, or only the examples
 * seeded on first start.
 */
export type NotebookShow = 'all' | 'mine' | 'shared' | 'examples';

const SHOWS: Record<NotebookShow, (n: NotebookSummary) => boolean> = {
  all: () => true,
  // An admin's own notebooks are 'owner'; lists without access levels (older servers) count as mine.
  mine: (n) => !n.example && (n.access === undefined || n.access === 'owner'),
  shared: (n) => !n.example && (n.access === 'read' || n.access === 'edit'),
  examples: (n) => !!n.example,
};

/**
 * Case-insensitive name search, then sort by name (A→Z) or by last update (newest first). The example notebooks are
 * pinned: they come first (sorted the same way among themselves), so newer work never buries them; `show` narrows
 * the list (see NotebookShow).
 */
export function filterNotebooks(
  list: readonly NotebookSummary[],
  search: string,
  sort: NotebookSort,
  show: NotebookShow = 'all',
): NotebookSummary[] {
  const q = search.trim().toLowerCase();
  const hits = list.filter((n) => (!q || n.name.toLowerCase().includes(q)) && SHOWS[show](n));
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
