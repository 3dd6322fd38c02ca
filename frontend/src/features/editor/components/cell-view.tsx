import { forwardRef, memo, useState, type DragEvent } from 'react';
import { OutputArea } from '../../../components/outputs/output-area';
import { cellTags, sourceText, type Cell } from '../../../lib/nbformat';
import type { KernelClient } from '../api/kernel-client';
import type { InputRequest } from '../api/use-kernel';
import type { CellRun } from '../model/notebook-reducer';
import { CellTags } from './cell-tags';
import { Elapsed } from './elapsed';
import { InputBox } from './input-box';
import { MarkdownView } from './markdown-view';
import { CodeEditor, type EditorApi, type EditorCommand } from './monaco/code-editor';

/** The drag data type of a cell being dragged by its prompt area. */
const CELL_DRAG_TYPE = 'application/x-folio-cell';

/** Stable callbacks shared by every cell (created once by the session, so memoised cells do not re-render). */
export interface CellHandlers {
  /** A click on a cell; `extend` (Shift+click) extends the selection to it. */
  select: (cellId: string, extend?: boolean) => void;
  focusEditor: (cellId: string) => void;
  change: (cellId: string, source: string) => void;
  command: (cellId: string, command: EditorCommand, offsets?: number[]) => void;
  /** A dragged cell (with the selection it belongs to) dropped before the cell at index `to`. */
  drop: (cellId: string, to: number) => void;
  registerEditor: (cellId: string, api: EditorApi | null) => void;
  setTags: (cellId: string, tags: string[]) => void;
  editMarkdown: (cellId: string) => void;
  kernel: () => KernelClient | null;
  /** The answer to this cell's input() / getpass(). */
  answerInput: (value: string) => void;
}

function prompt(cell: Cell, run: CellRun | undefined): string {
  if (cell.cell_type !== 'code') return '';
  if (run && (run.state === 'queued' || run.state === 'running')) return '[*]:';
  return `[${cell.execution_count ?? ' '}]:`;
}

interface CellViewProps {
  cell: Cell;
  index: number;
  active: boolean;
  /** Part of a multi-cell selection (Shift+J/K, Shift+click). */
  selected: boolean;
  editing: boolean;
  markdownEditing: boolean;
  run: CellRun | undefined;
  handlers: CellHandlers;
  /** Set while this cell's input() / getpass() waits for an answer. */
  input?: InputRequest;
  /** Render the outputs a moment later (the notebook has just opened and this cell is past the first screens). */
  outputsLater?: boolean;
}

export const CellView = memo(
  forwardRef<HTMLDivElement, CellViewProps>(function CellView(
    { cell, index, active, selected, editing, markdownEditing, run, handlers, input, outputsLater },
    ref,
  ) {
    const [showTags, setShowTags] = useState(false);
    const [dropSide, setDropSide] = useState<'above' | 'below' | null>(null);
    const sideOf = (e: DragEvent<HTMLDivElement>) => {
      const r = e.currentTarget.getBoundingClientRect();
      return e.clientY < r.top + r.height / 2 ? 'above' : 'below';
    };
    const source = sourceText(cell.source);
    const tags = cellTags(cell);
    const busy = run?.state === 'queued' || run?.state === 'running';
    const showEditor = cell.cell_type !== 'markdown' || markdownEditing;
    return (
      <div
        ref={ref}
        className={`cell cell-${cell.cell_type}${active ? ' cell-active' : ''}${selected ? ' cell-selected' : ''}${editing ? ' cell-editing' : ''}${busy ? ' cell-busy' : ''}${dropSide ? ` cell-drop-${dropSide}` : ''}`}
        data-testid="cell"
        data-cell-id={cell.id}
        data-cell-type={cell.cell_type}
        data-index={index}
        data-run-state={run?.state ?? 'idle'}
        data-selected={selected ? 'true' : undefined}
        tabIndex={active ? 0 : -1}
        onMouseDownCapture={(e) => {
          // Shift+click extends the selection (command mode), before the editor can take the click.
          if (!e.shiftKey) return;
          e.preventDefault();
          e.stopPropagation();
          handlers.select(cell.id, true);
        }}
        onMouseDown={() => handlers.select(cell.id)}
        onDragOver={(e) => {
          if (!e.dataTransfer.types.includes(CELL_DRAG_TYPE)) return;
          e.preventDefault();
          e.dataTransfer.dropEffect = 'move';
          setDropSide(sideOf(e));
        }}
        onDragLeave={() => setDropSide(null)}
        onDrop={(e) => {
          const dragged = e.dataTransfer.getData(CELL_DRAG_TYPE);
          setDropSide(null);
          if (!dragged) return;
          e.preventDefault();
          handlers.drop(dragged, sideOf(e) === 'above' ? index : index + 1);
        }}
        aria-label={`Cell ${index + 1}, ${cell.cell_type}`}
      >
        <div
          className="cell-gutter"
          draggable
          title="Drag to move"
          data-testid="cell-drag-handle"
          onDragStart={(e) => {
            e.dataTransfer.setData(CELL_DRAG_TYPE, cell.id);
            e.dataTransfer.effectAllowed = 'move';
          }}
        >
          <span className="cell-prompt" data-testid="cell-prompt">
            {prompt(cell, run)}
          </span>
          <Elapsed run={run} />
        </div>
        <div className="cell-body">
          {(showTags || tags.length > 0) && (
            <div className="cell-tag-row">
              {showTags ? (
                <CellTags tags={tags} onChange={(t) => handlers.setTags(cell.id, t)} />
              ) : (
                tags.map((t) => (
                  <span key={t} className="tag tag-static">
                    {t}
                  </span>
                ))
              )}
            </div>
          )}
          {showEditor ? (
            <CodeEditor
              cellId={cell.id}
              source={source}
              language={cell.cell_type === 'code' ? 'python' : cell.cell_type === 'markdown' ? 'markdown' : 'plaintext'}
              focused={editing}
              kernel={handlers.kernel}
              onChange={handlers.change}
              onCommand={handlers.command}
              onFocus={handlers.focusEditor}
              onRegister={handlers.registerEditor}
            />
          ) : (
            <MarkdownView
              source={source}
              attachments={cell.cell_type === 'markdown' ? cell.attachments : undefined}
              onEdit={() => handlers.editMarkdown(cell.id)}
            />
          )}
          {cell.cell_type === 'code' && <OutputArea outputs={cell.outputs} later={outputsLater} />}
          {input && <InputBox request={input} onSubmit={handlers.answerInput} />}
        </div>
        <div className="cell-side">
          <button
            type="button"
            className="icon-btn"
            aria-label="Edit tags"
            aria-pressed={showTags}
            title="Edit tags"
            data-testid="edit-tags"
            onClick={() => setShowTags((v) => !v)}
          >
            #
          </button>
        </div>
      </div>
    );
  }),
);
