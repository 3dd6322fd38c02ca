import { useCallback, useEffect, useMemo, useRef, useState, type KeyboardEvent } from 'react';
import { ErrorMessage } from '../../../components/ui/error-message';
import { KernelConfirm, type KernelConfirmAction } from './kernel-confirm';
import { KernelBanner } from './kernel-status';
import { exportNotebook } from '../api/export-notebook';
import type { NotebookRecord } from '../api/get-notebook';
import { useAutosave } from '../api/use-autosave';
import { useKernel } from '../api/use-kernel';
import { commandModeKey, keyCommand, type Command } from '../model/command-keys';
import {
  initialState,
  isSelected,
  notebookReducer,
  selectedRange,
  toNotebook,
  type NotebookAction,
} from '../model/notebook-reducer';
import { planRun, type RunScope } from '../model/run-scope';
import { CellView, type CellHandlers } from './cell-view';
import { useOutputsLater } from './use-outputs-later';
import { CommandPalette } from './command-palette';
import { ConflictBanner } from './conflict-banner';
import { EditorSidePanels } from './editor-side-panels';
import { EditorToolbar, type ToolbarAction } from './editor-toolbar';
import { ShareDialog } from './share-dialog';
import { FindReplace, type FindApi } from './find-replace';
import type { EditorApi } from './monaco/code-editor';
import { ShortcutsHelp } from './shortcuts-help';

type AnyCommand = Command | ToolbarAction;

const isTypingTarget = (el: EventTarget | null) =>
  el instanceof HTMLElement && (!!el.closest('.monaco-host') || ['INPUT', 'TEXTAREA', 'SELECT'].includes(el.tagName));

/** One open notebook: document state, live kernel, autosave, keyboard. Remounted on reload. */
export function EditorSession({ record, onReload }: { record: NotebookRecord; onReload: () => void }) {
  // The ref is the source of truth, updated synchronously, so a command right after an edit (Shift+Enter after the
  // last keystroke) reads the latest document; React state follows it for rendering.
  const [state, setState] = useState(() => initialState(record.name, record.content));
  const stateRef = useRef(state);
  const dispatch = useCallback((a: NotebookAction) => {
    stateRef.current = notebookReducer(stateRef.current, a);
    setState(stateRef.current);
  }, []);
  const kernel = useKernel(record.id, dispatch);
  const autosave = useAutosave(
    record.id,
    record.version,
    record.content,
    {
      // Revision, name and content from one state, the latest (a render's copy may be older than what is shown).
      snapshot: () => {
        const s = stateRef.current;
        return { revision: s.revision, outputsRevision: s.outputsRevision, name: s.name, content: () => toNotebook(s) };
      },
      adopt: (saved, since) =>
        dispatch({ type: 'adopt', name: saved.name, notebook: saved.content, keepOutputsSince: since }),
      fill: (cells) => cells.forEach((c) => dispatch({ type: 'set-source', cellId: c.id, source: c.source })),
    },
    { revision: state.revision, outputsRevision: state.outputsRevision },
  );
  const [notice, setNotice] = useState<string | null>(null);
  const [confirming, setConfirming] = useState<KernelConfirmAction | null>(null);
  const [sharing, setSharing] = useState(false);
  const mayShare = record.access === 'owner' || record.access === 'admin';
  const pendingKey = useRef<string | null>(null);
  const cellEls = useRef(new Map<string, HTMLDivElement>());
  const listEl = useRef<HTMLDivElement>(null);
  const rootEl = useRef<HTMLDivElement>(null);
  const find = useRef<FindApi>(null);

  const [overlay, setOverlay] = useState<'palette' | 'shortcuts' | null>(null);
  const editors = useRef(new Map<string, EditorApi>());
  /** Lets outputs held for the first editor render (use-outputs-later.ts), once a code editor is up. */
  const editorShown = useRef<() => void>(() => {});
  /** Where the cursor goes in a cell that ↑/↓ moved into, applied once its editor exists. */
  const pendingCursor = useRef<{ cellId: string; where: 'start' | 'last-line' } | null>(null);
  /** Bumped to put keyboard focus back on the notebook (after a toolbar click, the name field, a dialog). */
  const [focusTick, setFocusTick] = useState(0);
  const focusNotebook = useCallback(() => setFocusTick((t) => t + 1), []);

  const run = (scope: RunScope) => {
    const s = stateRef.current;
    const plan = planRun(s.cells, selectedRange(s), scope);
    for (const id of plan.render) dispatch({ type: 'edit-markdown', cellId: id, editing: false });
    if (plan.clear.length) dispatch({ type: 'clear-outputs', cellIds: plan.clear });
    kernel.execute(plan.execute);
  };

  /** ↑ at the start / ↓ at the end of a cell's editor: the neighbour cell's editor, cursor placed as JupyterLab. */
  const moveToNeighbour = (delta: -1 | 1) => {
    const s = stateRef.current;
    const next = s.cells[s.active + delta];
    if (!next) return;
    dispatch({ type: 'select', index: s.active + delta });
    if (next.cell_type === 'markdown') dispatch({ type: 'edit-markdown', cellId: next.id, editing: true });
    dispatch({ type: 'set-mode', mode: 'edit' });
    const where = delta < 0 ? 'last-line' : 'start';
    const api = editors.current.get(next.id);
    if (api) api.placeCursor(where);
    else pendingCursor.current = { cellId: next.id, where };
  };

  const doCommand = (cmd: AnyCommand, offsets?: number[]) => {
    const s = stateRef.current;
    const sel = selectedRange(s);
    const last = sel.to === s.cells.length - 1;
    switch (cmd) {
      case 'run':
        run('one');
        dispatch({ type: 'select', index: sel.to });
        return dispatch({ type: 'set-mode', mode: 'command' });
      case 'run-and-select-next':
        run('one');
        dispatch({ type: 'select', index: sel.to });
        if (last) {
          dispatch({ type: 'insert', where: 'below' });
          return dispatch({ type: 'set-mode', mode: 'edit' });
        }
        dispatch({ type: 'select', index: sel.to + 1 });
        return dispatch({ type: 'set-mode', mode: 'command' });
      case 'run-and-insert-below':
        run('one');
        dispatch({ type: 'select', index: sel.to });
        dispatch({ type: 'insert', where: 'below' });
        return dispatch({ type: 'set-mode', mode: 'edit' });
      case 'run-all':
        return run('all');
      case 'run-above':
        return run('above');
      case 'run-below':
        return run('below');
      case 'escape':
        return dispatch({ type: 'set-mode', mode: 'command' });
      case 'enter-edit': {
        const cur = s.cells[s.active];
        if (cur?.cell_type === 'markdown') dispatch({ type: 'edit-markdown', cellId: cur.id, editing: true });
        return dispatch({ type: 'set-mode', mode: 'edit' });
      }
      case 'cursor-up-edge':
        return moveToNeighbour(-1);
      case 'cursor-down-edge':
        return moveToNeighbour(1);
      case 'extend-above':
        return dispatch({ type: 'select-relative', delta: -1, extend: true });
      case 'extend-below':
        return dispatch({ type: 'select-relative', delta: 1, extend: true });
      case 'extend-top':
        return dispatch({ type: 'select', index: 0, extend: true });
      case 'extend-bottom':
        return dispatch({ type: 'select', index: s.cells.length - 1, extend: true });
      case 'select-all':
        return dispatch({ type: 'select-all' });
      case 'undo':
        return dispatch({ type: 'undo' });
      case 'redo':
        return dispatch({ type: 'redo' });
      case 'merge':
        return dispatch({ type: 'merge' });
      case 'merge-above':
        return dispatch({ type: 'merge', with: 'above' });
      case 'merge-below':
        return dispatch({ type: 'merge', with: 'below' });
      case 'split': {
        const cur = s.cells[s.active];
        const at = offsets ?? (cur && editors.current.get(cur.id)?.splitOffsets());
        if (!cur || !at) return;
        dispatch({ type: 'split', cellId: cur.id, offsets: at });
        return dispatch({ type: 'set-mode', mode: 'edit' });
      }
      case 'heading-1':
      case 'heading-2':
      case 'heading-3':
      case 'heading-4':
      case 'heading-5':
      case 'heading-6':
        return dispatch({ type: 'heading', level: Number(cmd.slice(-1)) });
      case 'command-palette':
        return setOverlay('palette');
      case 'shortcuts-help':
        return setOverlay('shortcuts');
      case 'find':
        return find.current?.open();
      case 'select-previous':
        return dispatch({ type: 'select-relative', delta: -1 });
      case 'select-next':
        return dispatch({ type: 'select-relative', delta: 1 });
      case 'insert-above':
        return dispatch({ type: 'insert', where: 'above' });
      case 'insert-below':
      case 'insert-code':
        return dispatch({ type: 'insert', where: 'below' });
      case 'insert-markdown':
        return dispatch({ type: 'insert', where: 'below', cellType: 'markdown' });
      case 'delete':
        return dispatch({ type: 'delete' });
      case 'cut':
        return dispatch({ type: 'cut' });
      case 'copy':
        return dispatch({ type: 'copy' });
      case 'paste':
      case 'paste-below':
        return dispatch({ type: 'paste', where: 'below' });
      case 'paste-above':
        return dispatch({ type: 'paste', where: 'above' });
      case 'to-markdown':
        return dispatch({ type: 'change-type', cellType: 'markdown' });
      case 'to-code':
        return dispatch({ type: 'change-type', cellType: 'code' });
      case 'to-raw':
        return dispatch({ type: 'change-type', cellType: 'raw' });
      case 'move-up':
        return dispatch({ type: 'move', delta: -1 });
      case 'move-down':
        return dispatch({ type: 'move', delta: 1 });
      case 'interrupt':
        kernel.interrupt();
        return;
      case 'restart':
      case 'restart-run-all':
      case 'shutdown':
        return setConfirming(cmd); // asked first, as JupyterLab does
      case 'clear-outputs':
        return dispatch({ type: 'clear-outputs' });
      case 'save':
        void autosave.saveNow();
        return;
      case 'export':
        void (async () => {
          try {
            await autosave.saveNow();
            await exportNotebook(record.id, stateRef.current.name);
          } catch (e) {
            setNotice(`Export failed: ${(e as Error).message}`);
          }
        })();
        return;
    }
  };
  const commandRef = useRef(doCommand);
  commandRef.current = doCommand;

  // Page-wide bindings (the command palette), wherever the focus is.
  useEffect(() => {
    const onKey = (e: globalThis.KeyboardEvent) => {
      if (e.defaultPrevented) return;
      const { command } = keyCommand('any', null, e);
      if (!command) return;
      e.preventDefault();
      commandRef.current(command);
    };
    document.addEventListener('keydown', onKey);
    return () => document.removeEventListener('keydown', onKey);
  }, []);

  const handlers = useMemo<CellHandlers>(() => {
    const indexOf = (id: string) => stateRef.current.cells.findIndex((c) => c.id === id);
    return {
      select: (id, extend) => {
        dispatch({ type: 'select', index: indexOf(id), extend });
        if (extend) dispatch({ type: 'set-mode', mode: 'command' });
      },
      focusEditor: (id) => {
        if (stateRef.current.cells[stateRef.current.active]?.id !== id)
          dispatch({ type: 'select', index: indexOf(id) });
        dispatch({ type: 'set-mode', mode: 'edit' });
      },
      change: (id, source) => dispatch({ type: 'set-source', cellId: id, source }),
      command: (id, command, offsets) => {
        if (stateRef.current.cells[stateRef.current.active]?.id !== id)
          dispatch({ type: 'select', index: indexOf(id) });
        // Let the reducer settle the selection before the command reads it.
        queueMicrotask(() => commandRef.current(command, offsets));
      },
      drop: (id, to) => {
        dispatch({ type: 'move-to', cellId: id, to });
        dispatch({ type: 'set-mode', mode: 'command' });
      },
      registerEditor: (id, api) => {
        if (!api) return void editors.current.delete(id);
        editors.current.set(id, api);
        editorShown.current();
        if (pendingCursor.current?.cellId === id) {
          api.placeCursor(pendingCursor.current.where);
          pendingCursor.current = null;
        }
      },
      setTags: (id, tags) => dispatch({ type: 'set-tags', cellId: id, tags }),
      editMarkdown: (id) => {
        dispatch({ type: 'select', index: indexOf(id) });
        dispatch({ type: 'edit-markdown', cellId: id, editing: true });
        dispatch({ type: 'set-mode', mode: 'edit' });
      },
      kernel: kernel.getClient,
      answerInput: kernel.answerInput,
    };
  }, [kernel.getClient, kernel.answerInput, dispatch]);

  // Command mode: keep keyboard focus on the active cell (unless the user is typing in a form field).
  const activeId = state.cells[state.active]?.id;
  const outputsLater = useOutputsLater(state.cells, state.active);
  editorShown.current = outputsLater.editorShown;
  const lastFocusTick = useRef(focusTick);
  useEffect(() => {
    if (!activeId || overlay) return;
    const asked = lastFocusTick.current !== focusTick;
    lastFocusTick.current = focusTick;
    // Back from a dialog in edit mode: into the cell's editor again.
    if (state.mode === 'edit') return void (asked && editors.current.get(activeId)?.focus());
    const focused = document.activeElement;
    const inList = !!focused && !!listEl.current?.contains(focused);
    if (!asked && focused && focused !== document.body && !inList) return;
    const el = cellEls.current.get(activeId);
    el?.focus({ preventScroll: true });
    el?.scrollIntoView?.({ block: 'nearest' });
  }, [state.mode, activeId, focusTick, overlay]);

  /** Back to the active cell after a dialog (command mode keeps focus on the notebook). */
  const refocusNotebook = () => {
    const id = stateRef.current.cells[stateRef.current.active]?.id;
    if (id) queueMicrotask(() => cellEls.current.get(id)?.focus({ preventScroll: true }));
  };

  const handleKeyDown = (e: KeyboardEvent<HTMLDivElement>) => {
    if (isTypingTarget(e.target) || stateRef.current.mode === 'edit') return;
    const { command, pending } = commandModeKey(pendingKey.current, e);
    pendingKey.current = pending;
    if (command || pending) e.preventDefault();
    if (command) doCommand(command);
  };

  const cur = state.cells[state.active];
  return (
    <div className="editor" ref={rootEl} data-testid="notebook-editor" data-mode={state.mode}>
      <EditorToolbar
        name={state.name}
        onRename={(name) => dispatch({ type: 'rename', name })}
        saveState={autosave.state}
        kernelStatus={kernel.status}
        progress={kernel.progress}
        activeType={cur?.cell_type}
        onChangeType={(t) => {
          dispatch({ type: 'change-type', cellType: t });
          focusNotebook();
        }}
        onAction={(a) => {
          doCommand(a);
          if (a !== 'find') focusNotebook();
        }}
        onLeaveName={focusNotebook}
        onShare={mayShare ? () => setSharing(true) : undefined}
      >
        <FindReplace
          ref={find}
          cells={state.cells}
          active={state.active}
          root={rootEl}
          onOpen={() => dispatch({ type: 'set-mode', mode: 'command' })}
          onReveal={(cellId, inSource) => {
            const index = stateRef.current.cells.findIndex((c) => c.id === cellId);
            if (index !== stateRef.current.active) dispatch({ type: 'select', index });
            if (inSource) dispatch({ type: 'edit-markdown', cellId, editing: true });
          }}
          onReplace={(edits) => edits.forEach((e) => dispatch({ type: 'set-source', ...e }))}
          onClose={(restore) => (restore ? restore.focus() : focusNotebook())}
        />
      </EditorToolbar>
      {autosave.state.kind === 'conflict' && (
        <ConflictBanner onReload={onReload} onOverwrite={() => void autosave.overwrite()} />
      )}
      {autosave.state.kind === 'error' && (
        <ErrorMessage title="Not saved." error={autosave.state.message} onRetry={() => void autosave.saveNow()} />
      )}
      <KernelBanner
        status={kernel.status}
        error={kernel.error}
        onRestart={() => kernel.restart()}
        onDismiss={kernel.dismissError}
      />
      {confirming && (
        <KernelConfirm
          action={confirming}
          notebookName={state.name}
          onConfirm={() => {
            setConfirming(null);
            if (confirming === 'shutdown') kernel.shutdown();
            else kernel.restart(confirming === 'restart-run-all' ? () => commandRef.current('run-all') : undefined);
            refocusNotebook();
          }}
          onCancel={() => {
            setConfirming(null);
            refocusNotebook();
          }}
        />
      )}
      {sharing && (
        <ShareDialog
          notebookId={record.id}
          onClose={() => {
            setSharing(false);
            focusNotebook();
          }}
        />
      )}
      {notice && <ErrorMessage error={notice} onRetry={() => setNotice(null)} />}
      <div className="cell-list" ref={listEl} onKeyDown={handleKeyDown} data-testid="cell-list">
        {state.cells.map((c, i) => (
          <CellView
            key={c.id}
            ref={(el) => {
              if (el) cellEls.current.set(c.id, el);
              else cellEls.current.delete(c.id);
            }}
            cell={c}
            index={i}
            active={i === state.active}
            selected={state.anchor !== state.active && isSelected(state, i)}
            editing={i === state.active && state.mode === 'edit'}
            markdownEditing={!!state.editingMarkdown[c.id]}
            run={state.runs[c.id]}
            handlers={handlers}
            input={kernel.input?.cellId === c.id ? kernel.input : undefined}
            outputsLater={outputsLater.isLater(i, c.id)}
          />
        ))}
      </div>
      <EditorSidePanels
        notebookId={record.id}
        current={() => toNotebook(stateRef.current)}
        saveNow={autosave.saveNow}
        canSave={autosave.state.kind !== 'conflict' && autosave.state.kind !== 'error'}
        onRestored={onReload}
      />
      {overlay === 'palette' && (
        <CommandPalette
          onRun={(command) => {
            setOverlay(null);
            focusNotebook();
            doCommand(command);
          }}
          onClose={() => {
            setOverlay(null);
            focusNotebook();
          }}
        />
      )}
      {overlay === 'shortcuts' && (
        <ShortcutsHelp
          onClose={() => {
            setOverlay(null);
            focusNotebook();
          }}
        />
      )}
    </div>
  );
}
