import { forwardRef, memo, useState } from 'react';
import { OutputArea } from '../../../components/outputs/output-area';
import { cellTags, sourceText, type Cell } from '../../../lib/nbformat';
import type { KernelClient } from '../api/kernel-client';
import type { CellRun } from '../model/notebook-reducer';
import { CellTags } from './cell-tags';
import { Elapsed } from './elapsed';
import { MarkdownView } from './markdown-view';
import { CodeEditor, type EditorCommand } from './monaco/code-editor';

/** Stable callbacks shared by every cell (created once by the session, so memoised cells do not re-render). */
export interface CellHandlers {
  select: (cellId: string) => void;
  focusEditor: (cellId: string) => void;
  change: (cellId: string, source: string) => void;
  command: (cellId: string, command: EditorCommand) => void;
  setTags: (cellId: string, tags: string[]) => void;
  editMarkdown: (cellId: string) => void;
  kernel: () => KernelClient | null;
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
  editing: boolean;
  markdownEditing: boolean;
  run: CellRun | undefined;
  handlers: CellHandlers;
}

export const CellView = memo(
  forwardRef<HTMLDivElement, CellViewProps>(function CellView(
    { cell, index, active, editing, markdownEditing, run, handlers },
    ref,
  ) {
    const [showTags, setShowTags] = useState(false);
    const source = sourceText(cell.source);
    const tags = cellTags(cell);
    const busy = run?.state === 'queued' || run?.state === 'running';
    const showEditor = cell.cell_type !== 'markdown' || markdownEditing;
    return (
      <div
        ref={ref}
        className={`cell cell-${cell.cell_type}${active ? ' cell-active' : ''}${editing ? ' cell-editing' : ''}${busy ? ' cell-busy' : ''}`}
        data-testid="cell"
        data-cell-id={cell.id}
        data-cell-type={cell.cell_type}
        data-index={index}
        data-run-state={run?.state ?? 'idle'}
        tabIndex={active ? 0 : -1}
        onMouseDown={() => !active && handlers.select(cell.id)}
        aria-label={`Cell ${index + 1}, ${cell.cell_type}`}
      >
        <div className="cell-gutter">
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
            />
          ) : (
            <MarkdownView
              source={source}
              attachments={cell.cell_type === 'markdown' ? cell.attachments : undefined}
              onEdit={() => handlers.editMarkdown(cell.id)}
            />
          )}
          {cell.cell_type === 'code' && <OutputArea outputs={cell.outputs} />}
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
