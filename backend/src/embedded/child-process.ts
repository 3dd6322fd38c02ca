import { spawn, type ChildProcess, type SpawnOptions } from 'node:child_process';
import { accessSync, constants, createWriteStream, type WriteStream } from 'node:fs';
import net from 'node:net';
import path from 'node:path';

/**
 * Helpers shared by the embedded children (redis-server, Jupyter Server): spawn a child that cannot outlive
 * Folio, keep the tail of its log for error messages, stop it with a deadline, and pick a free port.
 */

const live = new Set<ChildProcess>();
let exitHookInstalled = false;

function which(cmd: string): string | null {
  for (const dir of (process.env.PATH ?? '').split(path.delimiter)) {
    const full = path.join(dir, cmd);
    try {
      accessSync(full, constants.X_OK);
      return full;
    } catch {
      // not in this dir
    }
  }
  return null;
}

// On Linux `setpriv --pdeathsig TERM` (util-linux) makes the kernel send SIGTERM to the child when Folio dies,
// even by SIGKILL. setpriv execs the command, so the child's pid is the real server's pid.
const setpriv = process.platform === 'linux' ? which('setpriv') : null;

/**
 * Spawn `command` so that it dies with this process: SIGTERM from the kernel when the parent dies (Linux,
 * setpriv), plus a synchronous kill in the parent's 'exit' hook everywhere.
 */
export function spawnGuarded(command: string, args: string[], options: SpawnOptions = {}): ChildProcess {
  const child = setpriv
    ? spawn(setpriv, ['--pdeathsig', 'TERM', '--', command, ...args], options)
    : spawn(command, args, options);
  live.add(child);
  child.once('exit', () => live.delete(child));
  child.once('error', () => live.delete(child));
  if (!exitHookInstalled) {
    exitHookInstalled = true;
    process.once('exit', () => {
      for (const c of live) c.kill('SIGKILL');
    });
  }
  return child;
}

/** Whether `command` resolves to an executable (absolute path or on PATH). */
export function isExecutable(command: string): boolean {
  if (command.includes('/')) {
    try {
      accessSync(command, constants.X_OK);
      return true;
    } catch {
      return false;
    }
  }
  return which(command) !== null;
}

/** Keeps the last `maxLines` lines written to it, and optionally mirrors everything to a log file. */
export class LogTail {
  private lines: string[] = [];
  private partial = '';
  private readonly file?: WriteStream;

  constructor(
    logFile?: string,
    private readonly maxLines = 40,
  ) {
    if (logFile) this.file = createWriteStream(logFile, { flags: 'a' });
  }

  write(chunk: Buffer | string): void {
    const text = chunk.toString();
    this.file?.write(text);
    const parts = (this.partial + text).split('\n');
    this.partial = parts.pop() ?? '';
    this.lines.push(...parts);
    if (this.lines.length > this.maxLines) this.lines.splice(0, this.lines.length - this.maxLines);
  }

  tail(): string {
    return [...this.lines, this.partial].filter((l) => l.length > 0).join('\n');
  }

  close(): Promise<void> {
    return new Promise((resolve) => (this.file ? this.file.end(() => resolve()) : resolve()));
  }
}

/** SIGTERM, then SIGKILL after `graceMs`; resolves once the child has exited. */
export function stopChild(child: ChildProcess, graceMs = 5_000): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return Promise.resolve();
  return new Promise((resolve) => {
    const timer = setTimeout(() => child.kill('SIGKILL'), graceMs);
    child.once('exit', () => {
      clearTimeout(timer);
      resolve();
    });
    child.kill('SIGTERM');
  });
}

/** A TCP port that was free on 127.0.0.1 a moment ago (the OS picks it). */
export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const srv = net.createServer();
    srv.unref();
    srv.once('error', reject);
    srv.listen(0, '127.0.0.1', () => {
      const addr = srv.address();
      const port = typeof addr === 'object' && addr ? addr.port : 0;
      srv.close(() => resolve(port));
    });
  });
}
