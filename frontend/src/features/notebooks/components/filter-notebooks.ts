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

export function formatWhen(iso: string, now = Date.now()): string {
  const t = Date.parse(iso);
  if (Number.isNaN(t)) return '';
  const s = Math.round((now - t) / 1000);
  if (s < 60) return 'just now';
  if (s < 3600) return `${Math.floor(s / 60)} min ago`;
  if (s < 86_400) return `${Math.floor(s / 3600)} h ago`;
  return new Date(t).toLocaleDateString();
}
