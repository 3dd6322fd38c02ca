import { z } from 'zod';

export const NotebookSummarySchema = z.object({
  id: z.string(),
  name: z.string(),
  ownerId: z.string().optional(),
  version: z.number(),
  cellCount: z.number().optional(),
  createdAt: z.string().optional(),
  updatedAt: z.string(),
  /** One of the example notebooks seeded on first start (pinned in the list). */
  example: z.boolean().optional(),
  /** How the signed-in user reaches it (owner, admin, or shared with them to read or edit). */
  access: z.enum(['owner', 'admin', 'edit', 'read']).optional(),
  ownerName: z.string().optional(),
});
export type NotebookSummary = z.infer<typeof NotebookSummarySchema>;

/** The list answer, bare or wrapped as `{notebooks}`. */
export const NotebookListSchema = z
  .union([z.array(NotebookSummarySchema), z.object({ notebooks: z.array(NotebookSummarySchema) })])
  .transform((v) => (Array.isArray(v) ? v : v.notebooks));
