import { randomUUID } from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import Database from 'better-sqlite3';
import pino from 'pino';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import type { AuditEvent } from '../../contracts/audit';
import { startRedisServer, type RedisServer } from '../../embedded/redis-server';
import { codeCell, notebookOf } from '../../notebooks/testing/notebook-builders';
import { BullRunQueue } from '../../queue/run-queue';
import { RunService } from '../../runs/run.service';
import type { NotebookRecord } from '../../store/store';
import { testFetch } from '../../testing/http';
import { startTestApp, type TestApp } from '../test-app';
import { CSV_COLUMNS } from './audit.routes';

/**
 * The audit trail over real HTTP: the app on a free port, a real SQLite file, a real redis-server for the run queue
 * (no worker: runs stay queued). Each action of this area leaves exactly its event, with who, from where, what and
 * to what; no route writes or deletes an event; verification sees edits made directly in the database file; CSV.
 */
let t: TestApp;
let redis: RedisServer;
let redisDir: string | undefined;
let queue: BullRunQueue;
type Who = { cookie: string; userId: string };
let admin: Who;
let author: Who;
let other: Who;
const CLIENT_IP = '203.0.113.7';

beforeAll(async () => {
  redisDir = fs.mkdtempSync(path.join(os.tmpdir(), 'folio-audit-redis-'));
  redis = await startRedisServer({ dataDir: redisDir, logger: pino({ level: 'silent' }) });
  queue = new BullRunQueue({ connection: { host: '127.0.0.1', port: redis.port }, name: `audit-test-${randomUUID()}` });
  t = await startTestApp({
    env: { TRUST_PROXY: 'loopback' },
    overrides: ({ store, audit }) => ({
      runs: new RunService({
        notebooks: store.notebooks,
        runs: store.runs,
        queue,
        logger: pino({ level: 'silent' }),
        audit,
      }),
    }),
  });
  [admin, author, other] = await Promise.all([t.signIn('admin'), t.signIn('author'), t.signIn('author')]);
});
afterAll(async () => {
  await t?.close();
  await queue?.queue.obliterate({ force: true }).catch(() => undefined);
  await queue?.close();
  await redis?.stop();
  if (redisDir) fs.rmSync(redisDir, { recursive: true, force: true });
});

async function api(who: Who | null, method: string, p: string, body?: unknown, headers: Record<string, string> = {}) {
  const h: Record<string, string> = {
    'x-forwarded-for': CLIENT_IP,
    ...(who ? { cookie: who.cookie } : {}),
    ...headers,
  };
  const init: RequestInit = { method, headers: h };
  if (body !== undefined) {
    init.body = typeof body === 'string' ? body : JSON.stringify(body);
    h['content-type'] ??= 'application/json';
  }
  const res = await testFetch(`${t.url}${p}`, init);
  // Decoded keeping a byte order mark (Response.text() would drop it).
  const text = new TextDecoder('utf-8', { ignoreBOM: true }).decode(await res.arrayBuffer());
  const json = res.headers.get('content-type')?.startsWith('application/json') && text ? JSON.parse(text) : undefined;
  return { status: res.status, headers: res.headers, text, json };
}

/** Events after `since` (a seq), oldest first, straight from the store. */
const eventsSince = async (since: number) => t.store.audit.chain(since, 1000);
const headSeq = async () => (await t.store.audit.head())?.seq ?? 0;
const createNotebook = async (who: Who, name = 'Risk', content?: unknown) => {
  const res = await api(who, 'POST', '/api/notebooks', { name, ...(content ? { content } : {}) });
  expect(res.status).toBe(201);
  return res.json as NotebookRecord;
};
const actorOf = (who: Who, role: string) => ({
  type: 'user',
  userId: who.userId,
  email: expect.stringMatching(new RegExp(`^${role}-\\d+@folio\\.test$`)),
  name: expect.any(String),
  role,
});

describe('events of notebooks and runs', () => {
  it('notebook.create and notebook.import: who, from where, which notebook', async () => {
    const since = await headSeq();
    const nb = await createNotebook(author, 'Risk');
    const ipynb = JSON.stringify(notebookOf([codeCell('c1', '1 + 1')]));
    const imported = await api(author, 'POST', '/api/notebooks/import?name=desk.ipynb', ipynb, {
      'content-type': 'application/x-ipynb+json',
    });
    expect(imported.status).toBe(201);
    const [created, importedEvent, ...rest] = await eventsSince(since);
    expect(rest).toEqual([]);
    expect(created).toMatchObject({
      action: 'notebook.create',
      actor: actorOf(author, 'author'),
      ip: CLIENT_IP,
      target: { type: 'notebook', id: nb.id, name: 'Risk' },
      details: { version: 1, cells: nb.cellCount },
    });
    expect(importedEvent).toMatchObject({
      action: 'notebook.import',
      actor: { userId: author.userId },
      ip: CLIENT_IP,
      target: { type: 'notebook', id: imported.json.id, name: 'desk' },
      details: { bytes: Buffer.byteLength(ipynb), version: 1, cells: 1 },
    });
  });

  it('notebook.update: one event per editing burst, plus checkpoints, renames and restores', async () => {
    const nb = await createNotebook(author, 'Burst');
    const since = await headSeq();
    const save = async (version: number, extra: Record<string, unknown> = {}) => {
      const res = await api(author, 'PUT', `/api/notebooks/${nb.id}`, { version, content: nb.content, ...extra });
      expect(res.status).toBe(200);
      return res.json as NotebookRecord;
    };
    await save(1); // autosave: the burst's first save is recorded
    await save(2); // …the next ones are not
    await save(3);
    await save(4, { checkpoint: true }); // Ctrl+S
    await save(5, { name: 'Burst renamed' });
    const restored = await api(author, 'POST', `/api/notebooks/${nb.id}/revisions/1/restore`, {});
    expect(restored.status).toBe(200);
    const events = await eventsSince(since);
    expect(events.map((e) => [e.action, e.details])).toEqual([
      ['notebook.update', { fromVersion: 1, version: 2, checkpoint: false, cells: nb.cellCount }],
      ['notebook.update', { fromVersion: 4, version: 5, checkpoint: true, cells: nb.cellCount }],
      ['notebook.update', { fromVersion: 5, version: 6, renamedFrom: 'Burst', checkpoint: false, cells: nb.cellCount }],
      [
        'notebook.update',
        {
          fromVersion: 6,
          version: 7,
          renamedFrom: 'Burst renamed',
          checkpoint: true,
          restoredFrom: 1,
          cells: nb.cellCount,
        },
      ],
    ]);
    expect(events.every((e) => e.actor.userId === author.userId && e.ip === CLIENT_IP)).toBe(true);
    // Another user saving the same notebook starts a burst of their own (admin can write every notebook).
    const byAdmin = await api(admin, 'PUT', `/api/notebooks/${nb.id}`, { version: 7, content: nb.content });
    expect(byAdmin.status).toBe(200);
    expect((await eventsSince(since + 4)).map((e) => [e.action, e.actor.userId])).toEqual([
      ['notebook.update', admin.userId],
    ]);
  });

  it('notebook.delete: recorded with what was deleted; a refused delete is an access.denied, not a delete', async () => {
    const nb = await createNotebook(author, 'Doomed');
    const since = await headSeq();
    expect((await api(other, 'DELETE', `/api/notebooks/${nb.id}`)).status).toBe(404); // not shared with them
    expect(await eventsSince(since)).toMatchObject([
      {
        action: 'access.denied',
        actor: { userId: other.userId },
        target: { type: 'notebook', id: nb.id, name: 'Doomed' },
        details: { attempted: 'manage', status: 404, reason: 'no_access' },
      },
    ]);
    const afterDenial = await headSeq();
    expect((await api(author, 'DELETE', `/api/notebooks/${nb.id}`)).status).toBe(204);
    expect(await eventsSince(afterDenial)).toMatchObject([
      {
        action: 'notebook.delete',
        actor: { userId: author.userId },
        ip: CLIENT_IP,
        target: { type: 'notebook', id: nb.id, name: 'Doomed' },
        details: { version: 1, ownerId: author.userId },
      },
    ]);
  });

  it('run.request (who, what, which parameters) and run.cancel', async () => {
    const content = notebookOf([
      { ...codeCell('p', 'as_of = "2026-01-02"\nn = 3'), metadata: { tags: ['parameters'] } },
      codeCell('c', 'print(n)'),
    ]);
    const nb = await createNotebook(author, 'Params', content);
    const since = await headSeq();
    const started = await api(author, 'POST', `/api/notebooks/${nb.id}/runs`, { params: { n: 7 } });
    expect(started.status).toBe(202);
    const runId = started.json.id as string;
    const run = await t.store.runs.get(runId);
    expect((await api(author, 'POST', `/api/runs/${runId}/cancel`)).status).toBe(200);
    // A second cancel of the ended run is a 409 and records nothing.
    expect((await api(author, 'POST', `/api/runs/${runId}/cancel`)).status).toBe(409);
    const events = await eventsSince(since);
    expect(events).toMatchObject([
      {
        action: 'run.request',
        actor: { userId: author.userId },
        ip: CLIENT_IP,
        target: { type: 'notebook', id: nb.id, name: 'Params' },
        details: { runId, notebookVersion: 1, params: { n: 7 }, paramsHash: run!.paramsHash, trigger: 'manual' },
      },
      {
        action: 'run.cancel',
        actor: { userId: author.userId },
        target: { type: 'notebook', id: nb.id, name: 'Params' },
        details: { runId, status: 'queued', startedBy: author.userId },
      },
    ]);
    expect(events).toHaveLength(2);
    // A refused parameter starts nothing and records nothing.
    expect((await api(author, 'POST', `/api/notebooks/${nb.id}/runs`, { params: { n: 'x' } })).status).toBe(400);
    expect(await eventsSince(since + 2)).toEqual([]);
  });

  it('never records the session id', async () => {
    const all = JSON.stringify(await eventsSince(0));
    for (const who of [admin, author, other]) expect(all).not.toContain(who.cookie.split('=')[1]!);
  });
});

describe('GET /api/audit', () => {
  it('answers admins only: 401 signed out, 403 for authors', async () => {
    expect((await api(null, 'GET', '/api/audit')).status).toBe(401);
    expect((await api(author, 'GET', '/api/audit')).status).toBe(403);
    expect((await api(author, 'GET', '/api/audit/verify')).status).toBe(403);
    expect((await api(author, 'GET', '/api/audit', undefined, { accept: 'text/csv' })).status).toBe(403);
  });

  it('lists newest first with filters and a cursor, in the contract shape', async () => {
    const nb = await createNotebook(other, 'Filtered');
    await api(other, 'PUT', `/api/notebooks/${nb.id}`, { version: 1, content: nb.content, checkpoint: true });
    await api(other, 'PUT', `/api/notebooks/${nb.id}`, { version: 2, content: nb.content, checkpoint: true });
    const q = `actor=${other.userId}&target=notebook:${nb.id}`;
    const first = await api(admin, 'GET', `/api/audit?${q}&limit=2`);
    expect(first.status).toBe(200);
    expect(first.json.events.map((e: AuditEvent) => [e.action, e.details.version])).toEqual([
      ['notebook.update', 3],
      ['notebook.update', 2],
    ]);
    const e = first.json.events[0];
    expect(Object.keys(e).sort()).toEqual([
      'action',
      'actor',
      'at',
      'details',
      'hash',
      'id',
      'ip',
      'prevHash',
      'seq',
      'target',
    ]);
    const second = await api(admin, 'GET', `/api/audit?${q}&limit=2&cursor=${first.json.next}`);
    expect(second.json).toEqual({ events: [expect.objectContaining({ action: 'notebook.create' })], next: null });
    const creates = await api(
      admin,
      'GET',
      `/api/audit?action=notebook.create&actor=${encodeURIComponent(other.userId)}`,
    );
    expect(creates.json.events.every((x: AuditEvent) => x.action === 'notebook.create')).toBe(true);
    const future = await api(admin, 'GET', `/api/audit?from=2999-01-01`);
    expect(future.json).toEqual({ events: [], next: null });
  });

  it('refuses a bad query with a 400 naming the field', async () => {
    for (const [q, field] of [
      ['actr=x', undefined],
      ['action=notebook.rename', 'action'],
      ['from=someday', 'from'],
      ['limit=0', 'query.limit'],
      ['cursor=abc', 'cursor'],
    ] as const) {
      const res = await api(admin, 'GET', `/api/audit?${q}`);
      expect(res.status, q).toBe(400);
      if (field) expect(JSON.stringify(res.json.error.details), q).toContain(field);
    }
  });

  it('no route writes or deletes an event', async () => {
    const [latest] = (await api(admin, 'GET', '/api/audit?limit=1')).json.events as AuditEvent[];
    const before = await eventsSince(0);
    for (const method of ['POST', 'PUT', 'PATCH', 'DELETE']) {
      for (const p of ['/api/audit', `/api/audit/${latest!.id}`, '/api/audit/verify', `/api/audit/${latest!.seq}`]) {
        const res = await api(admin, method, p, method === 'DELETE' ? undefined : { action: 'auth.login' });
        expect(res.status, `${method} ${p}`).toBe(404);
      }
    }
    expect(await eventsSince(0)).toEqual(before);
  });
});

describe('CSV export', () => {
  it('streams every matching event as an attachment, escaped, with formulas defused', async () => {
    const evil = '=HYPERLINK("http://evil.test","click"),\n"x"';
    const nb = await createNotebook(author, evil);
    const res = await api(admin, 'GET', `/api/audit?target=${nb.id}`, undefined, { accept: 'text/csv' });
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toBe('text/csv; charset=utf-8');
    expect(res.headers.get('content-disposition')).toMatch(/^attachment; filename="?folio-audit-[\d-TZ]+\.csv"?$/);
    expect(res.text.startsWith('\uFEFF')).toBe(true);
    const rows = parseCsv(res.text.slice(1));
    expect(rows[0]).toEqual([...CSV_COLUMNS]);
    expect(rows).toHaveLength(2);
    const row = Object.fromEntries(CSV_COLUMNS.map((c, i) => [c, rows[1]![i]]));
    const [event] = await t.store.audit.list({ targetId: nb.id }, { limit: 1 });
    expect(row).toEqual({
      seq: String(event!.seq),
      id: event!.id,
      at: event!.at,
      action: 'notebook.create',
      actor_type: 'user',
      actor_user_id: author.userId,
      actor_email: event!.actor.email,
      actor_name: event!.actor.name,
      actor_role: 'author',
      actor_token_id: '',
      ip: CLIENT_IP,
      target_type: 'notebook',
      target_id: nb.id,
      target_name: `'${evil}`,
      details: JSON.stringify(event!.details),
      prev_hash: event!.prevHash,
      hash: event!.hash,
    });
    // format=csv does the same for a plain download link.
    const link = await api(admin, 'GET', `/api/audit?target=${nb.id}&format=csv`);
    expect(parseCsv(link.text.slice(1))).toEqual(rows);
  });

  it('exports more than one batch, newest first, ignoring the page size', async () => {
    for (let i = 0; i < 600; i++) await t.audit.record({ action: 'schedule.update', actor: { system: 'test' } });
    const total = await headSeq();
    const res = await api(admin, 'GET', '/api/audit?limit=1', undefined, { accept: 'text/csv' });
    const seqs = parseCsv(res.text.slice(1))
      .slice(1)
      .map((r) => Number(r[0]));
    expect(seqs).toEqual(Array.from({ length: total }, (_, i) => total - i));
  });
});

describe('when the audit trail cannot be written', () => {
  it('the action fails with 503 and leaves no unrecorded effect (create undone, delete and run not done)', async () => {
    const app = await startTestApp({
      overrides: ({ store, audit }) => ({
        runs: new RunService({
          notebooks: store.notebooks,
          runs: store.runs,
          queue,
          logger: pino({ level: 'silent' }),
          audit,
        }),
      }),
    });
    try {
      const who = await app.signIn('author');
      const call = async (method: string, p: string, body?: unknown) => {
        const res = await testFetch(`${app.url}${p}`, {
          method,
          headers: { cookie: who.cookie, 'content-type': 'application/json' },
          body: body === undefined ? undefined : JSON.stringify(body),
        });
        return {
          status: res.status,
          json: (await res.json().catch(() => undefined)) as { id: string; error?: unknown },
        };
      };
      const kept = await call('POST', '/api/notebooks', { name: 'Kept' });
      expect(kept.status).toBe(201);
      // The audit table goes away under the running app (a broken database, as far as the trail is concerned).
      const db = new Database(path.join(app.config.dataDir, 'folio.db'));
      db.exec('DROP TABLE audit_events');
      db.close();

      const created = await call('POST', '/api/notebooks', { name: 'Unrecorded' });
      expect(created.status).toBe(503);
      expect(created.json).toMatchObject({ error: { code: 'unavailable' } });
      expect((await app.store.notebooks.list()).map((n) => n.name)).toEqual(['Kept']);

      expect((await call('DELETE', `/api/notebooks/${kept.json.id}`)).status).toBe(503);
      expect(await app.store.notebooks.get(kept.json.id)).not.toBeNull();

      expect((await call('POST', `/api/notebooks/${kept.json.id}/runs`, {})).status).toBe(503);
      const [run] = await app.store.runs.listByNotebook(kept.json.id, 10);
      expect(run).toMatchObject({ status: 'failed', error: { code: 'audit_unavailable' } });
      expect(await queue.state(run!.id)).toBe('missing'); // never queued, so never executed
    } finally {
      await app.close();
    }
  });
});

describe('GET /api/audit/verify', () => {
  let file: string;
  beforeEach(() => {
    file = path.join(t.config.dataDir, 'folio.db');
  });
  /** Someone with the database file: drops the append-only triggers and edits or deletes a row. */
  const tamper = (sql: string) => {
    const db = new Database(file);
    db.exec('DROP TRIGGER IF EXISTS audit_events_no_update; DROP TRIGGER IF EXISTS audit_events_no_delete;');
    db.exec(sql);
    db.close();
  };

  it('says intact, then finds an edited row, then a deleted one (these run last: they break the chain)', async () => {
    const ok = await api(admin, 'GET', '/api/audit/verify');
    const head = await t.store.audit.head();
    expect(ok.json).toEqual({ intact: true, events: head!.seq, head });

    const [victim] = await t.store.audit.list({ actions: ['notebook.delete'] }, { limit: 1 });
    tamper(`UPDATE audit_events SET actor = json_set(actor, '$.userId', 'someone-else') WHERE seq = ${victim!.seq}`);
    const edited = await api(admin, 'GET', '/api/audit/verify');
    expect(edited.json).toEqual({
      intact: false,
      events: victim!.seq - 1,
      broken: {
        seq: victim!.seq,
        id: victim!.id,
        at: victim!.at,
        reason: 'hash_mismatch',
        message: expect.any(String),
      },
    });

    tamper(`DELETE FROM audit_events WHERE seq = 2`);
    const deleted = await api(admin, 'GET', '/api/audit/verify');
    expect(deleted.json).toMatchObject({ intact: false, events: 1, broken: { seq: 3, reason: 'missing_events' } });
  });
});

/** A strict RFC 4180 reader for the test: quoted cells, doubled quotes, CRLF row ends. */
function parseCsv(text: string): string[][] {
  const rows: string[][] = [];
  let i = 0;
  while (i < text.length) {
    const row: string[] = [];
    for (;;) {
      if (text[i] !== '"') throw new Error(`unquoted cell at ${i}`);
      let cell = '';
      i++;
      for (;;) {
        const q = text.indexOf('"', i);
        if (q < 0) throw new Error('unterminated cell');
        cell += text.slice(i, q);
        if (text[q + 1] === '"') {
          cell += '"';
          i = q + 2;
        } else {
          i = q + 1;
          break;
        }
      }
      row.push(cell);
      if (text[i] === ',') i++;
      else if (text.startsWith('\r\n', i)) {
        i += 2;
        break;
      } else throw new Error(`bad separator at ${i}`);
    }
    rows.push(row);
  }
  return rows;
}
