import { randomUUID } from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { startRedisServer } from '../embedded/redis-server';
import type { Principal } from '../contracts/principal';
import { codeCell as code, notebookOf } from '../notebooks/testing/notebook-builders';
import type { Notebook } from '../contracts/nbformat';
import type { RunRecord, Store } from '../store/store';
import { startRunsFixture, type RunsFixture } from './testing/runs-fixture';

/**
 * Run integrity against the real parts (Jupyter kernels, redis-server, SQLite, BullMQ workers): every run ends in
 * exactly one true state, is executed at most once, and cancels, stalls, lost jobs and an outage of Redis cannot
 * make it lie. Each test counts executions with a file the notebook appends to.
 */
let fx: RunsFixture;
const author: Principal = { id: 'u-author', email: 'author@integrity.test', name: 'Author', role: 'author' };
const other: Principal = { id: 'u-other', email: 'other@integrity.test', name: 'Other', role: 'author' };
const admin: Principal = { id: 'u-admin', email: 'admin@integrity.test', name: 'Admin', role: 'admin' };

beforeAll(async () => {
  fx = await startRunsFixture({ poolSize: 2 });
});
afterAll(async () => {
  await fx?.stop();
});

/** A notebook whose first cell appends a line to a fresh file (its path is returned), then runs `rest`. */
async function countingNotebook(...rest: string[]): Promise<{ id: string; executions: () => number }> {
  const file = path.join(fx.dir, `executions-${randomUUID()}.txt`);
  const cells: Notebook['cells'] = [
    code('count', `with open(${JSON.stringify(file)}, 'a') as f:\n    f.write('x\\n')`),
    ...rest.map((src, i) => code(`c${i}`, src)),
  ];
  const nb = await fx.store.notebooks.create({ id: `nb-${randomUUID()}`, name: 'integrity', ownerId: author.id, content: notebookOf(cells) });
  const executions = () => (fs.existsSync(file) ? fs.readFileSync(file, 'utf8').split('\n').filter(Boolean).length : 0);
  return { id: nb.id, executions };
}

/** A fresh queued record of the same notebook and parameters as `runId` (a run written straight to the store). */
async function copyOfRun(runId: string): Promise<RunRecord> {
  const base = (await fx.store.runs.get(runId))!;
  const { executed: _e, outputsIn: _o, attemptId: _a, attempts: _n, heartbeatAt: _h, startedAt: _s, endedAt: _d, error: _r, ...rest } = base;
  return { ...rest, id: randomUUID(), status: 'queued', cells: [], createdAt: new Date().toISOString() };
}

/** Waits (polling the real store; some outcomes have no event, e.g. while Redis is down) until `match` holds. */
async function runWhere(store: Store, id: string, match: (r: RunRecord) => boolean, timeout = 60_000): Promise<RunRecord> {
  return vi.waitFor(
    async () => {
      const run = await store.runs.get(id);
      if (!run || !match(run)) throw new Error(`run ${id} is ${run?.status}`);
      return run;
    },
    { timeout, interval: 50 },
  );
}

describe('cancelling a run', () => {
  it('ends a running run cancelled within a heartbeat, interrupts its cell and gives the kernel back restarted', async () => {
    const runner = fx.startRunner();
    try {
      const nb = await countingNotebook('x = 41', 'import time\ntime.sleep(120)', 'print("never")');
      const run = await runner.service.start(author, nb.id, {});
      await runner.waitFor(run.id, (e) => e.kind === 'progress' && (e.progress as { cellId: string }).cellId === 'c1');
      // Another author, who cannot see the notebook, is told it does not exist (issue 9: existence does not leak).
      await expect(runner.service.cancel(other, run.id)).rejects.toMatchObject({ status: 404 });
      const asked = await runner.service.cancel(author, run.id);
      expect(asked).toMatchObject({ outcome: 'cancelling', run: { status: 'running' } });
      expect(asked.run.cancelRequestedAt).toBeTruthy();
      const ended = await runner.settled(run.id);
      expect(ended).toMatchObject({ kind: 'failed', final: true });
      const stored = await runner.service.get(author, run.id);
      expect(stored).toMatchObject({ status: 'cancelled', error: { code: 'cancelled' } });
      expect(stored.cells.map((c) => c.status)).toEqual(['ok', 'ok', 'error', 'not_run']);
      expect(nb.executions()).toBe(1);
      await expect(runner.service.cancel(author, run.id)).rejects.toMatchObject({ status: 409 });
      // The kernel is back in the pool, restarted: a new run sees none of the cancelled run's variables.
      const next = await countingNotebook('print(globals().get("x", "fresh"))');
      const second = await runner.service.start(author, next.id, {});
      expect((await runner.settled(second.id)).kind).toBe('completed');
      const out = (await runner.service.get(author, second.id)).cells[1]!.outputs[0];
      expect(out).toMatchObject({ output_type: 'stream', text: 'fresh\n' });
    } finally {
      await runner.close();
    }
  });

  it('ends a queued run at once and removes its job, so no worker ever runs it', async () => {
    const runner = fx.startRunner();
    await runner.worker.worker.pause(); // nothing is taken from the queue
    try {
      const nb = await countingNotebook();
      const run = await runner.service.start(author, nb.id, {});
      expect(await runner.queue.state(run.id)).toBe('waiting');
      const { run: cancelled, outcome } = await runner.service.cancel(admin, run.id);
      expect(outcome).toBe('cancelled');
      expect(cancelled).toMatchObject({ status: 'cancelled', error: { code: 'cancelled' } });
      expect(await runner.queue.state(run.id)).toBe('missing');
      runner.worker.worker.resume();
      // A job added for it anyway (a duplicate trigger) ends without executing anything.
      await runner.queue.enqueue(run.id);
      expect(await runner.settled(run.id)).toMatchObject({ kind: 'failed', final: true });
      expect(nb.executions()).toBe(0);
      expect((await fx.store.runs.get(run.id))?.status).toBe('cancelled');
    } finally {
      await runner.close();
    }
  });
});

describe('exactly once', () => {
  it('a second delivery of a job whose run a live attempt holds leaves it to that attempt', async () => {
    // Two workers on one queue; the first one's lock is removed under it (as when Redis was away long enough for
    // it to expire), so the second takes the job while the first still runs it.
    // Same settings on both (as in production): one worker's stalled check sets a shared "checked" mark for its interval.
    const lock = { lockDuration: 60_000, stalledInterval: 300 };
    const first = fx.startRunner({ concurrency: 1, lock });
    const second = fx.startRunner({ queueName: first.queueName, concurrency: 1, lock });
    await second.worker.worker.pause();
    try {
      const gate = path.join(fx.dir, `gate-${randomUUID()}`);
      const nb = await countingNotebook(`import os, time\nwhile not os.path.exists(${JSON.stringify(gate)}):\n    time.sleep(0.05)`);
      const run = await first.service.start(author, nb.id, {});
      await first.waitFor(run.id, (e) => e.kind === 'progress' && (e.progress as { cellId: string }).cellId === 'c0');
      const redis = await first.queue.queue.client;
      await redis.del(`bull:${first.queueName}:${run.id}:lock`);
      second.worker.worker.resume();
      const handedOut = await second.waitFor(run.id, (e) => e.kind === 'completed');
      expect(handedOut).toMatchObject({ kind: 'completed', result: 'running' }); // it looked, and left the run alone
      fs.writeFileSync(gate, ''); // now the first attempt may finish
      const ended = await runWhere(fx.store, run.id, (r) => r.status !== 'running');
      expect(ended.status).toBe('succeeded');
      expect(ended.attempts).toBe(1);
      expect(nb.executions()).toBe(1);
    } finally {
      await second.close();
      await first.close();
    }
  });

  it('a run whose attempt went silent is ended lost, never executed a second time', async () => {
    const runner = fx.startRunner({ liveness: { heartbeatMs: 200, staleAfterMs: 1_000 } });
    try {
      const nb = await countingNotebook();
      // The state a worker killed mid-run leaves behind: running under an attempt that no longer beats, its job back in the queue.
      const run = await runner.service.start(author, nb.id, {});
      await runner.settled(run.id);
      const stuck = await copyOfRun(run.id);
      await fx.store.runs.create(stuck);
      await fx.store.runs.transition(stuck.id, { status: ['queued'] }, { status: 'running', attemptId: 'dead-worker', startedAt: new Date(Date.now() - 60_000).toISOString() });
      await fx.store.runs.heartbeat(stuck.id, 'dead-worker', new Date(Date.now() - 60_000).toISOString());
      await runner.queue.enqueue(stuck.id);
      expect(await runner.settled(stuck.id)).toMatchObject({ kind: 'failed', final: true });
      expect(await fx.store.runs.get(stuck.id)).toMatchObject({ status: 'failed', error: { code: 'lost' } });
      expect(nb.executions()).toBe(1); // the first run only
    } finally {
      await runner.close();
    }
  });

  it('a failure to save the result ends the run with what is known, and never runs the notebook again', async () => {
    const runner = fx.startRunner();
    const transition = fx.store.runs.transition.bind(fx.store.runs);
    // The store refuses the final document once (as it would a document over its size limit).
    let refused = 0;
    fx.store.runs.transition = async (id, guard, patch) => {
      if (patch.executed && refused++ === 0) throw new Error('document too large');
      return transition(id, guard, patch);
    };
    try {
      const nb = await countingNotebook('print("done")');
      const run = await runner.service.start(author, nb.id, {});
      expect(await runner.settled(run.id)).toMatchObject({ kind: 'failed', final: true });
      const stored = await fx.store.runs.get(run.id);
      expect(stored).toMatchObject({ status: 'failed', error: { code: 'result_not_saved' } });
      expect(stored?.error?.message).toContain('document too large');
      expect(stored?.cells.map((c) => c.status)).toEqual(['ok', 'ok']);
      expect(nb.executions()).toBe(1);
    } finally {
      fx.store.runs.transition = transition;
      await runner.close();
    }
  });
});

describe('storage', () => {
  it('stores a finished run’s outputs once, in the executed notebook, and serves them per cell', async () => {
    const runner = fx.startRunner();
    try {
      const nb = await countingNotebook('print("x" * 10_000)');
      const run = await runner.service.start(author, nb.id, {});
      await runner.settled(run.id);
      const stored = (await fx.store.runs.get(run.id))!;
      expect(stored.outputsIn).toBe('executed');
      expect(stored.cells.every((c) => c.outputs.length === 0)).toBe(true);
      expect(JSON.stringify(stored).split('x'.repeat(10_000)).length - 1).toBe(1);
      const served = await runner.service.get(author, run.id);
      expect(served.cells[1]!.outputs).toEqual([{ output_type: 'stream', name: 'stdout', text: 'x'.repeat(10_000) + '\n' }]);
      expect(served).not.toHaveProperty('outputsIn');
    } finally {
      await runner.close();
    }
  });
});

describe('the reconciler', () => {
  it('re-queues a queued run whose job was lost and ends a silent running one as lost', async () => {
    const runner = fx.startRunner({ liveness: { heartbeatMs: 200, staleAfterMs: 1_000 } });
    try {
      const nb = await countingNotebook();
      const lostQueued = await runner.service.start(author, nb.id, {});
      await runner.settled(lostQueued.id);
      // Both runs as Redis losing its data would leave them: records without jobs.
      const queued = await copyOfRun(lostQueued.id);
      const running = await copyOfRun(lostQueued.id);
      await fx.store.runs.create(queued);
      await fx.store.runs.create(running);
      await fx.store.runs.transition(running.id, { status: ['queued'] }, { status: 'running', attemptId: 'gone', startedAt: new Date(Date.now() - 60_000).toISOString() });
      const report = await runner.reconciler.reconcile();
      expect(report.requeued).toContain(queued.id);
      expect(report.ended).toContain(running.id);
      expect(await fx.store.runs.get(running.id)).toMatchObject({ status: 'failed', error: { code: 'lost' } });
      expect((await runner.settled(queued.id)).kind).toBe('completed');
      expect((await fx.store.runs.get(queued.id))?.status).toBe('succeeded');
      expect(nb.executions()).toBe(2);
      // A second pass finds nothing left to do.
      expect(await runner.reconciler.reconcile()).toMatchObject({ requeued: [], ended: [] });
    } finally {
      await runner.close();
    }
  });

  it('ends a run whose job BullMQ failed for stalling, without any processor running it', async () => {
    // Worker A takes the job but never gets a kernel (so never claims the run); its lock disappears (as when it
    // froze). Worker B, allowing no stall, finds the job stalled: BullMQ fails it without running a processor.
    let release: (() => void) | undefined;
    const lock = { lockDuration: 60_000, stalledInterval: 300, maxStalledCount: 0 };
    const stuck = fx.startRunner({
      concurrency: 1,
      lock,
      kernels: { acquire: () => new Promise((_, reject) => (release = () => reject(new Error('never')))), release: () => undefined },
    });
    const checker = fx.startRunner({ queueName: stuck.queueName, concurrency: 1, lock });
    await checker.worker.worker.pause();
    try {
      const nb = await countingNotebook();
      const run = await stuck.service.start(author, nb.id, {});
      await vi.waitFor(async () => expect(await stuck.queue.state(run.id)).toBe('active'), { timeout: 30_000, interval: 50 });
      await (await stuck.queue.queue.client).del(`bull:${stuck.queueName}:${run.id}:lock`);
      checker.worker.worker.resume();
      const failed = await checker.waitFor(run.id, (e) => e.kind === 'failed');
      expect(failed).toMatchObject({ kind: 'failed', message: 'job stalled more than allowable limit' });
      const ended = await runWhere(fx.store, run.id, (r) => r.status !== 'queued');
      expect(ended).toMatchObject({ status: 'failed', error: { code: 'lost' } });
      expect(nb.executions()).toBe(0);
    } finally {
      release?.();
      await checker.close();
      await stuck.close();
    }
  });
});

describe('Redis away mid-run', () => {
  it('gives the kernel back and saves the result while Redis is down; progress waits for nobody', { timeout: 180_000 }, async () => {
    const redisDir = fs.mkdtempSync(path.join(fx.dir, 'redis-'));
    const own = await startRedisServer({ dataDir: redisDir, logger: fx.logger });
    const runner = fx.startRunner({ connection: { host: '127.0.0.1', port: own.port }, publishTimeoutMs: 300 });
    let restarted: Awaited<ReturnType<typeof startRedisServer>> | undefined;
    try {
      const nb = await countingNotebook('import time\ntime.sleep(1.5)', 'print("after the outage")');
      const run = await runner.service.start(author, nb.id, {});
      await runner.waitFor(run.id, (e) => e.kind === 'progress' && (e.progress as { cellId: string }).cellId === 'c0');
      await own.stop();
      const ended = await runWhere(fx.store, run.id, (r) => r.status !== 'running');
      expect(ended.status).toBe('succeeded');
      expect((await runner.service.get(author, run.id)).cells[2]!.outputs[0]).toMatchObject({ text: 'after the outage\n' });
      await vi.waitFor(() => expect(fx.pool.health().busy).toBe(0), { timeout: 30_000, interval: 50 });
      // Redis comes back on the same port and data: the job completes; nothing runs twice.
      restarted = await startRedisServer({ dataDir: redisDir, logger: fx.logger, port: own.port });
      await runner.settled(run.id);
      expect(nb.executions()).toBe(1);
      expect((await fx.store.runs.get(run.id))?.status).toBe('succeeded');
    } finally {
      await runner.close();
      await restarted?.stop();
      await own.stop();
    }
  });
});
