import { spawn, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import fs from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';
import { processesMentioning } from './embedded/jupyter-server';

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
      if (entry.pid && entry.url && /ready/.test(entry.msg ?? '')) children.push({ pid: entry.pid, port: Number(new URL(entry.url).port) });
      const ready = /^Folio ready on (http:\/\/\S+)$/.exec(entry.msg ?? '');
      if (ready) {
        url = ready[1]!;
        break;
      }
    }
    m.child.stdout.resume(); // keep draining the logs
    return { ...m, url, children };
  }

  /** A TCP connection to each child; resolves when every one was closed by its server, i.e. the process is gone. */
  async function allClosed(ports: number[]): Promise<() => Promise<void>> {
    const sockets = ports.map((port) => net.connect(port, '127.0.0.1').on('error', () => undefined));
    await Promise.all(sockets.map((sock) => once(sock, 'connect')));
    // 'close' however the server goes: a FIN, or a reset (ECONNRESET) when the process is killed mid-read.
    const closed = sockets.map((sock) => new Promise<void>((resolve) => sock.once('close', () => resolve())));
    return async () => void (await Promise.all(closed));
  }

  it('starts Redis, Jupyter and the app, is ready, and SIGTERM leaves no process behind', async () => {
    const m = await startReady();
    expect(m.url).toMatch(/^http:\/\/localhost:\d+$/);
    expect(m.children).toHaveLength(2); // redis-server and jupyter-server
    const res = await fetch(`${m.url}/readyz`);
    expect(res.status).toBe(200);
    expect(processesMentioning(m.dataDir).length).toBeGreaterThan(0); // kernels (their connection files live there)

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
    const waitClosed = await allClosed(m.children.map((c) => c.port));
    m.child.kill('SIGKILL');
    await m.exited;
    await waitClosed(); // both servers closed our connections: they exited (Jupyter after shutting its kernels down)
    expect(m.children.map((c) => c.pid).filter(isRunning)).toEqual([]);
    expect(processesMentioning(m.dataDir)).toEqual([]);
  });
});
