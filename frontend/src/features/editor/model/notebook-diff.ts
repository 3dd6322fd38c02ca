import { sourceText, type Cell, type Notebook } from '../../../lib/nbformat';

/**
 * A notebook as text for a line diff (Monaco's diff editor): each cell's source under a header line naming its type
 * and id, as jupytext's percent format does, so a moved, added or removed cell shows as such. Outputs are left out:
 * a diff of revisions is about what the author wrote.
 */
export function notebookText(nb: Pick<Notebook, 'cells'>): string {
  return nb.cells
    .map((c) => {
      const src = sourceText(c.source);
      return `# %% [${c.cell_type}] ${c.id}\n${src}${src === '' || src.endsWith('\n') ? '' : '\n'}`;
    })
    .join('\n');
}

export interface CellChanges {
  added: number;
  removed: number;
  changed: number;
  moved: number;
}

/** Cells matched by id: how many were added, removed, edited (source or type) and moved between two notebooks. */
export function cellChanges(before: Pick<Notebook, 'cells'>, after: Pick<Notebook, 'cells'>): CellChanges {
  const key = (c: Cell, i: number) => c.id ?? `#${i}`;
  const old = new Map(before.cells.map((c, i) => [key(c, i), { c, i }]));
  const kept = after.cells.flatMap((c, i) => (old.has(key(c, i)) ? [key(c, i)] : []));
  const oldOrder = before.cells.map(key).filter((k) => kept.includes(k));
  let changed = 0;
  after.cells.forEach((c, i) => {
    const o = old.get(key(c, i));
    if (o && (o.c.cell_type !== c.cell_type || sourceText(o.c.source) !== sourceText(c.source))) changed++;
  });
  return {
    added: after.cells.length - kept.length,
    removed: before.cells.length - kept.length,
    changed,
    moved: kept.filter((k, i) => oldOrder[i] !== k).length,
  };
}

/** "2 cells edited, 1 added" — or "No changes". */
export function describeChanges(ch: CellChanges): string {
  const parts = [
    ch.changed && `${ch.changed} ${ch.changed === 1 ? 'cell' : 'cells'} edited`,
    ch.added && `${ch.added} added`,
    ch.removed && `${ch.removed} removed`,
    ch.moved && `${ch.moved} moved`,
  ].filter(Boolean);
  return parts.length ? parts.join(', ') : 'No changes to the cells';
}
