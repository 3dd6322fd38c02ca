import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import type http from 'node:http';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadConfig } from '../../config';
import type { Notebook } from '../../contracts/nbformat';
import { NotebookService } from '../../notebooks/notebook.service';
import { codeCell as code, notebookOf } from '../../notebooks/testing/notebook-builders';
import { startRunsFixture, type Runner, type RunsFixture } from '../../runs/testing/runs-fixture';
import type { Role, RunRecord } from '../../store/store';
import { listen, testFetch } from '../../testing/http';
import { AuthService } from '../../users/auth.service';
import { UsersService } from '../../users/users.service';
import { createApp } from '../app';

/** End to end: HTTP → RunService → SQLite + BullMQ (real redis-server) → worker → KernelPool (real Jupyter). */
const PYTHON = path.resolve(__dirname, '../../../../kernels/.venv/bin/python');

let fx: RunsFixture;
let runner: Runner;
let server: http.Server;
let base: string;
const cookies: Partial<Record<Role, string>> = {};


async function api(method: string, url: string, body?: unknown, role: Role | null = 'author') {
  const res = await testFetch(`${base}${url}`, {
    method,
    headers: { ...(role ? { cookie: cookies[role]! } : {}), ...(body !== undefined ? { 'content-type': 'application/json' } : {}) },
    body: body === undefined ? undefined : typeof body === 'string' ? body : JSON.stringify(body),
  });
  const text = await res.text();
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch {
    json = undefined;
  }
  return { status: res.status, json: json as Record<string, any>, text, headers: res.headers }; // eslint-disable-line @typescript-eslint/no-explicit-any
}

async function createNotebook(cells: Notebook['cells'], name = 'Report'): Promise<string> {
  const r = await api('POST', '/api/notebooks', { name, content: notebookOf(cells) });
  expect(r.status).toBe(201);
  return r.json.id as string;
}

/** Starts a run over HTTP and waits for the worker to finish it. */
async function runToEnd(notebookId: string, params?: unknown): Promise<RunRecord> {
  const r = await api('POST', `/api/notebooks/${notebookId}/runs`, params === undefined ? {} : { params });
  expect(r.status, r.text).toBe(202);
  expect(r.json.status).toBe('queued');
  expect(r.headers.get('location')).toBe(`/api/runs/${r.json.id}`);
  await runner.settled(r.json.id);
  const got = await api('GET', `/api/runs/${r.json.id}`);
  expect(got.status).toBe(200);
  return got.json as RunRecord;
}

const stdout = (run: RunRecord, cellId: string) =>
  run.cells
    .find((c) => c.cellId === cellId)!
    .outputs.filter((o) => o.output_type === 'stream' && o.name === 'stdout')
    .map((o) => (o.output_type === 'stream' ? [o.text].flat().join('') : ''))
    .join('');

beforeAll(async () => {
  fx = await startRunsFixture({ poolSize: 2 });
  runner = fx.startRunner();
  const config = loadConfig({ DATA_DIR: fx.dir, LOG_LEVEL: 'silent' });
  const auth = new AuthService({ store: fx.store, logger: fx.logger });
  const notebooks = new NotebookService({ notebooks: fx.store.notebooks, limits: config.limits });
  const app = createApp({ config, logger: fx.logger, store: fx.store, auth, notebooks, runs: runner.service });
  ({ server, url: base } = await listen(app)); // Folio's keep-alive settings (http/server.ts)
  const users = new UsersService(fx.store);
  for (const role of ['author', 'viewer', 'admin'] as const) {
    await users.create({ email: `${role}@runs.test`, role, password: 'test-password' });
    cookies[role] = `folio_session=${(await auth.login(`${role}@runs.test`, 'test-password')).token}`;
  }
});

afterAll(async () => {
  server?.closeAllConnections();
  await new Promise<void>((resolve) => (server ? server.close(() => resolve()) : resolve()));
  await fx?.stop();
});

describe('headless runs over HTTP', () => {
  it('runs a saved notebook with parameters and serves status, outputs, timings, environment and the .ipynb', async () => {
    const id = await createNotebook([
      { id: 'md', cell_type: 'markdown', source: '# Report', metadata: {} },
      code('params', 'n: int = 2\nccy = "EUR"  # currency', ['parameters']),
      code('work', 'print(n * 21, ccy)\nn * 2'),
      code('skipped', 'raise SystemExit', ['skip-execution']),
    ]);
    const run = await runToEnd(id, { n: 3, ccy: 'USD' });
    expect(run).toMatchObject({ status: 'succeeded', notebookId: id, notebookVersion: 1, params: { n: 3, ccy: 'USD' }, trigger: 'manual', hasExecutedNotebook: true });
    expect(run.cells.map((c) => [c.cellId, c.status])).toEqual([
      ['params', 'ok'],
      ['injected-parameters', 'ok'],
      ['work', 'ok'],
      ['skipped', 'skipped'],
    ]);
    expect(stdout(run, 'work')).toBe('63 USD\n');
    const work = run.cells.find((c) => c.cellId === 'work')!;
    expect(work.outputs[1]).toMatchObject({ output_type: 'execute_result', data: { 'text/plain': '6' } });
    expect(Date.parse(work.endedAt!)).toBeGreaterThanOrEqual(Date.parse(work.startedAt!));
    expect(run.environment?.python).toMatch(/^3\.\d+\.\d+$/);
    expect(run.environment?.packages.ipykernel).toBe('6.31.0');
    expect(run.startedAt && run.endedAt).toBeTruthy();
    expect(run).not.toHaveProperty('executed');

    const file = await api('GET', `/api/runs/${run.id}/ipynb`);
    expect(file.status).toBe(200);
    expect(file.headers.get('content-type')).toContain('application/x-ipynb+json');
    expect(file.headers.get('content-disposition')).toMatch(/^attachment; filename="?Report-run-[0-9a-f]{8}\.ipynb"?$/);
    execFileSync(PYTHON, ['-c', 'import nbformat,sys; nbformat.validate(nbformat.reads(sys.stdin.read(), 4))'], { input: file.text });
    const executed = file.json as Notebook;
    expect(executed.cells.map((c) => c.id)).toEqual(['md', 'params', 'injected-parameters', 'work', 'skipped']);
    expect(executed.cells[2]).toMatchObject({ source: "# Parameters\nn = 3\nccy = 'USD'\n", metadata: { tags: ['injected-parameters'] } });
    expect(executed.metadata.folio).toEqual({ run_id: run.id, notebook_version: 1, parameters: { n: 3, ccy: 'USD' } });
  });

  it('hashes parameters canonically: defaults given or omitted are the same run key', async () => {
    const id = await createNotebook([code('p', 'a = 1\nb = {"x": [1, 2]}', ['parameters'])]);
    const r1 = await api('POST', `/api/notebooks/${id}/runs`, {});
    const r2 = await api('POST', `/api/notebooks/${id}/runs`, { params: { b: { x: [1, 2] }, a: 1 } });
    const r3 = await api('POST', `/api/notebooks/${id}/runs`, { params: { a: 2 } });
    await Promise.all([r1, r2, r3].map((r) => runner.settled(r.json.id)));
    const [a, b, c] = await Promise.all([r1, r2, r3].map(async (r) => (await api('GET', `/api/runs/${r.json.id}`)).json));
    expect(a!.paramsHash).toMatch(/^[0-9a-f]{64}$/);
    expect(a!.paramsHash).toBe(b!.paramsHash);
    expect(c!.paramsHash).not.toBe(a!.paramsHash);
  });

  it('saves per-cell progress while the run is going', async () => {
    const flag = path.join(fx.dir, `go-${Date.now()}`);
    const id = await createNotebook([
      code('first', 'print("first done")'),
      code('gate', `import os, time\nwhile not os.path.exists(${JSON.stringify(flag)}):\n    time.sleep(0.01)`),
      code('last', '"end"'),
    ]);
    const r = await api('POST', `/api/notebooks/${id}/runs`, {});
    await runner.waitFor(r.json.id, (e) => e.kind === 'progress' && (e.progress as { done: number }).done === 1);
    const mid = (await api('GET', `/api/runs/${r.json.id}`)).json as RunRecord;
    expect(mid.status).toBe('running');
    expect(mid.cells.map((c) => c.status)).toEqual(['ok', 'not_run', 'not_run']);
    expect(stdout(mid, 'first')).toBe('first done\n');
    expect(runner.events(r.json.id).slice(0, 2)).toEqual([
      { kind: 'progress', progress: { done: 0, total: 3, cellId: 'first', status: 'running' } },
      { kind: 'progress', progress: { done: 1, total: 3, cellId: 'first', status: 'ok' } },
    ]);
    fs.writeFileSync(flag, '');
    await runner.settled(r.json.id);
    const end = (await api('GET', `/api/runs/${r.json.id}`)).json as RunRecord;
    expect(end.cells.map((c) => c.status)).toEqual(['ok', 'ok', 'ok']);
  });

  it('ends a run whose cell raises as failed, without retrying it', async () => {
    const id = await createNotebook([code('a', 'x = 1'), code('b', '1 / 0'), code('c', 'print("never")')]);
    const run = await runToEnd(id);
    expect(run.status).toBe('failed');
    expect(run.error).toEqual({ code: 'cell_error', message: 'Cell 2 raised ZeroDivisionError: division by zero' });
    expect(run.cells.map((c) => c.status)).toEqual(['ok', 'error', 'not_run']);
    expect(run.cells[1]!.outputs[0]).toMatchObject({ output_type: 'error', ename: 'ZeroDivisionError' });
    const ends = runner.events(run.id).filter((e) => e.kind !== 'progress');
    expect(ends).toEqual([{ kind: 'failed', final: true, message: 'Cell 2 raised ZeroDivisionError: division by zero', attemptsMade: 1 }]);
    expect((await api('GET', `/api/runs/${run.id}/ipynb`)).status).toBe(200);
  });

  it('rejects bad parameters with a 400 naming the parameter, and records nothing', async () => {
    const id = await createNotebook([code('p', 'n: int = 1\nwhen: date = "2024-01-01"', ['parameters'])]);
    const cases: Array<[unknown, string, string]> = [
      [{ n: 'ten' }, 'n', 'expected an integer'],
      [{ n: '1; import os' }, 'n', 'expected an integer'],
      [{ when: '2024-02-30' }, 'when', 'not a valid date'],
      [{ 'x; import os': 1 }, 'x; import os', 'Unknown parameter'],
      [{ nope: 1 }, 'nope', 'Unknown parameter'],
    ];
    for (const [params, param, message] of cases) {
      const r = await api('POST', `/api/notebooks/${id}/runs`, { params });
      expect(r.status, JSON.stringify(params)).toBe(400);
      expect(r.json.error).toMatchObject({ code: 'bad_request', details: { param } });
      expect(r.json.error.message).toContain(message);
    }
    expect((await api('POST', `/api/notebooks/${id}/runs`, { params: [1] })).status).toBe(400);
    expect((await api('POST', `/api/notebooks/${id}/runs`, { params: {}, extra: 1 })).status).toBe(400);
    expect((await api('POST', `/api/notebooks/${id}/runs`, '{"params": ')).status).toBe(400);
    expect(await fx.store.runs.listByNotebook(id, 10)).toEqual([]);
  });

  it('checks who asks and what exists', async () => {
    const id = await createNotebook([code('a', '1')]);
    expect((await api('POST', `/api/notebooks/${id}/runs`, {}, null)).status).toBe(401);
    expect((await api('POST', `/api/notebooks/${id}/runs`, {}, 'viewer')).status).toBe(403);
    expect((await api('POST', '/api/notebooks/no-such-notebook/runs', {})).status).toBe(404);
    const r = await api('POST', `/api/notebooks/${id}/runs`, {}, 'admin');
    expect(r.status).toBe(202);
    await runner.settled(r.json.id);
    expect((await api('GET', `/api/runs/${r.json.id}`, undefined, null)).status).toBe(401);
    expect((await api('GET', `/api/runs/${r.json.id}`, undefined, 'viewer')).status).toBe(403);
    expect((await api('GET', `/api/runs/${r.json.id}/ipynb`, undefined, 'viewer')).status).toBe(403);
    expect((await api('GET', `/api/runs/${r.json.id}`)).json.status).toBe('succeeded');
    expect((await api('GET', '/api/runs/00000000-0000-4000-8000-000000000000')).status).toBe(404);
    expect((await api('GET', '/api/runs/not-a-uuid')).status).toBe(400);
  });

  it('serves no .ipynb before the run has ended', async () => {
    await runner.worker.worker.pause();
    try {
      const id = await createNotebook([code('a', '1')]);
      const r = await api('POST', `/api/notebooks/${id}/runs`, {});
      const early = await api('GET', `/api/runs/${r.json.id}/ipynb`);
      expect(early.status).toBe(404);
      expect(early.json.error.message).toContain('has not ended yet');
      expect((await api('GET', `/api/runs/${r.json.id}`)).json).toMatchObject({ status: 'queued', cells: [], hasExecutedNotebook: false });
      runner.worker.worker.resume();
      await runner.settled(r.json.id);
      expect((await api('GET', `/api/runs/${r.json.id}/ipynb`)).status).toBe(200);
    } finally {
      runner.worker.worker.resume();
    }
  });
});

describe('hostile parameter values on a real kernel', () => {
  it('each value arrives in the kernel exactly as sent and nothing in it runs', async () => {
    const marker = path.join(fx.dir, 'pwned');
    const hostile = [
      `"; import os; os.system('touch ${marker}')`,
      `'; import os; os.system('touch ${marker}'); '`,
      `\\'; __import__('os').system('touch ${marker}') #`,
      `"""; __import__('os').system('touch ${marker}'); """`,
      'back\\slash\\',
      'new\nline\r\nand\rreturns',
      '\u2028\u2029\u0085 separators',
      'nul\u0000byte',
      'unicode: Zürich 日本語 😀 \u202e',
      'lone \ud800 surrogate',
      '{braces} %s \\N{BULLET} \\x41',
      'x'.repeat(1024 * 1024),
    ];
    const names = hostile.map((_, i) => `s${i}`);
    const id = await createNotebook([
      code('p', `${names.map((n) => `${n} = ""`).join('\n')}\nnested = {}\nnums = []`, ['parameters']),
      code('out', `import json\nprint(json.dumps([${names.join(', ')}, nested, nums]))`),
    ]);
    const nested = { "a'b": ['"; import os', { '\n': null, k: [true, 1.5, -2] }], 'é😀': '\u0000' };
    const nums = [0.1, 1e300, -1.5e-300, 2 ** 53 - 1]; // (JSON has no -0)
    const params = { ...Object.fromEntries(names.map((n, i) => [n, hostile[i]])), nested, nums };
    const run = await runToEnd(id, params);
    expect(run.status, JSON.stringify(run.error)).toBe('succeeded');
    expect(JSON.parse(stdout(run, 'out'))).toEqual([...hostile, nested, nums]);
    expect(fs.existsSync(marker)).toBe(false);
  });

  it('rejects values that cannot be typed, naming the parameter', async () => {
    const id = await createNotebook([code('p', 'n = 1\nx = 1.5\nflag = False\ns = ""', ['parameters'])]);
    for (const [params, param] of [
      [{ n: '__import__("os")' }, 'n'],
      [{ x: '1e3; import os' }, 'x'],
      [{ flag: 'True; import os' }, 'flag'],
      [{ s: { toString: 'x' } }, 's'],
      [{ 'os.system': 1 }, 'os.system'],
      [{ class: 1 }, 'class'],
    ] as const) {
      const r = await api('POST', `/api/notebooks/${id}/runs`, { params });
      expect(r.status).toBe(400);
      expect(r.json.error.details.param).toBe(param);
    }
  });
});

describe('infrastructure failures', () => {
  it('retries with backoff when no kernel frees up, then runs', async () => {
    const retrying = fx.startRunner({ acquireTimeoutMs: 200 });
    const held = await Promise.all(Array.from({ length: fx.pool.size }, () => fx.pool.acquire(30_000)));
    try {
      const author = { id: 'u-retry', email: 'r@runs.test', name: 'R', role: 'author' as const };
      const nb = await fx.store.notebooks.create({ id: 'nb-retry', name: 'retry', ownerId: author.id, content: notebookOf([code('a', 'print("ran")')]) });
      const run = await retrying.service.start(author, nb.id, {});
      const first = await retrying.waitFor(run.id, (e) => e.kind === 'failed');
      expect(first).toMatchObject({ kind: 'failed', final: false, attemptsMade: 1 });
      expect(first.kind === 'failed' && first.message).toContain('No kernel became free');
      expect((await fx.store.runs.get(run.id))!.status).toBe('queued');
      for (const k of held.splice(0)) fx.pool.release(k);
      expect((await retrying.settled(run.id)).kind).toBe('completed');
      expect((await fx.store.runs.get(run.id))!.status).toBe('succeeded');
    } finally {
      for (const k of held) fx.pool.release(k);
      await retrying.close();
    }
  });

  it('fails the start with 503 and records the run as failed when Redis is unreachable', async () => {
    const { BullRunQueue } = await import('../../queue/run-queue');
    const { RunService } = await import('../../runs/run.service');
    const dead = new BullRunQueue({ connection: { host: '127.0.0.1', port: 1, maxRetriesPerRequest: 1 }, enqueueTimeoutMs: 300 });
    try {
      const service = new RunService({ notebooks: fx.store.notebooks, runs: fx.store.runs, queue: dead, logger: fx.logger });
      const nb = await fx.store.notebooks.create({ id: 'nb-dead', name: 'dead', ownerId: 'u', content: notebookOf([code('a', '1')]) });
      await expect(service.start({ id: 'u', email: 'u@x', name: 'U', role: 'author' }, nb.id, {})).rejects.toMatchObject({ status: 503 });
      const [run] = await fx.store.runs.listByNotebook(nb.id, 10);
      expect(run).toMatchObject({ status: 'failed', error: { code: 'unavailable' } });
    } finally {
      await dead.close().catch(() => undefined);
    }
  });

  it('cancels over POST /api/runs/:id/cancel: 202 then cancelled for a running run, 409 once ended, starter or admin only', async () => {
    const id = await createNotebook([code('a', 'import time\ntime.sleep(120)'), code('b', 'print("never")')], 'Cancel me');
    const started = await api('POST', `/api/notebooks/${id}/runs`, {});
    const runId = started.json.id as string;
    await runner.waitFor(runId, (e) => e.kind === 'progress');
    expect((await api('POST', `/api/runs/${runId}/cancel`, undefined, null)).status).toBe(401);
    expect((await api('POST', `/api/runs/${runId}/cancel`, undefined, 'viewer')).status).toBe(403);
    const asked = await api('POST', `/api/runs/${runId}/cancel`);
    expect(asked.status, asked.text).toBe(202);
    expect(asked.json).toMatchObject({ id: runId, status: 'running' });
    await runner.settled(runId);
    const run = await api('GET', `/api/runs/${runId}`);
    expect(run.json).toMatchObject({ status: 'cancelled', error: { code: 'cancelled' } });
    const again = await api('POST', `/api/runs/${runId}/cancel`, undefined, 'admin');
    expect(again.status).toBe(409);
    expect(again.json.error.message).toMatch(/already ended \(cancelled\)/);
    expect((await api('POST', '/api/runs/00000000-0000-4000-8000-000000000000/cancel')).status).toBe(404);
  });
});
