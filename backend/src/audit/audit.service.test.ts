import { spawn } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import Database from 'better-sqlite3';
import pino from 'pino';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { Principal } from '../contracts/principal';
import { isDomainError } from '../errors';
import { openSqliteStore } from '../store/sqlite/sqlite-store';
import type { Store } from '../store/store';
import { eventHash } from './audit-chain';
import { AuditService } from './audit.service';

/** The audit service over a real SQLite file: recording, the chain, its verification, reading. */
const admin: Principal = {
  id: 'u-admin',
  email: 'admin@bank.test',
  name: 'Admin',
  role: 'admin',
  credential: { kind: 'session', sessionId: 'secret-session-hash' },
  ip: '10.0.0.1',
};
const author: Principal = { id: 'u-ada', email: 'ada@bank.test', name: 'Ada', role: 'author', ip: '10.0.0.2' };

let dir: string;
let file: string;
let store: Store;
let clock: number;
let audit: AuditService;
const logs: Record<string, unknown>[] = [];

beforeEach(() => {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'folio-audit-'));
  file = path.join(dir, 'folio.db');
  store = openSqliteStore(file);
  clock = Date.parse('2026-03-02T09:00:00.000Z');
  logs.length = 0;
  const logger = pino({ level: 'info' }, { write: (line: string) => void logs.push(JSON.parse(line)) });
  audit = new AuditService({ audit: store.audit, logger, now: () => clock });
});
afterEach(async () => {
  await store.close();
  fs.rmSync(dir, { recursive: true, force: true });
});

const nb = { type: 'notebook', id: 'nb-1', name: 'Risk' };
async function recordSome(n: number) {
  for (let i = 0; i < n; i++) {
    clock += 60_000;
    await audit.record({ action: 'notebook.update', actor: author, target: nb, details: { version: i + 2 } });
  }
}
const failure = async (p: Promise<unknown>) => {
  const e = await p.then(
    () => null,
    (err: unknown) => err,
  );
  if (!isDomainError(e)) throw new Error(`expected a domain error, got ${String(e)}`);
  return e;
};

describe('record', () => {
  it('stores who (user, token and owner, anonymous, system), from where, what, to what — linked in one chain', async () => {
    const token: Principal = {
      ...author,
      credential: { kind: 'token', tokenId: 'tok-1', scopes: ['notebooks:write'] },
      ip: '10.0.0.9',
    };
    await audit.record({ action: 'notebook.create', actor: admin, target: nb, details: { name: 'Risk' } });
    await audit.record({ action: 'run.request', actor: token, target: nb, details: { params: { n: 3 } } });
    await audit.record({ action: 'auth.login_failed', actor: { anonymous: true, email: 'eve@x.test', ip: '6.6.6.6' } });
    await audit.record({ action: 'schedule.create', actor: { system: 'scheduler' } });

    const chain = await store.audit.chain(0, 10);
    expect(
      chain.map(({ actor, ip, action, target, details, seq }) => ({ seq, actor, ip, action, target, details })),
    ).toEqual([
      {
        seq: 1,
        actor: { type: 'user', userId: 'u-admin', email: 'admin@bank.test', name: 'Admin', role: 'admin' },
        ip: '10.0.0.1',
        action: 'notebook.create',
        target: nb,
        details: { name: 'Risk' },
      },
      {
        seq: 2,
        actor: {
          type: 'token',
          tokenId: 'tok-1',
          scopes: ['notebooks:write'],
          userId: 'u-ada',
          email: 'ada@bank.test',
          name: 'Ada',
          role: 'author',
        },
        ip: '10.0.0.9',
        action: 'run.request',
        target: nb,
        details: { params: { n: 3 } },
      },
      {
        seq: 3,
        actor: { type: 'anonymous', email: 'eve@x.test' },
        ip: '6.6.6.6',
        action: 'auth.login_failed',
        target: null,
        details: {},
      },
      {
        seq: 4,
        actor: { type: 'system', name: 'scheduler' },
        ip: null,
        action: 'schedule.create',
        target: null,
        details: {},
      },
    ]);
    expect(chain[0]!.at).toBe('2026-03-02T09:00:00.000Z');
    expect(chain[0]!.prevHash).toBe('0'.repeat(64));
    chain.slice(1).forEach((e, i) => expect(e.prevHash).toBe(chain[i]!.hash));
    expect(JSON.stringify(chain)).not.toContain('secret-session-hash');
    expect(await audit.verify(admin)).toEqual({ intact: true, events: 4, head: { seq: 4, hash: chain[3]!.hash } });
  });

  it('never stores secrets passed in details', async () => {
    await audit.record({
      action: 'token.create',
      actor: admin,
      details: { name: 'ci', token: 'folio_abc', password: 'p' },
    });
    const [e] = await store.audit.chain(0, 1);
    expect(e!.details).toEqual({ name: 'ci', token: '[redacted]', password: '[redacted]' });
  });

  it('fails (503) when the event cannot be stored, logging the event but no secret', async () => {
    await store.close();
    const err = await failure(
      audit.record({ action: 'notebook.delete', actor: admin, target: nb, details: { password: 'p' } }),
    );
    expect(err.status).toBe(503);
    expect(err.code).toBe('unavailable');
    const logged = logs.find((l) => l.msg === 'could not write an audit event; the action fails');
    expect(logged).toMatchObject({
      level: 50,
      event: { action: 'notebook.delete', target: nb, details: { password: '[redacted]' } },
    });
    store = openSqliteStore(file); // for afterEach
  });

  it('keeps one chain when two processes append at once (two services on two connections to one file)', async () => {
    const other = openSqliteStore(file);
    try {
      const second = new AuditService({ audit: other.audit, logger: pino({ level: 'silent' }) });
      await Promise.all(
        Array.from({ length: 30 }, (_, i) => [
          audit.record({ action: 'run.request', actor: author, details: { writer: 'a', i } }),
          second.record({ action: 'run.request', actor: admin, details: { writer: 'b', i } }),
        ]).flat(),
      );
      expect(await audit.verify(admin)).toMatchObject({ intact: true, events: 60, head: { seq: 60 } });
    } finally {
      await other.close();
    }
  });
  it('keeps one chain when separate OS processes append at the same time', async () => {
    const script = path.join(path.dirname(fileURLToPath(import.meta.url)), 'testing/append-process.fixture.ts');
    const each = 150;
    const writers = ['p1', 'p2', 'p3'].map((name) => {
      const child = spawn(process.execPath, ['--import', 'tsx', script, file, name, String(each)], {
        stdio: ['pipe', 'pipe', 'inherit'],
      });
      const lines = createInterface({ input: child.stdout! });
      const said = (word: string) =>
        new Promise<void>((resolve, reject) => {
          lines.on('line', (l) => l === word && resolve());
          child.once('exit', (code) => reject(new Error(`writer ${name} exited (${code}) before "${word}"`)));
        });
      return { child, ready: said('ready'), done: said('done') };
    });
    await Promise.all(writers.map((w) => w.ready));
    for (const w of writers) w.child.stdin!.write('go\n');
    await Promise.all(writers.map((w) => w.done));
    const chain = await store.audit.chain(0, 10_000);
    expect(chain).toHaveLength(3 * each);
    // They really ran at once: the writers' events interleave in the chain.
    const switches = chain.filter((e, i) => i > 0 && e.actor.name !== chain[i - 1]!.actor.name).length;
    expect(switches).toBeGreaterThan(2);
    expect(await audit.verify(admin)).toMatchObject({ intact: true, events: 3 * each });
  });
});

describe('verify', () => {
  /** Edits the SQLite file directly, as someone with access to the database would (the append-only triggers first). */
  const tamper = (sql: string) => {
    const db = new Database(file);
    db.exec('DROP TRIGGER IF EXISTS audit_events_no_update; DROP TRIGGER IF EXISTS audit_events_no_delete;');
    db.exec(sql);
    db.close();
  };

  it('is intact (and empty) for an empty trail', async () => {
    expect(await audit.verify(admin)).toEqual({ intact: true, events: 0, head: null });
  });

  it('finds an edited row', async () => {
    await recordSome(5);
    tamper(`UPDATE audit_events SET details = '{"version":99}' WHERE seq = 3`);
    const e3 = (await store.audit.chain(2, 1))[0]!;
    expect(await audit.verify(admin)).toEqual({
      intact: false,
      events: 2,
      broken: {
        seq: 3,
        id: e3.id,
        at: e3.at,
        reason: 'hash_mismatch',
        message: 'This event was changed after it was recorded.',
      },
    });
  });

  it('finds an edited row whose hash was recomputed too, at the next link', async () => {
    await recordSome(4);
    const [e2] = await store.audit.chain(1, 1);
    const forged = { ...e2!, details: { version: 99 } };
    const hash = eventHash(forged);
    tamper(`UPDATE audit_events SET details = '{"version":99}', hash = '${hash}' WHERE seq = 2`);
    const e3 = (await store.audit.chain(2, 1))[0]!;
    expect(await audit.verify(admin)).toEqual({
      intact: false,
      events: 2,
      broken: {
        seq: 3,
        id: e3.id,
        at: e3.at,
        reason: 'prev_hash_mismatch',
        message: 'This event does not link to event 2: that one was changed or replaced.',
      },
    });
  });

  it('finds a deleted row, and a row that no longer parses', async () => {
    await recordSome(5);
    tamper('DELETE FROM audit_events WHERE seq = 2');
    expect(await audit.verify(admin)).toMatchObject({
      intact: false,
      events: 1,
      broken: { seq: 3, reason: 'missing_events', message: 'Events 2 are missing before this one.' },
    });
    tamper(`UPDATE audit_events SET details = '{broken' WHERE seq = 1`);
    expect(await audit.verify(admin)).toMatchObject({
      intact: false,
      events: 0,
      broken: { seq: 1, reason: 'hash_mismatch' },
    });
    // The trail is still readable.
    expect((await audit.list(admin, {})).events).toHaveLength(4);
  });

  it('finds the first of several deleted rows and names the gap', async () => {
    await recordSome(6);
    tamper('DELETE FROM audit_events WHERE seq IN (3, 4)');
    expect(await audit.verify(admin)).toMatchObject({
      intact: false,
      events: 2,
      broken: { seq: 5, reason: 'missing_events', message: 'Events 3–4 are missing before this one.' },
    });
  });

  it('finds rows swapped in order', async () => {
    await recordSome(3);
    tamper('UPDATE audit_events SET seq = 100 WHERE seq = 2; UPDATE audit_events SET seq = 2 WHERE seq = 3;');
    tamper('UPDATE audit_events SET seq = 3 WHERE seq = 100');
    expect(await audit.verify(admin)).toMatchObject({ intact: false, events: 1, broken: { seq: 2 } });
  });
});

describe('list', () => {
  it('pages newest first with a cursor that is stable while events are appended', async () => {
    await recordSome(5);
    const first = await audit.list(admin, { limit: 2 });
    expect(first.events.map((e) => e.seq)).toEqual([5, 4]);
    await recordSome(3); // newer events arrive between pages
    const second = await audit.list(admin, { limit: 2, cursor: first.next! });
    expect(second.events.map((e) => e.seq)).toEqual([3, 2]);
    const third = await audit.list(admin, { limit: 2, cursor: second.next! });
    expect(third).toEqual({ events: [expect.objectContaining({ seq: 1 })], next: null });
    expect((await audit.list(admin, { limit: 8 })).next).toBeNull();
  });

  it('filters by actor, action (exact, area, several), target (id, type:id, type:) and time', async () => {
    clock = Date.parse('2026-03-02T09:00:00.000Z');
    await audit.record({ action: 'notebook.create', actor: author, target: nb });
    clock += 60_000;
    await audit.record({ action: 'run.request', actor: author, target: nb, details: { runId: 'r1' } });
    clock += 60_000;
    await audit.record({ action: 'user.create', actor: admin, target: { type: 'user', id: 'u-ada', name: 'Ada' } });
    const seqs = async (q: Parameters<AuditService['list']>[1]) =>
      (await audit.list(admin, q)).events.map((e) => e.seq);

    expect(await seqs({ actor: 'ADA@bank.test' })).toEqual([2, 1]);
    expect(await seqs({ actor: 'u-admin' })).toEqual([3]);
    expect(await seqs({ action: 'run.request' })).toEqual([2]);
    expect(await seqs({ action: 'notebook.*' })).toEqual([1]);
    expect(await seqs({ action: 'user, run.request' })).toEqual([3, 2]);
    expect(await seqs({ target: 'nb-1' })).toEqual([2, 1]);
    expect(await seqs({ target: 'user:u-ada' })).toEqual([3]);
    expect(await seqs({ target: 'notebook:' })).toEqual([2, 1]);
    expect(await seqs({ from: '2026-03-02T09:01:00Z', to: '2026-03-02T09:02:00Z' })).toEqual([2]);
    expect(await seqs({ from: '2026-03-02' })).toEqual([3, 2, 1]);
  });

  it('says what is wrong with a query', async () => {
    await expect(failure(audit.list(admin, { action: 'notebook.rename' }))).resolves.toMatchObject({
      status: 400,
      details: { field: 'action' },
    });
    await expect(failure(audit.list(admin, { from: 'yesterday' }))).resolves.toMatchObject({
      status: 400,
      details: { field: 'from' },
    });
    await expect(failure(audit.list(admin, { from: '2026-03-03', to: '2026-03-02' }))).resolves.toMatchObject({
      status: 400,
    });
    await expect(failure(audit.list(admin, { cursor: 'garbage' }))).resolves.toMatchObject({
      status: 400,
      details: { field: 'cursor' },
    });
    await expect(failure(audit.list(admin, { limit: 501 }))).resolves.toMatchObject({
      status: 400,
      details: { field: 'limit' },
    });
  });

  it('is for admins only: authors and tokens without the admin scope get 403', async () => {
    const token: Principal = { ...admin, credential: { kind: 'token', tokenId: 't', scopes: ['notebooks:read'] } };
    const adminToken: Principal = { ...admin, credential: { kind: 'token', tokenId: 't', scopes: ['admin'] } };
    for (const who of [author, token]) {
      await expect(failure(audit.list(who, {}))).resolves.toMatchObject({ status: 403 });
      await expect(failure(audit.verify(who))).resolves.toMatchObject({ status: 403 });
      await expect(failure(audit.exportEvents(who, {}))).resolves.toMatchObject({ status: 403 });
    }
    expect((await audit.list(adminToken, {})).events).toEqual([]);
  });

  it('exports every matching event in batches, newest first, from a cursor on', async () => {
    await recordSome(1203);
    const batches: number[][] = [];
    for await (const b of await audit.exportEvents(admin, { action: 'notebook.update' }))
      batches.push(b.map((e) => e.seq));
    expect(batches.map((b) => b.length)).toEqual([500, 500, 203]);
    expect(batches.flat()).toEqual(Array.from({ length: 1203 }, (_, i) => 1203 - i));
    const page = await audit.list(admin, { limit: 3 });
    const rest: number[] = [];
    for await (const b of await audit.exportEvents(admin, { cursor: page.next! })) rest.push(...b.map((e) => e.seq));
    expect(rest[0]).toBe(1200);
    expect(rest).toHaveLength(1200);
  });
});
