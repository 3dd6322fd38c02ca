import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { freePort } from './embedded/child-process';
import { isRunning } from './embedded/processes';
import { FolioClient, readyUrl, startFolioProcess, until, type FolioProcess } from './embedded/testing/folio-process';
import { connectKernelWs, runCells, streamText } from './http/kernel/kernel.socket.fixture';
import { codeCell, notebookOf } from './notebooks/testing/notebook-builders';

/**
 * Supervision of the embedded children, with the real entry point as a child process (FOLIO_ROLE=all, embedded
 * Jupyter Server and redis-server, default cell timeout of 600 s): each child is SIGKILLed while Folio runs, and
 * Folio must notice, say so on /readyz, restart it on the same port, and serve runs again. Observed through the HTTP
 * API (GET /api/runs/:id, /readyz) and the log, never through run internals.
 */
const password = 'supervision-test-pw';
let dir: string;
let folio: FolioProcess;
let client: FolioClient;

beforeAll(async () => {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'folio-supervision-'));
  folio = startFolioProcess({
    DATA_DIR: path.join(dir, 'data'),
    PORT: String(await freePort()),
    KERNEL_POOL_SIZE: '2',
    FOLIO_ADMIN_PASSWORD: password,
  });
  client = new FolioClient(await readyUrl(folio));
  await client.signIn('admin@folio.local', password);
});

afterAll(async () => {
  // After a failed test: a clean stop (Folio waits for its children), so nothing outlives the test and the data dir
  // is not pulled from under a Jupyter Server still shutting its kernels down.
  if (folio && folio.child.exitCode === null && folio.child.signalCode === null) folio.child.kill('SIGTERM');
  await folio?.exited;
  fs.rmSync(dir, { recursive: true, force: true });
});

const entries = (msg: string) => folio.logs.filter((l) => l.msg === msg);
const nextLog = (msg: string) => folio.waitForLog((l) => l.msg === msg, folio.logs.length);

/** A run of a one-cell notebook that prints 2, to the end. */
async function quickRun() {
  const id = await client.createNotebook('quick', notebookOf([codeCell('c', 'print(1 + 1)')]));
  return client.ended(await client.startRun(id));
}

describe('the embedded Jupyter Server dies mid-run', () => {
  it('the run fails at once saying Jupyter was unreachable; readyz 503 until it is back on the same port; runs work again', async () => {
    const first = (await folio.waitForLog((l) => l.msg === 'Jupyter Server ready')) as { pid: number; url: string };
    const marker = path.join(dir, 'kernel-pid.txt');
    const cell = `import os, time\nopen(${JSON.stringify(marker)}, "w").write(str(os.getpid()))\ntime.sleep(120)`;
    const runId = await client.startRun(await client.createNotebook('sleepy', notebookOf([codeCell('sleep', cell)])));
    const kernelPid = await until(
      'the cell is running',
      () => fs.existsSync(marker) && Number(fs.readFileSync(marker, 'utf8')),
    );

    const exitLogged = nextLog('Jupyter Server exited unexpectedly; restarting it');
    const restartLogged = nextLog('Jupyter Server restarted');
    const killedAt = Date.now();
    process.kill(first.pid, 'SIGKILL');
    await exitLogged;
    const down = await client.readyz();
    expect(down.status).toBe(503);
    expect(down.body.checks.jupyter).toEqual({
      state: 'down',
      error: expect.stringMatching(/^restarting after it exited \(SIGKILL\), attempt 1$/),
    });
    expect(down.body.checks.redis).toEqual({ state: 'up' });

    const run = await client.ended(runId);
    const failedAfterMs = Date.now() - killedAt;
    expect(run.status).toBe('failed');
    expect(run.error).toEqual({
      code: 'jupyter_unreachable',
      message: expect.stringMatching(/^The Jupyter Server became unreachable while running cell 1/),
    });
    expect(run.cells[0]).toMatchObject({ cellId: 'sleep', status: 'error' });
    await until('the dead server’s kernel is gone', () => !isRunning(kernelPid));

    const restarted = (await restartLogged) as { pid: number };
    const again = folio.logs.filter((l) => l.msg === 'Jupyter Server ready').at(-1) as { pid: number; url: string };
    expect(again.pid).toBe(restarted.pid);
    expect(again.url).toBe(first.url); // same port (and token: the settings made at start-up keep working)
    await until('readyz is 200 again', async () => (await client.readyz()).status === 200);

    // The pool refilled on the new server: its second kernel was idle when the server died (services would keep
    // reconnecting to it for minutes) and must not be handed to the next run or live session.
    const next = await quickRun();
    expect(next.status).toBe('succeeded');
    expect(next.cells[0]!.outputs).toEqual([{ output_type: 'stream', name: 'stdout', text: '2\n' }]);
    const nb = await client.createNotebook('live after restart', notebookOf([]));
    const live = await connectKernelWs(
      `${client.url.replace(/^http/, 'ws')}/api/notebooks/${nb}/kernel`,
      client.cookieHeader,
    );
    try {
      const [done] = await runCells(live, [['c', 'print(40 + 2)']]);
      expect(done!.status).toBe('ok');
      const out = live.events.filter((e) => e.type === 'outputs' && e.cellId === 'c').at(-1);
      expect(streamText(out && 'outputs' in out ? out.outputs : [])).toBe('42\n');
    } finally {
      live.ws.close();
    }
    console.info(`supervision: run failed ${failedAfterMs} ms after the Jupyter Server was killed`);
  });
});

describe('the embedded redis-server dies', () => {
  it('readyz 503 naming Redis until it is restarted on the same port; runs work again', async () => {
    const first = entries('embedded redis-server ready')[0] as { pid: number; url: string };
    const exitLogged = nextLog('redis-server exited unexpectedly; restarting it');
    const restartLogged = nextLog('redis-server restarted');
    process.kill(first.pid, 'SIGKILL');
    await exitLogged;
    const down = await client.readyz();
    expect(down.status).toBe(503);
    expect(down.body.checks.redis).toEqual({
      state: 'down',
      error: expect.stringMatching(/^restarting after it exited \(SIGKILL\), attempt 1$/),
    });

    await restartLogged;
    expect((entries('embedded redis-server ready').at(-1) as { url: string }).url).toBe(first.url);
    await until('readyz is 200 again', async () => (await client.readyz()).status === 200);
    // A producer fails fast while its own connection is still coming back (503 + Retry-After); a client retries.
    const run = await until('a run is accepted', async () => {
      const id = await client.createNotebook('after redis', notebookOf([codeCell('c', 'print(1 + 1)')]));
      const r = await client.request<{ id: string }>('POST', `/api/notebooks/${id}/runs`, {});
      if (r.status === 503) return undefined;
      expect(r.status).toBe(202);
      return r.json.id;
    });
    expect((await client.ended(run)).status).toBe('succeeded');
  });

  it('SIGTERM afterwards stops everything, the restarted children included', async () => {
    const pids = [entries('Jupyter Server ready').at(-1)!.pid!, entries('embedded redis-server ready').at(-1)!.pid!];
    folio.child.kill('SIGTERM');
    expect(await folio.exited).toEqual({ code: 0, signal: null });
    expect(pids.filter(isRunning)).toEqual([]);
  });
});
