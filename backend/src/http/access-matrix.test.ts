import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import WebSocket from 'ws';
import type { Principal, TokenScope } from '../contracts/principal';
import { codeCell, notebookOf } from '../notebooks/testing/notebook-builders';
import type { Role } from '../store/store';
import { testFetch } from '../testing/http';
import { UsersService } from '../users/users.service';
import { connectKernelWs, statusIs } from './kernel/kernel.socket.fixture';
import { startFullApp, type FullApp } from './testing/full-app';
import { mountedRoutes, routeKey, WEBSOCKET_ROUTES } from './testing/routes';

/**
 * The route × role access matrix: every route the real app mounts (read from Express' router stack, plus the kernel
 * WebSocket), asked by every kind of caller, with the EXACT status each gets. The table is compared with the mounted
 * routes both ways, so mounting a route without a row here fails this test (and so does a row for a route that is
 * gone). Each case gets fresh objects (a notebook of `owner` with a file, runs, a live kernel when the row needs
 * one), so a case that changes or deletes something never affects the next.
 *
 * Callers:
 * - admin; owner (the author who created the notebook); other (an author it is not shared with); reader and editor
 *   (authors it is shared with, `read` / `edit`); viewer; anonymous (no credentials).
 * - token, tokenNoScope: API tokens of the owner (`Authorization: Bearer`, no cookie), one with the scope the row
 *   names (`scope`; every scope but admin when it names none), one with every scope but that one (and, for
 *   notebooks:read, but notebooks:write, which includes reading). A token never does more than its owner, so
 *   `token` answers as `owner` unless the row says otherwise; without its scope a visible notebook is 403.
 * The rules these statuses encode: README "Access" and notebooks/notebook-access.ts.
 */

const CALLERS = [
  'admin',
  'owner',
  'other',
  'reader',
  'editor',
  'viewer',
  'anonymous',
  'token',
  'tokenNoScope',
] as const;
type Caller = (typeof CALLERS)[number];
type Person = Exclude<Caller, 'token' | 'tokenNoScope'>;
const PEOPLE = CALLERS.filter((c): c is Person => c !== 'token' && c !== 'tokenNoScope');
const ALL_SCOPES: TokenScope[] = ['apps:read', 'apps:run', 'apps:refresh', 'notebooks:read', 'notebooks:write'];
type Expect = Record<Caller, number>;

/** Objects of one case, all owned by `owner`; made on first use. */
interface Fixture {
  notebookId: string;
  /** A run of the notebook started by the owner and still queued (no worker serves this queue). */
  queuedRun(): Promise<string>;
  /** A run of the notebook started by the owner that has ended, with its executed notebook. */
  endedRun(): Promise<string>;
  /** The owner's live kernel session on the notebook (a real kernel, started through the WebSocket). */
  kernelSession(): Promise<string>;
  /** An app the owner published from the notebook, open to `viewer` and `reader` (not to `editor`); its slug. */
  app(): Promise<string>;
}

interface Request {
  path: string;
  body?: unknown;
  /** A raw body (uploads), sent with `contentType`. */
  raw?: string;
  contentType?: string;
}

interface Row {
  /** `METHOD /path` as mounted (routes.ts); WS for the WebSocket. */
  route: string;
  expect: Expect;
  request: (f: Fixture, caller: Caller) => Promise<Request> | Request;
  /** The case signs in afresh (the route ends the session it is called with). */
  freshSession?: boolean;
  /** The token scope the route needs (see the token columns). */
  scope?: TokenScope;
}

/** Every caller gets `status`, but signed-out callers 401, and the listed overrides. */
const all = (status: number, overrides: Partial<Expect> = {}): Expect => {
  const people = {
    admin: status,
    owner: status,
    other: status,
    reader: status,
    editor: status,
    viewer: status,
    anonymous: 401,
  };
  const merged = { ...people, ...overrides };
  // Tokens are the owner's: they answer as the owner, unless told otherwise.
  return { token: merged.owner, tokenNoScope: merged.owner, ...merged };
};

/**
 * The notebook rules (notebooks/notebook-access.ts): hidden from `other` (404), viewers 403 whatever the id; a
 * token without the scope 403 (the owner's notebook is visible to it).
 */
const read = (status: number): Expect => all(status, { other: 404, viewer: 403, tokenNoScope: 403 });
const edit = (status: number): Expect => all(status, { other: 404, reader: 403, viewer: 403, tokenNoScope: 403 });
const manage = (status: number): Expect =>
  all(status, { other: 404, reader: 403, editor: 403, viewer: 403, tokenNoScope: 403 });
const READ: Pick<Row, 'scope'> = { scope: 'notebooks:read' };
const WRITE: Pick<Row, 'scope'> = { scope: 'notebooks:write' };

/**
 * The app rules (apps/app-access.ts) for the fixture's app, open to viewer and reader: those it is not open to get 404
 * (editor too: edit access to the notebook gives none to the app); opening needs `apps:read`, managing is the owner's
 * and admins' (403 for the others who may open it) and needs `notebooks:write`.
 */
const appOpen = (status: number): Expect => all(status, { other: 404, editor: 404, tokenNoScope: 403 });
const appManage = (status: number): Expect =>
  all(status, { other: 404, editor: 404, reader: 403, viewer: 403, tokenNoScope: 403 });
const APPS_READ: Pick<Row, 'scope'> = { scope: 'apps:read' };
const app = async (f: Fixture, rest = '') => `/api/apps/${await f.app()}${rest}`;

/** Admins get `status`, other signed-in callers 403, anonymous 401. */
const admins = (status: number): Expect => all(403, { admin: status });

let made = 0;
/** A fresh account (the target of the admin's user routes). */
const targetUser = async () =>
  (await new UsersService(t.store).create({ email: `target-${++made}@matrix.test`, role: 'author', password: PASSWORD }))
    .id;
/** The secret of a fresh invitation link. */
const inviteToken = async () =>
  (await new UsersService(t.store).createAs(principals.admin, { email: `invited-${++made}@matrix.test`, role: 'viewer' }))
    .link!.token;

const nb = (f: Fixture, rest = '') => `/api/notebooks/${f.notebookId}${rest}`;
const IPYNB = JSON.stringify(notebookOf([codeCell('c1', '1 + 1')]));

const MATRIX: Row[] = [
  // Public probes.
  { route: 'GET /healthz', expect: all(200, { anonymous: 200 }), request: () => ({ path: '/healthz' }) },
  { route: 'GET /readyz', expect: all(200, { anonymous: 200 }), request: () => ({ path: '/readyz' }) },
  // Prometheus: admins (or the metrics token, metrics.test.ts); everyone else signed in 403.
  { route: 'GET /metrics', expect: all(403, { admin: 200 }), request: () => ({ path: '/metrics' }) },
  // The OpenAPI document: anyone signed in.
  { route: 'GET /api/openapi.json', expect: all(200), request: () => ({ path: '/api/openapi.json' }) },

  // Sign-in: public (each caller signs in as itself; anonymous as a user of its own).
  {
    route: 'POST /api/auth/login',
    expect: all(200, { anonymous: 200 }),
    request: (_f, caller) => ({ path: '/api/auth/login', body: { email: emailOf(caller), password: PASSWORD } }),
    freshSession: true, // signing in ends the session the browser had (the id rotates)
  },
  {
    route: 'POST /api/auth/logout',
    expect: all(204),
    request: () => ({ path: '/api/auth/logout' }),
    freshSession: true,
  },
  { route: 'GET /api/me', expect: all(200), request: () => ({ path: '/api/me' }) },
  {
    // A wrong current password: 400 for anyone signed in (a right one would change the callers' passwords); never
    // with an API token (403).
    route: 'PUT /api/me/password',
    expect: all(400, { token: 403, tokenNoScope: 403 }),
    request: () => ({ path: '/api/me/password', body: { current: 'not-the-password', next: 'another-password' } }),
  },
  // One-time set-password links: public (the secret is the credential).
  {
    route: 'POST /api/auth/set-password/check',
    expect: all(200, { anonymous: 200 }),
    request: async () => ({ path: '/api/auth/set-password/check', body: { token: await inviteToken() } }),
  },
  {
    route: 'POST /api/auth/set-password',
    expect: all(204, { anonymous: 204 }),
    request: async () => ({
      path: '/api/auth/set-password',
      body: { token: await inviteToken(), password: 'chosen-password' },
    }),
  },

  // Accounts: admins only.
  { route: 'GET /api/users', expect: admins(200), request: () => ({ path: '/api/users' }) },
  {
    route: 'POST /api/users',
    expect: admins(201),
    request: () => ({ path: '/api/users', body: { email: `new-${++made}@matrix.test`, role: 'viewer' } }),
  },
  {
    route: 'GET /api/users/:id',
    expect: admins(200),
    request: async () => ({ path: `/api/users/${await targetUser()}` }),
  },
  {
    route: 'PATCH /api/users/:id',
    expect: admins(200),
    request: async () => ({ path: `/api/users/${await targetUser()}`, body: { name: 'Renamed' } }),
  },
  {
    route: 'POST /api/users/:id/password',
    expect: admins(200),
    request: async () => ({ path: `/api/users/${await targetUser()}/password` }),
  },
  {
    route: 'DELETE /api/users/:id/sessions',
    expect: admins(200),
    request: async () => ({ path: `/api/users/${await targetUser()}/sessions` }),
  },
  // Single sign-on: public browser navigations; failures redirect (303) to the login page with a reason.
  {
    route: 'GET /api/auth/config',
    expect: all(200, { anonymous: 200 }),
    request: () => ({ path: '/api/auth/config' }),
  },
  {
    route: 'GET /api/auth/oidc/login',
    expect: all(303, { anonymous: 303 }), // → /login?sso_error=unavailable (the IdP here is down)
    request: () => ({ path: '/api/auth/oidc/login?next=/notebooks' }),
  },
  {
    route: 'GET /api/auth/oidc/callback',
    expect: all(303, { anonymous: 303 }), // → /login?sso_error=expired (no sign-in in progress)
    request: () => ({ path: '/api/auth/oidc/callback?code=x&state=y' }),
  },

  // Notebooks.
  {
    route: 'GET /api/notebooks',
    ...READ,
    expect: all(200, { viewer: 403, tokenNoScope: 403 }),
    request: () => ({ path: '/api/notebooks' }),
  },
  {
    route: 'POST /api/notebooks',
    ...WRITE,
    expect: all(201, { viewer: 403, tokenNoScope: 403 }),
    request: () => ({ path: '/api/notebooks', body: { name: 'New' } }),
  },
  {
    route: 'POST /api/notebooks/import',
    ...WRITE,
    expect: all(201, { viewer: 403, tokenNoScope: 403 }),
    request: () => ({
      path: '/api/notebooks/import?name=up.ipynb',
      raw: IPYNB,
      contentType: 'application/x-ipynb+json',
    }),
  },
  { route: 'GET /api/notebooks/:id', ...READ, expect: read(200), request: (f) => ({ path: nb(f) }) },
  {
    route: 'PUT /api/notebooks/:id',
    ...WRITE,
    expect: edit(200),
    request: (f) => ({ path: nb(f), body: { version: 1, name: 'Renamed' } }),
  },
  {
    route: 'DELETE /api/notebooks/:id',
    ...WRITE,
    expect: manage(204),
    request: (f) => ({ path: nb(f) }),
  },
  {
    route: 'GET /api/notebooks/:id/ipynb',
    ...READ,
    expect: read(200),
    request: (f) => ({ path: nb(f, '/ipynb') }),
  },
  {
    route: 'GET /api/notebooks/:id/revisions',
    ...READ,
    expect: read(200),
    request: (f) => ({ path: nb(f, '/revisions') }),
  },
  {
    route: 'GET /api/notebooks/:id/revisions/:version',
    ...READ,
    expect: read(200),
    request: (f) => ({ path: nb(f, '/revisions/1') }),
  },
  {
    route: 'POST /api/notebooks/:id/revisions/:version/restore',
    ...WRITE,
    expect: edit(200),
    request: (f) => ({ path: nb(f, '/revisions/1/restore'), body: {} }),
  },

  // Sharing.
  { route: 'GET /api/notebooks/:id/access', ...READ, expect: read(200), request: (f) => ({ path: nb(f, '/access') }) },
  {
    route: 'PUT /api/notebooks/:id/access',
    ...WRITE,
    expect: manage(200),
    request: (f) => ({
      path: nb(f, '/access'),
      body: { users: [{ userId: principals.reader.id, permission: 'edit' }] },
    }),
  },
  {
    route: 'GET /api/notebooks/:id/access/candidates',
    ...WRITE,
    expect: manage(200),
    request: (f) => ({ path: nb(f, '/access/candidates?q=matrix') }),
  },

  // The notebook's files.
  {
    route: 'GET /api/notebooks/:id/files',
    ...READ,
    expect: read(200),
    request: (f) => ({ path: nb(f, '/files') }),
  },
  {
    route: 'GET /api/notebooks/:id/files/*path',
    ...READ,
    expect: read(200),
    request: (f) => ({ path: nb(f, '/files/data.csv') }),
  },
  {
    route: 'PUT /api/notebooks/:id/files/*path',
    ...WRITE,
    expect: edit(200),
    request: (f) => ({ path: nb(f, '/files/data.csv'), raw: 'a,b\n3,4\n', contentType: 'text/csv' }),
  },
  {
    route: 'DELETE /api/notebooks/:id/files/*path',
    ...WRITE,
    expect: edit(204),
    request: (f) => ({ path: nb(f, '/files/data.csv') }),
  },

  // Headless runs.
  {
    route: 'POST /api/notebooks/:id/runs',
    ...WRITE,
    expect: edit(202),
    request: (f) => ({ path: nb(f, '/runs'), body: {} }),
  },
  {
    route: 'GET /api/runs/:id',
    ...READ,
    expect: read(200),
    request: async (f) => ({ path: `/api/runs/${await f.endedRun()}` }),
  },
  {
    route: 'GET /api/runs/:id/ipynb',
    ...READ,
    expect: read(200),
    request: async (f) => ({ path: `/api/runs/${await f.endedRun()}/ipynb` }),
  },
  {
    route: 'GET /api/runs/:id/events',
    ...READ,
    expect: read(200),
    request: async (f) => ({ path: `/api/runs/${await f.queuedRun()}/events` }),
  },
  {
    route: 'POST /api/runs/:id/cancel',
    ...WRITE,
    expect: manage(200), // the run's starter (here the owner), the notebook's owner or an admin
    request: async (f) => ({ path: `/api/runs/${await f.queuedRun()}/cancel` }),
  },

  // Published apps.
  { route: 'GET /api/apps', ...APPS_READ, expect: all(200, { tokenNoScope: 403 }), request: () => ({ path: '/api/apps' }) },
  {
    route: 'POST /api/apps',
    ...WRITE,
    expect: edit(201), // publishing needs edit access to the notebook (the editor may publish it as their own app)
    request: (f) => ({
      path: '/api/apps',
      body: { notebookId: f.notebookId, slug: `matrix-${++made}`, title: 'Matrix', cells: [{ id: 'c1', show: 'output' }] },
    }),
  },
  { route: 'GET /api/apps/:slug', ...APPS_READ, expect: appOpen(200), request: async (f) => ({ path: await app(f) }) },
  {
    route: 'PATCH /api/apps/:slug',
    ...WRITE,
    expect: appManage(200),
    request: async (f) => ({ path: await app(f), body: { title: 'Renamed' } }),
  },
  { route: 'DELETE /api/apps/:slug', ...WRITE, expect: appManage(204), request: async (f) => ({ path: await app(f) }) },
  {
    route: 'GET /api/apps/:slug/versions',
    ...APPS_READ,
    expect: appManage(200), // the owner's and admins' (notebook ids, hashes); apps:read suffices
    request: async (f) => ({ path: await app(f, '/versions') }),
  },
  {
    route: 'POST /api/apps/:slug/versions',
    ...WRITE,
    expect: appManage(201),
    request: async (f) => ({ path: await app(f, '/versions'), body: {} }),
  },
  {
    route: 'POST /api/apps/:slug/rollback',
    ...WRITE,
    expect: appManage(200),
    request: async (f) => {
      const path = await app(f, '/rollback');
      await t.apps.publishVersion(principals.owner, await f.app(), {});
      return { path, body: { version: 1 } };
    },
  },

  // Running kernels: everyone sees and stops their own; admins everyone's.
  { route: 'GET /api/kernels', expect: all(200), request: () => ({ path: '/api/kernels' }) },
  {
    route: 'DELETE /api/kernels/:id',
    expect: all(404, { admin: 204, owner: 204 }),
    request: async (f) => ({ path: `/api/kernels/${await f.kernelSession()}` }),
  },
  { route: 'DELETE /api/kernels', expect: all(200), request: () => ({ path: '/api/kernels' }) },

  // API tokens: everyone manages their own; a token of another user is not found (admins: anyone's).
  // A token manages tokens only with the admin scope (so a leaked token cannot mint or revoke others).
  {
    route: 'GET /api/tokens',
    expect: all(200, { token: 403, tokenNoScope: 403 }),
    request: () => ({ path: '/api/tokens' }),
  },
  {
    route: 'POST /api/tokens',
    expect: all(201, { token: 403, tokenNoScope: 403 }),
    request: () => ({ path: '/api/tokens', body: { name: 'matrix', scopes: ['apps:read'] } }),
  },
  {
    route: 'DELETE /api/tokens/:id',
    expect: all(404, { admin: 204, owner: 204, token: 403, tokenNoScope: 403 }),
    request: async () => {
      const made = await t.tokens.create(principals.owner, { name: 'matrix', scopes: ['apps:read'] });
      return { path: `/api/tokens/${made.id}` };
    },
  },

  // The audit trail: admins only; read-only (no route writes or deletes an event).
  {
    route: 'GET /api/audit',
    expect: all(403, { admin: 200 }),
    request: () => ({ path: '/api/audit?action=notebook.*' }),
  },
  { route: 'GET /api/audit/verify', expect: all(403, { admin: 200 }), request: () => ({ path: '/api/audit/verify' }) },

  // Live editing.
  {
    route: 'WS /api/notebooks/:id/kernel',
    ...WRITE,
    expect: edit(101), // running code is editing: read-only sharers get 403
    request: (f) => ({ path: nb(f, '/kernel') }),
  },
];

const PASSWORD = 'matrix-password';
const emailOf = (caller: Caller) => `${caller === 'token' || caller === 'tokenNoScope' ? 'owner' : caller}@matrix.test`;
const ROLE_OF: Record<Person, Role> = {
  admin: 'admin',
  owner: 'author',
  other: 'author',
  reader: 'author',
  editor: 'author',
  viewer: 'viewer',
  anonymous: 'viewer', // signs in only in the login row
};

const SSO_ENV = {
  FOLIO_PUBLIC_URL: 'http://127.0.0.1',
  FOLIO_OIDC_ISSUER: 'http://127.0.0.1:9', // the discard port: nothing listens, discovery fails at once
  FOLIO_OIDC_CLIENT_ID: 'folio',
};

let t: FullApp;
const principals = {} as Record<Caller, Principal>;
const cookies = {} as Record<Exclude<Person, 'anonymous'>, string>;
const open: WebSocket[] = [];

beforeAll(async () => {
  // Single sign-on configured against an IdP that is down: its routes answer their redirects without a real provider
  // (the flow itself: auth/oidc.routes.test.ts).
  t = await startFullApp({ env: SSO_ENV });
  const users = new UsersService(t.store);
  for (const caller of PEOPLE) {
    const user = await users.create({
      email: emailOf(caller),
      name: caller,
      role: ROLE_OF[caller],
      password: PASSWORD,
    });
    principals[caller] = user;
    if (caller !== 'anonymous') cookies[caller] = await signIn(caller);
  }
});
afterEach(async () => {
  for (const ws of open.splice(0)) ws.terminate();
  for (const s of t.sessions.list()) await t.sessions.endNotebook(s.notebookId);
});
afterAll(async () => {
  await t?.close();
});

async function signIn(caller: Person): Promise<string> {
  return `folio_session=${(await t.auth.login(emailOf(caller), PASSWORD)).token}`;
}

/** A notebook of the owner with a file, shared with reader (read) and editor (edit). */
async function newFixture(): Promise<Fixture> {
  const owner = principals.owner;
  const created = await t.notebooks.create(owner, { name: 'Matrix', content: notebookOf([codeCell('c1', '1 + 1')]) });
  const notebookId = created.id;
  await t.store.notebookFiles.put({
    notebookId,
    path: 'data.csv',
    size: 8,
    sha256: '0'.repeat(64),
    data: Buffer.from('a,b\n1,2\n'),
    updatedAt: new Date().toISOString(),
    updatedBy: owner.id,
  });
  await t.notebooks.sharing.set(owner, notebookId, [
    { userId: principals.reader.id, permission: 'read' },
    { userId: principals.editor.id, permission: 'edit' },
  ]);
  const once = <T>(make: () => Promise<T>) => {
    let p: Promise<T> | undefined;
    return () => (p ??= make());
  };
  return {
    notebookId,
    queuedRun: once(async () => (await t.runs.start(owner, notebookId, {})).id),
    endedRun: once(async () => {
      const run = await t.runs.start(owner, notebookId, {});
      // What a worker leaves behind, written through the store as run-lifecycle.ts does.
      const ended = await t.store.runs.transition(
        run.id,
        { status: ['queued'] },
        {
          status: 'succeeded',
          executed: created.content,
          startedAt: new Date().toISOString(),
          endedAt: new Date().toISOString(),
        },
      );
      expect(ended?.status).toBe('succeeded');
      return run.id;
    }),
    app: once(async () => {
      const slug = `matrix-app-${++made}`;
      await t.apps.publish(owner, {
        notebookId,
        slug,
        title: 'Matrix app',
        cells: [{ id: 'c1', show: 'output' }],
        access: { mode: 'users', users: [principals.viewer.id, principals.reader.id] },
      });
      return slug;
    }),
    kernelSession: once(async () => {
      const c = await connectKernelWs(
        `${t.url.replace('http', 'ws')}${nb({ notebookId } as Fixture, '/kernel')}`,
        cookies.owner,
      );
      open.push(c.ws);
      await c.next('status', statusIs('idle'));
      c.ws.close();
      await c.closed;
      const session = t.sessions.get(owner.id, notebookId);
      expect(session?.hasKernel).toBe(true);
      return session!.id;
    }),
  };
}

async function statusOf(row: Row, caller: Caller, f: Fixture): Promise<number> {
  const req = await row.request(f, caller);
  const headers: Record<string, string> = {};
  if (caller === 'token' || caller === 'tokenNoScope') {
    headers.authorization = `Bearer ${await ownerToken(row, caller === 'token')}`;
  } else if (caller !== 'anonymous') {
    headers.cookie = row.freshSession ? await signIn(caller) : cookies[caller];
  }
  const [method] = row.route.split(' ');
  if (method === 'WS') return upgradeStatus(`${t.url.replace('http', 'ws')}${req.path}`, headers);
  if (req.raw !== undefined) headers['content-type'] = req.contentType ?? 'application/octet-stream';
  else if (req.body !== undefined) headers['content-type'] = 'application/json';
  const abort = new AbortController();
  const res = await testFetch(`${t.url}${req.path}`, {
    method,
    headers,
    body: req.raw ?? (req.body === undefined ? undefined : JSON.stringify(req.body)),
    signal: abort.signal,
    redirect: 'manual', // a redirect's own status is the answer
  });
  // SSE streams stay open: the status is what counts.
  if (res.headers.get('content-type')?.startsWith('text/event-stream')) abort.abort();
  else await res.arrayBuffer();
  return res.status;
}

/** A new API token of the owner: with the row's scope, or with every scope but it. */
async function ownerToken(row: Row, withScope: boolean): Promise<string> {
  const needs = row.scope;
  const scopes = !needs
    ? ALL_SCOPES
    : withScope
      ? [needs]
      : ALL_SCOPES.filter((s) => s !== needs && !(needs === 'notebooks:read' && s === 'notebooks:write'));
  return (await t.tokens.create(principals.owner, { name: 'matrix', scopes })).token;
}

/** The HTTP status of a WebSocket upgrade: 101 when accepted (then closed), else the refusal's status. */
function upgradeStatus(url: string, headers: Record<string, string>): Promise<number> {
  return new Promise((resolve, reject) => {
    const ws = new WebSocket(url, { headers });
    open.push(ws);
    ws.once('upgrade', () => resolve(101));
    ws.once('unexpected-response', (_req, res) => {
      resolve(res.statusCode ?? 0);
      res.resume();
    });
    ws.once('error', (e) => reject(e));
  });
}

describe('route × caller access matrix', () => {
  it('has exactly one row per mounted route (Express routes and WebSockets), and no row for an unmounted one', () => {
    const mounted = [...mountedRoutes(t.app), ...WEBSOCKET_ROUTES].map(routeKey);
    const rows = MATRIX.map((r) => r.route);
    expect(new Set(mounted).size, 'a route is mounted twice').toBe(mounted.length);
    expect(new Set(rows).size, 'a route has two rows').toBe(rows.length);
    expect(
      mounted.filter((r) => !rows.includes(r)),
      'mounted routes without a row in MATRIX',
    ).toEqual([]);
    expect(
      rows.filter((r) => !mounted.includes(r)),
      'rows of MATRIX for routes that are not mounted',
    ).toEqual([]);
  });

  for (const row of MATRIX) {
    describe(row.route, () => {
      for (const caller of CALLERS) {
        it(`${caller} → ${row.expect[caller]}`, async () => {
          const f = await newFixture();
          expect(await statusOf(row, caller, f)).toBe(row.expect[caller]);
        });
      }
    });
  }
});
