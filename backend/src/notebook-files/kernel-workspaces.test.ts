import { randomUUID } from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import pino from 'pino';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import type { Principal } from '../contracts/principal';
import { startRedisServer, type RedisServer } from '../embedded/redis-server';
import { KernelPool } from '../kernels/pool';
import { KernelSessionManager } from '../kernels/sessions/kernel-session-manager';
import type { SessionClient, SessionEvent } from '../kernels/sessions/session-events';
import { startTestJupyter, type TestJupyter } from '../kernels/testing/jupyter-fixture';
import { JupyterWorkdirs } from '../kernels/workdirs/jupyter-workdirs';
import { liveScope, liveWorkdir, LIVE_WORKDIRS } from '../kernels/workdirs/workdir-path';
import { codeCell, notebookOf } from '../notebooks/testing/notebook-builders';
import {
  NOTEBOOK_FILE_CHANGES_CHANNEL,
  redisChangeChannel,
  type RedisChangeChannel,
} from '../queue/user-changes-channel';
import { openSqliteStore } from '../store/sqlite/sqlite-store';
import type { Store } from '../store/store';
import { ChangeHub } from '../util/change-hub';
import { kernelWorkspaces, sweepLiveWorkdirs } from './kernel-workspaces';
import { NotebookFilesService } from './notebook-files.service';

/**
 * A live kernel works in a folder holding its notebook's files, kept in step while the session lives — across web
 * processes: the files API runs in process A, the live session in process B (each its own store connection to one
 * SQLite file and its own announcements hub), and they meet on a real redis-server. Real Jupyter Server and kernels.
 */
let dir: string;
let jupyter: TestJupyter;
let redis: RedisServer;
let storeA: Store;
let storeB: Store;
let channels: RedisChangeChannel[] = [];
let files: NotebookFilesService;
let pool: KernelPool;
let sessions: KernelSessionManager;
const synced: Array<(dir: string) => void> = [];
const scope = liveScope({ embeddedBy: process.pid });
const owner: Principal = { id: 'u-owner', email: 'owner@live.test', name: 'Owner', role: 'author' };

beforeAll(async () => {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'folio-live-workdirs-'));
  [jupyter, redis] = await Promise.all([
    startTestJupyter(),
    startRedisServer({ dataDir: dir, logger: pino({ level: 'silent' }) }),
  ]);
  const logger = jupyter.logger;
  const url = `redis://127.0.0.1:${redis.port}`;
  storeA = openSqliteStore(path.join(dir, 'folio.db'));
  storeB = openSqliteStore(path.join(dir, 'folio.db'));
  channels = [
    redisChangeChannel(url, logger, NOTEBOOK_FILE_CHANGES_CHANNEL),
    redisChangeChannel(url, logger, NOTEBOOK_FILE_CHANGES_CHANNEL),
  ];
  await Promise.all(channels.map((c) => c.ready));
  // Process A: the files API.
  files = new NotebookFilesService({
    files: storeA.notebookFiles,
    notebooks: storeA.notebooks,
    limits: { maxFileBytes: 1 << 20 },
    changes: new ChangeHub(channels[0]),
  });
  // Process B: live sessions.
  pool = new KernelPool({ settings: jupyter.settings, size: 0, logger });
  await pool.start();
  sessions = new KernelSessionManager({
    kernels: pool,
    logger,
    idleMs: 3_600_000,
    workspaces: kernelWorkspaces({
      workdirs: new JupyterWorkdirs({ settings: jupyter.settings }),
      files: storeB.notebookFiles,
      changes: new ChangeHub(channels[1]),
      scope,
      logger,
      onSynced: (e) => synced.splice(0).forEach((f) => f(e.dir)),
    }),
  });
});
afterAll(async () => {
  await sessions?.shutdown();
  await pool?.shutdown();
  await Promise.all(channels.map((c) => c.close()));
  await storeA?.close();
  await storeB?.close();
  await redis?.stop();
  await jupyter?.stop();
  fs.rmSync(dir, { recursive: true, force: true });
});

const nextSync = () => new Promise<string>((resolve) => synced.push(resolve));
const onDisk = (p: string) => path.join(jupyter.dataDir, 'workspace', p);

/** A browser tab: records what the session sends; `until` resolves at the first matching event (seen ones included). */
function tab() {
  const events: SessionEvent[] = [];
  const waiters = new Set<() => void>();
  const client: SessionClient = {
    send(e) {
      events.push(e);
      for (const w of [...waiters]) w();
    },
  };
  const until = <T extends SessionEvent>(match: (e: SessionEvent) => e is T) =>
    new Promise<T>((resolve) => {
      const look = () => {
        const hit = events.find(match);
        if (hit) {
          waiters.delete(look);
          resolve(hit);
        }
      };
      waiters.add(look);
      look();
    });
  return { client, events, until };
}

/** Runs `code` in the session; its stdout. */
async function exec(
  t: ReturnType<typeof tab>,
  session: ReturnType<KernelSessionManager['open']>,
  code: string,
): Promise<string> {
  const requestId = randomUUID();
  const cellId = `c-${requestId}`;
  session.execute({ requestId, cells: [{ cellId, code }] });
  const done = await t.until(
    (e): e is Extract<SessionEvent, { type: 'cell_done' }> => e.type === 'cell_done' && e.requestId === requestId,
  );
  const outputs =
    t.events
      .filter((e): e is Extract<SessionEvent, { type: 'outputs' }> => e.type === 'outputs' && e.cellId === cellId)
      .at(-1)?.outputs ?? [];
  const text = outputs
    .map((o) =>
      o.output_type === 'stream'
        ? [o.text].flat().join('')
        : o.output_type === 'error'
          ? `${o.ename}: ${o.evalue}`
          : '',
    )
    .join('');
  expect(done.status, text).toBe('ok');
  return text;
}

const LIST =
  'import os\nprint(sorted(os.path.relpath(os.path.join(d, n)) for d, ds, fs in os.walk(".") for n in ds + fs))';

describe('a live kernel\u2019s working directory', () => {
  it('holds the notebook\u2019s files from the start, follows uploads and deletes from another process, and survives a restart', async () => {
    const nb = await storeA.notebooks.create({
      id: `nb-${randomUUID()}`,
      name: 'live',
      ownerId: owner.id,
      content: notebookOf([codeCell('a', '1')]),
    });
    await files.put(owner, nb.id, 'prices.csv', Buffer.from('ticker,price\nAAA,1\n'));
    await files.put(owner, nb.id, 'data/x.txt', Buffer.from('x'));

    const t = tab();
    const session = sessions.open(owner.id, nb.id, t.client);
    expect(await exec(t, session, LIST)).toBe("['data', 'data/x.txt', 'prices.csv']\n");
    const workdir = liveWorkdir(scope, session.kernelId!);
    expect(await exec(t, session, 'import os\nprint(os.getcwd())')).toBe(`${onDisk(workdir)}\n`);
    expect(await exec(t, session, 'print(open("prices.csv").read())')).toBe('ticker,price\nAAA,1\n\n');

    let sync = nextSync();
    await files.put(owner, nb.id, 'reports/new.csv', Buffer.from('n'));
    expect(await sync).toBe(workdir);
    expect(await exec(t, session, LIST)).toBe("['data', 'data/x.txt', 'prices.csv', 'reports', 'reports/new.csv']\n");

    sync = nextSync();
    await files.delete(owner, nb.id, 'data/x.txt');
    await sync;
    expect(await exec(t, session, LIST)).toBe("['prices.csv', 'reports', 'reports/new.csv']\n");

    // A restart keeps the folder (and what the kernel wrote there) and moves the fresh process back into it.
    await exec(t, session, 'open("mine.txt", "w").write("m")\nx = 1');
    await session.restart();
    expect(await exec(t, session, 'print(globals().get("x", "fresh"))')).toBe('fresh\n');
    expect(await exec(t, session, 'import os\nprint(os.getcwd())')).toBe(`${onDisk(workdir)}\n`);
    expect(await exec(t, session, LIST)).toBe("['mine.txt', 'prices.csv', 'reports', 'reports/new.csv']\n");

    sync = nextSync();
    await files.put(owner, nb.id, 'prices.csv', Buffer.from('replaced'));
    await sync;
    sync = nextSync();
    await files.delete(owner, nb.id, 'reports/new.csv');
    await sync;
    expect(await exec(t, session, LIST)).toBe("['mine.txt', 'prices.csv']\n");
    expect(await exec(t, session, 'print(open("prices.csv").read())')).toBe('replaced\n');

    // The folder goes with the session's kernel.
    sessions.leave(session, t.client);
    await sessions.endNotebook(nb.id);
    await vi.waitFor(() => expect(fs.existsSync(onDisk(workdir))).toBe(false), { timeout: 30_000, interval: 50 });
  });

  it('sweeps folders of kernels that no longer run, and of embedded servers whose Folio process is gone', async () => {
    const workdirs = new JupyterWorkdirs({ settings: jupyter.settings });
    const f = [{ path: 'a.txt', data: Buffer.from('a') }];
    const t = tab();
    const nb = await storeA.notebooks.create({
      id: `nb-${randomUUID()}`,
      name: 'sweep',
      ownerId: owner.id,
      content: notebookOf([codeCell('a', '1')]),
    });
    const session = sessions.open(owner.id, nb.id, t.client);
    await exec(t, session, 'pass');
    const kept = liveWorkdir(scope, session.kernelId!);
    await workdirs.create(liveWorkdir(scope, 'gone-kernel'), f);
    await workdirs.create(liveWorkdir('p999999999', 'k1'), f); // a Folio process that is not running
    await workdirs.create(liveWorkdir('p1', 'k1'), f); // pid 1 runs: another live process's server
    await workdirs.create(liveWorkdir('xabc', 'k1'), f); // another external server: not ours to judge
    const removed = await sweepLiveWorkdirs({ workdirs, settings: jupyter.settings, scope, logger: jupyter.logger });
    expect(removed).toBe(2);
    const left = (s: string) => fs.readdirSync(onDisk(`${LIVE_WORKDIRS}/${s}`));
    expect(left(scope)).toEqual([kept.split('/').pop()]);
    expect(left('p999999999')).toEqual([]);
    expect(left('p1')).toEqual(['k1']);
    expect(left('xabc')).toEqual(['k1']);
    await sessions.endNotebook(nb.id);
  });
});
