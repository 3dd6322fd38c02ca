import { spawn, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import fs from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';
import { defaultKernelVenv, processesMentioning } from './embedded/jupyter-server';

/** The real entry point as a child process: `node --import tsx src/main.ts` with the given environment. */
const mainFile = path.join(path.dirname(fileURLToPath(import.meta.url)), 'main.ts');
const dirs: string[] = [];
const started: ChildProcess[] = [];
afterAll(() => {
  started.forEach((c) => c.kill('SIGKILL')); // after a failed test; its children follow it (pdeathsig)
  dirs.forEach((d) => fs.rmSync(d, { recursive: true, force: true }));
});

function startMain(env: Record<string, string>) {
  const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'folio-main-'));
  dirs.push(dataDir);
  const child = spawn(process.execPath, ['--import', 'tsx', mainFile], {
    env: { PATH: process.env.PATH, HOME: process.env.HOME, DATA_DIR: dataDir, LOG_LEVEL: 'info', ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  started.push(child);
  let stderr = '';
  child.stderr.on('data', (b: Buffer) => (stderr += b.toString()));
  const exited = once(child, 'close').then(([code]) => code as number | null);
  return { child, dataDir, exited, stderr: () => stderr };
}

/** Running (not a zombie) per /proc. */
function isRunning(pid: number): boolean {
  try {
    return !/^\d+ \(.*\) Z/.test(fs.readFileSync(`/proc/${pid}/stat`, 'utf8'));
  } catch {
    return false;
  }
}

/** Kernel processes of a data dir's Jupyter Server (their connection files live there). */
const kernelsOf = (dataDir: string) =>
  processesMentioning(dataDir).filter((pid) => {
    try {
      return fs.readFileSync(`/proc/${pid}/cmdline`, 'utf8').includes('ipykernel');
    } catch {
      return false;
    }
  });

describe('main.ts (the real process)', () => {
  it('stops with exit 1 naming every bad variable', async () => {
    const m = startMain({ PORT: 'eighty', FOLIO_ROLE: 'boss' });
    expect(await m.exited).toBe(1);
    expect(m.stderr()).toMatch(/PORT:/);
    expect(m.stderr()).toMatch(/FOLIO_ROLE:/);
  });

  it('stops with exit 1 and a clear message when PORT is in use', async () => {
    const blocker = net.createServer();
    await new Promise<void>((r) => blocker.listen(0, r));
    const port = (blocker.address() as net.AddressInfo).port;
    try {
      const m = startMain({ PORT: String(port) });
      expect(await m.exited).toBe(1);
      expect(m.stderr()).toContain(`Port ${port} is already in use (PORT=${port})`);
    } finally {
      blocker.close();
    }
  });

  /** Start with the embedded children and read their pids and ports from the log, up to "Folio ready". */
  async function startReady() {
    const m = startMain({ PORT: '0', KERNEL_POOL_SIZE: '1', FOLIO_ADMIN_PASSWORD: 'main-test-pw' });
    const children: Array<{ pid: number; port: number }> = [];
    let url = '';
    for await (const line of createInterface({ input: m.child.stdout })) {
      const entry = JSON.parse(line.startsWith('{') ? line : '{}') as { pid?: number; url?: string; msg?: string };
      if (entry.pid && entry.url && /ready/.test(entry.msg ?? ''))
        children.push({ pid: entry.pid, port: Number(new URL(entry.url).port) });
      const ready = /^Folio ready on (http:\/\/\S+)$/.exec(entry.msg ?? '');
      if (ready) {
        url = ready[1]!;
        break;
      }
    }
    m.child.stdout.resume(); // keep draining the logs
    return { ...m, url, children };
  }

  /**
   * Watches `pids` until every one has exited, whoever its parent is by then: the Linux kernel says so through a
   * pidfd (pidfd_open, Linux 5.3), readable once its process has exited, select()ed on by a small Python waiter (the
   * kernel venv's). Resolves once the pidfds are open (so no pid can be reused unseen) with the wait for the exits.
   */
  async function exitOf(pids: number[]): Promise<() => Promise<void>> {
    const waiter = spawn(path.join(defaultKernelVenv, 'bin', 'python'), ['-c', PIDFD_WAIT, ...pids.map(String)], {
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    started.push(waiter);
    let stderr = '';
    waiter.stderr.on('data', (b: Buffer) => (stderr += b.toString()));
    const exited = once(waiter, 'close').then(([code]) => {
      if (code !== 0) throw new Error(`pidfd waiter exited ${String(code)}: ${stderr}`);
    });
    await Promise.race([once(waiter.stdout, 'data'), exited]); // "armed"
    return () => exited;
  }

  it('starts Redis, Jupyter and the app, is ready, and SIGTERM leaves no process behind', async () => {
    const m = await startReady();
    expect(m.url).toMatch(/^http:\/\/localhost:\d+$/);
    expect(m.children).toHaveLength(2); // redis-server and jupyter-server
    const res = await fetch(`${m.url}/readyz`);
    expect(res.status).toBe(200);
    expect(processesMentioning(m.dataDir).length).toBeGreaterThan(0); // kernels (their connection files live there)
    // FOLIO_ROLE=all keeps one warm pool for runs and live editing: KERNEL_POOL_SIZE (1) kernels, not one per pool.
    expect(kernelsOf(m.dataDir)).toHaveLength(1);

    // SIGTERM, and the same shutdown relayed a second time at once (as a wrapper relaying Ctrl-C does): one clean stop.
    m.child.kill('SIGTERM');
    m.child.kill('SIGINT');
    expect(await m.exited).toBe(0);
    expect(m.children.map((c) => c.pid).filter(isRunning)).toEqual([]);
    expect(processesMentioning(m.dataDir)).toEqual([]);
  });

  it('a SIGTERM during start-up is a clean stop (exit 0) once what was starting is up, leaving no process behind', async () => {
    const m = startMain({ PORT: '0', KERNEL_POOL_SIZE: '1', FOLIO_ADMIN_PASSWORD: 'main-test-pw' });
    const children: number[] = [];
    for await (const line of createInterface({ input: m.child.stdout })) {
      const entry = JSON.parse(line.startsWith('{') ? line : '{}') as { pid?: number; url?: string; msg?: string };
      if (entry.pid && entry.url && /ready/.test(entry.msg ?? '')) {
        children.push(entry.pid);
        m.child.kill('SIGTERM'); // the first child is up; Folio is not ready yet
        break;
      }
    }
    m.child.stdout.resume();
    expect(await m.exited).toBe(0); // a clean stop, not death by the signal (exit code null)
    expect(children.filter(isRunning)).toEqual([]);
    expect(processesMentioning(m.dataDir)).toEqual([]);
  });

  it('SIGKILLed, it still takes Redis, Jupyter and the kernels with it', async () => {
    const m = await startReady();
    expect(m.children).toHaveLength(2);
    // Redis, Jupyter and its kernels (their connection files are under the data dir).
    const pids = [...new Set([...m.children.map((c) => c.pid), ...processesMentioning(m.dataDir)])];
    expect(pids.length).toBeGreaterThan(2);
    const allExited = await exitOf(pids);
    m.child.kill('SIGKILL');
    await m.exited;
    // Each gets SIGTERM from the kernel (pdeathsig) and exits in its own time: Jupyter shuts its kernels down first,
    // seconds after it stopped listening. (A connection it had not accepted yet is reset at once: not a sign of exit.)
    await allExited();
    expect(m.children.map((c) => c.pid).filter(isRunning)).toEqual([]);
    expect(processesMentioning(m.dataDir)).toEqual([]);
  });
});

/** Waits until every pid in argv has exited; prints "armed" once watching. Exit 0. */
const PIDFD_WAIT = `
import os, select, sys
fds = []
for pid in map(int, sys.argv[1:]):
    try:
        fds.append(os.pidfd_open(pid))
    except ProcessLookupError:
        pass  # gone already
print("armed", flush=True)
while fds:
    ready, _, _ = select.select(fds, [], [])
    for fd in ready:
        fds.remove(fd)
        os.close(fd)
`;
