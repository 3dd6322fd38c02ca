import { z } from 'zod';
import { api, isApiError } from '../../../lib/api-client';
import type { Notebook } from '../../../lib/nbformat';
import { NotebookRecordSchema } from './get-notebook';

export interface SaveInput {
  id: string;
  version: number;
  name: string;
  content: Notebook;
}

/** `PUT /api/notebooks/:id` with the version being edited; a stale version is a 409 (see `conflictVersion`). */
export const updateNotebook = ({ id, ...body }: SaveInput) =>
  api(`/api/notebooks/${encodeURIComponent(id)}`, { method: 'PUT', json: body }, NotebookRecordSchema);

const ConflictDetailsSchema = z.object({ currentVersion: z.number() });

/** The server's current version carried by a 409, or null when the error is not a version conflict. */
export function conflictVersion(e: unknown): number | null {
  if (!isApiError(e, 409)) return null;
  const d = ConflictDetailsSchema.safeParse(e.details);
  return d.success ? d.data.currentVersion : -1;
}
