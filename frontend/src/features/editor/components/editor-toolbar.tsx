import type { ReactNode } from 'react';
import { Button } from '../../../components/ui/button';
import type { KernelStatus } from '../api/kernel-protocol';
import type { SaveState } from '../api/use-autosave';
import type { RunProgress } from '../api/use-kernel';
import type { CellType } from '../model/notebook-reducer';
import { KernelMenu } from './kernel-menu';
import { KernelStatusBadge } from './kernel-status';

export type ToolbarAction =
  | 'save'
  | 'insert-code'
  | 'insert-markdown'
  | 'cut'
  | 'copy'
  | 'paste'
  | 'move-up'
  | 'move-down'
  | 'delete'
  | 'run-and-select-next'
  | 'run-all'
  | 'run-above'
  | 'run-below'
  | 'interrupt'
  | 'restart'
  | 'restart-run-all'
  | 'shutdown'
  | 'clear-outputs'
  | 'export'
  | 'shortcuts-help'
  | 'find';

const SAVE_LABEL: Record<SaveState['kind'], string> = {
  saved: 'All changes saved',
  pending: 'Unsaved changes',
  saving: 'Saving…',
  error: 'Save failed',
  conflict: 'Not saved: conflict',
};

const BUTTONS: { action: ToolbarAction; label: string; text: string; title?: string }[] = [
  { action: 'insert-code', label: 'Add code cell', text: '+ Code', title: 'Insert a code cell below (B)' },
  { action: 'insert-markdown', label: 'Add Markdown cell', text: '+ Markdown' },
  { action: 'cut', label: 'Cut cell', text: 'Cut', title: 'X' },
  { action: 'copy', label: 'Copy cell', text: 'Copy', title: 'C' },
  { action: 'paste', label: 'Paste cell below', text: 'Paste', title: 'V' },
  { action: 'move-up', label: 'Move cell up', text: '↑' },
  { action: 'move-down', label: 'Move cell down', text: '↓' },
  { action: 'delete', label: 'Delete cell', text: 'Delete', title: 'D, D' },
  // As JupyterLab's ▶: run the selected cells and select the next (a new one below the last).
  { action: 'run-and-select-next', label: 'Run cell', text: '▶ Run', title: 'Run and select next (Shift+Enter)' },
  { action: 'run-above', label: 'Run cells above', text: 'Run above' },
  { action: 'run-below', label: 'Run selected cell and below', text: 'Run below' },
  { action: 'run-all', label: 'Run all cells', text: 'Run all' },
  { action: 'interrupt', label: 'Interrupt kernel', text: '■', title: 'Interrupt (I, I)' },
  { action: 'restart', label: 'Restart kernel', text: '↻', title: 'Restart… (0, 0)' },
  { action: 'restart-run-all', label: 'Restart kernel and run all cells', text: '⏩', title: 'Restart and run all…' },
  { action: 'clear-outputs', label: 'Clear all outputs', text: 'Clear' },
  { action: 'find', label: 'Find and replace', text: 'Find', title: 'Find and replace (Ctrl+F)' },
];

export function EditorToolbar({
  name,
  onRename,
  saveState,
  kernelStatus,
  progress,
  activeType,
  onChangeType,
  onAction,
  onLeaveName,
  onShare,
  children,
}: {
  name: string;
  onRename: (name: string) => void;
  saveState: SaveState;
  kernelStatus: KernelStatus;
  progress: RunProgress | null;
  activeType: CellType | undefined;
  onChangeType: (t: CellType) => void;
  onAction: (a: ToolbarAction) => void;
  /** Esc or Enter in the name field: back to the notebook. */
  onLeaveName?: () => void;
  /** Given to the owner and admins: opens the Share dialog. */
  onShare?: () => void;
  /** Shown below the toolbar, floating over the notebook (the find box). */
  children?: ReactNode;
}) {
  return (
    <div
      className="editor-toolbar"
      role="toolbar"
      aria-label="Notebook"
      // Buttons do not take keyboard focus from the notebook (JupyterLab's toolbar): command-mode keys keep working.
      onMouseDown={(e) => (e.target as HTMLElement).closest('button') && e.preventDefault()}
    >
      <div className="toolbar-row">
        <input
          className="notebook-name"
          aria-label="Notebook name"
          value={name}
          onChange={(e) => onRename(e.target.value)}
          onKeyDown={(e) => {
            if (e.key !== 'Escape' && e.key !== 'Enter') return;
            e.preventDefault();
            e.currentTarget.blur();
            onLeaveName?.();
          }}
          data-testid="notebook-name"
        />
        <span className={`save-state save-${saveState.kind}`} data-testid="save-state" data-state={saveState.kind}>
          {SAVE_LABEL[saveState.kind]}
        </span>
        <Button onClick={() => onAction('save')} aria-label="Save" title="Ctrl+S" data-testid="save">
          Save
        </Button>
        <Button onClick={() => onAction('export')} aria-label="Export .ipynb" data-testid="export">
          Export .ipynb
        </Button>
        <Button
          variant="ghost"
          onClick={() => onAction('shortcuts-help')}
          aria-label="Keyboard shortcuts"
          title="Keyboard shortcuts (all commands: Ctrl+Shift+C)"
          data-testid="shortcuts-help"
        >
          ?
        </Button>
        {onShare && (
          <Button onClick={onShare} title="Choose who can read or edit this notebook" data-testid="share">
            Share
          </Button>
        )}
        <KernelMenu onAction={onAction} />
        <div className="topbar-spacer" />
        {progress && (
          <span
            className="run-progress"
            data-testid="run-progress"
            role="progressbar"
            aria-valuemin={0}
            aria-valuemax={progress.total}
            aria-valuenow={progress.done}
          >
            <progress max={progress.total} value={progress.done} /> {progress.done}/{progress.total}
          </span>
        )}
        <KernelStatusBadge status={kernelStatus} />
      </div>
      <div className="toolbar-row">
        {BUTTONS.map((b) => (
          <Button
            key={b.action}
            variant="ghost"
            aria-label={b.label}
            title={b.title ?? b.label}
            onClick={() => onAction(b.action)}
            data-testid={`tb-${b.action}`}
          >
            {b.text}
          </Button>
        ))}
        <select
          aria-label="Cell type"
          value={activeType ?? 'code'}
          onChange={(e) => onChangeType(e.target.value as CellType)}
          data-testid="cell-type"
        >
          <option value="code">Code</option>
          <option value="markdown">Markdown</option>
          <option value="raw">Raw</option>
        </select>
      </div>
      {children}
    </div>
  );
}
