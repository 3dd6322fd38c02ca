/**
 * The Monaco bundle, loaded on demand (dynamic import) so the login and list pages never pay for it.
 * The core editor and only the contributions a notebook cell uses (monaco's `edcore.main.js` imports some 70, from
 * code lenses and inlay hints to a diff editor and its own command palette: parsing them was most of the time to the
 * first editable cell). Only the Python and Markdown grammars (in this chunk), and only the base editor worker (no
 * TypeScript/JSON/CSS/HTML language services). Add a contribution here when a feature needs it.
 */
import 'monaco-editor/esm/vs/editor/browser/coreCommands.js';
import 'monaco-editor/esm/vs/editor/browser/widget/codeEditor/codeEditorWidget.js';
import 'monaco-editor/esm/vs/editor/contrib/bracketMatching/browser/bracketMatching.js';
import 'monaco-editor/esm/vs/editor/contrib/clipboard/browser/clipboard.js';
import 'monaco-editor/esm/vs/editor/contrib/comment/browser/comment.js'; // Ctrl+/
import 'monaco-editor/esm/vs/editor/contrib/cursorUndo/browser/cursorUndo.js';
import 'monaco-editor/esm/vs/editor/contrib/dnd/browser/dnd.js';
import 'monaco-editor/esm/vs/editor/contrib/find/browser/findController.js';
import 'monaco-editor/esm/vs/editor/contrib/hover/browser/hoverContribution.js';
import 'monaco-editor/esm/vs/editor/contrib/indentation/browser/indentation.js';
import 'monaco-editor/esm/vs/editor/contrib/lineSelection/browser/lineSelection.js';
import 'monaco-editor/esm/vs/editor/contrib/linesOperations/browser/linesOperations.js'; // Ctrl+] / Ctrl+[, move lines
import 'monaco-editor/esm/vs/editor/contrib/multicursor/browser/multicursor.js';
import 'monaco-editor/esm/vs/editor/contrib/parameterHints/browser/parameterHints.js';
import 'monaco-editor/esm/vs/editor/contrib/smartSelect/browser/smartSelect.js';
import 'monaco-editor/esm/vs/editor/contrib/snippet/browser/snippetController2.js';
import 'monaco-editor/esm/vs/editor/contrib/suggest/browser/suggestController.js'; // kernel completions
import 'monaco-editor/esm/vs/editor/contrib/tokenization/browser/tokenization.js';
import 'monaco-editor/esm/vs/editor/contrib/unicodeHighlighter/browser/unicodeHighlighter.js';
import 'monaco-editor/esm/vs/editor/contrib/wordOperations/browser/wordOperations.js';
import 'monaco-editor/esm/vs/editor/contrib/wordPartOperations/browser/wordPartOperations.js';
import 'monaco-editor/esm/vs/editor/common/standaloneStrings.js';
import 'monaco-editor/esm/vs/base/browser/ui/codicons/codicon/codicon.css';
import 'monaco-editor/esm/vs/base/browser/ui/codicons/codicon/codicon-modifiers.css';
import * as python from 'monaco-editor/esm/vs/basic-languages/python/python.js';
import * as markdown from 'monaco-editor/esm/vs/basic-languages/markdown/markdown.js';
import * as monaco from 'monaco-editor/esm/vs/editor/editor.api.js';
import EditorWorker from 'monaco-editor/esm/vs/editor/editor.worker.js?worker';

self.MonacoEnvironment = { getWorker: () => new EditorWorker() };

// The two grammars are registered here, in this chunk, rather than through their `*.contribution.js` (which load the
// grammar lazily: one more request, after this chunk, before the first cell is coloured).
for (const [id, grammar, aliases] of [
  ['python', python, ['Python', 'py']],
  ['markdown', markdown, ['Markdown', 'md']],
] as const) {
  monaco.languages.register({ id, aliases: [...aliases] });
  monaco.languages.setLanguageConfiguration(id, grammar.conf);
  monaco.languages.setMonarchTokensProvider(id, grammar.language);
}

monaco.editor.defineTheme('folio', {
  base: 'vs',
  inherit: true,
  rules: [],
  colors: { 'editor.background': '#f7f7f7', 'editor.lineHighlightBackground': '#f7f7f7' },
});

export { monaco };
export type Monaco = typeof monaco;
