/**
 * nbformat 4 document types, as stored and exchanged. Metadata and unknown fields are kept verbatim,
 * so these types are deliberately open (index signatures) where nbformat allows extra keys.
 */
export type MultilineString = string | string[];
export type MimeBundle = Record<string, unknown>;

export interface StreamOutput {
  output_type: 'stream';
  name: 'stdout' | 'stderr';
  text: MultilineString;
}
export interface DisplayDataOutput {
  output_type: 'display_data';
  data: MimeBundle;
  metadata: Record<string, unknown>;
  transient?: { display_id?: string };
}
export interface ExecuteResultOutput {
  output_type: 'execute_result';
  execution_count: number | null;
  data: MimeBundle;
  metadata: Record<string, unknown>;
}
export interface ErrorOutput {
  output_type: 'error';
  ename: string;
  evalue: string;
  traceback: string[];
}
export type Output = StreamOutput | DisplayDataOutput | ExecuteResultOutput | ErrorOutput;

export interface CodeCell {
  id: string;
  cell_type: 'code';
  source: MultilineString;
  metadata: Record<string, unknown> & { tags?: string[] };
  execution_count: number | null;
  outputs: Output[];
}
export interface MarkdownCell {
  id: string;
  cell_type: 'markdown';
  source: MultilineString;
  metadata: Record<string, unknown> & { tags?: string[] };
  attachments?: Record<string, MimeBundle>;
}
export interface RawCell {
  id: string;
  cell_type: 'raw';
  source: MultilineString;
  metadata: Record<string, unknown> & { tags?: string[] };
  attachments?: Record<string, MimeBundle>;
}
export type Cell = CodeCell | MarkdownCell | RawCell;

export interface Notebook {
  nbformat: 4;
  nbformat_minor: number;
  metadata: Record<string, unknown> & {
    kernelspec?: { name: string; display_name: string; language?: string };
    language_info?: Record<string, unknown>;
  };
  cells: Cell[];
}

export const sourceText = (s: MultilineString): string => (Array.isArray(s) ? s.join('') : s);
export const cellTags = (c: Cell): string[] => (Array.isArray(c.metadata.tags) ? c.metadata.tags : []);

/** The longest notebook name, in characters (the API refuses longer; numbered and "Copy of" names are cut to fit). */
export const MAX_NOTEBOOK_NAME = 200;
