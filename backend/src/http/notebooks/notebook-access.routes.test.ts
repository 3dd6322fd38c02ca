import { randomUUID } from 'node:crypto';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import type WebSocket from 'ws';
import type { Principal } from '../../contracts/principal';
import { codeCell, notebookOf } from '../../notebooks/testing/notebook-builders';
import { testFetch } from '../../testing/http';
import { UsersService } from '../../users/users.service';
import { ACCESS_LOST_CLOSE_CODE } from '../kernel/kernel.socket';
import { connectKernelWs, runCells, statusIs } from '../kernel/kernel.socket.fixture';
import { startFullApp, type FullApp } from '../testing/full-app';

/**
 * Sharing, runs and live kernels over HTTP and the WebSocket, on the whole app (real SQLite, Redis, Jupyter):
 * runs follow their notebook, deleting a notebook archives its runs (admins still read them), and taking edit access
 * away stops the sharer's live kernel and closes their kernel socket at once.
 */
let t: FullApp;
const people = {} as Record<'owner' | 'ann' | 'bob' | 'admin', Principal & { cookie: string }>;
const open: WebSocket[] = [];

beforeAll(async () => {
  t = await startFullApp();
  const users = new UsersService(t.store);
  for (const [name, role] of [
    ['owner', 'author'],
    ['ann', 'author'],
    ['bob', 'author'],
    ['admin', 'admin'],
  ] as const) {
    const p = await users.create({ email: `${name}@access.test`, name, role, password: 'password-1' });
    people[name] = { ...p, cookie: `folio_session=${(await t.auth.login(p.email, 'password-1')).token}` };
  }
});
afterEach(async () => {
  for (const ws of open.splice(0)) ws.terminate();
  for (const s of t.sessions.list()) await t.sessions.endNotebook(s.notebookId);
});
afterAll(() => t?.close());

async function api(who: { cookie: string }, method: string, path: string, body?: unknown) {
  const res = await testFetch(`${t.url}/api${path}`, {
    method,
    headers: { cookie: who.cookie, ...(body !== undefined ? { 'content-type': 'application/json' } : {}) },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  const text = await res.text();
  return { status: res.status, json: (text ? JSON.parse(text) : undefined) as Record<string, any> }; // eslint-disable-line @typescript-eslint/no-explicit-any
}

async function notebookSharedWith(users: Array<{ userId: string; permission: 'read' | 'edit' }>) {
  const nb = await t.notebooks.create(people.owner, { name: 'Shared', content: notebookOf([codeCell('c1', 'x = 1')]) });
  expect((await api(people.owner, 'PUT', `/notebooks/${nb.id}/access`, { users })).status).toBe(200);
  return nb.id;
}

/** A run of `id` by `who` that ended with an executed notebook, as a worker leaves it. */
async function endedRun(who: Principal, id: string): Promise<string> {
  const run = await t.runs.start(who, id, {});
  const executed = notebookOf([codeCell('c1', 'x = 1')]);
  const at = new Date().toISOString();
  await t.store.runs.transition(
    run.id,
    { status: ['queued'] },
    { status: 'succeeded', executed, startedAt: at, endedAt: at },
  );
  return run.id;
}

describe('runs follow their notebook', () => {
  it('read sharers read runs but cannot start them; hidden runs are 404 without naming the notebook', async () => {
    const id = await notebookSharedWith([
      { userId: people.ann.id, permission: 'read' },
      { userId: people.bob.id, permission: 'edit' },
    ]);
    const runId = await endedRun(people.owner, id);
    expect((await api(people.ann, 'GET', `/runs/${runId}`)).status).toBe(200);
    const start = await api(people.ann, 'POST', `/notebooks/${id}/runs`, {});
    expect(start.status).toBe(403);
    expect(start.json.error.message).toMatch(/read-only/);
    const byBob = await api(people.bob, 'POST', `/notebooks/${id}/runs`, {});
    expect(byBob.status).toBe(202);
    // The owner may cancel a sharer's run; a sharer may not cancel the owner's.
    const ownersQueued = await t.runs.start(people.owner, id, {});
    expect((await api(people.bob, 'POST', `/runs/${ownersQueued.id}/cancel`)).status).toBe(403);
    expect((await api(people.owner, 'POST', `/runs/${byBob.json.id}/cancel`)).status).toBe(200);

    // Taken off the list: the run is gone for ann, with the same answer as a run that never existed.
    await api(people.owner, 'PUT', `/notebooks/${id}/access`, { users: [] });
    const hidden = await api(people.ann, 'GET', `/runs/${runId}`);
    expect(hidden).toEqual(await api(people.ann, 'GET', `/runs/${randomUUID()}`));
    expect(hidden.json.error).toEqual({ code: 'not_found', message: 'Run not found.' });
    expect((await api(people.ann, 'GET', `/runs/${runId}/ipynb`)).status).toBe(404);
    expect((await api(people.ann, 'GET', `/runs/${runId}/events`)).status).toBe(404);
  });
});

describe('run progress of a sharer', () => {
  it('ends the stream once the notebook is no longer shared with its reader', async () => {
    const id = await notebookSharedWith([{ userId: people.ann.id, permission: 'read' }]);
    const run = await t.runs.start(people.owner, id, {}); // stays queued: no worker serves this queue
    const res = await testFetch(`${t.url}/api/runs/${run.id}/events`, { headers: { cookie: people.ann.cookie } });
    expect(res.status).toBe(200);
    const reader = res.body!.getReader();
    const first = new TextDecoder().decode((await reader.read()).value);
    expect(first).toContain('event: run');
    expect((await api(people.owner, 'PUT', `/notebooks/${id}/access`, { users: [] })).status).toBe(200);
    // The stream re-reads the run (and so the reader's access) every few seconds; it ends without another event.
    let rest = '';
    for (let chunk = await reader.read(); !chunk.done; chunk = await reader.read())
      rest += new TextDecoder().decode(chunk.value);
    expect(rest).not.toContain('event: progress');
    expect(rest).not.toContain('event: end');
  });
});

describe('deleting a notebook archives its runs', () => {
  it('hides the notebook from everyone and keeps its runs, which admins still read by id', async () => {
    const id = await notebookSharedWith([{ userId: people.ann.id, permission: 'edit' }]);
    const runId = await endedRun(people.ann, id);
    expect((await api(people.ann, 'DELETE', `/notebooks/${id}`)).status).toBe(403); // edit is not ownership
    expect((await api(people.owner, 'DELETE', `/notebooks/${id}`)).status).toBe(204);

    for (const who of [people.owner, people.ann, people.admin]) {
      expect((await api(who, 'GET', `/notebooks/${id}`)).status).toBe(404);
      expect((await api(who, 'GET', '/notebooks')).json.notebooks.map((n: { id: string }) => n.id)).not.toContain(id);
    }
    expect((await api(people.owner, 'DELETE', `/notebooks/${id}`)).status).toBe(404);
    // The audit trail outlives the notebook: the run and its executed notebook stay, for admins.
    const asAdmin = await api(people.admin, 'GET', `/runs/${runId}`);
    expect(asAdmin.status).toBe(200);
    expect(asAdmin.json).toMatchObject({
      id: runId,
      notebookId: id,
      actorId: people.ann.id,
      status: 'succeeded',
      notebookArchived: true,
    });
    expect((await api(people.admin, 'GET', `/runs/${runId}/ipynb`)).status).toBe(200);
    expect((await api(people.ann, 'GET', `/runs/${runId}`)).status).toBe(404); // not even its starter
    expect((await api(people.owner, 'GET', `/runs/${runId}`)).status).toBe(404);
    expect(await t.store.runs.get(runId)).toMatchObject({ status: 'succeeded' });
  });
});

describe('live kernels of sharers', () => {
  it('stops an edit sharer’s kernel and closes their socket at once when their access is reduced to read', async () => {
    const id = await notebookSharedWith([{ userId: people.ann.id, permission: 'edit' }]);
    const c = await connectKernelWs(`${t.url.replace('http', 'ws')}/api/notebooks/${id}/kernel`, people.ann.cookie);
    open.push(c.ws);
    await c.next('status', statusIs('idle'));
    await runCells(c, [['c1', 'x = 1']]);
    expect(t.sessions.get(people.ann.id, id)?.hasKernel).toBe(true);

    const r = await api(people.owner, 'PUT', `/notebooks/${id}/access`, {
      users: [{ userId: people.ann.id, permission: 'read' }],
    });
    expect(r.status).toBe(200);
    // No message needed: the change is announced like a role change, the socket re-checks now and closes (the
    // editor then reopens the notebook read-only). A socket that missed it is refused at its next message.
    expect((await c.closed).code).toBe(ACCESS_LOST_CLOSE_CODE);
    expect(t.sessions.get(people.ann.id, id)?.hasKernel ?? false).toBe(false);
    // Folio's own re-check is not an attempt of hers: no access.denied event names her.
    const denied = await t.audit.list(people.admin, { action: 'access.denied', actor: people.ann.id, target: id });
    expect(denied.events).toEqual([]);
  });
});
