import { z } from 'zod';
import { api, isApiError } from '../../../lib/api-client';
import { NotebookRecordSchema } from './get-notebook';
import type { Cell, CodeCell, Notebook } from '../../../lib/nbformat';

/** A notebook as a save sends it: code cells listed in `keepOutputs` go without their outputs. */
export type SentNotebook = Omit<Notebook, 'cells'> & { cells: (Cell | Omit<CodeCell, 'outputs'>)[] };

export interface SaveInput {
  id: string;
  version: number;
  name: string;
  content: SentNotebook;
  /** Code cells sent without outputs (unchanged since `version`): the server keeps its stored ones. */
  keepOutputs?: string[];
}

/** What a save answers with `returnContent: false`: the record without its content. */
export const SavedNotebookSchema = NotebookRecordSchema.omit({ content: true });

/**
 * `PUT /api/notebooks/:id` with the version being edited; a stale version is a 409 (see `conflictVersion`). The answer
 * leaves the content out (the editor has it).
 */
export const updateNotebook = ({ id, ...body }: SaveInput) =>
  api(
    `/api/notebooks/${encodeURIComponent(id)}`,
    { method: 'PUT', json: { ...body, returnContent: false } },
    SavedNotebookSchema,
  );

const ConflictDetailsSchema = z.object({ currentVersion: z.number() });

/** The server's current version carried by a 409, or null when the error is not a version conflict. */
export function conflictVersion(e: unknown): number | null {
  if (!isApiError(e, 409)) return null;
  const d = ConflictDetailsSchema.safeParse(e.details);
  return d.success ? d.data.currentVersion : -1;
}
