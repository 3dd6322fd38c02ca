import type { z } from 'zod';
import type { TokenScope } from '../../contracts/principal';

/**
 * One operation of Folio's HTTP API, described for the OpenAPI document (http/openapi/document.ts). The request shapes
 * are the zod schemas the route validates with (imported from its `*.schema.ts`, never restated); responses are
 * described by status, with a zod schema where the shape exists as one. openapi.test.ts compares these with the
 * routes the real app mounts, both ways: a route without its operation here fails the test.
 */
export type HttpMethod = 'GET' | 'POST' | 'PUT' | 'PATCH' | 'DELETE';

export interface ApiResponse {
  description: string;
  /** JSON body shape, when it exists as a zod schema. */
  schema?: z.ZodType;
  /** Media type other than JSON (files, SSE, Prometheus text). */
  contentType?: string;
}

export interface ApiOperation {
  /** `WS` for the WebSocket endpoint (documented as its GET upgrade). */
  method: HttpMethod | 'WS';
  /** As mounted, in Express syntax: `/api/notebooks/:id/files/*path`. */
  path: string;
  summary: string;
  description?: string;
  tag: string;
  /**
   * Who may call it: `public` (no credentials), `user` (a session or API token; the service checks role and access per
   * object), `admin`, or `metrics` (the metrics token or an admin).
   */
  auth: 'public' | 'user' | 'admin' | 'metrics';
  /** The API token scope the route's service requires (tokens only; sessions are limited by role). */
  scope?: TokenScope;
  params?: z.ZodType;
  query?: z.ZodType;
  /** A JSON body validated by this schema, or a raw body of these media types. */
  body?: { schema: z.ZodType; required?: boolean } | { raw: string[]; description: string };
  /** Success and documented failure responses by status. 401/400/500 are added where they apply. */
  responses: Record<number, string | ApiResponse>;
}
