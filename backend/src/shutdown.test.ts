import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startRedisServer, type RedisServer } from './embedded/redis-server';
import { FolioClient, readyUrl, startFolioProcess, until } from './embedded/testing/folio-process';
import { startTestJupyter, type TestJupyter } from './kernels/testing/jupyter-fixture';
import { codeCell as code, notebookOf } from './notebooks/testing/notebook-builders';
import { openSqliteStore } from './store/sqlite/sqlite-store';

/**
 * A deploy stops Folio with SIGTERM while runs are going, on an external Jupyter Server and Redis (as in production):
 * a run that finishes within the drain time ends as it should, one that does not is interrupted and ends `failed`
 * (code `interrupted`), the process exits 0 within its deadline, and no kernel is left running on the Jupyter Server.
 */
let jupyter: TestJupyter;
let redis: RedisServer;
const dirs: string[] = [];

beforeAll(async () => {
  jupyter = await startTestJupyter();
  redis = await startRedisServer({ dataDir: fs.mkdtempSync(path.join(os.tmpdir(), 'folio-shutdown-redis-')), logger: jupyter.logger });
});
afterAll(async () => {
  await redis?.stop();
  await jupyter?.stop();
  for (const d of dirs) fs.rmSync(d, { recursive: true, force: true });
});

describe('SIGTERM with runs in progress', () => {
  it('lets a short run finish, interrupts a long one, exits 0 and leaves no kernel on the external Jupyter', { timeout: 180_000 }, async () => {
    const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'folio-shutdown-'));
    dirs.push(dataDir);
    const folio = startFolioProcess({
      PORT: '0',
      DATA_DIR: dataDir,
      REDIS_URL: redis.url,
      JUPYTER_URL: jupyter.server.url,
      JUPYTER_TOKEN: jupyter.server.token,
      KERNEL_POOL_SIZE: '2',
      FOLIO_ADMIN_PASSWORD: 'shutdown-test-pw',
      FOLIO_SHUTDOWN_DRAIN_S: '4',
    });
    const client = new FolioClient(await readyUrl(folio));
    await client.signIn('admin@folio.local', 'shutdown-test-pw');
    const gate = path.join(dataDir, 'short-may-end');
    const short = await client.createNotebook('short', notebookOf([code('a', `import os, time\nwhile not os.path.exists(${JSON.stringify(gate)}):\n    time.sleep(0.05)\nprint("short done")`)]));
    const long = await client.createNotebook('long', notebookOf([code('a', 'import time\ntime.sleep(600)'), code('b', 'print("never")')]));
    const shortRun = await client.startRun(short);
    const longRun = await client.startRun(long);
    for (const id of [shortRun, longRun]) {
      await until(`run ${id} running`, async () => (await client.request<{ status: string }>('GET', `/api/runs/${id}`)).json.status === 'running');
    }
    expect((await jupyter.runningKernelIds()).length).toBeGreaterThan(0);

    folio.child.kill('SIGTERM');
    // The worker has stopped taking jobs and is draining: let the short run end within the drain time.
    await folio.waitForLog((l) => l.msg === 'shutting down');
    fs.writeFileSync(gate, '');
    const exit = await folio.exited;
    expect(exit, folio.stderr()).toEqual({ code: 0, signal: null });

    const store = openSqliteStore(path.join(dataDir, 'folio.db'));
    try {
      expect(await store.runs.get(shortRun)).toMatchObject({ status: 'succeeded' });
      const interrupted = await store.runs.get(longRun);
      expect(interrupted).toMatchObject({ status: 'failed', error: { code: 'interrupted' } });
      expect(interrupted?.cells.map((c) => c.status)).toEqual(['error', 'not_run']);
    } finally {
      await store.close();
    }
    expect(await jupyter.runningKernelIds()).toEqual([]);
  });
});
