import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Notebook } from '../contracts/nbformat';
import { kernelEnvironment } from './environment';
import { executeCode, executeNotebook } from './executor';
import { KernelPool } from './pool';
import { startTestJupyter, type TestJupyter } from './testing/jupyter-fixture';

let jupyter: TestJupyter;
let pool: KernelPool;

beforeAll(async () => {
  jupyter = await startTestJupyter();
  pool = new KernelPool({ settings: jupyter.settings, size: 1, logger: jupyter.logger });
  await pool.start();
});
afterAll(async () => {
  await pool?.shutdown();
  await jupyter?.stop();
});

const nb = (...sources: string[]): Notebook => ({
  nbformat: 4,
  nbformat_minor: 5,
  metadata: {},
  cells: sources.map((source, i) => ({
    id: `c${i + 1}`,
    cell_type: 'code',
    source,
    metadata: {},
    execution_count: null,
    outputs: [],
  })),
});

async function withKernel<T>(fn: (k: Awaited<ReturnType<KernelPool['acquire']>>) => Promise<T>): Promise<T> {
  const k = await pool.acquire(60_000);
  try {
    return await fn(k);
  } finally {
    pool.release(k);
  }
}

describe('executeNotebook limits and failures', () => {
  it('interrupts a cell past its time limit and ends the run timed_out', async () => {
    const r = await withKernel((k) =>
      executeNotebook(k, nb("print('start')", 'import time\ntime.sleep(60)', "print('never')"), {
        cellTimeoutMs: 1_000,
        maxOutputBytes: 1e6,
      }),
    );
    expect(r.status).toBe('timed_out');
    expect(r.error).toEqual({ code: 'timeout', message: 'Cell 2 did not finish within 1 s' });
    expect(r.cells.map((c) => c.status)).toEqual(['ok', 'timed_out', 'not_run']);
    expect(r.cells[1]!.outputs).toEqual([
      expect.objectContaining({ output_type: 'error', ename: 'KeyboardInterrupt' }),
    ]);
  });

  it('restarts a kernel that ignores the interrupt, and the kernel is usable afterwards', async () => {
    await withKernel(async (k) => {
      const r = await executeCode(
        k,
        'import signal, time\nsignal.signal(signal.SIGINT, signal.SIG_IGN)\nx = 1\ntime.sleep(60)',
        {
          timeoutMs: 1_000,
          interruptGraceMs: 500,
        },
      );
      expect(r.status).toBe('timed_out');
      expect(r.restarted).toBe(true);
      const after = await executeCode(k, "'x' in dir()");
      expect(after.status).toBe('ok');
      expect(after.outputs).toEqual([
        { output_type: 'execute_result', execution_count: 1, data: { 'text/plain': 'False' }, metadata: {} },
      ]);
    });
  });

  it.each([
    ['os._exit', 'import os\nos._exit(1)'],
    ['a segfault', 'import ctypes\nctypes.string_at(0)'],
    // The Linux OOM killer ends a process with SIGKILL; this is the same signal, without starving the test machine.
    ['SIGKILL, as the OOM killer sends', 'import os, signal\nos.kill(os.getpid(), signal.SIGKILL)'],
  ])('ends the run with kernel_died when the kernel dies (%s) and the pool replaces it', async (_, code) => {
    const k = await pool.acquire(60_000);
    const r = await executeNotebook(k, nb('x = 1', code, "print('never')"), {
      cellTimeoutMs: 60_000,
      maxOutputBytes: 1e6,
    });
    pool.release(k);
    expect(r.status).toBe('failed');
    expect(r.error).toEqual({ code: 'kernel_died', message: 'The kernel died while running cell 2' });
    expect(r.cells.map((c) => c.status)).toEqual(['ok', 'error', 'not_run']);
    expect(k.died).toBe(true);

    const next = await pool.acquire(60_000);
    try {
      expect(next.id).not.toBe(k.id);
      expect((await executeCode(next, '1 + 1')).outputs).toEqual([
        { output_type: 'execute_result', execution_count: 1, data: { 'text/plain': '2' }, metadata: {} },
      ]);
    } finally {
      pool.release(next);
    }
  });

  it('caps a cell output with a visible truncation note', async () => {
    const r = await withKernel((k) =>
      executeNotebook(k, nb("print('a' * 600)\nprint('b' * 600)\nprint('c')", "print('next cell')"), {
        cellTimeoutMs: 60_000,
        maxOutputBytes: 1_000,
      }),
    );
    expect(r.status).toBe('succeeded');
    const outs = r.cells[0]!.outputs;
    expect(outs).toHaveLength(2);
    const full = `${'a'.repeat(600)}\n${'b'.repeat(600)}\nc\n`;
    expect(outs[0]).toEqual({ output_type: 'stream', name: 'stdout', text: full.slice(0, 1_000) });
    expect(outs[1]).toMatchObject({
      output_type: 'stream',
      name: 'stderr',
      text: expect.stringContaining('Output truncated'),
    });
    expect(r.cells[1]!.outputs).toEqual([{ output_type: 'stream', name: 'stdout', text: 'next cell\n' }]);
  });

  it('holds the cell cap against display updates, also of a display shown 50 times', async () => {
    const cap = 1024 * 1024;
    const code = [
      'from IPython.display import display',
      "for _ in range(50): display('small', display_id='h')",
      "h = display('small', display_id='h')",
      'for i in range(5): h.update(str(i) * 200_000)', // 50 copies × 200 kB = 10 MB each time
    ].join('\n');
    const r = await withKernel((k) =>
      executeNotebook(k, nb(code, "print('after')"), { cellTimeoutMs: 60_000, maxOutputBytes: cap }),
    );
    expect(r.status).toBe('succeeded');
    const outs = r.cells[0]!.outputs;
    expect(JSON.stringify(outs).length).toBeLessThan(cap);
    expect(JSON.stringify(r.notebook).length).toBeLessThan(2 * cap);
    expect(outs.at(-1)).toMatchObject({
      output_type: 'stream',
      name: 'stderr',
      text: expect.stringContaining('Output truncated'),
    });
    // All copies or none: the 51 copies still show the same thing.
    expect(new Set(outs.slice(0, -1).map((o) => JSON.stringify(o)))).toEqual(
      new Set([JSON.stringify({ output_type: 'display_data', data: { 'text/plain': "'small'" }, metadata: {} })]),
    );
    expect(r.cells[1]!.outputs).toEqual([{ output_type: 'stream', name: 'stdout', text: 'after\n' }]);
  });

  it('holds the cell cap against an update_display_data sent from a later cell', async () => {
    const r = await withKernel((k) =>
      executeNotebook(k, nb("h = display('small', display_id=True)", "h.update('x' * 5_000)"), {
        cellTimeoutMs: 60_000,
        maxOutputBytes: 1_000,
      }),
    );
    expect(r.status).toBe('succeeded');
    expect(r.cells[0]!.outputs).toEqual([
      { output_type: 'display_data', data: { 'text/plain': "'small'" }, metadata: {} },
      expect.objectContaining({ name: 'stderr', text: expect.stringContaining("this cell's output exceeded the") }),
    ]);
  });

  it("caps a run's total output: cells past it keep running, their output ends with a note", async () => {
    const cells = Array.from({ length: 5 }, (_, i) => `print('${i}' * 299)`); // 300 bytes each with the newline
    const r = await withKernel((k) =>
      executeNotebook(k, nb(...cells), { cellTimeoutMs: 60_000, maxOutputBytes: 1e6, maxRunOutputBytes: 1_000 }),
    );
    expect(r.status).toBe('succeeded');
    expect(r.cells.map((c) => c.status)).toEqual(['ok', 'ok', 'ok', 'ok', 'ok']);
    const runNote = expect.objectContaining({
      name: 'stderr',
      text: expect.stringContaining("this run's output exceeded the"),
    });
    expect(r.cells.slice(0, 3).map((c) => c.outputs)).toEqual(
      [0, 1, 2].map((i) => [{ output_type: 'stream', name: 'stdout', text: `${String(i).repeat(299)}\n` }]),
    );
    expect(r.cells[3]!.outputs).toEqual([{ output_type: 'stream', name: 'stdout', text: '3'.repeat(100) }, runNote]);
    expect(r.cells[4]!.outputs).toEqual([runNote]);
    expect(r.notebook.cells.map((c) => (c.cell_type === 'code' ? c.outputs : []))).toEqual(
      r.cells.map((c) => c.outputs),
    );
  });

  it('cancels a run through its AbortSignal: a running cell is interrupted, the rest not run', async () => {
    const controller = new AbortController();
    const started = await withKernel((k) =>
      executeCode(k, "import time\nprint('started', flush=True)\ntime.sleep(60)", {
        signal: controller.signal,
        onOutputs: () => controller.abort(),
      }),
    );
    expect(started.status).toBe('cancelled');
    expect(started.outputs).toEqual([
      { output_type: 'stream', name: 'stdout', text: 'started\n' },
      expect.objectContaining({ output_type: 'error', ename: 'KeyboardInterrupt' }),
    ]);

    const before = new AbortController();
    const r = await withKernel((k) =>
      executeNotebook(k, nb("print('never')", "print('never')"), {
        cellTimeoutMs: 60_000,
        maxOutputBytes: 1e6,
        signal: before.signal,
        onProgress: () => before.abort(),
      }),
    );
    expect(r.status).toBe('cancelled');
    expect(r.error?.code).toBe('cancelled');
    expect(r.cells.map((c) => c.status)).toEqual(['not_run', 'not_run']);
  });

  it('ends an execution the kernel never answers (an interrupt swallowed outside user code) without calling the kernel dead', async () => {
    // What ipykernel does with a KeyboardInterrupt that lands in its message handler rather than in the user's code
    // (an interrupt right as a cell starts or ends): "KeyboardInterrupt caught in kernel", and no execute_reply.
    const swallowNextReply = [
      'k = get_ipython().kernel',
      'send = k.session.send',
      'def once(stream, msg_or_type, *args, **kwargs):',
      "    if msg_or_type == 'execute_reply':",
      '        k.session.send = send',
      '        raise KeyboardInterrupt',
      '    return send(stream, msg_or_type, *args, **kwargs)',
      'kept = 42',
      'k.session.send = once',
    ].join('\n');
    await withKernel(async (k) => {
      const r = await executeCode(k, swallowNextReply);
      expect(r.status).toBe('error');
      expect(r.error?.ename).toBe('KeyboardInterrupt');
      expect(r.outputs).toEqual([expect.objectContaining({ output_type: 'error', ename: 'KeyboardInterrupt' })]);
      expect(k.died).toBe(false);
      const after = await executeCode(k, 'print(kept)');
      expect(after.status).toBe('ok');
      expect(after.outputs).toEqual([{ output_type: 'stream', name: 'stdout', text: '42\n' }]);
    });
  });

  it('fails input() and getpass() fast in a headless run: nobody could answer (StdinNotImplementedError)', async () => {
    const r = await withKernel((k) =>
      executeNotebook(k, nb("name = input('Name: ')", "import getpass\ngetpass.getpass('Password: ')"), {
        cellTimeoutMs: 60_000,
        maxOutputBytes: 1e6,
      }),
    );
    expect(r.status).toBe('failed');
    expect(r.cells[0]!.outputs).toEqual([
      expect.objectContaining({ output_type: 'error', ename: 'StdinNotImplementedError' }),
    ]);
    // getpass is disabled the same way (ipykernel raises for both when the request disallows stdin).
    const g = await withKernel((k) => executeCode(k, "import getpass\ngetpass.getpass('Password: ')"));
    expect(g.status).toBe('error');
    expect(g.error?.ename).toBe('StdinNotImplementedError');
  });

  it('streams outputs to onOutputs as they change', async () => {
    const seen: string[] = [];
    const r = await withKernel((k) =>
      executeCode(k, "import sys\nprint('one'); sys.stdout.flush()\nprint('two')", {
        onOutputs: (outputs) => seen.push(JSON.stringify(outputs)),
      }),
    );
    expect(r.status).toBe('ok');
    expect(seen.length).toBeGreaterThanOrEqual(1);
    expect(seen.at(-1)).toBe(JSON.stringify([{ output_type: 'stream', name: 'stdout', text: 'one\ntwo\n' }]));
  });
});

describe('kernelEnvironment', () => {
  it('records the Python version and package versions, once per kernel, without touching the namespace', async () => {
    await withKernel(async (k) => {
      const env = await kernelEnvironment(k);
      expect(env.python).toMatch(/^3\.\d+\.\d+$/);
      expect(env.implementation).toBe('CPython');
      expect(env.packages.ipykernel).toBe('6.31.0');
      expect(env.packages.pandas).toBe('3.1.1');
      expect(kernelEnvironment(k)).toBe(k.environment); // cached promise
      const r = await executeCode(k, "[n for n in dir() if 'folio' in n]");
      expect(r.outputs).toEqual([
        { output_type: 'execute_result', execution_count: 1, data: { 'text/plain': '[]' }, metadata: {} },
      ]);
    });
  });
});
