/* nbformat 4 types and helpers: the backend's definition (via lib/contracts), plus what only the editor needs. */
export type {
  MultilineString,
  MimeBundle,
  StreamOutput,
  DisplayDataOutput,
  ExecuteResultOutput,
  ErrorOutput,
  Output,
  CodeCell,
  MarkdownCell,
  RawCell,
  Cell,
  Notebook,
} from './contracts';
export { sourceText, cellTags } from './contracts';

export const toMultiline = (s: string): string[] => {
  // nbformat stores sources as lines that keep their "\n"; JupyterLab writes them the same way.
  if (s === '') return [];
  const lines = s.split('\n');
  return lines.map((l, i) => (i < lines.length - 1 ? `${l}\n` : l)).filter((l) => l !== '');
};
