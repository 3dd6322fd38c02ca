import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Cell, Notebook } from '../../contracts/nbformat';
import { codeCell, notebookOf } from '../../notebooks/testing/notebook-builders';
import { testFetch } from '../../testing/http';
import { startTestApp, type TestApp } from '../test-app';

/**
 * /api/apps over real HTTP on a real SQLite file: publish, invalid specs, versions, rollback, settings, unpublish,
 * listing per role and access mode, tokens' scopes, and the redaction guarantee (a marker in hidden places never
 * reaches a viewer).
 */
const MARKER = 'HIDDEN-MARKER-c0ffee';

let t: TestApp;
type Who = { cookie?: string; bearer?: string; userId: string };
let owner: Who;
let otherAuthor: Who;
let admin: Who;
let listedViewer: Who;
let unlistedViewer: Who;

beforeAll(async () => {
  t = await startTestApp();
  owner = await t.signIn('author', 'owner@apps.test');
  otherAuthor = await t.signIn('author', 'other@apps.test');
  admin = await t.signIn('admin', 'admin@apps.test');
  listedViewer = await t.signIn('viewer', 'listed@apps.test');
  unlistedViewer = await t.signIn('viewer', 'unlisted@apps.test');
});
afterAll(() => t?.close());

interface Answer {
  status: number;
  text: string;
  // eslint-disable-next-line @typescript-eslint/no-explicit-any
  json: any;
}

async function api(who: Who | null, method: string, path: string, body?: unknown): Promise<Answer> {
  const headers: Record<string, string> = {};
  if (who?.cookie) headers.cookie = who.cookie;
  if (who?.bearer) headers.authorization = `Bearer ${who.bearer}`;
  if (body !== undefined) headers['content-type'] = 'application/json';
  const res = await testFetch(`${t.url}/api${path}`, {
    method,
    headers,
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  const text = await res.text();
  return { status: res.status, text, json: text ? JSON.parse(text) : undefined };
}

/** The field a 400 names: the service's `details.field`, or the first zod issue's path without `body.`. */
const fieldOf = (a: Answer): string | undefined =>
  a.json?.error?.details?.field ?? a.json?.error?.details?.issues?.[0]?.field?.replace(/^body\./, '');

const withOutput = (cell: ReturnType<typeof codeCell>, text: string): Cell => ({
  ...cell,
  execution_count: 1,
  outputs: [{ output_type: 'stream', name: 'stdout', text }],
});

/** A notebook with a parameters cell, a hidden cell that holds and prints the marker, and visible cells. */
function reportNotebook(extra: Cell[] = []): Notebook {
  return notebookOf([
    { id: 'intro', cell_type: 'markdown', source: '# Daily report', metadata: {} },
    codeCell('params', 'rows: int = 3  # how many rows\nregion: str = "EU"  # region code', ['parameters']),
    withOutput(codeCell('hidden', `secret = "${MARKER}"\nprint(secret)`), `${MARKER}\n`),
    withOutput(codeCell('table', `print(len("${MARKER}") * rows)`), '60\n'),
    withOutput(codeCell('shown', 'print(rows, region)'), '3 EU\n'),
    { id: 'notes', cell_type: 'raw', source: 'raw', metadata: {} },
    ...extra,
  ]);
}

let made = 0;
async function notebook(who: Who = owner, content: Notebook = reportNotebook()): Promise<string> {
  const created = await api(who, 'POST', '/notebooks', { name: `Report ${MARKER} ${++made}`, content });
  expect(created.status, created.text).toBe(201);
  return created.json.id as string;
}

const VISIBLE = [
  { id: 'intro', show: 'output' },
  { id: 'table', show: 'output' },
  { id: 'shown', show: 'code+output' },
];

async function publish(body: Record<string, unknown> = {}, who: Who = owner): Promise<Answer> {
  const notebookId = (body.notebookId as string | undefined) ?? (await notebook(who));
  return api(who, 'POST', '/apps', {
    notebookId,
    slug: `report-${++made}`,
    title: 'Daily report',
    cells: VISIBLE,
    ...body,
  });
}

async function published(body: Record<string, unknown> = {}, who: Who = owner) {
  const res = await publish(body, who);
  expect(res.status, res.text).toBe(201);
  return res.json as { id: string; slug: string; notebookId: string; version: number; [k: string]: unknown };
}

async function auditOf(action: string, slug: string) {
  const page = await t.audit.list({ id: 'admin', email: 'a', name: 'a', role: 'admin' }, { action, limit: 500 });
  return page.events.filter((e) => e.target?.name === slug);
}

describe('publish', () => {
  it('answers 201 with version 1, the redacted layout, the form and the owner’s details, and records app.publish', async () => {
    const nbId = await notebook();
    const res = await publish({
      notebookId: nbId,
      slug: 'daily-report',
      description: 'Every morning',
      params: [{ name: 'rows', label: 'Rows', widget: 'slider', min: 1, max: 10 }],
      access: { mode: 'users', users: [listedViewer.userId] },
      cache: { maxAgeSeconds: 600 },
    });
    expect(res.status, res.text).toBe(201);
    expect(res.json).toMatchObject({
      slug: 'daily-report',
      version: 1,
      title: 'Daily report',
      description: 'Every morning',
      canManage: true,
      ownerId: owner.userId,
      notebookId: nbId,
      access: { mode: 'users', users: [listedViewer.userId] },
      cache: { maxAgeSeconds: 600 },
      unpublishedAt: null,
      current: { version: 1, current: true, notebookVersion: 1, cells: VISIBLE, files: [] },
    });
    expect(res.json.current.contentHash).toMatch(/^[0-9a-f]{64}$/);
    expect(res.json.params).toEqual([
      { name: 'rows', type: 'int', label: 'Rows', help: 'how many rows', default: 3, min: 1, max: 10, nullable: false, required: false, widget: 'slider' },
      { name: 'region', type: 'str', label: 'Region', help: 'region code', default: 'EU', nullable: false, required: false, widget: 'text' },
    ]);
    expect(res.json.cells).toEqual([
      { id: 'intro', cellType: 'markdown', show: 'output', source: '# Daily report' },
      { id: 'table', cellType: 'code', show: 'output' },
      { id: 'shown', cellType: 'code', show: 'code+output', source: 'print(rows, region)' },
    ]);
    const [event] = await auditOf('app.publish', 'daily-report');
    expect(event).toMatchObject({ actor: { userId: owner.userId }, details: { version: 1, notebookId: nbId } });
  });

  it('makes a new app private by default', async () => {
    const app = await published();
    expect(app.access).toEqual({ mode: 'private', users: [] });
    expect((await api(listedViewer, 'GET', `/apps/${app.slug}`)).status).toBe(404);
  });

  it.each<[string, Record<string, unknown>, string]>([
    ['an unknown cell id', { cells: [{ id: 'nope', show: 'output' }] }, 'cells[0].id'],
    ['a raw cell', { cells: [{ id: 'intro', show: 'output' }, { id: 'notes', show: 'output' }] }, 'cells[1].id'],
    ['a cell listed twice', { cells: [{ id: 'intro', show: 'output' }, { id: 'intro', show: 'output' }] }, 'cells[1].id'],
    ['no cells', { cells: [] }, 'cells'],
    ['a bad show', { cells: [{ id: 'intro', show: 'everything' }] }, 'cells.0.show'],
    ['an unknown parameter', { params: [{ name: 'nope' }] }, 'params[0].name'],
    ['a default outside min/max', { params: [{ name: 'rows', min: 1, max: 5, default: 9 }] }, 'params[0].default'],
    ['min above max', { params: [{ name: 'rows', min: 5, max: 1 }] }, 'params[0].min'],
    ['empty options', { params: [{ name: 'region', options: [] }] }, 'params[0].options'],
    ['a default not in the options', { params: [{ name: 'region', options: ['US', 'JP'] }] }, 'params[0].default'],
    ['a widget that does not suit the type', { params: [{ name: 'rows', widget: 'checkbox' }] }, 'params[0].widget'],
    ['an invalid slug', { slug: 'Daily Report!' }, 'slug'],
    ['a reserved slug', { slug: 'new' }, 'slug'],
    ['a users list with mode signed_in', { access: { mode: 'signed_in', users: ['x'] } }, 'access.users'],
    ['an unknown user in the list', { access: { mode: 'users', users: ['no-such-user'] } }, 'access.users[0]'],
    ['a negative max age', { cache: { maxAgeSeconds: -1 } }, 'cache.maxAgeSeconds'],
    ['no title', { title: ' ' }, 'title'],
  ])('refuses %s with a 400 naming the field, and stores nothing', async (_what, body, field) => {
    const before = (await t.store.apps.list()).length;
    const res = await publish(body);
    expect(res.status, res.text).toBe(400);
    expect(fieldOf(res)).toBe(field);
    expect(res.json.error.message).toContain(field);
    expect((await t.store.apps.list()).length).toBe(before);
  });

  it('refuses a disabled user in the access list', async () => {
    const gone = await t.signIn('viewer');
    await t.users.update({ id: admin.userId, email: 'admin@apps.test', name: '', role: 'admin' }, gone.userId, {
      disabled: true,
    });
    const res = await publish({ access: { mode: 'users', users: [listedViewer.userId, gone.userId] } });
    expect(res.status, res.text).toBe(400);
    expect(fieldOf(res)).toBe('access.users[1]');
    expect(res.json.error.message).toMatch(/disabled/);
  });

  it('refuses a duplicate slug with a 400 naming slug, unpublished apps’ slugs included', async () => {
    const app = await published({ slug: 'taken-slug' });
    const again = await publish({ slug: 'taken-slug' }, otherAuthor);
    expect(again.status).toBe(400);
    expect(fieldOf(again)).toBe('slug');
    expect((await api(owner, 'DELETE', `/apps/${app.slug}`)).status).toBe(204);
    const afterUnpublish = await publish({ slug: 'taken-slug' });
    expect(afterUnpublish.status).toBe(400);
    expect(afterUnpublish.json.error.message).toMatch(/never reused/);
  });

  it('needs edit access to the notebook: hidden 404, viewers 403', async () => {
    const nbId = await notebook(owner);
    expect((await publish({ notebookId: nbId }, otherAuthor)).status).toBe(404);
    expect((await publish({ notebookId: nbId }, listedViewer)).status).toBe(403);
    await api(owner, 'PUT', `/notebooks/${nbId}/access`, { users: [{ userId: otherAuthor.userId, permission: 'read' }] });
    expect((await publish({ notebookId: nbId }, otherAuthor)).status).toBe(403);
  });

  it('snapshots the notebook’s files with the version', async () => {
    const nbId = await notebook();
    const put = await testFetch(`${t.url}/api/notebooks/${nbId}/files/data/positions.csv`, {
      method: 'PUT',
      headers: { cookie: owner.cookie!, 'content-type': 'text/csv' },
      body: 'id,qty\n1,10\n',
    });
    expect(put.status).toBe(201);
    const app = await published({ notebookId: nbId });
    const files = (app.current as { files: unknown[] }).files;
    expect(files).toEqual([{ path: 'data/positions.csv', size: 12, sha256: expect.stringMatching(/^[0-9a-f]{64}$/) }]);
    expect((await t.store.apps.getVersionFiles(app.id, 1))[0]!.data.toString()).toBe('id,qty\n1,10\n');
  });
});

describe('versions and rollback', () => {
  it('publishes the notebook’s current saved state as the next version, carrying over what is not given', async () => {
    const nbId = await notebook();
    const v1 = await published({ notebookId: nbId, params: [{ name: 'rows', label: 'Rows' }], cache: { maxAgeSeconds: 60 } });
    const nb = await api(owner, 'GET', `/notebooks/${nbId}`);
    const changed = reportNotebook([codeCell('extra', 'print("new")')]);
    expect((await api(owner, 'PUT', `/notebooks/${nbId}`, { version: nb.json.version, content: changed })).status).toBe(200);

    const v2 = await api(owner, 'POST', `/apps/${v1.slug}/versions`, { title: 'Daily report v2' });
    expect(v2.status, v2.text).toBe(201);
    expect(v2.json).toMatchObject({
      version: 2,
      title: 'Daily report v2',
      cache: { maxAgeSeconds: 60 },
      current: { version: 2, notebookVersion: 2, cells: VISIBLE },
    });
    expect(v2.json.params[0]).toMatchObject({ name: 'rows', label: 'Rows' });
    expect(v2.json.current.contentHash).not.toBe((v1.current as { contentHash: string }).contentHash);

    const v3 = await api(owner, 'POST', `/apps/${v1.slug}/versions`, { cells: [{ id: 'extra', show: 'code+output' }] });
    expect(v3.json.cells).toEqual([{ id: 'extra', cellType: 'code', show: 'code+output', source: 'print("new")' }]);

    const versions = await api(owner, 'GET', `/apps/${v1.slug}/versions`);
    expect(versions.status).toBe(200);
    expect(versions.json.versions.map((v: { version: number; current: boolean }) => [v.version, v.current])).toEqual([
      [3, true],
      [2, false],
      [1, false],
    ]);
    expect(versions.json.versions[2]).toMatchObject({
      notebookId: nbId,
      publishedBy: owner.userId,
      publishedByName: 'owner',
      contentHash: (v1.current as { contentHash: string }).contentHash,
    });
    const events = await auditOf('app.publish', v1.slug);
    expect(events.map((e) => e.details.version).sort()).toEqual([1, 2, 3]);
  });

  it('refuses a new version when a carried-over cell is gone from the notebook (400 naming it)', async () => {
    const nbId = await notebook();
    const app = await published({ notebookId: nbId });
    const nb = await api(owner, 'GET', `/notebooks/${nbId}`);
    const without = { ...nb.json.content, cells: nb.json.content.cells.filter((c: Cell) => c.id !== 'table') };
    expect((await api(owner, 'PUT', `/notebooks/${nbId}`, { version: nb.json.version, content: without })).status).toBe(200);
    const res = await api(owner, 'POST', `/apps/${app.slug}/versions`);
    expect(res.status).toBe(400);
    expect(fieldOf(res)).toBe('cells[1].id');
    expect(res.json.error.message).toMatch(/carried over from version 1/);
  });

  it('gives two racing publishes distinct version numbers, or refuses one with a 409', async () => {
    const app = await published();
    const [a, b] = await Promise.all([
      api(owner, 'POST', `/apps/${app.slug}/versions`),
      api(owner, 'POST', `/apps/${app.slug}/versions`),
    ]);
    const ok = [a, b].filter((r) => r.status === 201).map((r) => r.json.version as number);
    expect([a, b].every((r) => r.status === 201 || r.status === 409)).toBe(true);
    expect(ok.length).toBeGreaterThan(0);
    expect(new Set(ok).size).toBe(ok.length);
    const versions = (await api(owner, 'GET', `/apps/${app.slug}/versions`)).json.versions as { version: number }[];
    expect(versions.map((v) => v.version)).toEqual(Array.from({ length: versions.length }, (_, i) => versions.length - i));
  });

  it('rolls back to an earlier version (audited), which viewers then get', async () => {
    const nbId = await notebook();
    const app = await published({ notebookId: nbId, access: { mode: 'signed_in' } });
    await api(owner, 'POST', `/apps/${app.slug}/versions`, { cells: [{ id: 'shown', show: 'output' }] });
    expect((await api(listedViewer, 'GET', `/apps/${app.slug}`)).json).toMatchObject({ version: 2 });

    const back = await api(owner, 'POST', `/apps/${app.slug}/rollback`, { version: 1 });
    expect(back.status, back.text).toBe(200);
    expect(back.json).toMatchObject({ version: 1, current: { version: 1, cells: VISIBLE } });
    const viewer = await api(listedViewer, 'GET', `/apps/${app.slug}`);
    expect(viewer.json.version).toBe(1);
    expect(viewer.json.cells.map((c: { id: string }) => c.id)).toEqual(['intro', 'table', 'shown']);
    const [event] = await auditOf('app.rollback', app.slug);
    expect(event).toMatchObject({ actor: { userId: owner.userId }, details: { fromVersion: 2, toVersion: 1 } });

    for (const version of [1, 9]) {
      const bad = await api(owner, 'POST', `/apps/${app.slug}/rollback`, { version });
      expect(bad.status).toBe(400);
      expect(fieldOf(bad)).toBe('version');
    }
    expect((await api(listedViewer, 'POST', `/apps/${app.slug}/rollback`, { version: 2 })).status).toBe(403);
    expect((await api(otherAuthor, 'POST', `/apps/${app.slug}/rollback`, { version: 2 })).status).toBe(403);
  });
});

describe('settings and unpublish', () => {
  it('patches title, description, access and cache (audited app.update) without a new version', async () => {
    const app = await published();
    const res = await api(owner, 'PATCH', `/apps/${app.slug}`, {
      title: 'Renamed',
      description: 'New text',
      access: { mode: 'users', users: [listedViewer.userId] },
      cache: { maxAgeSeconds: 0 },
    });
    expect(res.status, res.text).toBe(200);
    expect(res.json).toMatchObject({
      title: 'Renamed',
      description: 'New text',
      version: 1,
      access: { mode: 'users', users: [listedViewer.userId] },
      cache: { maxAgeSeconds: 0 },
    });
    const [event] = await auditOf('app.update', app.slug);
    expect(event?.details).toMatchObject({
      title: { from: 'Daily report', to: 'Renamed' },
      access: { from: { mode: 'private' }, to: { mode: 'users', users: [listedViewer.userId] } },
      cache: { from: null, to: 0 },
    });
    expect((await api(owner, 'PATCH', `/apps/${app.slug}`, {})).status).toBe(400);
    expect((await api(listedViewer, 'PATCH', `/apps/${app.slug}`, { title: 'x' })).status).toBe(403);
    expect((await api(unlistedViewer, 'PATCH', `/apps/${app.slug}`, { title: 'x' })).status).toBe(404);
    expect((await api(admin, 'PATCH', `/apps/${app.slug}`, { title: 'By admin' })).json.title).toBe('By admin');
  });

  it('unpublishes: gone for viewers, history kept for the owner, audited; a new version brings it back', async () => {
    const app = await published({ access: { mode: 'signed_in' } });
    expect((await api(owner, 'DELETE', `/apps/${app.slug}`)).status).toBe(204);
    const [event] = await auditOf('app.unpublish', app.slug);
    expect(event).toMatchObject({ actor: { userId: owner.userId }, details: { version: 1 } });

    expect((await api(listedViewer, 'GET', `/apps/${app.slug}`)).status).toBe(404);
    expect((await api(otherAuthor, 'GET', '/apps')).json.apps.map((a: { slug: string }) => a.slug)).not.toContain(app.slug);
    expect((await api(owner, 'GET', '/apps')).json.apps.map((a: { slug: string }) => a.slug)).not.toContain(app.slug);
    const withUnpublished = await api(owner, 'GET', '/apps?unpublished=true');
    expect(withUnpublished.json.apps.find((a: { slug: string }) => a.slug === app.slug)).toMatchObject({
      unpublishedAt: expect.any(String),
    });
    const mine = await api(owner, 'GET', `/apps/${app.slug}`);
    expect(mine.json.unpublishedAt).toEqual(expect.any(String));
    expect((await api(owner, 'GET', `/apps/${app.slug}/versions`)).json.versions).toHaveLength(1);
    expect((await api(owner, 'DELETE', `/apps/${app.slug}`)).status).toBe(409);
    expect((await api(owner, 'POST', `/apps/${app.slug}/rollback`, { version: 1 })).status).toBe(409);

    const back = await api(owner, 'POST', `/apps/${app.slug}/versions`);
    expect(back.status).toBe(201);
    expect(back.json).toMatchObject({ version: 2, unpublishedAt: null });
    expect((await api(listedViewer, 'GET', `/apps/${app.slug}`)).status).toBe(200);
  });
});

describe('who may open an app', () => {
  const slugsOf = async (who: Who) => ((await api(who, 'GET', '/apps')).json.apps as { slug: string }[]).map((a) => a.slug);

  it('private: owner and admins; users: the listed; signed_in: everyone signed in; others 404 and no list entry', async () => {
    const priv = await published({ access: { mode: 'private' } });
    const listed = await published({ access: { mode: 'users', users: [listedViewer.userId] } });
    const open = await published({ access: { mode: 'signed_in' } });
    const cases: [Who, string, number][] = [
      [owner, priv.slug, 200],
      [admin, priv.slug, 200],
      [otherAuthor, priv.slug, 404],
      [listedViewer, priv.slug, 404],
      [listedViewer, listed.slug, 200],
      [unlistedViewer, listed.slug, 404],
      [otherAuthor, listed.slug, 404],
      [unlistedViewer, open.slug, 200],
      [otherAuthor, open.slug, 200],
    ];
    for (const [who, slug, status] of cases) {
      expect((await api(who, 'GET', `/apps/${slug}`)).status, `${who.userId} ${slug}`).toBe(status);
      expect((await slugsOf(who)).includes(slug), `${who.userId} lists ${slug}`).toBe(status === 200);
    }
    expect((await api(null, 'GET', '/apps')).status).toBe(401);
    expect((await api(unlistedViewer, 'GET', '/apps/no-such-app')).status).toBe(404);
  });

  it('records access.denied for an existing app (not for unknown slugs)', async () => {
    const app = await published();
    await api(unlistedViewer, 'GET', `/apps/${app.slug}`);
    const page = await t.audit.list(
      { id: 'admin', email: 'a', name: 'a', role: 'admin' },
      { action: 'access.denied', actor: unlistedViewer.userId },
    );
    expect(page.events.map((e) => e.target)).toContainEqual({ type: 'app', id: app.id, name: app.slug });
  });

  it('gives viewers and other authors the redacted view, owners and admins the manager view', async () => {
    const app = await published({ access: { mode: 'signed_in' } });
    const viewer = await api(listedViewer, 'GET', `/apps/${app.slug}`);
    expect(viewer.json.canManage).toBe(false);
    for (const key of ['notebookId', 'ownerId', 'access', 'current', 'id']) expect(viewer.json).not.toHaveProperty(key);
    expect((await api(otherAuthor, 'GET', `/apps/${app.slug}`)).json.canManage).toBe(false);
    expect((await api(admin, 'GET', `/apps/${app.slug}`)).json).toMatchObject({ canManage: true, notebookId: app.notebookId });
    expect((await api(listedViewer, 'GET', `/apps/${app.slug}/versions`)).status).toBe(403);
  });

  it('tokens: apps:read opens and lists; management needs notebooks:write', async () => {
    const app = await published({ access: { mode: 'signed_in' } });
    const ownerPrincipal = { id: owner.userId, email: 'owner@apps.test', name: '', role: 'author' as const };
    const read = { userId: owner.userId, bearer: (await t.tokens.create(ownerPrincipal, { name: 'r', scopes: ['apps:read'] })).token };
    const write = { userId: owner.userId, bearer: (await t.tokens.create(ownerPrincipal, { name: 'w', scopes: ['notebooks:write'] })).token };
    expect((await api(read, 'GET', `/apps/${app.slug}`)).status).toBe(200);
    expect((await api(read, 'GET', '/apps')).status).toBe(200);
    expect((await api(read, 'PATCH', `/apps/${app.slug}`, { title: 'x' })).status).toBe(403);
    expect((await api(write, 'GET', `/apps/${app.slug}`)).status).toBe(403);
    expect((await api(write, 'GET', '/apps')).status).toBe(403);
    expect((await api(write, 'PATCH', `/apps/${app.slug}`, { title: 'By token' })).status).toBe(200);
  });
});

describe('redaction', () => {
  it('no byte of any answer a viewer can obtain holds a hidden cell’s source or outputs, or an output-only cell’s code', async () => {
    const nbId = await notebook();
    await testFetch(`${t.url}/api/notebooks/${nbId}/files/${MARKER}.csv`, {
      method: 'PUT',
      headers: { cookie: owner.cookie!, 'content-type': 'text/csv' },
      body: `${MARKER}\n`,
    });
    const app = await published({
      notebookId: nbId,
      title: 'Redacted',
      access: { mode: 'users', users: [listedViewer.userId] },
    });
    // The owner's view does carry what is hidden from viewers (so the marker test below can fail).
    const ownerSees = await api(owner, 'GET', `/apps/${app.slug}/versions`);
    expect(ownerSees.text).toContain(MARKER);
    expect(ownerSees.text).toContain(nbId);

    const answers = [
      await api(listedViewer, 'GET', '/apps'),
      await api(listedViewer, 'GET', `/apps/${app.slug}`),
      await api(listedViewer, 'GET', `/apps/${app.slug}/versions`),
      await api(listedViewer, 'PATCH', `/apps/${app.slug}`, { title: 'x' }),
      await api(listedViewer, 'POST', `/apps/${app.slug}/versions`),
      await api(listedViewer, 'POST', `/apps/${app.slug}/rollback`, { version: 1 }),
      await api(listedViewer, 'DELETE', `/apps/${app.slug}`),
      await api(listedViewer, 'GET', `/notebooks/${nbId}`),
      await api(listedViewer, 'GET', `/notebooks/${nbId}/files`),
      await api(unlistedViewer, 'GET', `/apps/${app.slug}`),
    ];
    expect(answers[1]!.status).toBe(200);
    expect(answers[1]!.json.cells.map((c: { id: string }) => c.id)).toEqual(['intro', 'table', 'shown']);
    for (const a of answers) {
      expect(a.text).not.toContain(MARKER);
      expect(a.text).not.toContain(nbId);
      expect(a.text).not.toContain('secret');
      expect(a.text).not.toContain('print(len(');
    }
    expect(answers[7]!.status).toBe(403); // viewers never reach the notebook
  });
});
