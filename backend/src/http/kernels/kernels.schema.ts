import { z } from 'zod';

export const KernelSessionIdParamsSchema = z.object({ id: z.uuid() });
