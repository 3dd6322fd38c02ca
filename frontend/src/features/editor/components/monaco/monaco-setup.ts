/**
 * The Monaco bundle, loaded on demand (dynamic import) so the login and list pages never pay for it.
 * Core editor + its standard contributions (suggest, hover, find, …) + only the Python and Markdown grammars, and only
 * the base editor worker (no TypeScript/JSON/CSS/HTML language services).
 */
import 'monaco-editor/esm/vs/editor/edcore.main.js';
import 'monaco-editor/esm/vs/basic-languages/python/python.contribution.js';
import 'monaco-editor/esm/vs/basic-languages/markdown/markdown.contribution.js';
import * as monaco from 'monaco-editor/esm/vs/editor/editor.api.js';
import EditorWorker from 'monaco-editor/esm/vs/editor/editor.worker.js?worker';

self.MonacoEnvironment = { getWorker: () => new EditorWorker() };

monaco.editor.defineTheme('folio', {
  base: 'vs',
  inherit: true,
  rules: [],
  colors: { 'editor.background': '#f7f7f7', 'editor.lineHighlightBackground': '#f7f7f7' },
});

export { monaco };
export type Monaco = typeof monaco;
