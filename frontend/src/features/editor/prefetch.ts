import { primeNotebook } from './api/get-notebook';
import { loadMonaco } from './components/monaco/monaco-loader';

/**
 * Opening a notebook by its URL (a link, a reload): start what the editor needs at once and in parallel — Monaco (the
 * biggest download) and the notebook — instead of one after another behind the route chunk and the sign-in check.
 * Harmless when signed out: the notebook request answers 401 and is dropped unused.
 */
export function prefetchEditor(notebookId: string): void {
  void loadMonaco();
  primeNotebook(notebookId);
}
