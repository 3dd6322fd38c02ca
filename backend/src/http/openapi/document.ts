import { z } from 'zod';
import { SESSION_COOKIE } from '../../users/auth.service';
import { ApiErrorSchema } from '../middleware/errors';
import type { ApiOperation, ApiResponse } from './operation';

/** The document's own version (the API's): bump it when a shape changes incompatibly. */
export const API_VERSION = '0.1.0';

type Json = Record<string, unknown>;

/** A zod schema as JSON Schema 2020-12 (OpenAPI 3.1's dialect): requests as they are sent (`input`), responses as read. */
export function jsonSchemaOf(schema: z.ZodType, io: 'input' | 'output'): Json {
  const { $schema: _, ...rest } = z.toJSONSchema(schema, {
    io,
    unrepresentable: 'any',
    target: 'draft-2020-12',
  }) as Json;
  return rest;
}

/** Express path syntax → OpenAPI's: `/:id` → `/{id}`, the `*path` wildcard → `/{path}`. */
export const openApiPath = (path: string) => path.replace(/[:*]([A-Za-z_][A-Za-z0-9_]*)/g, '{$1}');

/** The names of a path's parameters, in order (`:id`, `*path`). */
export const pathParamNames = (path: string) =>
  Array.from(path.matchAll(/[:*]([A-Za-z_][A-Za-z0-9_]*)/g), (m) => m[1]!);

const operationId = (op: ApiOperation) =>
  op.method.toLowerCase() +
  op.path.replace(/[^A-Za-z0-9]+([A-Za-z0-9])?/g, (_m, c?: string) => (c ? c.toUpperCase() : ''));

const errorResponse = (description: string) => ({
  description,
  content: { 'application/json': { schema: { $ref: '#/components/schemas/Error' } } },
});

function parameters(op: ApiOperation): Json[] {
  const out: Json[] = [];
  const wildcards = new Set(Array.from(op.path.matchAll(/\*([A-Za-z_]\w*)/g), (m) => m[1]));
  for (const [where, schema] of [
    ['path', op.params],
    ['query', op.query],
  ] as const) {
    if (!schema) continue;
    const js = jsonSchemaOf(schema, 'input') as { properties?: Record<string, Json>; required?: string[] };
    for (const [name, prop] of Object.entries(js.properties ?? {})) {
      const wildcard = where === 'path' && wildcards.has(name);
      out.push({
        name,
        in: where,
        required: where === 'path' || (js.required ?? []).includes(name),
        // Express' `*path` matches several segments (parsed as their list); on the wire it is one slash-separated string.
        schema: wildcard ? { type: 'string', description: 'A path of segments, each URL-encoded: img/logo.png' } : prop,
        ...(wildcard ? { allowReserved: true } : {}),
      });
    }
  }
  return out;
}

function responses(op: ApiOperation): Json {
  const out: Json = {};
  for (const [status, r] of Object.entries(op.responses)) {
    const res: ApiResponse = typeof r === 'string' ? { description: r } : r;
    if (Number(status) >= 400) {
      out[status] = errorResponse(res.description);
      continue;
    }
    const content = res.schema
      ? { 'application/json': { schema: jsonSchemaOf(res.schema, 'output') } }
      : res.contentType
        ? { [res.contentType]: {} }
        : undefined;
    out[status] = { description: res.description, ...(content ? { content } : {}) };
  }
  if ((op.params || op.query || op.body) && !out[400])
    out[400] = errorResponse('Invalid input; the message names the field.');
  if (op.auth !== 'public' && !out[401]) out[401] = errorResponse('No valid credentials.');
  out[500] ??= errorResponse('An unexpected error (logged with the request id; no details in the response).');
  return out;
}

const SECURITY: Record<ApiOperation['auth'], Json[]> = {
  public: [],
  user: [{ session: [] }, { bearer: [] }],
  admin: [{ session: [] }, { bearer: [] }],
  metrics: [{ metricsToken: [] }, { session: [] }, { bearer: [] }],
};

function operation(op: ApiOperation): Json {
  const description = [
    op.description,
    op.auth === 'admin' ? 'Admins only.' : undefined,
    op.scope ? `API tokens need the \`${op.scope}\` scope.` : undefined,
  ]
    .filter(Boolean)
    .join(' ');
  const body = op.body
    ? 'schema' in op.body
      ? {
          required: op.body.required ?? true,
          content: { 'application/json': { schema: jsonSchemaOf(op.body.schema, 'input') } },
        }
      : {
          required: true,
          description: op.body.description,
          content: Object.fromEntries(op.body.raw.map((t) => [t, {}])),
        }
    : undefined;
  const params = parameters(op);
  return {
    operationId: operationId(op),
    summary: op.summary,
    ...(description ? { description } : {}),
    tags: [op.tag],
    security: SECURITY[op.auth],
    ...(op.scope ? { 'x-folio-scope': op.scope } : {}),
    ...(op.method === 'WS' ? { 'x-websocket': true } : {}),
    ...(params.length ? { parameters: params } : {}),
    ...(body ? { requestBody: body } : {}),
    responses: responses(op),
  };
}

/**
 * The OpenAPI 3.1 document of `operations`: paths in OpenAPI syntax, request parameters and bodies generated from the
 * routes' own zod schemas (z.toJSONSchema), one `Error` schema for every error response, and the credentials (the
 * session cookie, API tokens, the metrics token). The WebSocket endpoint is documented as its GET upgrade
 * (`x-websocket: true`).
 */
export function buildOpenApiDocument(operations: readonly ApiOperation[]): Json {
  const paths: Record<string, Record<string, Json>> = {};
  for (const op of operations) {
    const method = op.method === 'WS' ? 'get' : op.method.toLowerCase();
    const item = (paths[openApiPath(op.path)] ??= {});
    if (item[method]) throw new Error(`Two operations for ${op.method} ${op.path}.`);
    item[method] = operation(op);
  }
  return {
    openapi: '3.1.0',
    info: {
      title: 'Folio API',
      version: API_VERSION,
      description:
        'Notebooks, runs, live kernels and apps. JSON in and out; errors are `{error: {code, message, details?}}`. ' +
        'Authenticate with the session cookie (browsers; writes must be same-origin) or `Authorization: Bearer <API token>`.',
    },
    tags: Array.from(new Set(operations.map((o) => o.tag)), (name) => ({ name })),
    paths,
    components: {
      schemas: { Error: jsonSchemaOf(ApiErrorSchema, 'output') },
      securitySchemes: {
        session: {
          type: 'apiKey',
          in: 'cookie',
          name: SESSION_COOKIE,
          description: 'The browser session (POST /api/auth/login).',
        },
        bearer: {
          type: 'http',
          scheme: 'bearer',
          description: 'An API token (`folio_…`), limited by its scopes and its owner.',
        },
        metricsToken: { type: 'http', scheme: 'bearer', description: 'FOLIO_METRICS_TOKEN (GET /metrics only).' },
      },
    },
  };
}
