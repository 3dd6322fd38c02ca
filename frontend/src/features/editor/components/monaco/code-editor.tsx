import { memo, useEffect, useRef, useState } from 'react';
import type { editor } from 'monaco-editor/esm/vs/editor/editor.api.js';
import type { KernelClient } from '../../api/kernel-client';
import { BINDINGS, type Command } from '../../model/command-keys';
import { bindEditorToKernel, registerKernelProviders } from './kernel-providers';
import { loadMonaco, monacoIfReady } from './monaco-loader';
import type { Monaco } from './monaco-setup';

/** Commands an editor sends: its edit-mode (and page-wide) bindings of the key table. */
export type EditorCommand = Command;

/** What the session may ask of a live editor. */
export interface EditorApi {
  /** Character offsets of the cursors and selection ends (where Ctrl+Shift+- splits). */
  splitOffsets(): number[];
  /** Place the cursor as JupyterLab does when ↑/↓ moves into a cell: on the last line or at the start. */
  placeCursor(where: 'start' | 'last-line'): void;
  focus(): void;
}

export interface CodeEditorProps {
  cellId: string;
  source: string;
  language: 'python' | 'markdown' | 'plaintext';
  /** Focus the editor now (edit mode on this cell). */
  focused: boolean;
  kernel: () => KernelClient | null;
  onChange: (cellId: string, source: string) => void;
  onCommand: (cellId: string, command: EditorCommand, offsets?: number[]) => void;
  onFocus: (cellId: string) => void;
  onRegister: (cellId: string, api: EditorApi | null) => void;
}

/** Monaco conditions for bindings that must yield to Monaco's own widgets, or act only at the cell's edges. */
const NO_WIDGET = '!suggestWidgetVisible && !findWidgetVisible && !parameterHintsVisible && !folioInspectVisible';
const WHEN: Partial<Record<Command, string>> = {
  escape: NO_WIDGET,
  'cursor-up-edge': `folioAtStart && ${NO_WIDGET}`,
  'cursor-down-edge': `folioAtEnd && ${NO_WIDGET}`,
};

const MONACO_KEYS: Record<string, string> = {
  Enter: 'Enter',
  Escape: 'Escape',
  ArrowUp: 'UpArrow',
  ArrowDown: 'DownArrow',
  '-': 'Minus',
  Backspace: 'Backspace',
  Home: 'Home',
  End: 'End',
};

/** A stroke of the key table (`Ctrl+Shift+-`) as a Monaco keybinding. */
function monacoKeybinding(monaco: Monaco, stroke: string): number {
  const parts = stroke.split('+');
  const key = parts.pop() || '+';
  const name = MONACO_KEYS[key] ?? (/^[A-Z]$/.test(key) ? `Key${key}` : /^[0-9]$/.test(key) ? `Digit${key}` : key);
  const code = (monaco.KeyCode as unknown as Record<string, number>)[name];
  if (code === undefined) throw new Error(`No Monaco key for "${stroke}"`);
  const mod = { Ctrl: monaco.KeyMod.CtrlCmd, Shift: monaco.KeyMod.Shift, Alt: monaco.KeyMod.Alt } as Record<
    string,
    number
  >;
  return parts.reduce((k, m) => k | (mod[m] ?? 0), code);
}

/** Edit-mode and page-wide bindings, grouped per command (Escape and Ctrl+M both leave the editor). */
const EDITOR_BINDINGS = (() => {
  const byCommand = new Map<Command, string[]>();
  for (const x of BINDINGS)
    if ((x.mode === 'edit' || x.mode === 'any') && x.keys.length === 1)
      byCommand.set(x.command, [...(byCommand.get(x.command) ?? []), x.keys[0]!]);
  return [...byCommand];
})();

const LINE_HEIGHT = 19;
const PADDING = 6;
let firstEditorMarked = false;

function createEditor(monaco: Monaco, host: HTMLElement, p: CodeEditorProps): editor.IStandaloneCodeEditor {
  registerKernelProviders(monaco);
  return monaco.editor.create(host, {
    value: p.source,
    language: p.language,
    theme: 'folio',
    fontFamily: "'DejaVu Sans Mono', Menlo, Consolas, monospace",
    fontSize: 13,
    lineHeight: LINE_HEIGHT,
    padding: { top: PADDING, bottom: PADDING },
    minimap: { enabled: false },
    // Notebooks are full of en dashes, Greek letters and accents in strings and comments: don't box them.
    unicodeHighlight: { ambiguousCharacters: false }, // invisible characters stay highlighted
    lineNumbers: 'off',
    glyphMargin: false,
    folding: false,
    lineDecorationsWidth: 8,
    lineNumbersMinChars: 0,
    renderLineHighlight: 'none',
    overviewRulerLanes: 0,
    hideCursorInOverviewRuler: true,
    scrollBeyondLastLine: false,
    scrollbar: {
      vertical: 'hidden',
      verticalScrollbarSize: 0,
      alwaysConsumeMouseWheel: false,
      horizontalScrollbarSize: 8,
    },
    automaticLayout: false,
    fixedOverflowWidgets: true,
    quickSuggestions: false,
    wordBasedSuggestions: 'off',
    suggestOnTriggerCharacters: true,
    tabSize: 4,
    insertSpaces: true,
    // JupyterLab's defaults: no auto-closing of brackets and quotes.
    autoClosingBrackets: 'never',
    autoClosingQuotes: 'never',
    stickyScroll: { enabled: false },
    occurrencesHighlight: 'off',
    contextmenu: false,
    hover: { delay: 600 },
    wordWrap: p.language === 'markdown' ? 'on' : 'off',
  });
}

/**
 * A cell's source editor. Until the cell scrolls near the viewport (or gets focus) it is a plain <pre> of the same
 * size; then Monaco is created in its place, so a 200-cell notebook opens with a handful of editors, not 200.
 */
export const CodeEditor = memo(function CodeEditor(props: CodeEditorProps) {
  const wrap = useRef<HTMLDivElement>(null);
  const host = useRef<HTMLDivElement>(null);
  const ed = useRef<editor.IStandaloneCodeEditor | null>(null);
  const latest = useRef(props);
  latest.current = props;
  const [wanted, setWanted] = useState(props.focused);
  const [live, setLive] = useState(false);
  /** The last text this editor reported; a source prop equal to it is our own echo, not an outside change. */
  const lastEmitted = useRef(props.source);
  /** A click on the static view before Monaco exists: focus the editor as soon as it is created. */
  const focusOnMount = useRef(false);

  // Ask for Monaco when the cell comes near the viewport.
  useEffect(() => {
    const el = wrap.current;
    if (!el || wanted || typeof IntersectionObserver === 'undefined') return;
    const io = new IntersectionObserver((entries) => entries.some((e) => e.isIntersecting) && setWanted(true), {
      rootMargin: '300px 0px',
    });
    io.observe(el);
    return () => io.disconnect();
  }, [wanted]);

  useEffect(() => {
    if (props.focused) setWanted(true);
  }, [props.focused]);

  // Create Monaco once wanted; dispose it with the cell.
  useEffect(() => {
    if (!wanted) return;
    let disposed = false;
    let cleanup: (() => void) | null = null;
    const mount = (monaco: Monaco) => {
      const el = host.current;
      if (disposed || !el) return;
      const p = latest.current;
      const e = createEditor(monaco, el, p);
      ed.current = e;
      const unbind = bindEditorToKernel(monaco, e, () => latest.current.kernel());
      const fit = () => {
        const height = Math.max(LINE_HEIGHT + 2 * PADDING, e.getContentHeight());
        el.style.height = `${height}px`;
        e.layout({ width: el.clientWidth, height });
      };
      const subs = [
        e.onDidContentSizeChange(fit),
        e.onDidChangeModelContent(() => {
          lastEmitted.current = e.getValue();
          latest.current.onChange(latest.current.cellId, lastEmitted.current);
        }),
        e.onDidFocusEditorText(() => latest.current.onFocus(latest.current.cellId)),
      ];
      const model = e.getModel()!;
      const atStart = e.createContextKey<boolean>('folioAtStart', false);
      const atEnd = e.createContextKey<boolean>('folioAtEnd', false);
      const trackEdges = () => {
        const sel = e.getSelection();
        const empty = !!sel && sel.isEmpty();
        const pos = e.getPosition();
        const end = model.getFullModelRange().getEndPosition();
        atStart.set(empty && !!pos && pos.lineNumber === 1 && pos.column === 1);
        atEnd.set(empty && !!pos && pos.equals(end));
      };
      trackEdges();
      subs.push(e.onDidChangeCursorSelection(trackEdges), e.onDidChangeModelContent(trackEdges));
      const splitOffsets = () =>
        (e.getSelections() ?? []).flatMap((sel) => {
          const [a, b] = [model.getOffsetAt(sel.getStartPosition()), model.getOffsetAt(sel.getEndPosition())];
          return a === b ? [a] : [a, b];
        });
      for (const [command, keys] of EDITOR_BINDINGS) {
        e.addAction({
          id: `folio.${command}`,
          label: command,
          keybindings: keys.map((k) => monacoKeybinding(monaco, k)),
          ...(WHEN[command] ? { keybindingContext: WHEN[command] } : {}),
          run: () => {
            const { cellId, onCommand } = latest.current;
            if (command === 'split') {
              const offsets = splitOffsets();
              // Let the split's new source reach this editor: outside changes are not applied to a focused one.
              (document.activeElement as HTMLElement | null)?.blur();
              onCommand(cellId, command, offsets);
            } else onCommand(cellId, command);
          },
        });
      }
      latest.current.onRegister(latest.current.cellId, {
        splitOffsets,
        focus: () => e.focus(),
        placeCursor: (where) => {
          const line = where === 'start' ? 1 : model.getLineCount();
          e.setPosition({ lineNumber: line, column: 1 });
          e.revealLine(line);
          e.focus();
        },
      });
      const ro = new ResizeObserver(
        () => el.clientWidth > 0 && e.layout({ width: el.clientWidth, height: el.clientHeight }),
      );
      ro.observe(el);
      fit();
      setLive(true);
      if (latest.current.focused || focusOnMount.current) e.focus();
      focusOnMount.current = false;
      cleanup = () => {
        latest.current.onRegister(latest.current.cellId, null);
        ro.disconnect();
        subs.forEach((s) => s.dispose());
        unbind();
        e.getModel()?.dispose();
        e.dispose();
        ed.current = null;
      };
    };
    const ready = monacoIfReady();
    if (ready) mount(ready);
    else void loadMonaco().then(mount);
    return () => {
      disposed = true;
      cleanup?.();
    };
  }, [wanted]);

  // Outside changes of the source reach the model; our own (possibly older) echoes never overwrite what is typed.
  // A focused editor takes one only while it shows exactly the previous source (nothing typed is on its way), e.g. a
  // save of another tab taken while this one has no edits.
  const prevSource = useRef(props.source);
  useEffect(() => {
    const e = ed.current;
    const prev = prevSource.current;
    prevSource.current = props.source;
    if (!e || props.source === lastEmitted.current || e.getValue() === props.source) return;
    if (e.hasTextFocus() && e.getValue() !== prev) return;
    lastEmitted.current = props.source;
    e.setValue(props.source);
  }, [props.source]);

  // The benchmark's "first interactive cell": the first Monaco editor is on screen and accepts input.
  useEffect(() => {
    if (live && !firstEditorMarked) {
      firstEditorMarked = true;
      performance.mark('folio:first-editor-ready');
    }
  }, [live]);

  useEffect(() => {
    if (props.focused && ed.current && !ed.current.hasTextFocus()) ed.current.focus();
  }, [props.focused, live]);

  const lines = props.source.split('\n').length;
  return (
    <div
      ref={wrap}
      className="code-editor"
      data-testid="cell-editor"
      data-live={live ? 'true' : 'false'}
      onClick={() => {
        if (ed.current) return;
        focusOnMount.current = true;
        setWanted(true);
      }}
    >
      <div ref={host} className="monaco-host" />
      {!live && (
        <pre className="static-code" style={{ minHeight: lines * LINE_HEIGHT + 2 * PADDING }}>
          {props.source || ' '}
        </pre>
      )}
    </div>
  );
});
