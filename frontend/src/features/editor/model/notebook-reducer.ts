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
  /** Started by this tab (its outputs are this tab's to save); other tabs of the user only show them. */
  own?: boolean;
}

/**
 * One undoable cell operation, stored so that undoing it never touches cells it did not change (edits made to other
 * cells afterwards survive an undo). Applying an entry returns its inverse, so undo and redo are the same move.
 * - `cells`: remove the cells with ids `added`, then put `removed` back at their indices (delete, cut, insert, paste,
 *   merge, split, change type).
 * - `move`: move the contiguous block of cells `ids` by `delta` places.
 */
export type UndoEntry =
  | { kind: 'cells'; removed: { index: number; cell: Cell }[]; added: string[]; active: number }
  | { kind: 'move'; ids: string[]; delta: number };

export interface NotebookState {
  name: string;
  doc: Omit<Notebook, 'cells'>;
  cells: Cell[];
  /** The active cell (the cursor of command mode, the cell being edited in edit mode). */
  active: number;
  /**
   * The other end of the selection, as JupyterLab's Shift+J/K and Shift+click extend it: the selected cells are the
   * contiguous range between `anchor` and `active` (both included); `anchor === active` means only the active cell.
   * Read it through `selectedRange` / `selectedCells`.
   */
  anchor: number;
  mode: Mode;
  /** Markdown cells currently shown as source (being edited) rather than rendered. */
  editingMarkdown: Record<string, true>;
  runs: Record<string, CellRun>;
  clipboard: Cell[];
  /** Cell operations to undo (Z) and redo (Shift+Z), latest last; a new operation clears `redo`. */
  undo: UndoEntry[];
  redo: UndoEntry[];
  /**
   * Bumped on every change the author makes (sources, cells, name, tags): "Unsaved changes" while the autosaver's
   * saved revision differs. Outputs never bump it.
   */
  revision: number;
  /** Bumped when outputs of this tab's own runs change (saved too, but they do not make the code dirty). */
  outputsRevision: number;
  /** Per code cell, the `outputsRevision` at which this tab's own run last changed its outputs. */
  outputsChangedAt: Record<string, number>;
}

export type NotebookAction =
  | { type: 'load'; name: string; notebook: Notebook }
  | { type: 'rename'; name: string }
  /** Make a cell active; `extend` keeps the anchor, so the selection grows or shrinks to it (Shift+click, Shift+J/K). */
  | { type: 'select'; index: number; extend?: boolean }
  | { type: 'select-relative'; delta: number; extend?: boolean }
  | { type: 'select-all' }
  | { type: 'set-mode'; mode: Mode }
  | { type: 'set-source'; cellId: string; source: string }
  | { type: 'insert'; where: 'above' | 'below'; cellType?: CellType }
  /** The selected cells. */
  | { type: 'delete' }
  | { type: 'move'; delta: -1 | 1 }
  /** Drag and drop: move `cellId` (with the rest of the selection, if it is selected) to before the cell at `to`. */
  | { type: 'move-to'; cellId: string; to: number }
  | { type: 'change-type'; cellType: CellType }
  /** 1…6: make the selected cells Markdown headings of that level (JupyterLab's setMarkdownHeader). */
  | { type: 'heading'; level: number }
  /** Shift+M merges the selection (one cell: with the one below, as JupyterLab); `above`/`below` merge with a neighbour. */
  | { type: 'merge'; with?: 'above' | 'below' }
  /** Ctrl+Shift+-: split a cell at character offsets of its source (cursors and selection ends). */
  | { type: 'split'; cellId: string; offsets: number[] }
  | { type: 'undo' }
  | { type: 'redo' }
  | { type: 'copy' }
  | { type: 'cut' }
  | { type: 'paste'; where: 'above' | 'below' }
  | { type: 'set-tags'; cellId: string; tags: string[] }
  | { type: 'edit-markdown'; cellId: string; editing: boolean }
  | { type: 'clear-outputs'; cellIds?: string[] }
  | { type: 'queued'; cellIds: string[] }
  | { type: 'cell-started'; cellId: string; executionCount?: number | null; startedAt: number; own?: boolean }
  | { type: 'outputs'; cellId: string; outputs: Output[] }
  | {
      type: 'cell-done';
      cellId: string;
      status: 'ok' | 'error' | 'aborted';
      executionCount: number | null;
      startedAt?: number;
      endedAt: number;
    }
  | { type: 'runs-reset' }
  /**
   * The saved notebook, newer than what this tab has, taken while the tab has no unsaved edits (another tab saved).
   * Selection, mode and runs stay; a cell still running here, or whose own outputs changed after
   * `keepOutputsSince`, keeps the outputs shown here (they are newer than the saved ones).
   */
  | { type: 'adopt'; name: string; notebook: Notebook; keepOutputsSince: number };

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
    anchor: 0,
    mode: 'command',
    editingMarkdown: {},
    runs: {},
    clipboard: [],
    undo: [],
    redo: [],
    revision: 0,
    outputsRevision: 0,
    outputsChangedAt: {},
  };
}

export function toNotebook(s: NotebookState): Notebook {
  return { ...s.doc, nbformat_minor: Math.max(5, s.doc.nbformat_minor ?? 5), cells: s.cells };
}

const clamp = (i: number, n: number) => Math.max(0, Math.min(n - 1, i));
const MAX_UNDO = 100;

/** The selected cells as an index range, both ends included. */
export function selectedRange(s: Pick<NotebookState, 'active' | 'anchor'>): { from: number; to: number } {
  return { from: Math.min(s.active, s.anchor), to: Math.max(s.active, s.anchor) };
}

export function selectedCells(s: NotebookState): Cell[] {
  const { from, to } = selectedRange(s);
  return s.cells.slice(from, to + 1);
}

export const isSelected = (s: Pick<NotebookState, 'active' | 'anchor'>, index: number) => {
  const { from, to } = selectedRange(s);
  return index >= from && index <= to;
};

function mapCell(s: NotebookState, cellId: string, f: (c: Cell) => Cell): NotebookState {
  const i = s.cells.findIndex((c) => c.id === cellId);
  if (i < 0) return s;
  const next = f(s.cells[i]!);
  if (next === s.cells[i]) return s;
  const cells = s.cells.slice();
  cells[i] = next;
  return { ...s, cells, revision: s.revision + 1 };
}

/**
 * A kernel's change to a cell's outputs or execution count: never an author edit. Counted in `outputsRevision` when
 * the run is this tab's own (or any own run is going: a display update may touch a cell run earlier).
 */
function kernelChange(s: NotebookState, cellId: string, f: (c: Cell) => Cell): NotebookState {
  const i = s.cells.findIndex((c) => c.id === cellId);
  if (i < 0) return s;
  const next = f(s.cells[i]!);
  if (next === s.cells[i]) return s;
  const cells = s.cells.slice();
  cells[i] = next;
  const own = !!s.runs[cellId]?.own || Object.values(s.runs).some((r) => r.own && r.state !== 'done');
  if (!own) return { ...s, cells };
  const outputsRevision = s.outputsRevision + 1;
  return { ...s, cells, outputsRevision, outputsChangedAt: { ...s.outputsChangedAt, [cellId]: outputsRevision } };
}

function adopt(s: NotebookState, a: Extract<NotebookAction, { type: 'adopt' }>): NotebookState {
  const loaded = initialState(a.name, a.notebook);
  const mine = new Map(s.cells.map((c) => [c.id, c]));
  const cells = loaded.cells.map((c) => {
    const here = mine.get(c.id);
    if (c.cell_type !== 'code' || here?.cell_type !== 'code') return c;
    const run = s.runs[c.id];
    const live = run?.state === 'queued' || run?.state === 'running';
    const unsaved = (s.outputsChangedAt[c.id] ?? -1) > a.keepOutputsSince;
    return live || unsaved ? { ...c, outputs: here.outputs, execution_count: here.execution_count } : c;
  });
  const activeId = s.cells[s.active]?.id;
  const at = cells.findIndex((c) => c.id === activeId);
  const active = clamp(at >= 0 ? at : s.active, cells.length);
  // The history speaks of cells as they were here: it does not apply to the adopted ones.
  return { ...s, name: a.name, doc: loaded.doc, cells, active, anchor: active, undo: [], redo: [] };
}

/** A structural change: new cells, the active cell (the selection collapses onto it), and its undo entry. */
function withCells(s: NotebookState, cells: Cell[], active: number, undo?: UndoEntry): NotebookState {
  const a = clamp(active, cells.length);
  const history = undo ? { undo: [...s.undo, undo].slice(-MAX_UNDO), redo: [] } : {};
  return { ...s, ...history, cells, active: a, anchor: a, revision: s.revision + 1 };
}

/** Replace the cells at `indices` (ascending) by `inserted` at the first of them; returns the cells and the undo entry. */
function replaceCells(s: NotebookState, indices: number[], inserted: Cell[]): { cells: Cell[]; undo: UndoEntry } {
  const drop = new Set(indices);
  const at = indices[0] ?? s.active;
  const cells = s.cells.filter((_, i) => !drop.has(i));
  cells.splice(Math.min(at, cells.length), 0, ...inserted);
  const removed = indices.map((index) => ({ index, cell: s.cells[index]! }));
  return { cells, undo: { kind: 'cells', removed, added: inserted.map((c) => c.id), active: s.active } };
}

/** Move the block of `count` cells at `from` (the selection) by `delta` places, clamped; the block stays selected. */
function moveBlock(s: NotebookState, from: number, count: number, delta: number): NotebookState {
  const d = Math.max(-from, Math.min(s.cells.length - (from + count), delta));
  if (!d || count <= 0) return s;
  const cells = s.cells.slice();
  const block = cells.splice(from, count);
  cells.splice(from + d, 0, ...block);
  const next = withCells(s, cells, s.active + d, { kind: 'move', ids: block.map((c) => c.id), delta: d });
  return { ...next, anchor: clamp(s.anchor + d, cells.length) };
}

/** Apply an undo entry; returns the new state (history untouched) and the entry that reverts it. */
function applyEntry(s: NotebookState, e: UndoEntry): { state: NotebookState; inverse: UndoEntry } | null {
  if (e.kind === 'move') {
    const from = s.cells.findIndex((c) => c.id === e.ids[0]);
    if (from < 0) return null;
    const state = moveBlock({ ...s, active: from, anchor: from + e.ids.length - 1 }, from, e.ids.length, -e.delta);
    return { state: { ...state, undo: s.undo, redo: s.redo }, inverse: { ...e, delta: -e.delta } };
  }
  const added = new Set(e.added);
  const taken: { index: number; cell: Cell }[] = [];
  const cells: Cell[] = [];
  s.cells.forEach((cell, index) => (added.has(cell.id) ? taken.push({ index, cell }) : cells.push(cell)));
  const back = [...e.removed].sort((x, y) => x.index - y.index);
  for (const { index, cell } of back) cells.splice(Math.min(index, cells.length), 0, cell);
  if (!cells.length) cells.push(newCell('code'));
  // Cells put back become the selection; a pure removal (undoing an insert) returns to the cell active before it.
  const [active, anchor] = back.length ? [back[0]!.index, back[back.length - 1]!.index] : [e.active, e.active];
  const state = {
    ...s,
    cells,
    active: clamp(active, cells.length),
    anchor: clamp(anchor, cells.length),
    revision: s.revision + 1,
  };
  return { state, inverse: { kind: 'cells', removed: taken, added: back.map((r) => r.cell.id), active: s.active } };
}

const attachmentsOf = (c: Cell) => (c.cell_type === 'code' ? undefined : c.attachments);

function changeType(c: Cell, cellType: CellType): Cell {
  if (c.cell_type === cellType) return c;
  const { id, source, metadata } = c;
  return cellType === 'code'
    ? { id, source, metadata, cell_type: 'code', execution_count: null, outputs: [] }
    : { id, source, metadata, cell_type: cellType };
}

export function notebookReducer(s: NotebookState, a: NotebookAction): NotebookState {
  const cur = s.cells[s.active];
  const sel = selectedRange(s);
  switch (a.type) {
    case 'load':
      return initialState(a.name, a.notebook);
    case 'rename':
      return a.name === s.name ? s : { ...s, name: a.name, revision: s.revision + 1 };
    case 'select': {
      const active = clamp(a.index, s.cells.length);
      const anchor = a.extend ? s.anchor : active;
      return active === s.active && anchor === s.anchor ? s : { ...s, active, anchor };
    }
    case 'select-relative':
      return notebookReducer(s, { type: 'select', index: s.active + a.delta, extend: a.extend });
    case 'select-all':
      return { ...s, anchor: 0, active: s.cells.length - 1, mode: 'command' };
    case 'set-mode':
      if (s.mode === a.mode) return s;
      // Editing a cell ends a multi-cell selection (JupyterLab deselects on entering edit mode).
      return { ...s, mode: a.mode, anchor: a.mode === 'edit' ? s.active : s.anchor };
    case 'set-source':
      return mapCell(s, a.cellId, (c) =>
        sourceText(c.source) === a.source ? c : { ...c, source: toMultiline(a.source) },
      );
    case 'insert': {
      const at = a.where === 'above' ? s.active : s.active + 1;
      const cell = newCell(a.cellType ?? 'code');
      const cells = s.cells.slice();
      cells.splice(at, 0, cell);
      const editingMarkdown =
        cell.cell_type === 'markdown' ? { ...s.editingMarkdown, [cell.id]: true as const } : s.editingMarkdown;
      return withCells({ ...s, editingMarkdown }, cells, at, {
        kind: 'cells',
        removed: [],
        added: [cell.id],
        active: s.active,
      });
    }
    case 'delete': {
      if (!cur) return s;
      const indices = Array.from({ length: sel.to - sel.from + 1 }, (_, k) => sel.from + k);
      // A notebook always keeps one cell, as in JupyterLab.
      const keep = indices.length === s.cells.length ? [newCell('code')] : [];
      const { cells, undo } = replaceCells(s, indices, keep);
      return withCells(s, cells, sel.from, undo);
    }
    case 'move':
      return moveBlock(s, sel.from, sel.to - sel.from + 1, a.delta);
    case 'move-to': {
      const i = s.cells.findIndex((c) => c.id === a.cellId);
      if (i < 0) return s;
      const [from, count] = isSelected(s, i) ? [sel.from, sel.to - sel.from + 1] : [i, 1];
      const base = isSelected(s, i) ? s : { ...s, active: i, anchor: i };
      // `to` is an insertion point in the current list; past the block it counts the block's own cells.
      const to = Math.max(0, Math.min(s.cells.length, a.to));
      const delta = to > from ? to - from - count : to - from;
      return to >= from && to <= from + count ? base : moveBlock(base, from, count, delta);
    }
    case 'change-type':
    case 'heading': {
      const indices: number[] = [];
      const next: Cell[] = [];
      const cellType = a.type === 'heading' ? 'markdown' : a.cellType;
      const prefix = a.type === 'heading' ? `${'#'.repeat(Math.max(1, Math.min(6, a.level)))} ` : null;
      for (let i = sel.from; i <= sel.to; i++) {
        const c = s.cells[i]!;
        let changed = changeType(c, cellType);
        if (prefix !== null) {
          const text = prefix + sourceText(c.source).replace(/^(#+\s*)|^(\s*)/, '');
          if (text !== sourceText(c.source)) changed = { ...changed, source: toMultiline(text) };
        }
        if (changed !== c) {
          indices.push(i);
          next.push(changed);
        }
      }
      if (!indices.length) return s;
      const cells = s.cells.slice();
      indices.forEach((index, k) => (cells[index] = next[k]!));
      const editingMarkdown = { ...s.editingMarkdown };
      if (cellType === 'markdown') for (const c of next) editingMarkdown[c.id] = true;
      const undo: UndoEntry = {
        kind: 'cells',
        removed: indices.map((index) => ({ index, cell: s.cells[index]! })),
        added: next.map((c) => c.id),
        active: s.active,
      };
      return withCells({ ...s, editingMarkdown }, cells, s.active, undo);
    }
    case 'merge': {
      if (!cur) return s;
      let [from, to] = [sel.from, sel.to];
      if (from === to) {
        if (a.with === 'above') from -= 1;
        else to += 1;
        if (from < 0 || to >= s.cells.length) return s;
      }
      const indices = Array.from({ length: to - from + 1 }, (_, k) => from + k);
      const source = indices.map((i) => sourceText(s.cells[i]!.source)).join('\n\n');
      // The merged cell has the active cell's type and metadata, a new id and no outputs (JupyterLab's mergeCells).
      const merged: Cell = { ...newCell(cur.cell_type, source), metadata: structuredClone(cur.metadata) };
      if (merged.cell_type !== 'code') {
        const attachments = Object.assign({}, ...indices.map((i) => attachmentsOf(s.cells[i]!)));
        if (Object.keys(attachments).length) merged.attachments = attachments;
      }
      const { cells, undo } = replaceCells(s, indices, [merged]);
      const editingMarkdown =
        merged.cell_type === 'markdown' ? { ...s.editingMarkdown, [merged.id]: true as const } : s.editingMarkdown;
      return withCells({ ...s, editingMarkdown }, cells, from, undo);
    }
    case 'split': {
      const i = s.cells.findIndex((c) => c.id === a.cellId);
      if (i < 0) return s;
      const orig = s.cells[i]!;
      const text = sourceText(orig.source);
      const cuts = [...new Set(a.offsets.map((o) => Math.max(0, Math.min(text.length, o))))].sort((x, y) => x - y);
      const bounds = [0, ...cuts, text.length];
      const parts = bounds.slice(0, -1).map((b, k) =>
        text
          .slice(b, bounds[k + 1])
          .replace(/^\n+/, '')
          .replace(/\n+$/, ''),
      );
      // Every part keeps the type and metadata; the last keeps the outputs (JupyterLab's splitCell). The first keeps
      // the cell's id.
      const pieces = parts.map((p, k): Cell => {
        const c: Cell = { ...structuredClone(orig), id: k === 0 ? orig.id : newCellId(), source: toMultiline(p) };
        if (c.cell_type === 'code' && k < parts.length - 1) return { ...c, outputs: [], execution_count: null };
        return c;
      });
      const { cells, undo } = replaceCells(s, [i], pieces);
      // The cursor's part becomes active: the last one (the selected text's part if text was selected).
      const selectionSplit = a.offsets.length >= 2 && new Set(a.offsets).size >= 2;
      const editingMarkdown = { ...s.editingMarkdown };
      if (orig.cell_type === 'markdown') for (const p of pieces) editingMarkdown[p.id] = true;
      return withCells({ ...s, editingMarkdown }, cells, i + pieces.length - (selectionSplit ? 2 : 1), undo);
    }
    case 'undo':
    case 'redo': {
      const from = a.type === 'undo' ? s.undo : s.redo;
      const entry = from[from.length - 1];
      if (!entry) return s;
      const rest = from.slice(0, -1);
      const done = applyEntry(s, entry);
      if (!done) return { ...s, [a.type]: rest };
      const history =
        a.type === 'undo'
          ? { undo: rest, redo: [...s.redo, done.inverse] }
          : { redo: rest, undo: [...s.undo, done.inverse] };
      return { ...done.state, ...history };
    }
    case 'copy':
      return cur ? { ...s, clipboard: selectedCells(s) } : s;
    case 'cut':
      return cur ? notebookReducer({ ...s, clipboard: selectedCells(s) }, { type: 'delete' }) : s;
    case 'paste': {
      if (!s.clipboard.length) return s;
      const at = a.where === 'above' ? s.active : s.active + 1;
      const pasted = s.clipboard.map(cloneCell);
      const cells = s.cells.slice();
      cells.splice(at, 0, ...pasted);
      return withCells(s, cells, at + pasted.length - 1, {
        kind: 'cells',
        removed: [],
        added: pasted.map((c) => c.id),
        active: s.active,
      });
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
      for (const id of a.cellIds) runs[id] = { state: 'queued', own: true };
      return { ...s, runs };
    }
    case 'cell-started': {
      const run: CellRun = { state: 'running', startedAt: a.startedAt, own: a.own ?? s.runs[a.cellId]?.own };
      return kernelChange({ ...s, runs: { ...s.runs, [a.cellId]: run } }, a.cellId, (c) =>
        c.cell_type === 'code' ? { ...c, outputs: [], execution_count: a.executionCount ?? null } : c,
      );
    }
    case 'outputs':
      return kernelChange(s, a.cellId, (c) => (c.cell_type === 'code' ? { ...c, outputs: a.outputs } : c));
    case 'cell-done': {
      const next =
        a.status === 'aborted'
          ? s
          : kernelChange(s, a.cellId, (c) =>
              c.cell_type === 'code' && c.execution_count !== a.executionCount
                ? { ...c, execution_count: a.executionCount }
                : c,
            );
      const prev = s.runs[a.cellId];
      const run: CellRun =
        a.status === 'aborted'
          ? { state: 'done', status: 'aborted', own: prev?.own }
          : {
              state: 'done',
              status: a.status,
              startedAt: a.startedAt ?? prev?.startedAt,
              endedAt: a.endedAt,
              own: prev?.own,
            };
      return { ...next, runs: { ...s.runs, [a.cellId]: run } };
    }
    case 'adopt':
      return adopt(s, a);
    case 'runs-reset': {
      // After a restart or a lost kernel nothing is queued or running any more.
      const runs: Record<string, CellRun> = {};
      for (const [id, r] of Object.entries(s.runs))
        runs[id] = r.state === 'done' ? r : { state: 'done', status: 'aborted', own: r.own };
      return { ...s, runs };
    }
  }
}
