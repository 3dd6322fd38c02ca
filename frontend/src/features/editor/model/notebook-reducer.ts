import { newCellId } from '../../../lib/ids';
import { sourceText, toMultiline, type Cell, type Notebook, type Output } from '../../../lib/nbformat';

export type CellType = Cell['cell_type'];
export type Mode = 'command' | 'edit';

/** What the live kernel is doing with a cell (not saved in the notebook). */
export interface CellRun {
  state: 'queued' | 'running' | 'done';
  startedAt?: number;
  endedAt?: number;
  status?: 'ok' | 'error' | 'aborted';
}

export interface NotebookState {
  name: string;
  doc: Omit<Notebook, 'cells'>;
  cells: Cell[];
  active: number;
  mode: Mode;
  /** Markdown cells currently shown as source (being edited) rather than rendered. */
  editingMarkdown: Record<string, true>;
  runs: Record<string, CellRun>;
  clipboard: Cell[];
  /** Bumped on every change that must be saved; the autosaver compares it with what it saved. */
  revision: number;
}

export type NotebookAction =
  | { type: 'load'; name: string; notebook: Notebook }
  | { type: 'rename'; name: string }
  | { type: 'select'; index: number }
  | { type: 'select-relative'; delta: number }
  | { type: 'set-mode'; mode: Mode }
  | { type: 'set-source'; cellId: string; source: string }
  | { type: 'insert'; where: 'above' | 'below'; cellType?: CellType }
  | { type: 'delete' }
  | { type: 'move'; delta: -1 | 1 }
  | { type: 'change-type'; cellType: CellType }
  | { type: 'copy' }
  | { type: 'cut' }
  | { type: 'paste'; where: 'above' | 'below' }
  | { type: 'set-tags'; cellId: string; tags: string[] }
  | { type: 'edit-markdown'; cellId: string; editing: boolean }
  | { type: 'clear-outputs'; cellIds?: string[] }
  | { type: 'queued'; cellIds: string[] }
  | { type: 'cell-started'; cellId: string; executionCount?: number | null; startedAt: number }
  | { type: 'outputs'; cellId: string; outputs: Output[] }
  | {
      type: 'cell-done';
      cellId: string;
      status: 'ok' | 'error' | 'aborted';
      executionCount: number | null;
      startedAt?: number;
      endedAt: number;
    }
  | { type: 'runs-reset' };

export function newCell(cellType: CellType, source = ''): Cell {
  const base = { id: newCellId(), source: toMultiline(source), metadata: {} };
  return cellType === 'code'
    ? { ...base, cell_type: 'code', execution_count: null, outputs: [] }
    : { ...base, cell_type: cellType };
}

/** A copy with a fresh id (pasting must never duplicate ids: nbformat 4.5 requires them unique). */
const cloneCell = (c: Cell): Cell => ({ ...structuredClone(c), id: newCellId() });

export function initialState(name: string, notebook: Notebook): NotebookState {
  const { cells, ...doc } = notebook;
  const seen = new Set<string>();
  const fixed = cells.map((c) => {
    // Cells without (or with duplicate) ids get one, as JupyterLab does on load.
    if (typeof c.id === 'string' && c.id && !seen.has(c.id)) {
      seen.add(c.id);
      return c;
    }
    const id = newCellId();
    seen.add(id);
    return { ...c, id };
  });
  return {
    name,
    doc,
    cells: fixed.length ? fixed : [newCell('code')],
    active: 0,
    mode: 'command',
    editingMarkdown: {},
    runs: {},
    clipboard: [],
    revision: 0,
  };
}

export function toNotebook(s: NotebookState): Notebook {
  return { ...s.doc, nbformat_minor: Math.max(5, s.doc.nbformat_minor ?? 5), cells: s.cells };
}

const clamp = (i: number, n: number) => Math.max(0, Math.min(n - 1, i));

function mapCell(s: NotebookState, cellId: string, f: (c: Cell) => Cell): NotebookState {
  const i = s.cells.findIndex((c) => c.id === cellId);
  if (i < 0) return s;
  const next = f(s.cells[i]!);
  if (next === s.cells[i]) return s;
  const cells = s.cells.slice();
  cells[i] = next;
  return { ...s, cells, revision: s.revision + 1 };
}

function withCells(s: NotebookState, cells: Cell[], active: number): NotebookState {
  return { ...s, cells, active: clamp(active, cells.length), revision: s.revision + 1 };
}

export function notebookReducer(s: NotebookState, a: NotebookAction): NotebookState {
  const cur = s.cells[s.active];
  switch (a.type) {
    case 'load':
      return initialState(a.name, a.notebook);
    case 'rename':
      return a.name === s.name ? s : { ...s, name: a.name, revision: s.revision + 1 };
    case 'select':
      return { ...s, active: clamp(a.index, s.cells.length) };
    case 'select-relative':
      return { ...s, active: clamp(s.active + a.delta, s.cells.length) };
    case 'set-mode':
      return s.mode === a.mode ? s : { ...s, mode: a.mode };
    case 'set-source':
      return mapCell(s, a.cellId, (c) =>
        sourceText(c.source) === a.source ? c : { ...c, source: toMultiline(a.source) },
      );
    case 'insert': {
      const at = a.where === 'above' ? s.active : s.active + 1;
      const cells = s.cells.slice();
      const cell = newCell(a.cellType ?? 'code');
      cells.splice(at, 0, cell);
      const editingMarkdown =
        cell.cell_type === 'markdown' ? { ...s.editingMarkdown, [cell.id]: true as const } : s.editingMarkdown;
      return withCells({ ...s, editingMarkdown }, cells, at);
    }
    case 'delete': {
      if (!cur) return s;
      const cells = s.cells.filter((_, i) => i !== s.active);
      // A notebook always keeps one cell, as in JupyterLab.
      return withCells({ ...s, clipboard: [cur] }, cells.length ? cells : [newCell('code')], s.active);
    }
    case 'move': {
      const to = s.active + a.delta;
      if (!cur || to < 0 || to >= s.cells.length) return s;
      const cells = s.cells.slice();
      cells.splice(s.active, 1);
      cells.splice(to, 0, cur);
      return withCells(s, cells, to);
    }
    case 'change-type': {
      if (!cur || cur.cell_type === a.cellType) return s;
      const { id, source, metadata } = cur;
      const next: Cell =
        a.cellType === 'code'
          ? { id, source, metadata, cell_type: 'code', execution_count: null, outputs: [] }
          : { id, source, metadata, cell_type: a.cellType };
      const cells = s.cells.slice();
      cells[s.active] = next;
      const editingMarkdown =
        a.cellType === 'markdown' ? { ...s.editingMarkdown, [id]: true as const } : s.editingMarkdown;
      return withCells({ ...s, editingMarkdown }, cells, s.active);
    }
    case 'copy':
      return cur ? { ...s, clipboard: [cur] } : s;
    case 'cut':
      return notebookReducer(s, { type: 'delete' });
    case 'paste': {
      if (!s.clipboard.length) return s;
      const at = a.where === 'above' ? s.active : s.active + 1;
      const cells = s.cells.slice();
      cells.splice(at, 0, ...s.clipboard.map(cloneCell));
      return withCells(s, cells, at + s.clipboard.length - 1);
    }
    case 'set-tags': {
      const tags = [...new Set(a.tags.map((t) => t.trim()).filter(Boolean))];
      return mapCell(s, a.cellId, (c) => {
        const metadata = { ...c.metadata };
        if (tags.length) metadata.tags = tags;
        else delete metadata.tags;
        return { ...c, metadata };
      });
    }
    case 'edit-markdown': {
      const editingMarkdown = { ...s.editingMarkdown };
      if (a.editing) editingMarkdown[a.cellId] = true;
      else delete editingMarkdown[a.cellId];
      return { ...s, editingMarkdown };
    }
    case 'clear-outputs': {
      const ids = a.cellIds ? new Set(a.cellIds) : null;
      const cells = s.cells.map((c) =>
        c.cell_type === 'code' && (!ids || ids.has(c.id)) ? { ...c, outputs: [], execution_count: null } : c,
      );
      return { ...s, cells, revision: s.revision + 1 };
    }
    case 'queued': {
      const runs = { ...s.runs };
      for (const id of a.cellIds) runs[id] = { state: 'queued' };
      return { ...s, runs };
    }
    case 'cell-started': {
      const next = mapCell(s, a.cellId, (c) =>
        c.cell_type === 'code' ? { ...c, outputs: [], execution_count: a.executionCount ?? null } : c,
      );
      return { ...next, runs: { ...s.runs, [a.cellId]: { state: 'running', startedAt: a.startedAt } } };
    }
    case 'outputs':
      return mapCell(s, a.cellId, (c) => (c.cell_type === 'code' ? { ...c, outputs: a.outputs } : c));
    case 'cell-done': {
      const next =
        a.status === 'aborted'
          ? s
          : mapCell(s, a.cellId, (c) => (c.cell_type === 'code' ? { ...c, execution_count: a.executionCount } : c));
      const prev = s.runs[a.cellId];
      const run: CellRun =
        a.status === 'aborted'
          ? { state: 'done', status: 'aborted' }
          : { state: 'done', status: a.status, startedAt: a.startedAt ?? prev?.startedAt, endedAt: a.endedAt };
      return { ...next, runs: { ...s.runs, [a.cellId]: run } };
    }
    case 'runs-reset': {
      // After a restart or a lost kernel nothing is queued or running any more.
      const runs: Record<string, CellRun> = {};
      for (const [id, r] of Object.entries(s.runs))
        runs[id] = r.state === 'done' ? r : { state: 'done', status: 'aborted' };
      return { ...s, runs };
    }
  }
}
