import type { editor, languages } from 'monaco-editor/esm/vs/editor/editor.api.js';
import { stripAnsi } from '../../../../components/outputs/ansi';
import type { KernelClient } from '../../api/kernel-client';
import type { Monaco } from './monaco-setup';

/** Which kernel answers completions/hovers for a cell's model (keyed by model URI). */
const kernelsByModel = new Map<string, () => KernelClient | null>();
let registered = false;

export function bindModelToKernel(model: editor.ITextModel, kernel: () => KernelClient | null): () => void {
  const key = model.uri.toString();
  kernelsByModel.set(key, kernel);
  return () => kernelsByModel.delete(key);
}

const kernelFor = (model: editor.ITextModel) => kernelsByModel.get(model.uri.toString())?.() ?? null;

/** A fenced block that no backtick run inside `text` can close early. */
function fenced(text: string): string {
  const longest = Math.max(2, ...Array.from(text.matchAll(/`+/g), (m) => m[0].length));
  const fence = '`'.repeat(longest + 1);
  return `${fence}text\n${text}\n${fence}`;
}

/** Registers kernel-backed completion (Ctrl+Space, ".") and hover (inspect) for Python, once. */
export function registerKernelProviders(monaco: Monaco): void {
  if (registered) return;
  registered = true;
  monaco.languages.registerCompletionItemProvider('python', {
    triggerCharacters: ['.'],
    async provideCompletionItems(model, position) {
      const kernel = kernelFor(model);
      if (!kernel?.connected) return { suggestions: [] };
      const code = model.getValue();
      try {
        const reply = await kernel.complete(code, model.getOffsetAt(position));
        const start = model.getPositionAt(reply.cursorStart);
        const end = model.getPositionAt(reply.cursorEnd);
        const range = new monaco.Range(start.lineNumber, start.column, end.lineNumber, end.column);
        const suggestions: languages.CompletionItem[] = reply.matches.map((m, i) => ({
          label: m,
          kind: monaco.languages.CompletionItemKind.Variable,
          insertText: m,
          range,
          sortText: String(i).padStart(5, '0'),
        }));
        return { suggestions };
      } catch {
        return { suggestions: [] };
      }
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
