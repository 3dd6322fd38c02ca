import {
  forwardRef,
  useCallback,
  useEffect,
  useImperativeHandle,
  useLayoutEffect,
  useMemo,
  useRef,
  useState,
  type KeyboardEvent,
  type RefObject,
} from 'react';
import type { Cell } from '../../../lib/nbformat';
import { sourceText } from '../../../lib/nbformat';
import {
  compileQuery,
  findMatches,
  matchAtOrAfter,
  replaceAllIn,
  replaceAt,
  stepMatch,
  type FindOptions,
  type FindPosition,
} from '../model/find';
import { clearHighlights, onEditorCreated, paintHighlights, reveal } from './find-replace-highlights';
import { monacoIfReady } from './monaco/monaco-loader';

export interface FindApi {
  open: () => void;
}

interface FindReplaceProps {
  cells: readonly Cell[];
  active: number;
  /** The notebook editor: where Ctrl+F is taken and matches are painted. */
  root: RefObject<HTMLElement | null>;
  /** Opening moves the notebook to command mode (the box has the keyboard now). */
  onOpen: () => void;
  /** Make the current match's cell active (and show a rendered Markdown cell's source when the match is in it). */
  onReveal: (cellId: string, inSource: boolean) => void;
  onReplace: (edits: { cellId: string; source: string }[]) => void;
  /** Closed with Esc or ×: keyboard focus back to the notebook. */
  onClose: (restore: HTMLElement | null) => void;
}

type Toggle = keyof FindOptions;
const TOGGLES: { key: Toggle; text: string; label: string }[] = [
  { key: 'caseSensitive', text: 'Aa', label: 'Match case' },
  { key: 'wholeWord', text: 'ab', label: 'Match whole word' },
  { key: 'regex', text: '.*', label: 'Use regular expression' },
];

/** The text selected in the focused cell editor, to start the search with (as JupyterLab does). */
function selectedText(): string {
  const ed = monacoIfReady()
    ?.editor.getEditors()
    .find((e) => e.hasTextFocus());
  const sel = ed?.getSelection();
  const text = sel && !sel.isEmpty() ? (ed!.getModel()?.getValueInRange(sel) ?? '') : '';
  return text.includes('\n') ? '' : text;
}

/**
 * JupyterLab's notebook search box: Ctrl+F (or the toolbar) opens it over the notebook; it searches every cell's
 * source (and, with the filter on, outputs) with case / whole-word / regex options, shows "3 of 12", moves with
 * Enter / Shift+Enter (Ctrl+G / Ctrl+Shift+G), highlights the matches in the cells and replaces in sources only.
 */
export const FindReplace = forwardRef<FindApi, FindReplaceProps>(function FindReplace(props, ref) {
  const { cells, root } = props;
  const latest = useRef(props);
  latest.current = props;
  const [open, setOpen] = useState(false);
  const [query, setQuery] = useState('');
  const [replacement, setReplacement] = useState('');
  const [showReplace, setShowReplace] = useState(false);
  const [opts, setOpts] = useState<FindOptions>({
    caseSensitive: false,
    wholeWord: false,
    regex: false,
    outputs: false,
  });
  /** The current match is the first at or after this position (so it stays put while the notebook changes). */
  const [cursor, setCursor] = useState<FindPosition>({ cellIndex: 0, output: null, start: 0 });
  const input = useRef<HTMLInputElement>(null);
  const restore = useRef<HTMLElement | null>(null);
  /** The current match last made active, and last scrolled to (its cell may need a render to show it first). */
  const revealed = useRef<string | null>(null);
  const scrolledTo = useRef<string | null>(null);
  const forget = () => {
    revealed.current = null;
    scrolledTo.current = null;
  };
  const [, setRepaint] = useState(0);

  const doOpen = useCallback(() => {
    const seed = selectedText();
    const focused = document.activeElement instanceof HTMLElement ? document.activeElement : null;
    // Where Esc returns: what had the focus in the notebook before the box took it.
    if (!focused || !latest.current.root.current?.contains(focused)) restore.current = null;
    else if (!focused.closest('.find-bar')) restore.current = focused;
    if (seed) setQuery(seed);
    setCursor({ cellIndex: latest.current.active, output: null, start: 0 });
    forget();
    setOpen(true);
    latest.current.onOpen();
    // Already open: Ctrl+F goes back to the query, selected.
    requestAnimationFrame(() => input.current?.select());
  }, []);
  useImperativeHandle(ref, () => ({ open: doOpen }), [doOpen]);

  const compiled = useMemo(() => compileQuery(query, opts), [query, opts]);
  const re = compiled?.ok ? compiled.re : null;
  const matches = useMemo(() => (open && re ? findMatches(cells, re, opts) : []), [open, re, cells, opts]);
  const current = matchAtOrAfter(matches, cursor);
  const cur = matches[current];

  const close = useCallback(() => {
    setOpen(false);
    clearHighlights();
    // Back into the cell editor it came from if that cell is still the active one; else to the notebook.
    const back = restore.current;
    const { cells, active } = latest.current;
    const inActiveEditor =
      back?.isConnected &&
      !!back.closest('.monaco-host') &&
      back.closest<HTMLElement>('[data-cell-id]')?.dataset.cellId === cells[active]?.id;
    latest.current.onClose(inActiveEditor ? back : null);
  }, []);

  const step = (delta: 1 | -1) => {
    const next = matches[stepMatch(matches.length, current, delta)];
    if (next) setCursor({ cellIndex: next.cellIndex, output: next.output, start: next.start });
  };

  const replaceOne = () => {
    if (!re || !cur || cur.output !== null) return;
    const cell = cells[cur.cellIndex];
    if (!cell) return;
    const source = replaceAt(sourceText(cell.source), re, cur.start, replacement, opts.regex);
    props.onReplace([{ cellId: cell.id, source }]);
    // On to the match after the replaced text (never into what was just inserted).
    const inserted = source.length - sourceText(cell.source).length + (cur.end - cur.start);
    setCursor({ cellIndex: cur.cellIndex, output: null, start: cur.start + inserted });
    forget();
  };

  const replaceAll = () => {
    if (!re) return;
    const edits = replaceAllIn(cells, re, replacement, opts.regex);
    if (edits.length) props.onReplace(edits);
  };

  const stepRef = useRef(step);
  stepRef.current = step;

  // Ctrl+F anywhere in the notebook (command or edit mode: Monaco's own find widget never opens); Ctrl+G to step.
  useEffect(() => {
    const onKey = (e: globalThis.KeyboardEvent) => {
      const el = latest.current.root.current;
      if (!el || !(e.ctrlKey || e.metaKey) || e.altKey) return;
      const k = e.key.toLowerCase();
      const inPage = el.contains(e.target as Node) || e.target === document.body;
      if (k === 'f' && !e.shiftKey && inPage) {
        e.preventDefault();
        e.stopPropagation();
        doOpen();
      } else if (k === 'g' && open && inPage) {
        e.preventDefault();
        e.stopPropagation();
        stepRef.current(e.shiftKey ? -1 : 1);
      }
    };
    document.addEventListener('keydown', onKey, true);
    return () => document.removeEventListener('keydown', onKey, true);
  }, [doOpen, open]);

  useEffect(() => {
    if (open) input.current?.focus();
  }, [open]);

  // A cell whose editor becomes live (scrolled near) gets its highlights.
  useEffect(() => (open ? onEditorCreated(() => setRepaint((n) => n + 1)) : undefined), [open]);

  // Paint after every render while open (sources and outputs change under the box); reveal a new current match.
  useLayoutEffect(() => {
    const el = root.current;
    if (!open || !el) return;
    if (!re || !matches.length) return clearHighlights();
    const key = cur ? `${cur.cellId}:${cur.output}:${cur.start}` : null;
    if (cur && key !== revealed.current) {
      revealed.current = key;
      const cell = cells[cur.cellIndex];
      latest.current.onReveal(cur.cellId, cur.output === null && cell?.cell_type === 'markdown');
    }
    const locate = paintHighlights(el, re, matches, current);
    if (locate && key && key !== scrolledTo.current) {
      scrolledTo.current = key;
      reveal(locate);
    }
  });

  useEffect(() => () => clearHighlights(), []);

  if (!open) return null;

  const count = !query
    ? ''
    : compiled && !compiled.ok
      ? 'Invalid regular expression'
      : matches.length
        ? `${current + 1} of ${matches.length}`
        : 'No results';

  const onFindKey = (e: KeyboardEvent<HTMLInputElement>) => {
    if (e.key !== 'Enter') return;
    e.preventDefault();
    step(e.shiftKey ? -1 : 1);
  };
  const onReplaceKey = (e: KeyboardEvent<HTMLInputElement>) => {
    if (e.key !== 'Enter') return;
    e.preventDefault();
    if (e.ctrlKey || e.metaKey) replaceAll();
    else replaceOne();
  };

  return (
    <div
      className="find-bar"
      role="search"
      aria-label="Find and replace in the notebook"
      data-testid="find-bar"
      onKeyDown={(e) => {
        e.stopPropagation(); // never command-mode keys
        if (e.key === 'Escape') {
          e.preventDefault();
          close();
        }
      }}
    >
      <div className="find-row">
        <button
          type="button"
          className="icon-btn find-expand"
          aria-label={showReplace ? 'Hide replace' : 'Show replace'}
          aria-expanded={showReplace}
          title="Toggle replace"
          data-testid="replace-toggle"
          onClick={() => setShowReplace((v) => !v)}
        >
          {showReplace ? '▾' : '▸'}
        </button>
        <input
          ref={input}
          className={`find-input${compiled && !compiled.ok ? ' find-invalid' : ''}`}
          aria-label="Find"
          placeholder="Find"
          value={query}
          onChange={(e) => {
            setQuery(e.target.value);
            forget();
          }}
          onKeyDown={onFindKey}
          aria-invalid={compiled ? !compiled.ok : undefined}
          title={compiled && !compiled.ok ? compiled.error : undefined}
          data-testid="find-input"
        />
        {TOGGLES.map((t) => (
          <button
            key={t.key}
            type="button"
            className={`icon-btn find-toggle${opts[t.key] ? ' on' : ''}`}
            aria-label={t.label}
            aria-pressed={opts[t.key]}
            title={t.label}
            data-testid={`find-${t.key}`}
            onClick={() => setOpts((o) => ({ ...o, [t.key]: !o[t.key] }))}
          >
            {t.text}
          </button>
        ))}
        <span className="find-count" data-testid="find-count" aria-live="polite">
          {count}
        </span>
        <button
          type="button"
          className="icon-btn"
          aria-label="Previous match"
          title="Previous match (Shift+Enter)"
          disabled={!matches.length}
          data-testid="find-prev"
          onClick={() => step(-1)}
        >
          ↑
        </button>
        <button
          type="button"
          className="icon-btn"
          aria-label="Next match"
          title="Next match (Enter)"
          disabled={!matches.length}
          data-testid="find-next"
          onClick={() => step(1)}
        >
          ↓
        </button>
        <button
          type="button"
          className="icon-btn"
          aria-label="Close search"
          title="Close (Esc)"
          data-testid="find-close"
          onClick={close}
        >
          ×
        </button>
      </div>
      {showReplace && (
        <div className="find-row">
          <input
            className="find-input replace-input"
            aria-label="Replace"
            placeholder="Replace"
            value={replacement}
            onChange={(e) => setReplacement(e.target.value)}
            onKeyDown={onReplaceKey}
            data-testid="replace-input"
          />
          <button
            type="button"
            className="btn btn-ghost"
            disabled={!cur || cur.output !== null}
            title={cur?.output != null ? 'Outputs are read-only' : 'Replace (Enter)'}
            data-testid="replace-one"
            onClick={replaceOne}
          >
            Replace
          </button>
          <button
            type="button"
            className="btn btn-ghost"
            disabled={!matches.some((m) => m.output === null)}
            title="Replace all in cell sources (Ctrl+Enter)"
            data-testid="replace-all"
            onClick={replaceAll}
          >
            Replace all
          </button>
        </div>
      )}
      <label className="find-filter">
        <input
          type="checkbox"
          checked={opts.outputs}
          onChange={(e) => setOpts((o) => ({ ...o, outputs: e.target.checked }))}
          data-testid="find-outputs"
        />
        Search in cell outputs
      </label>
    </div>
  );
});
