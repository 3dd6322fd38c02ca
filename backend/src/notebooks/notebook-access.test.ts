import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { Principal, TokenScope } from '../contracts/principal';
import { isDomainError } from '../errors';
import { NotebookFilesService } from '../notebook-files/notebook-files.service';
import { openSqliteStore } from '../store/sqlite/sqlite-store';
import type { Store } from '../store/store';
import { UsersService } from '../users/users.service';
import { AuditService } from '../audit/audit.service';
import { createLogger } from '../logger';
import { NotebookAccess } from './notebook-access';
import { NotebookService } from './notebook.service';

/** The access rules as the services apply them, on a real SQLite file (HTTP statuses: access-matrix.test.ts). */
let dir: string;
let store: Store;
let exampleIds: Set<string>;
let access: NotebookAccess;
let svc: NotebookService;
let reduced: Array<[string, string[]]>;
let owner: Principal, ann: Principal, bob: Principal, admin: Principal, viewer: Principal;
let users: UsersService;

beforeEach(async () => {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'folio-access-'));
  store = openSqliteStore(path.join(dir, 'folio.db'));
  exampleIds = new Set();
  reduced = [];
  const audit = new AuditService({ audit: store.audit, logger: createLogger('silent') });
  access = new NotebookAccess({
    notebooks: store.notebooks,
    shares: store.notebookShares,
    examples: async () => ({ ids: exampleIds }),
    audit,
  });
  svc = new NotebookService({
    notebooks: store.notebooks,
    access,
    shares: store.notebookShares,
    users: store.users,
    limits: { maxUploadBytes: 1 << 20 },
    examples: async () => ({ ids: exampleIds, names: new Set() }),
    onAccessReduced: (id, users) => void reduced.push([id, users]),
    audit,
  });
  users = new UsersService(store);
  const make = (name: string, role: Principal['role']) =>
    users.create({ email: `${name}@folio.test`, name, role, password: 'password-1' });
  [owner, ann, bob, admin, viewer] = await Promise.all([
    make('owner', 'author'),
    make('ann', 'author'),
    make('bob', 'author'),
    make('admin', 'admin'),
    make('viewer', 'viewer'),
  ]);
});
afterEach(async () => {
  await store.close();
  fs.rmSync(dir, { recursive: true, force: true });
});

/** The status and message a call fails with (or 200). */
async function outcome(p: Promise<unknown>): Promise<{ status: number; message?: string; details?: unknown }> {
  try {
    await p;
    return { status: 200 };
  } catch (e) {
    if (!isDomainError(e)) throw e;
    return { status: e.status, message: e.message, details: e.details };
  }
}
const token = (p: Principal, scopes: TokenScope[]): Principal => ({
  ...p,
  credential: { kind: 'token', tokenId: 't1', scopes },
});

describe('sharing a notebook', () => {
  it('replaces the list; the owner and admins may set it, anyone who reads it may see it', async () => {
    const nb = await svc.create(owner, { name: 'Risk' });
    const list = await svc.sharing.set(owner, nb.id, [
      { userId: ann.id, permission: 'read' },
      { userId: bob.id, permission: 'edit' },
    ]);
    expect(list.owner).toEqual({ userId: owner.id, name: 'owner', email: 'owner@folio.test' });
    expect(list.users.map((u) => [u.name, u.email, u.permission, u.grantedBy])).toEqual([
      ['ann', 'ann@folio.test', 'read', owner.id],
      ['bob', 'bob@folio.test', 'edit', owner.id],
    ]);
    expect(await svc.sharing.get(ann, nb.id)).toEqual(list);
    // Replacing: bob is gone, ann is upgraded (by an admin).
    const next = await svc.sharing.set(admin, nb.id, [{ userId: ann.id, permission: 'edit' }]);
    expect(next.users.map((u) => [u.name, u.permission, u.grantedBy])).toEqual([['ann', 'edit', admin.id]]);
    expect((await outcome(svc.get(bob, nb.id))).status).toBe(404);
    // Sharers cannot change the list, whatever their permission.
    const byEditor = await outcome(svc.sharing.set(ann, nb.id, []));
    expect(byEditor).toMatchObject({ status: 403, message: expect.stringMatching(/Only the owner of "Risk"/) });
    expect((await outcome(svc.sharing.set(bob, nb.id, []))).status).toBe(404);
    expect((await outcome(svc.sharing.set(viewer, nb.id, []))).status).toBe(403);
  });

  it('refuses unknown users (naming them), viewers, the owner and duplicates with 400, changing nothing', async () => {
    const nb = await svc.create(owner, { name: 'Risk' });
    await svc.sharing.set(owner, nb.id, [{ userId: ann.id, permission: 'read' }]);
    const cases: Array<[Array<{ userId: string; permission: 'read' | 'edit' }>, RegExp, string]> = [
      [[{ userId: 'no-such-user', permission: 'read' }], /Unknown user "no-such-user"/, 'users.1.userId'],
      [[{ userId: viewer.id, permission: 'read' }], /viewer is a viewer: only authors and admins/, 'users.1.userId'],
      [[{ userId: owner.id, permission: 'edit' }], /owner already has full access/, 'users.1.userId'],
      [
        [
          { userId: bob.id, permission: 'read' },
          { userId: bob.id, permission: 'edit' },
        ],
        /listed twice/,
        'users.2.userId',
      ],
    ];
    for (const [users, message, field] of cases) {
      const r = await outcome(svc.sharing.set(owner, nb.id, [{ userId: ann.id, permission: 'edit' }, ...users]));
      expect(r.status).toBe(400);
      expect(r.message).toMatch(message);
      expect(r.details).toMatchObject({ field });
    }
    expect((await svc.sharing.get(owner, nb.id)).users.map((u) => [u.userId, u.permission])).toEqual([
      [ann.id, 'read'],
    ]);
  });

  it('records each change in the audit trail (notebook.share): the list, who was added, removed or changed', async () => {
    const nb = await svc.create(owner, { name: 'Risk' });
    await svc.sharing.set(owner, nb.id, [{ userId: ann.id, permission: 'read' }]);
    await svc.sharing.set(admin, nb.id, [
      { userId: ann.id, permission: 'edit' },
      { userId: bob.id, permission: 'read' },
    ]);
    await svc.sharing.set(owner, nb.id, [{ userId: bob.id, permission: 'read' }]);
    const events = (await store.audit.list({ actions: ['notebook.share'] }, { limit: 10 })).reverse();
    expect(events.map((e) => [e.actor.name, e.target?.id, e.details])).toEqual([
      ['owner', nb.id, { users: [{ userId: ann.id, permission: 'read' }], added: [ann.id], removed: [], changed: [] }],
      [
        'admin',
        nb.id,
        {
          users: [
            { userId: ann.id, permission: 'edit' },
            { userId: bob.id, permission: 'read' },
          ],
          added: [bob.id],
          removed: [],
          changed: [ann.id],
        },
      ],
      ['owner', nb.id, { users: [{ userId: bob.id, permission: 'read' }], added: [], removed: [ann.id], changed: [] }],
    ]);
  });

  it('reports who lost edit access (removed or reduced to read), so their live kernels can end', async () => {
    const nb = await svc.create(owner, { name: 'Risk' });
    await svc.sharing.set(owner, nb.id, [
      { userId: ann.id, permission: 'edit' },
      { userId: bob.id, permission: 'edit' },
    ]);
    expect(reduced).toEqual([]);
    await svc.sharing.set(owner, nb.id, [{ userId: ann.id, permission: 'read' }]);
    expect(reduced).toEqual([[nb.id, [ann.id, bob.id]]]);
  });

  it('offers enabled authors and admins by name or email as candidates, never the owner, viewers or disabled', async () => {
    const nb = await svc.create(owner, { name: 'Risk' });
    expect((await svc.sharing.candidates(owner, nb.id, '')).map((u) => u.name)).toEqual(['admin', 'ann', 'bob']);
    const cy = await users.create({ email: 'cy@folio.test', name: 'cy', role: 'author', password: 'password-1' });
    await users.update(admin, cy.id, { disabled: true });
    expect((await svc.sharing.candidates(owner, nb.id, 'cy')).map((u) => u.name)).toEqual([]);
    const refused = await outcome(svc.sharing.set(owner, nb.id, [{ userId: cy.id, permission: 'read' }]));
    expect(refused).toMatchObject({ status: 400, message: "cy's account is disabled." });
    expect((await svc.sharing.candidates(owner, nb.id, 'BOB@')).map((u) => u.name)).toEqual(['bob']);
    expect((await svc.sharing.candidates(owner, nb.id, 'viewer')).map((u) => u.name)).toEqual([]);
    await svc.sharing.set(owner, nb.id, [{ userId: ann.id, permission: 'edit' }]);
    expect((await outcome(svc.sharing.candidates(ann, nb.id, ''))).status).toBe(403);
  });
});

describe('what each caller may do', () => {
  it('lists own, shared (with how) and example notebooks with their owner; admins see all', async () => {
    const mine = await svc.create(owner, { name: 'Mine' });
    const annsOwn = await svc.create(ann, { name: 'Ann only' });
    const example = await svc.create(admin, { name: 'Example' });
    exampleIds.add(example.id);
    await svc.sharing.set(owner, mine.id, [{ userId: ann.id, permission: 'read' }]);
    const seen = async (p: Principal) =>
      (await svc.list(p))
        .map((n) => [n.name, n.access, n.ownerName, n.example])
        .sort((a, b) => String(a[0]).localeCompare(String(b[0])));
    expect(await seen(ann)).toEqual([
      ['Ann only', 'owner', 'ann', false],
      ['Example', 'read', 'admin', true],
      ['Mine', 'read', 'owner', false],
    ]);
    expect(await seen(bob)).toEqual([['Example', 'read', 'admin', true]]);
    expect(await seen(admin)).toEqual([
      ['Ann only', 'admin', 'ann', false],
      ['Example', 'owner', 'admin', true],
      ['Mine', 'admin', 'owner', false],
    ]);
    expect((await outcome(svc.list(viewer))).status).toBe(403);
    expect((await svc.get(bob, example.id)).access).toBe('read'); // examples: read-only templates for every author
    expect((await outcome(svc.update(bob, example.id, { version: 1, name: 'x' }))).status).toBe(403);
    expect((await outcome(svc.get(bob, annsOwn.id))).status).toBe(404);
  });

  it('lets read sharers read only, edit sharers also save, rename, restore and write files, never delete', async () => {
    const nb = await svc.create(owner, { name: 'Risk' });
    await svc.sharing.set(owner, nb.id, [
      { userId: ann.id, permission: 'read' },
      { userId: bob.id, permission: 'edit' },
    ]);
    const files = new NotebookFilesService({
      files: store.notebookFiles,
      notebooks: store.notebooks,
      access,
      limits: { maxFileBytes: 1 << 20 },
    });
    expect(await svc.get(ann, nb.id)).toMatchObject({ access: 'read', ownerName: 'owner' });
    expect((await svc.exportIpynb(ann, nb.id)).fileName).toBe('Risk.ipynb');
    expect((await svc.listRevisions(ann, nb.id)).length).toBe(1);
    const save = await outcome(svc.update(ann, nb.id, { version: 1, name: 'x' }));
    expect(save).toMatchObject({ status: 403, message: expect.stringMatching(/shared with you read-only/) });
    expect((await outcome(svc.restoreRevision(ann, nb.id, 1))).status).toBe(403);
    expect((await outcome(files.put(ann, nb.id, 'a.csv', Buffer.from('a')))).status).toBe(403);
    expect((await outcome(svc.forLiveKernel(ann, nb.id))).status).toBe(403);

    expect(await svc.update(bob, nb.id, { version: 1, name: 'Renamed by bob' })).toMatchObject({
      version: 2,
      access: 'edit',
    });
    await files.put(bob, nb.id, 'a.csv', Buffer.from('a'));
    expect((await files.get(ann, nb.id, 'a.csv')).data.toString()).toBe('a');
    expect((await outcome(svc.delete(bob, nb.id))).status).toBe(403);
    expect((await outcome(svc.delete(ann, nb.id))).status).toBe(403);
    await svc.delete(owner, nb.id);
    expect((await outcome(svc.get(owner, nb.id))).status).toBe(404);
  });

  it('records denials of existing notebooks in the audit trail, not ids that do not exist nor viewers', async () => {
    const nb = await svc.create(owner, { name: 'Risk' });
    await svc.sharing.set(owner, nb.id, [{ userId: ann.id, permission: 'read' }]);
    await outcome(svc.get(bob, nb.id));
    await outcome(svc.update(ann, nb.id, { version: 1, name: 'x' }));
    await outcome(svc.get(bob, 'no-such-id'));
    await outcome(svc.get(viewer, nb.id));
    const denials = await store.audit.list({ actions: ['access.denied'] }, { limit: 10 });
    expect(denials.reverse().map((e) => [e.actor.name, e.target, e.details])).toEqual([
      [
        'bob',
        { type: 'notebook', id: nb.id, name: 'Risk' },
        { attempted: 'read', status: 404, reason: 'no_access', ownerId: owner.id },
      ],
      [
        'ann',
        { type: 'notebook', id: nb.id, name: 'Risk' },
        { attempted: 'edit', status: 403, reason: 'read_only', ownerId: owner.id },
      ],
    ]);
  });
});

describe('API token scopes on notebooks', () => {
  it('needs notebooks:read to read (notebooks:write includes it) and notebooks:write for the rest, after access', async () => {
    const nb = await svc.create(owner, { name: 'Risk' });
    const reader = token(owner, ['notebooks:read']);
    const writer = token(owner, ['notebooks:write']);
    const apps = token(owner, ['apps:read']);
    expect((await svc.get(reader, nb.id)).name).toBe('Risk');
    expect((await svc.get(writer, nb.id)).name).toBe('Risk');
    const denied = await outcome(svc.update(reader, nb.id, { version: 1, name: 'x' }));
    expect(denied).toMatchObject({ status: 403, details: { requiredScope: 'notebooks:write' } });
    expect(await svc.update(writer, nb.id, { version: 1, name: 'x' })).toMatchObject({ version: 2 });
    expect(await outcome(svc.get(apps, nb.id))).toMatchObject({
      status: 403,
      details: { requiredScope: 'notebooks:read' },
    });
    expect(await outcome(svc.list(apps))).toMatchObject({ status: 403, details: { requiredScope: 'notebooks:read' } });
    expect(await outcome(svc.create(reader, { name: 'n' }))).toMatchObject({
      status: 403,
      details: { requiredScope: 'notebooks:write' },
    });
    // A token never reaches beyond its owner: a notebook hidden from the owner stays 404, whatever the scopes.
    const annsToken = token(ann, ['notebooks:read', 'notebooks:write']);
    expect((await outcome(svc.get(annsToken, nb.id))).status).toBe(404);
    expect((await outcome(svc.get(token(ann, ['apps:read']), nb.id))).status).toBe(404);
  });
});
