import type { ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Logger } from '../logger';
import { spawnGuarded } from './child-process';

/**
 * The embedded Jupyter Server: a child process on 127.0.0.1, a free port (chosen by the server itself,
 * read back from its runtime info file), a random token, terminals off, root dir under the data dir.
 * Kernels it starts are shut down with it; stop() leaves no orphan process behind.
 */
export interface JupyterServerOptions {
  dataDir: string;
  /** The kernel venv holding jupyter_server + ipykernel (kernels/.venv). */
  venvDir: string;
  logger: Logger;
  /** Default: kernels/jupyter_server_config.py of this repository. */
  configFile?: string;
  /** How long to wait for GET /api/status to answer. Default 60 s. */
  startTimeoutMs?: number;
  /** How long stop() waits after SIGTERM before SIGKILL. Default 10 s. */
  stopGraceMs?: number;
}

export interface EmbeddedJupyterServer {
  /** Base URL with a trailing slash, e.g. http://127.0.0.1:41234/ */
  url: string;
  token: string;
  logFile: string;
  pid: number;
  stop(): Promise<void>;
}

export class JupyterServerStartError extends Error {
  constructor(
    message: string,
    readonly logTail: string,
  ) {
    super(`${message}\n--- tail of the Jupyter Server log ---\n${logTail}`);
    this.name = 'JupyterServerStartError';
  }
}

export const defaultJupyterConfigFile = fileURLToPath(new URL('../../../kernels/jupyter_server_config.py', import.meta.url));
export const defaultKernelVenv = fileURLToPath(new URL('../../../kernels/.venv', import.meta.url));

export async function startJupyterServer(opts: JupyterServerOptions): Promise<EmbeddedJupyterServer> {
  const log = opts.logger.child({ component: 'jupyter-server' });
  const dataDir = path.resolve(opts.dataDir);
  const rootDir = path.join(dataDir, 'jupyter');
  const runtimeDir = path.join(dataDir, 'jupyter-runtime');
  const logFile = path.join(dataDir, 'jupyter.log');
  const exe = path.join(path.resolve(opts.venvDir), 'bin', 'jupyter-server');
  const configFile = opts.configFile ?? defaultJupyterConfigFile;
  if (!fs.existsSync(exe)) {
    throw new JupyterServerStartError(`Jupyter Server is not installed: ${exe} is missing (run npm start to set up kernels/.venv).`, '');
  }
  fs.mkdirSync(rootDir, { recursive: true });
  fs.mkdirSync(runtimeDir, { recursive: true, mode: 0o700 });

  const token = randomBytes(32).toString('hex');
  const args = [
    `--config=${configFile}`,
    '--ServerApp.ip=127.0.0.1',
    '--ServerApp.port=0',
    '--ServerApp.port_retries=0',
    `--ServerApp.root_dir=${rootDir}`,
    '--ServerApp.terminals_enabled=False',
    '--ServerApp.open_browser=False',
    '--no-browser',
  ];
  // Containers and CI often run as root; Jupyter refuses that unless told.
  if (process.getuid?.() === 0) args.push('--ServerApp.allow_root=True');
  const logFd = fs.openSync(logFile, 'a');
  fs.writeSync(logFd, `\n=== ${new Date().toISOString()} starting Jupyter Server ===\n`);
  let child: ChildProcess;
  try {
    // spawnGuarded (platform): SIGTERM from the kernel if Folio dies, even by SIGKILL, so no orphan server/kernels.
    child = spawnGuarded(exe, args, {
      cwd: rootDir,
      detached: true, // own process group, so stop() can signal the whole tree
      stdio: ['ignore', logFd, logFd],
      // The token goes through the environment (IdentityProvider.token reads JUPYTER_TOKEN), not argv,
      // so other users cannot read it from `ps`.
      env: { ...process.env, JUPYTER_TOKEN: token, JUPYTER_RUNTIME_DIR: runtimeDir, PYTHONUNBUFFERED: '1' },
    });
  } finally {
    fs.closeSync(logFd);
  }
  const pid = child.pid;
  if (pid === undefined) {
    const err = await new Promise<Error>((resolve) => child.once('error', resolve));
    throw new JupyterServerStartError(`Could not spawn ${exe}: ${err.message}`, tail(logFile));
  }
  const exited = new Promise<number | string>((resolve) => child.once('exit', (code, signal) => resolve(signal ?? code ?? -1)));
  let hasExited = false;
  void exited.then(() => (hasExited = true));
  const killOnExit = () => signalGroup(pid, 'SIGKILL');
  process.once('exit', killOnExit);

  const stop = async (): Promise<void> => {
    process.removeListener('exit', killOnExit);
    if (!hasExited) {
      signalGroup(pid, 'SIGTERM');
      let timer: NodeJS.Timeout | undefined;
      const graceful = await Promise.race([
        exited.then(() => true),
        new Promise<false>((resolve) => (timer = setTimeout(() => resolve(false), opts.stopGraceMs ?? 10_000))),
      ]);
      clearTimeout(timer);
      if (!graceful) {
        log.warn({ pid }, 'Jupyter Server did not stop after SIGTERM; killing it');
        signalGroup(pid, 'SIGKILL');
        await exited;
      }
    }
    // Kernels run in sessions of their own; Jupyter shuts them down on SIGTERM, but sweep any survivor
    // (found by its connection file in our private runtime dir) so nothing is ever orphaned.
    for (const kpid of processesMentioning(runtimeDir)) signalGroup(kpid, 'SIGKILL');
    log.info({ pid }, 'Jupyter Server stopped');
  };

  const deadline = Date.now() + (opts.startTimeoutMs ?? 60_000);
  const infoFile = path.join(runtimeDir, `jpserver-${pid}.json`);
  try {
    const url = await waitUntilReady({ infoFile, token, deadline, isExited: () => hasExited, exited });
    log.info({ url, pid, logFile }, 'Jupyter Server ready');
    return { url, token, logFile, pid, stop };
  } catch (e) {
    await stop();
    const message = e instanceof Error ? e.message : String(e);
    throw new JupyterServerStartError(`Jupyter Server failed to start: ${message}`, tail(logFile));
  }
}

async function waitUntilReady(o: {
  infoFile: string;
  token: string;
  deadline: number;
  isExited: () => boolean;
  exited: Promise<number | string>;
}): Promise<string> {
  // Readiness polling of a child process (not test synchronization): the info file appears once the
  // server has bound its port; then /api/status must answer.
  for (;;) {
    if (o.isExited()) throw new Error(`the process exited (${await o.exited}) before it was ready`);
    if (Date.now() > o.deadline) throw new Error('timed out waiting for GET /api/status');
    const url = readInfoUrl(o.infoFile);
    if (url) {
      try {
        const res = await fetch(`${url}api/status`, {
          headers: { Authorization: `token ${o.token}` },
          signal: AbortSignal.timeout(5_000),
        });
        if (res.ok) return url;
      } catch {
        // not listening yet
      }
    }
    await delay(100);
  }
}

function readInfoUrl(infoFile: string): string | null {
  try {
    const info = JSON.parse(fs.readFileSync(infoFile, 'utf8')) as { port?: number };
    return typeof info.port === 'number' && info.port > 0 ? `http://127.0.0.1:${info.port}/` : null;
  } catch {
    return null;
  }
}

function signalGroup(pid: number, signal: NodeJS.Signals): void {
  try {
    process.kill(-pid, signal);
  } catch {
    try {
      process.kill(pid, signal);
    } catch {
      // already gone
    }
  }
}

/** Pids whose command line mentions `needle` (Linux /proc; empty elsewhere). */
export function processesMentioning(needle: string): number[] {
  let entries: string[];
  try {
    entries = fs.readdirSync('/proc');
  } catch {
    return [];
  }
  const pids: number[] = [];
  for (const entry of entries) {
    if (!/^\d+$/.test(entry) || Number(entry) === process.pid) continue;
    try {
      if (fs.readFileSync(`/proc/${entry}/cmdline`, 'utf8').includes(needle)) pids.push(Number(entry));
    } catch {
      // exited meanwhile
    }
  }
  return pids;
}

/** The last lines of a log file, for error messages. */
export function tail(file: string, maxBytes = 4096, maxLines = 40): string {
  try {
    const fd = fs.openSync(file, 'r');
    try {
      const size = fs.fstatSync(fd).size;
      const start = Math.max(0, size - maxBytes);
      const buf = Buffer.alloc(size - start);
      fs.readSync(fd, buf, 0, buf.length, start);
      return buf.toString('utf8').split('\n').slice(-maxLines).join('\n').trimEnd();
    } finally {
      fs.closeSync(fd);
    }
  } catch {
    return '(no log)';
  }
}

const delay = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));
