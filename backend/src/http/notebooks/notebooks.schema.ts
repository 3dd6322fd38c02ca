import { z } from 'zod';
import { MAX_NOTEBOOK_NAME } from '../../contracts/nbformat';

/** Request shapes of /api/notebooks. Notebook content itself is checked by the service (nbformat, 422). */
export const NotebookNameSchema = z
  .string()
  .trim()
  .min(1, 'must not be empty')
  .max(MAX_NOTEBOOK_NAME, `must be at most ${MAX_NOTEBOOK_NAME} characters`);

export const NotebookIdParamsSchema = z.object({ id: z.string().min(1).max(100) });
export type NotebookIdParams = z.infer<typeof NotebookIdParamsSchema>;

export const RevisionParamsSchema = NotebookIdParamsSchema.extend({
  version: z.coerce.number().int('must be a whole number').min(1, 'must be 1 or more'),
});
export type RevisionParams = z.infer<typeof RevisionParamsSchema>;

export const CreateNotebookSchema = z.object({
  name: NotebookNameSchema,
  /** An nbformat 4 document; omitted: a new empty python3 notebook. */
  content: z.unknown().optional(),
});
export type CreateNotebook = z.infer<typeof CreateNotebookSchema>;

export const UpdateNotebookSchema = z
  .object({
    /** The version the edit was made on, the one the client saw (optimistic concurrency). */
    version: z.number().int('must be a whole number').min(1, 'must be 1 or more'),
    /**
     * "Overwrite" after a 409: the current version, saved over on purpose (`version` stays the one the edit was made
     * on; code written after it is never emptied: see NotebookService). Default none.
     */
    overwriteVersion: z.number().int('must be a whole number').min(1, 'must be 1 or more').optional(),
    name: NotebookNameSchema.optional(),
    content: z.unknown().optional(),
    /** Keep this save as its own revision (e.g. Ctrl+S); autosaves leave it out. Default false. */
    checkpoint: z.boolean().optional(),
    /**
     * Ids of code cells sent without `outputs` because they are unchanged since `version`: the stored ones are kept
     * (only with `content`). Default none.
     */
    keepOutputs: z.array(z.string().min(1)).max(100_000).optional(),
    /** false: answer with the notebook's summary (no `content`), e.g. for autosave. Default true. */
    returnContent: z.boolean().optional(),
  })
  .refine((b) => b.name !== undefined || b.content !== undefined || b.checkpoint === true, {
    message: 'give a name, a content or checkpoint: true',
    path: ['content'],
  })
  .refine((b) => !b.keepOutputs?.length || b.content !== undefined, {
    message: 'keepOutputs needs a content',
    path: ['keepOutputs'],
  });
export type UpdateNotebook = z.infer<typeof UpdateNotebookSchema>;

export const ImportQuerySchema = z.object({
  /** The uploaded file's name; `.ipynb` is dropped. Default "Imported notebook". */
  name: z.preprocess(
    (v) => (typeof v === 'string' ? v.replace(/\.ipynb$/i, '') : v),
    NotebookNameSchema.default('Imported notebook'),
  ),
});

export const RestoreRevisionSchema = z
  .object({ version: z.number().int('must be a whole number').min(1, 'must be 1 or more').optional() })
  .optional();

/** PUT /api/notebooks/:id/access: the whole list, replacing the current one. */
export const SetAccessSchema = z.object({
  users: z
    .array(
      z.object({
        userId: z.string().min(1, 'must not be empty').max(100),
        permission: z.enum(['read', 'edit'], { message: "must be 'read' or 'edit'" }),
      }),
    )
    .max(1000),
});
export type SetAccess = z.infer<typeof SetAccessSchema>;

/** GET /api/notebooks/:id/access/candidates?q= — people the notebook can be shared with. */
export const AccessCandidatesQuerySchema = z.object({ q: z.string().max(200).default('') });
