import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DomainError } from '../errors';
import { executeCode } from './executor';
import { processesMentioning } from '../embedded/jupyter-server';
import { KernelPool, type KernelPoolEvent, type PooledKernel } from './pool';
import { startTestJupyter, type TestJupyter } from './testing/jupyter-fixture';

let jupyter: TestJupyter;
beforeAll(async () => {
  jupyter = await startTestJupyter();
});
afterAll(async () => {
  await jupyter?.stop();
});

const newPool = (size: number, preamble?: string) => new KernelPool({ settings: jupyter.settings, size, preamble, logger: jupyter.logger });
const value = async (k: PooledKernel, expr: string) => {
  const r = await executeCode(k, expr);
  const out = r.outputs[0];
  return out?.output_type === 'execute_result' ? out.data['text/plain'] : out?.output_type === 'error' ? out.ename : undefined;
};

describe('KernelPool', () => {
  it('never leaks state between runs, and runs the preamble before handing a kernel out', async () => {
    const pool = newPool(1, 'import json as _folio_preloaded');
    await pool.start();
    try {
      const a = await pool.acquire(60_000);
      expect(await value(a, "'_folio_preloaded' in dir()")).toBe('True');
      await executeCode(a, 'secret = 42');
      expect(await value(a, 'secret')).toBe('42');
      pool.release(a);

      const b = await pool.acquire(60_000);
      expect(b.id).toBe(a.id); // the same kernel, restarted
      expect(await value(b, 'secret')).toBe('NameError');
      expect(await value(b, "'_folio_preloaded' in dir()")).toBe('True');
      pool.release(b);
    } finally {
      await pool.shutdown();
    }
  });

  it('makes acquires beyond the pool size wait, FIFO, and time out cleanly', async () => {
    const pool = newPool(1);
    await pool.start();
    try {
      const a = await pool.acquire(60_000);
      const timedOut = pool.acquire(200);
      await expect(timedOut).rejects.toBeInstanceOf(DomainError);
      await expect(timedOut).rejects.toMatchObject({ code: 'overloaded', status: 429, message: 'No kernel became free within 0.2s' });

      const first = pool.acquire(60_000);
      const second = pool.acquire(60_000);
      expect(pool.health()).toMatchObject({ busy: 1, waiting: 2 });
      pool.release(a);
      const got = await first;
      expect(pool.health()).toMatchObject({ busy: 1, waiting: 1 });
      pool.release(got);
      pool.release(await second);
      expect(pool.health().waiting).toBe(0);
    } finally {
      await pool.shutdown();
    }
  });

  it('replaces an idle kernel that was killed', async () => {
    const events: KernelPoolEvent[] = [];
    let onDiscard: (id: string) => void = () => undefined;
    const pool = new KernelPool({
      settings: jupyter.settings,
      size: 1,
      logger: jupyter.logger,
      onEvent: (e) => {
        events.push(e);
        if (e.type === 'discarded') onDiscard(e.kernelId);
      },
    });
    await pool.start();
    try {
      const [started] = events;
      expect(started?.type).toBe('started');
      const victim = started!.kernelId;
      const discarded = new Promise<string>((resolve) => (onDiscard = resolve));
      const pids = processesMentioning(`kernel-${victim}.json`);
      expect(pids.length).toBeGreaterThan(0);
      for (const pid of pids) process.kill(pid, 'SIGKILL');
      expect(await discarded).toBe(victim); // wait on the pool's event, not on time

      const k = await pool.acquire(60_000);
      expect(k.id).not.toBe(victim);
      expect(await value(k, '1 + 1')).toBe('2');
      expect(events).toContainEqual({ type: 'discarded', kernelId: victim, reason: 'died' });
      pool.release(k);
    } finally {
      await pool.shutdown();
    }
  });

  it('discards a kernel on request and starts kernels on demand with size 0', async () => {
    const pool = newPool(1);
    await pool.start();
    const a = await pool.acquire(60_000);
    pool.release(a, { discard: true });
    const b = await pool.acquire(60_000);
    expect(b.id).not.toBe(a.id);
    pool.release(b);
    await pool.shutdown();

    const onDemand = newPool(0);
    await onDemand.start();
    expect(onDemand.health()).toMatchObject({ idle: 0, busy: 0 });
    const k = await onDemand.acquire(60_000);
    expect(await value(k, '6 * 7')).toBe('42');
    onDemand.release(k);
    await onDemand.shutdown();
  });

  it('take() hands an idle kernel out for good: acquire never waits on it, release shuts it down', async () => {
    const events: KernelPoolEvent[] = [];
    const pool = new KernelPool({
      settings: jupyter.settings,
      size: 1,
      preamble: 'import json as _folio_preloaded',
      logger: jupyter.logger,
      onEvent: (e) => events.push(e),
      refillAfterTakeMs: 600_000, // so only the acquire below can start the replacement
    });
    await pool.start();
    try {
      const live = pool.take()!;
      expect(await value(live, "'_folio_preloaded' in dir()")).toBe('True'); // warm: the preamble ran
      expect(pool.health()).toMatchObject({ idle: 0, busy: 0, taken: 1, starting: 0 });
      await executeCode(live, 'secret = 1');
      const run = await pool.acquire(60_000); // starts the replacement at once; the taken kernel is never given back
      expect(run.id).not.toBe(live.id);
      expect(await value(run, 'secret')).toBe('NameError');
      expect(pool.take()).toBeUndefined(); // nothing idle: the caller starts a kernel of its own, never waits

      pool.release(live);
      expect(events).toContainEqual({ type: 'discarded', kernelId: live.id, reason: 'released' });
      expect(pool.health()).toMatchObject({ idle: 0, busy: 1, taken: 0, starting: 0 }); // full already: nothing started
      pool.release(run);
    } finally {
      await pool.shutdown();
    }
  });

  it('take() starts the replacement by itself shortly after, so the pool is warm again', async () => {
    let onStarted: (id: string) => void = () => undefined;
    const pool = new KernelPool({
      settings: jupyter.settings,
      size: 1,
      logger: jupyter.logger,
      refillAfterTakeMs: 10,
      onEvent: (e) => e.type === 'started' && onStarted(e.kernelId),
    });
    await pool.start();
    try {
      const started = new Promise<string>((resolve) => (onStarted = resolve));
      const live = pool.take()!;
      expect(await started).not.toBe(live.id); // the replacement, with no acquire asking for it
      expect(pool.health()).toMatchObject({ busy: 0, waiting: 0, taken: 1 });
      pool.release(live);
    } finally {
      await pool.shutdown();
    }
  });

  it("survives a restart that cancels a pending kernel_info request (services' unhandled rejection)", async () => {
    const pool = newPool(1);
    await pool.start();
    const k = await pool.acquire(60_000);
    const info = k.connection.requestKernelInfo(); // what services sends after every reconnect
    const restarted = k.connection.restart(); // cancels it before the reply
    await expect(info).resolves.toBeUndefined();
    await restarted;
    expect(await value(k, '6 * 7')).toBe('42');
    pool.release(k);
    await pool.shutdown();
  });

  it('replaces a kernel whose restart between runs does not finish in time', async () => {
    const before = new Set(await jupyter.runningKernelIds());
    const pool = new KernelPool({ settings: jupyter.settings, size: 1, logger: jupyter.logger, restartTimeoutMs: 1 });
    await pool.start();
    const a = await pool.acquire(60_000);
    pool.release(a); // the restart cannot answer within 1 ms: the kernel is discarded and a new one started
    const b = await pool.acquire(60_000);
    expect(b.id).not.toBe(a.id);
    expect(await value(b, '6 * 7')).toBe('42');
    pool.release(b, { discard: true });
    await pool.shutdown();
    expect((await jupyter.runningKernelIds()).filter((id) => !before.has(id))).toEqual([]);
  });

  it('leaves no kernel behind after shutdown, and refuses acquires after it', async () => {
    const before = new Set(await jupyter.runningKernelIds());
    const pool = newPool(2);
    await pool.start();
    const mine = (await jupyter.runningKernelIds()).filter((id) => !before.has(id));
    expect(mine).toHaveLength(2);
    const busy = await pool.acquire(60_000);
    expect(mine).toContain(busy.id);
    await pool.shutdown();
    const after = await jupyter.runningKernelIds();
    expect(after.filter((id) => mine.includes(id))).toEqual([]);
    await expect(pool.acquire(1_000)).rejects.toMatchObject({ code: 'unavailable' });
  });

  it('size 0: an acquire that cannot start a kernel in time is overloaded, and the late kernel is shut down', async () => {
    const before = new Set(await jupyter.runningKernelIds());
    const onDemand = newPool(0);
    await onDemand.start();
    // No kernel starts (REST call, ZMQ channels, kernel_info) within 1 ms.
    await expect(onDemand.acquire(1)).rejects.toMatchObject({
      code: 'overloaded',
      message: 'No kernel could be started within 0.001s',
      details: { retryAfterSeconds: 1 },
    });
    await onDemand.shutdown(); // waits for the late start and its shutdown
    expect((await jupyter.runningKernelIds()).filter((id) => !before.has(id))).toEqual([]);
  });

  it('bounds the kernel start request itself by startTimeoutMs, leaving nothing running', async () => {
    const before = new Set(await jupyter.runningKernelIds());
    const pool = new KernelPool({ settings: jupyter.settings, size: 1, logger: jupyter.logger, startTimeoutMs: 1 });
    await expect(pool.start()).rejects.toThrow('Jupyter did not start a kernel within 1 ms');
    await pool.shutdown();
    expect((await jupyter.runningKernelIds()).filter((id) => !before.has(id))).toEqual([]);
  });
});
