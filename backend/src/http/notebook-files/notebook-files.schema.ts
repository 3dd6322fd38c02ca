import { z } from 'zod';
import { NotebookIdParamsSchema } from '../notebooks/notebooks.schema';

/** Request shapes of /api/notebooks/:id/files. The file path itself is normalized by the service (400). */
export const NotebookFilesParamsSchema = NotebookIdParamsSchema;

export const NotebookFileParamsSchema = NotebookIdParamsSchema.extend({
  /** Express 5's `*path` wildcard: the decoded segments after `/files/`, joined back with `/` here. */
  path: z
    .array(z.string())
    .min(1)
    .transform((segments) => segments.join('/')),
});
export type NotebookFileParams = z.infer<typeof NotebookFileParamsSchema>;
