import fs from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { nbformatValidate } from '../../notebooks/nbformat-validate.fixture';
import type { NotebookRecord } from '../../store/store';
import { testFetch } from '../../testing/http';
import { startTestApp, type TestApp } from '../test-app';

const fixture = fs.readFileSync(
  path.resolve(path.dirname(new URL(import.meta.url).pathname), '../../notebooks/fixtures/legacy-v4.4.ipynb'),
  'utf8',
);

let t: TestApp;
let author: { cookie: string; userId: string };
let other: { cookie: string; userId: string };
let admin: { cookie: string; userId: string };
let viewer: { cookie: string; userId: string };

beforeAll(async () => {
  t = await startTestApp();
  [author, other, admin, viewer] = await Promise.all([
    t.signIn('author'),
    t.signIn('author'),
    t.signIn('admin'),
    t.signIn('viewer'),
  ]);
});
afterAll(() => t?.close());

async function api(who: { cookie: string } | null, method: string, p: string, body?: unknown, headers: Record<string, string> = {}) {
  const init: RequestInit = { method, headers: { ...(who ? { cookie: who.cookie } : {}), ...headers } };
  if (body !== undefined) {
    init.body = typeof body === 'string' || Buffer.isBuffer(body) ? (body as string) : JSON.stringify(body);
    if (!headers['content-type']) (init.headers as Record<string, string>)['content-type'] = 'application/json';
  }
  const res = await testFetch(`${t.url}/api/notebooks${p}`, init);
  const text = await res.text();
  return { status: res.status, headers: res.headers, text, json: text ? JSON.parse(text) : undefined };
}
const create = async (who = author, name = 'Test') => (await api(who, 'POST', '', { name })).json as NotebookRecord;
const importFile = (who: { cookie: string } | null, body: string | Buffer, name = 'fx.ipynb', type = 'application/octet-stream') =>
  api(who, 'POST', `/import?name=${encodeURIComponent(name)}`, body, { 'content-type': type });
const count = async () => (await t.store.notebooks.list()).length;

describe('/api/notebooks access', () => {
  it('needs a session for every route', async () => {
    const nb = await create();
    for (const [method, p] of [['GET', ''], ['POST', ''], ['GET', `/${nb.id}`], ['PUT', `/${nb.id}`], ['DELETE', `/${nb.id}`], ['GET', `/${nb.id}/ipynb`], ['POST', '/import']]) {
      expect((await api(null, method!, p!)).status, `${method} ${p}`).toBe(401);
    }
  });

  it('keeps viewers out of notebooks (they use apps): list, read, create, import are 403', async () => {
    const nb = await create();
    expect((await api(viewer, 'GET', '')).status).toBe(403);
    expect((await api(viewer, 'GET', `/${nb.id}`)).status).toBe(403);
    expect((await api(viewer, 'GET', `/${nb.id}/revisions`)).status).toBe(403);
    expect((await api(viewer, 'POST', '', { name: 'x' })).status).toBe(403);
    expect((await importFile(viewer, fixture)).status).toBe(403);
  });

  it('answers viewers 403 for writes whatever the id, so they cannot tell which notebooks exist', async () => {
    const nb = await create();
    for (const id of [nb.id, 'no-such-id']) {
      const writes = [
        await api(viewer, 'PUT', `/${id}`, { version: 1, name: 'x' }),
        await api(viewer, 'DELETE', `/${id}`),
        await api(viewer, 'POST', `/${id}/revisions/1/restore`),
        await api(viewer, 'GET', `/${id}/revisions/1`),
      ];
      expect(writes.map((r) => r.status), id).toEqual([403, 403, 403, 403]);
      expect(writes[0]!.json.error.code).toBe('forbidden');
    }
    expect(await t.store.notebooks.get(nb.id)).toMatchObject({ version: 1, name: nb.name });
    // Authors may read, so for them a missing id is simply 404.
    expect((await api(other, 'PUT', '/no-such-id', { version: 1, name: 'x' })).status).toBe(404);
  });

  it('keeps a notebook private to its owner: other authors get 404 everywhere, admins read and write', async () => {
    const nb = await create(author);
    for (const [method, p, body] of [
      ['GET', `/${nb.id}`],
      ['PUT', `/${nb.id}`, { version: 1, name: 'hijacked' }],
      ['DELETE', `/${nb.id}`],
      ['GET', `/${nb.id}/ipynb`],
      ['GET', `/${nb.id}/revisions`],
      ['GET', `/${nb.id}/revisions/1`],
      ['POST', `/${nb.id}/revisions/1/restore`, {}],
      ['GET', `/${nb.id}/access`],
    ] as const) {
      const res = await api(other, method, p, body);
      expect(res.status, `${method} ${p}`).toBe(404);
      // The same answer as for an id that does not exist: existence does not leak.
      expect(res.json).toEqual((await api(other, method, p.replace(nb.id, 'no-such-id'), body)).json);
    }
    expect((await api(other, 'GET', '')).json.notebooks.map((n: { id: string }) => n.id)).not.toContain(nb.id);
    expect((await t.store.notebooks.get(nb.id))?.name).toBe(nb.name);
    const byAdmin = await api(admin, 'PUT', `/${nb.id}`, { version: 1, name: 'by admin' });
    expect(byAdmin.status).toBe(200);
    expect(byAdmin.json).toMatchObject({ version: 2, access: 'admin' });
    expect((await api(admin, 'GET', '')).json.notebooks.map((n: { id: string }) => n.id)).toContain(nb.id);
  });
});

describe('/api/notebooks CRUD', () => {
  it('creates an empty python3 notebook and lists summaries', async () => {
    const res = await api(author, 'POST', '', { name: '  Rates report  ' });
    expect(res.status).toBe(201);
    expect(res.json).toMatchObject({ name: 'Rates report', ownerId: author.userId, version: 1, cellCount: 1 });
    expect(res.json.content.metadata.kernelspec.name).toBe('python3');
    expect(nbformatValidate(JSON.stringify(res.json.content))).toBe('');
    const list = await api(author, 'GET', '');
    const mine = list.json.notebooks.find((n: { id: string }) => n.id === res.json.id);
    expect(mine).toMatchObject({ name: 'Rates report', version: 1, cellCount: 1 });
    expect(mine.content).toBeUndefined();
  });

  it('refuses bad create bodies with 400 (field named) and invalid content with 422, storing nothing', async () => {
    const before = await count();
    const noName = await api(author, 'POST', '', { name: '   ' });
    expect(noName.status).toBe(400);
    expect(noName.json.error.message).toMatch(/"name"/);
    const badContent = await api(author, 'POST', '', { name: 'x', content: { nbformat: 4, nbformat_minor: 5, metadata: {} } });
    expect(badContent.status).toBe(422);
    expect(badContent.json.error.details.path).toBe('cells');
    expect((await api(author, 'POST', '', '{"name": ')).status).toBe(400);
    expect(await count()).toBe(before);
  });

  it('saves with the current version and refuses a stale one with 409 carrying the current record', async () => {
    const nb = await create();
    const content = { ...nb.content, cells: [...nb.content.cells, { id: 'md1', cell_type: 'markdown', metadata: {}, source: '# hi' }] };
    const saved = await api(author, 'PUT', `/${nb.id}`, { version: 1, content });
    expect(saved.status).toBe(200);
    expect(saved.json).toMatchObject({ version: 2, cellCount: 2 });

    const stale = await api(author, 'PUT', `/${nb.id}`, { version: 1, name: 'overwrite?' });
    expect(stale.status).toBe(409);
    expect(stale.json.error.code).toBe('conflict');
    expect(stale.json.error.details.currentVersion).toBe(2);
    expect(stale.json.error.details.current.content.cells[1].id).toBe('md1');
    const now = await api(author, 'GET', `/${nb.id}`);
    expect(now.json).toMatchObject({ version: 2, name: nb.name });
  });

  it('carries overwriteVersion: an overwrite that would empty code it never saw is a 409 would_blank, nothing saved', async () => {
    const nb = await create();
    const cellId = nb.content.cells[0]!.id;
    const withSource = (source: string) => ({
      ...nb.content,
      cells: [{ ...nb.content.cells[0]!, source }],
    });
    expect((await api(author, 'PUT', `/${nb.id}`, { version: 1, content: withSource('x = 1') })).status).toBe(200);
    const refused = await api(author, 'PUT', `/${nb.id}`, { version: 1, overwriteVersion: 2, content: withSource('') });
    expect(refused.status).toBe(409);
    expect(refused.json.error.details).toEqual({
      currentVersion: 2,
      reason: 'would_blank',
      blanked: [{ id: cellId, source: 'x = 1' }],
    });
    const bad = await api(author, 'PUT', `/${nb.id}`, { version: 1, overwriteVersion: 0, content: withSource('') });
    expect(bad.status).toBe(400);
    expect((await api(author, 'GET', `/${nb.id}`)).json).toMatchObject({ version: 2 });
    const over = await api(author, 'PUT', `/${nb.id}`, { version: 1, overwriteVersion: 2, content: withSource('y') });
    expect(over.json).toMatchObject({ version: 3 });
  });

  const withOutputs = (outputs: Record<string, string>) => ({
    nbformat: 4,
    nbformat_minor: 5,
    metadata: {},
    cells: Object.entries(outputs).map(([id, text]) => ({
      id,
      cell_type: 'code',
      source: `print(${JSON.stringify(text)})`,
      metadata: {},
      execution_count: 1,
      outputs: [{ output_type: 'stream', name: 'stdout', text }],
    })),
  });
  const storedOutputs = async (id: string) =>
    Object.fromEntries(
      (await t.store.notebooks.get(id))!.content.cells.map((c) => [c.id, c.cell_type === 'code' ? c.outputs : null]),
    );

  it('keeps the stored outputs of cells sent without them (keepOutputs), and answers a summary on request', async () => {
    const nb = (await api(author, 'POST', '', { name: 'outs', content: withOutputs({ a: 'big a', b: 'old b' }) }))
      .json as NotebookRecord;
    const content = withOutputs({ a: 'ignored', b: 'new b' });
    delete (content.cells[0] as { outputs?: unknown }).outputs;
    content.cells[0]!.source = 'print("edited")';
    const saved = await api(author, 'PUT', `/${nb.id}`, { version: 1, content, keepOutputs: ['a'], returnContent: false });
    expect(saved.status).toBe(200);
    expect(saved.json).toMatchObject({ id: nb.id, version: 2, cellCount: 2 });
    expect(saved.json.content).toBeUndefined();
    expect(await storedOutputs(nb.id)).toEqual({
      a: [{ output_type: 'stream', name: 'stdout', text: 'big a' }],
      b: [{ output_type: 'stream', name: 'stdout', text: 'new b' }],
    });
    expect((await t.store.notebooks.get(nb.id))!.content.cells[0]!.source).toBe('print("edited")');
    // Without returnContent the answer is the full record, as before.
    const full = await api(author, 'PUT', `/${nb.id}`, { version: 2, name: 'outs 2' });
    expect(full.json.content.cells).toHaveLength(2);
  });

  it('never drops or borrows outputs: keepOutputs on a stale version is a 409, a wrong list a 400, nothing saved', async () => {
    const nb = (await api(author, 'POST', '', { name: 'outs', content: withOutputs({ a: 'kept a' }) }))
      .json as NotebookRecord;
    await api(author, 'PUT', `/${nb.id}`, { version: 1, name: 'renamed' }); // now version 2
    const without = (ids: string[], extra: Record<string, string> = {}) => {
      const c = withOutputs({ a: 'x', ...extra });
      for (const cell of c.cells) if (ids.includes(cell.id)) delete (cell as { outputs?: unknown }).outputs;
      return c;
    };
    const stale = await api(author, 'PUT', `/${nb.id}`, { version: 1, content: without(['a']), keepOutputs: ['a'] });
    expect(stale.status).toBe(409);
    expect(stale.json.error.details.currentVersion).toBe(2);
    const bad = [
      { version: 2, content: without(['a', 'new']), keepOutputs: ['a', 'new'] }, // no stored cell "new"
      { version: 2, content: without([]), keepOutputs: ['a'] }, // outputs sent too
      { version: 2, content: without(['a']), keepOutputs: ['a', 'gone'] }, // not in the content
      { version: 2, keepOutputs: ['a'], name: 'x' }, // no content
    ];
    for (const body of bad) {
      const r = await api(author, 'PUT', `/${nb.id}`, body);
      expect(r.status, JSON.stringify(body)).toBe(400);
      expect(r.json.error.message, JSON.stringify(body)).toMatch(/keepOutputs/);
    }
    const now = await t.store.notebooks.get(nb.id);
    expect(now).toMatchObject({ version: 2, name: 'renamed' });
    expect(await storedOutputs(nb.id)).toEqual({ a: [{ output_type: 'stream', name: 'stdout', text: 'kept a' }] });
  });

  it('refuses bad saves (400 / 422 / 404) and keeps the stored version', async () => {
    const nb = await create();
    const noVersion = await api(author, 'PUT', `/${nb.id}`, { name: 'x' });
    expect(noVersion.status).toBe(400);
    expect(noVersion.json.error.message).toMatch(/"version"/);
    expect((await api(author, 'PUT', `/${nb.id}`, { version: 1 })).status).toBe(400);
    const broken = { ...nb.content, cells: [{ id: 'a', cell_type: 'code', source: 'x', metadata: {} }] };
    const invalid = await api(author, 'PUT', `/${nb.id}`, { version: 1, content: broken });
    expect(invalid.status).toBe(422);
    expect(invalid.json.error.details.path).toBe('cells[0].outputs');
    expect((await api(author, 'PUT', '/no-such-id', { version: 1, name: 'x' })).status).toBe(404);
    expect((await t.store.notebooks.get(nb.id))?.version).toBe(1);
  });

  it('deletes (owner), then the notebook and its revisions are gone', async () => {
    const nb = await create();
    expect((await api(author, 'DELETE', `/${nb.id}`)).status).toBe(204);
    expect((await api(author, 'GET', `/${nb.id}`)).status).toBe(404);
    expect(await t.store.notebooks.listRevisions(nb.id)).toEqual([]);
    expect((await api(author, 'DELETE', `/${nb.id}`)).status).toBe(404);
  });
});

describe('/api/notebooks revisions', () => {
  const history = async (id: string) =>
    ((await api(author, 'GET', `/${id}/revisions`)).json.revisions as Array<{ version: number; checkpoint: boolean }>).map(
      (r) => [r.version, r.checkpoint],
    );

  it('keeps one revision per editing burst; checkpoints and restores always make their own', async () => {
    const nb = await create();
    await api(author, 'PUT', `/${nb.id}`, { version: 1, name: 'second' }); // autosaves, seconds apart
    await api(author, 'PUT', `/${nb.id}`, { version: 2, name: 'third' });
    expect(await history(nb.id)).toEqual([[3, false], [1, true]]);
    expect((await api(author, 'GET', `/${nb.id}/revisions/2`)).status).toBe(404);
    const burst = await api(author, 'GET', `/${nb.id}/revisions/3`);
    expect(burst.json).toMatchObject({ version: 3, name: 'third', savedBy: author.userId, checkpoint: false });
    expect(Date.parse(burst.json.startedAt)).toBeLessThanOrEqual(Date.parse(burst.json.savedAt));

    const checkpoint = await api(author, 'PUT', `/${nb.id}`, { version: 3, checkpoint: true });
    expect(checkpoint.status).toBe(200);
    expect(checkpoint.json).toMatchObject({ version: 4, name: 'third' });
    await api(author, 'PUT', `/${nb.id}`, { version: 4, name: 'fifth' });
    await api(admin, 'PUT', `/${nb.id}`, { version: 5, name: 'by admin' }); // another user: not the author's burst
    expect(await history(nb.id)).toEqual([[6, false], [5, false], [4, true], [3, false], [1, true]]);

    const restored = await api(author, 'POST', `/${nb.id}/revisions/1/restore`, { version: 6 });
    expect(restored.status).toBe(200);
    expect(restored.json).toMatchObject({ version: 7, name: nb.name, content: nb.content });
    await api(author, 'PUT', `/${nb.id}`, { version: 7, name: 'after restore' });
    expect((await history(nb.id)).slice(0, 3)).toEqual([[8, false], [7, true], [6, false]]);

    const stale = await api(author, 'POST', `/${nb.id}/revisions/3/restore`, { version: 7 });
    expect(stale.status).toBe(409);
    expect(stale.json.error.details.currentVersion).toBe(8);
    expect((await api(author, 'POST', `/${nb.id}/revisions/9/restore`)).status).toBe(404);
    expect((await api(author, 'POST', `/${nb.id}/revisions/zero/restore`)).status).toBe(400);
    expect((await t.store.notebooks.get(nb.id))?.version).toBe(8);
  });

  it('refuses a bad checkpoint flag with 400 naming it, and saves nothing', async () => {
    const nb = await create();
    const bad = await api(author, 'PUT', `/${nb.id}`, { version: 1, checkpoint: 'yes' });
    expect(bad.status).toBe(400);
    expect(bad.json.error.message).toMatch(/"checkpoint"/);
    expect((await api(author, 'PUT', `/${nb.id}`, { version: 1, checkpoint: false })).status).toBe(400);
    expect((await t.store.notebooks.get(nb.id))?.version).toBe(1);
  });
});

describe('/api/notebooks .ipynb import and export', () => {
  it('imports a 4.4 notebook and exports it back losslessly (ids aside), valid for nbformat', async () => {
    const res = await importFile(author, fixture, 'FX report.ipynb');
    expect(res.status).toBe(201);
    expect(res.json).toMatchObject({ name: 'FX report', version: 1, cellCount: 6 });

    const exported = await api(author, 'GET', `/${res.json.id}/ipynb`);
    expect(exported.status).toBe(200);
    expect(exported.headers.get('content-disposition')).toBe('attachment; filename="FX report.ipynb"');
    expect(exported.headers.get('content-type')).toMatch(/^application\/x-ipynb\+json/);
    const doc = JSON.parse(exported.text);
    expect(doc).toEqual(res.json.content);
    const original = JSON.parse(fixture);
    const withoutIds = doc.cells.map(({ id: _id, ...cell }: Record<string, unknown>) => cell);
    expect({ ...doc, cells: withoutIds }).toEqual({ ...original, nbformat_minor: 5 });
    expect(nbformatValidate(exported.text)).toBe('');
  });

  it('also takes the file sent as application/json', async () => {
    const res = await importFile(author, fixture, 'as-json.ipynb', 'application/json');
    expect(res.status).toBe(201);
    expect(res.json.content.cells).toHaveLength(6);
  });

  // eslint-disable-next-line @typescript-eslint/no-explicit-any -- test data poked at arbitrary depths
  const bad = (mutate: (nb: Record<string, any>) => unknown) => JSON.stringify(mutate(JSON.parse(fixture)));
  const malformed: Array<[string, string, string]> = [
    ['not JSON', '{"cells": [', ''],
    ['nbformat 3', JSON.stringify({ nbformat: 3, nbformat_minor: 0, metadata: {}, worksheets: [{ cells: [] }] }), 'nbformat'],
    ['missing cells', bad(({ cells: _c, ...rest }) => rest), 'cells'],
    ['an unknown cell type', bad((nb) => ((nb.cells[3].cell_type = 'sql'), nb)), 'cells[3].cell_type'],
    ['a wrong field type', bad((nb) => ((nb.cells[2].outputs[0].text = 5), nb)), 'cells[2].outputs[0].text'],
    ['an empty body', '', ''],
  ];
  it.each(malformed)('refuses %s with 422 and where, storing nothing', async (_label, body, where) => {
    const before = await count();
    const res = await importFile(author, body);
    expect(res.status).toBe(422);
    expect(res.json.error.code).toBe('invalid_notebook');
    expect(res.json.error.details.path).toBe(where);
    expect(res.json.error.message.length).toBeGreaterThan(10);
    expect(await count()).toBe(before);
  });

  it('refuses a malformed file sent as application/json with 422 too (the body is read raw, not as a JSON body)', async () => {
    const before = await count();
    const res = await importFile(author, '{"cells": [', 'broken.ipynb', 'application/json');
    expect(res.status).toBe(422);
    expect(res.json.error.code).toBe('invalid_notebook');
    expect(await count()).toBe(before);
  });

  it('refuses an upload over the configured limit with 413, storing nothing', async () => {
    const small = await startTestApp({ env: { FOLIO_MAX_UPLOAD_MB: '0.01' } });
    try {
      const user = await small.signIn('author');
      const big = JSON.stringify({ ...JSON.parse(fixture), metadata: { padding: 'x'.repeat(20_000) } });
      for (const type of ['application/octet-stream', 'application/json']) {
        const res = await fetch(`${small.url}/api/notebooks/import?name=big`, {
          method: 'POST',
          headers: { cookie: user.cookie, 'content-type': type },
          body: big,
        });
        expect(res.status, type).toBe(413);
        expect(((await res.json()) as { error: { code: string } }).error.code).toBe('too_large');
      }
      expect(await small.store.notebooks.list()).toEqual([]);
    } finally {
      await small.close();
    }
  });
});
