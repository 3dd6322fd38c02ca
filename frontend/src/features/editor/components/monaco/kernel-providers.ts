import type { editor, IDisposable, languages } from 'monaco-editor/esm/vs/editor/editor.api.js';
import { ansiToHtml, stripAnsi } from '../../../../components/outputs/ansi';
import type { KernelClient } from '../../api/kernel-client';
import type { CompleteReply } from '../../api/kernel-protocol';
import type { Monaco } from './monaco-setup';

/** Which kernel answers completions/hovers for a cell's model (keyed by model URI). */
const kernelsByModel = new Map<string, () => KernelClient | null>();
let registered = false;

const kernelFor = (model: editor.ITextModel) => kernelsByModel.get(model.uri.toString())?.() ?? null;

/** A fenced block that no backtick run inside `text` can close early. */
function fenced(text: string): string {
  const longest = Math.max(2, ...Array.from(text.matchAll(/`+/g), (m) => m[0].length));
  const fence = '`'.repeat(longest + 1);
  return `${fence}text\n${text}\n${fence}`;
}

/**
 * JupyterLab's Tab in a code cell: with only whitespace before the cursor on its line Tab indents; after anything
 * else it asks the kernel to complete.
 */
export const tabCompletes = (linePrefix: string): boolean => /\S/.test(linePrefix);

/** The longest prefix every match shares (JupyterLab inserts it before showing the list). */
export function commonPrefix(matches: readonly string[]): string {
  if (!matches.length) return '';
  let prefix = matches[0]!;
  for (const m of matches) {
    let i = 0;
    while (i < prefix.length && i < m.length && prefix[i] === m[i]) i++;
    prefix = prefix.slice(0, i);
  }
  return prefix;
}

/**
 * The last reply a Tab got, so the suggest list it opens shows those matches without asking the kernel again. Valid
 * only for the model version and cursor offset it was taken at.
 */
let lastTab: { uri: string; version: number; offset: number; reply: CompleteReply } | null = null;

async function complete(model: editor.ITextModel, offset: number): Promise<CompleteReply | null> {
  const cached = lastTab;
  lastTab = null;
  if (cached?.uri === model.uri.toString() && cached.version === model.getVersionId() && cached.offset === offset)
    return cached.reply;
  const kernel = kernelFor(model);
  if (!kernel?.connected) return null;
  try {
    return await kernel.complete(model.getValue(), offset);
  } catch {
    return null;
  }
}

/** IPython's completion types → Monaco's item kinds (the icon beside each item). */
const KIND_BY_TYPE: Record<string, keyof typeof languages.CompletionItemKind> = {
  function: 'Function',
  class: 'Class',
  module: 'Module',
  instance: 'Variable',
  statement: 'Variable',
  param: 'Variable',
  property: 'Property',
  keyword: 'Keyword',
  path: 'File',
  magic: 'Function',
};

/** Registers kernel-backed completion (Tab, Ctrl+Space) and hover (inspect) for Python, once. */
export function registerKernelProviders(monaco: Monaco): void {
  if (registered) return;
  registered = true;
  // No trigger characters: as in JupyterLab, the list opens on Tab (or Ctrl+Space), never by itself after a ".".
  monaco.languages.registerCompletionItemProvider('python', {
    async provideCompletionItems(model, position) {
      const reply = await complete(model, model.getOffsetAt(position));
      if (!reply) return { suggestions: [] };
      const start = model.getPositionAt(reply.cursorStart);
      const end = model.getPositionAt(Math.max(reply.cursorEnd, model.getOffsetAt(position)));
      const range = new monaco.Range(start.lineNumber, start.column, end.lineNumber, end.column);
      const kinds = monaco.languages.CompletionItemKind;
      const suggestions: languages.CompletionItem[] = reply.matches.map((m, i) => ({
        label: { label: m, description: reply.types?.[i] ?? undefined },
        kind: kinds[KIND_BY_TYPE[reply.types?.[i] ?? ''] ?? 'Variable'],
        filterText: m,
        insertText: m,
        range,
        sortText: String(i).padStart(5, '0'),
      }));
      return { suggestions };
    },
  });
  monaco.languages.registerHoverProvider('python', {
    async provideHover(model, position) {
      const kernel = kernelFor(model);
      const word = model.getWordAtPosition(position);
      if (!kernel?.connected || !word) return null;
      try {
        const offset = model.getOffsetAt({ lineNumber: position.lineNumber, column: word.endColumn });
        const reply = await kernel.inspect(model.getValue(), offset);
        const text = reply.data['text/plain'];
        if (!reply.found || typeof text !== 'string') return null;
        return {
          range: new monaco.Range(position.lineNumber, word.startColumn, position.lineNumber, word.endColumn),
          contents: [{ value: fenced(stripAnsi(text)) }],
        };
      } catch {
        return null;
      }
    },
  });
}

/** Tab: complete from the kernel after a prefix (a single match, or the matches' common prefix, goes straight in). */
async function tabComplete(monaco: Monaco, ed: editor.ICodeEditor) {
  const model = ed.getModel();
  const pos = ed.getPosition();
  if (!model || !pos) return;
  const kernel = kernelFor(model);
  if (!kernel?.connected) return;
  const version = model.getVersionId();
  const offset = model.getOffsetAt(pos);
  let reply: CompleteReply;
  try {
    reply = await kernel.complete(model.getValue(), offset);
  } catch {
    return;
  }
  // The author typed on (or moved) while the kernel answered: that reply is for text that is no longer there.
  if (model.isDisposed() || model.getVersionId() !== version || model.getOffsetAt(ed.getPosition()!) !== offset) return;
  if (!reply.matches.length) return;
  const typed = model.getValue().slice(reply.cursorStart, offset);
  const insert = reply.matches.length === 1 ? reply.matches[0]! : commonPrefix(reply.matches);
  let cursor = offset;
  if (insert.length > typed.length && insert.startsWith(typed)) {
    const from = model.getPositionAt(reply.cursorStart);
    const to = model.getPositionAt(reply.cursorEnd);
    ed.executeEdits('folio.complete', [
      { range: new monaco.Range(from.lineNumber, from.column, to.lineNumber, to.column), text: insert },
    ]);
    cursor = reply.cursorStart + insert.length;
    ed.setPosition(model.getPositionAt(cursor));
  }
  if (reply.matches.length === 1) return;
  lastTab = {
    uri: model.uri.toString(),
    version: model.getVersionId(),
    offset: cursor,
    reply: { ...reply, cursorEnd: Math.max(reply.cursorEnd, cursor) },
  };
  ed.trigger('folio.complete', 'editor.action.triggerSuggest', {});
}

/**
 * Shift+Tab: the kernel's inspect tooltip (signature and docstring, ANSI colours rendered) at the cursor, as
 * JupyterLab's. Esc, typing, moving the cursor or leaving the editor closes it.
 */
function inspectTooltip(
  monaco: Monaco,
  ed: editor.IStandaloneCodeEditor,
): IDisposable & { show: () => Promise<void>; hide: () => void } {
  const node = document.createElement('div');
  node.className = 'inspect-tooltip';
  node.dataset.testid = 'inspect-tooltip';
  node.setAttribute('role', 'tooltip');
  const visible = ed.createContextKey<boolean>('folioInspectVisible', false);
  let at: { lineNumber: number; column: number } | null = null;
  const widget: editor.IContentWidget = {
    getId: () => 'folio.inspect-tooltip',
    getDomNode: () => node,
    getPosition: () =>
      at && {
        position: at,
        preference: [
          monaco.editor.ContentWidgetPositionPreference.BELOW,
          monaco.editor.ContentWidgetPositionPreference.ABOVE,
        ],
      },
  };
  let shown = false;
  let request = 0;
  const hide = () => {
    request++;
    if (!shown) return;
    shown = false;
    visible.set(false);
    ed.removeContentWidget(widget);
  };
  const subs = [
    ed.onDidChangeModelContent(hide),
    ed.onDidChangeCursorPosition(hide),
    ed.onDidBlurEditorText(hide),
    ed.onDidDispose(hide),
  ];
  return {
    hide,
    async show() {
      hide();
      const model = ed.getModel();
      const pos = ed.getPosition();
      const kernel = model && kernelFor(model);
      if (!model || !pos || !kernel?.connected) return;
      const mine = ++request;
      let text: unknown;
      try {
        const reply = await kernel.inspect(model.getValue(), model.getOffsetAt(pos));
        text = reply.found ? reply.data['text/plain'] : undefined;
      } catch {
        return;
      }
      if (mine !== request || typeof text !== 'string' || !text.trim()) return;
      const pre = document.createElement('pre');
      pre.innerHTML = ansiToHtml(text); // HTML-escaped by ansiToHtml
      node.replaceChildren(pre);
      at = { lineNumber: pos.lineNumber, column: pos.column };
      shown = true;
      visible.set(true);
      ed.addContentWidget(widget);
    },
    dispose() {
      hide();
      subs.forEach((s) => s.dispose());
    },
  };
}

/**
 * Binds a cell's editor to its kernel: completions and hovers for its model, and JupyterLab's Tab / Shift+Tab keys.
 * Returns the unbinding.
 */
export function bindEditorToKernel(
  monaco: Monaco,
  ed: editor.IStandaloneCodeEditor,
  kernel: () => KernelClient | null,
): () => void {
  const model = ed.getModel()!;
  const key = model.uri.toString();
  kernelsByModel.set(key, kernel);
  const tooltip = inspectTooltip(monaco, ed);
  const { KeyCode, KeyMod } = monaco;
  // Only without a selection: with one, Tab / Shift+Tab indent / dedent the selected lines, as everywhere.
  const plainCursor =
    'editorTextFocus && !editorReadonly && !editorHasSelection && !editorHasMultipleSelections && ' +
    '!suggestWidgetVisible && !inSnippetMode && !editorTabMovesFocus';
  const isPython = () => ed.getModel()?.getLanguageId() === 'python';
  const actions = [
    ed.addAction({
      id: 'folio.tab',
      label: 'Complete or indent',
      keybindings: [KeyCode.Tab],
      keybindingContext: plainCursor,
      run: () => {
        const pos = ed.getPosition();
        const line = pos
          ? ed
              .getModel()!
              .getLineContent(pos.lineNumber)
              .slice(0, pos.column - 1)
          : '';
        if (isPython() && tabCompletes(line)) void tabComplete(monaco, ed);
        else ed.trigger('keyboard', 'tab', null);
      },
    }),
    ed.addAction({
      id: 'folio.inspect',
      label: 'Show the kernel tooltip',
      keybindings: [KeyMod.Shift | KeyCode.Tab],
      keybindingContext: plainCursor,
      run: () => {
        if (isPython()) void tooltip.show();
        else ed.trigger('keyboard', 'outdent', null);
      },
    }),
    // The editor's own Esc (to command mode) waits while the tooltip is open (`!folioInspectVisible`).
    ed.addAction({
      id: 'folio.inspect-close',
      label: 'Close the kernel tooltip',
      keybindings: [KeyCode.Escape],
      keybindingContext: 'folioInspectVisible',
      run: () => tooltip.hide(),
    }),
  ];
  return () => {
    kernelsByModel.delete(key);
    tooltip.dispose();
    actions.forEach((a) => a.dispose());
  };
}
