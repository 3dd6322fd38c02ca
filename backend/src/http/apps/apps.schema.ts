import { z } from 'zod';
import {
  PublishAppSchema,
  PublishVersionSchema,
  RollbackAppSchema,
  UpdateAppSchema,
} from '../../contracts/apps';

/**
 * Request shapes of /api/apps. The bodies are the contract's (contracts/apps.ts, shared with the frontend); slugs,
 * cells, parameters and access lists are checked by the service (apps/), whose 400s name the field.
 */
export { PublishAppSchema, PublishVersionSchema, RollbackAppSchema, UpdateAppSchema };

export const AppSlugParamsSchema = z.object({ slug: z.string().min(1).max(200) });
export type AppSlugParams = z.infer<typeof AppSlugParamsSchema>;

export const ListAppsQuerySchema = z.object({
  /** `true`: also the unpublished apps you manage (to publish one again). Default false. */
  unpublished: z.enum(['true', 'false']).optional(),
});
