import { z } from 'zod';

/** `POST /api/notebooks/:id/runs` body: parameter values by name (validated against the notebook's specs by the service). */
export const StartRunSchema = z
  .object({
    params: z.record(z.string(), z.unknown()).optional(),
  })
  .strict();
export type StartRun = z.infer<typeof StartRunSchema>;

export const NotebookIdParamsSchema = z.object({ id: z.string().min(1).max(200) });
export const RunIdParamsSchema = z.object({ id: z.uuid() });
