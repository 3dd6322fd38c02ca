import { z } from 'zod';
import { api, isApiError } from '../../../lib/api-client';
import { NotebookRecordSchema } from './get-notebook';
import type { Cell, CodeCell, Notebook } from '../../../lib/nbformat';

/** A notebook as a save sends it: code cells listed in `keepOutputs` go without their outputs. */
export type SentNotebook = Omit<Notebook, 'cells'> & { cells: (Cell | Omit<CodeCell, 'outputs'>)[] };

export interface SaveInput {
  id: string;
  /** The version the content was made from. */
  version: number;
  /** "Overwrite" after a conflict: the newer version saved over on purpose (see NotebookService.update). */
  overwriteVersion?: number;
  name: string;
  content: SentNotebook;
  /** Code cells sent without outputs (unchanged since `version`): the server keeps its stored ones. */
  keepOutputs?: string[];
}

/** What a save answers with `returnContent: false`: the record without its content. */
export const SavedNotebookSchema = NotebookRecordSchema.omit({ content: true });

/** Largest body sent with `keepalive` (browsers allow 64 KiB in all for the keepalive requests of a page). */
const KEEPALIVE_MAX_BYTES = 60_000;

/**
 * `PUT /api/notebooks/:id` with the version being edited; a stale version is a 409 (see `conflictVersion`). The answer
 * leaves the content out (the editor has it). `keepalive` (the page is going away): the request outlives the page
 * when its body is small enough for the browser to allow it.
 */
export const updateNotebook = ({ id, ...body }: SaveInput, opts: { keepalive?: boolean } = {}) => {
  const raw = JSON.stringify({ ...body, returnContent: false });
  const keepalive = !!opts.keepalive && raw.length <= KEEPALIVE_MAX_BYTES && bytes(raw) <= KEEPALIVE_MAX_BYTES;
  return api(
    `/api/notebooks/${encodeURIComponent(id)}`,
    { method: 'PUT', raw, contentType: 'application/json', keepalive },
    SavedNotebookSchema,
  );
};

const bytes = (s: string) => new TextEncoder().encode(s).length;

const ConflictDetailsSchema = z.object({ currentVersion: z.number() });
const BlankedDetailsSchema = z.object({
  reason: z.literal('would_blank'),
  blanked: z.array(z.object({ id: z.string(), source: z.string() })),
});

/** The cells an overwrite would have emptied (with the server's code), when the server refused it for that. */
export function blankedCells(e: unknown): { id: string; source: string }[] | null {
  if (!isApiError(e, 409)) return null;
  const d = BlankedDetailsSchema.safeParse(e.details);
  return d.success ? d.data.blanked : null;
}

/** The server's current version carried by a 409, or null when the error is not a version conflict. */
export function conflictVersion(e: unknown): number | null {
  if (!isApiError(e, 409)) return null;
  const d = ConflictDetailsSchema.safeParse(e.details);
  return d.success ? d.data.currentVersion : -1;
}
