import type { ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Logger } from '../logger';
import { spawnGuarded } from './child-process';
import { DescendantTracker } from './processes';
import { settleWithin } from '../util/timeout';

// main.test.ts checks with it that nothing of a data dir is left running; Folio itself never kills by command line.
export { processesMentioning } from './processes';

/**
 * The embedded Jupyter Server: a child process on 127.0.0.1, a free port (chosen by the server itself,
 * read back from its runtime info file), a random token, terminals off, kernels' cwd `DATA_DIR/workspace`.
 * Kernels it starts are shut down with it; stop() leaves no orphan process behind.
 *
 * Every server gets a runtime dir of its own (`DATA_DIR/jupyter-runtime/<pid>-<random>`, kernel connection files and
 * the server info file), so two Folio processes on one DATA_DIR (FOLIO_ROLE=web and worker) never share one. The
 * server's descendants (kernels and what they start) are snapshotted by pid and start time while it runs; once the
 * server has exited — stopped, or died unexpectedly — the survivors among them are killed. Nothing else is touched.
 *
 * Kernels inherit the server's environment (jupyter_client copies it), so the server gets an allowlisted one
 * (`kernelEnvironment`): none of Folio's secrets (FOLIO_*, REDIS_URL, MONGODB_URL, JUPYTER_TOKEN…). The token reaches
 * the server through a 0600 config file in the private runtime dir, deleted once the server is up, and
 * jupyter_server_config.py keeps it out of the runtime info file — neither argv, env nor a file a cell could read.
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
  /** Folio's environment, of which only `kernelEnvironment` reaches the server and kernels. Default process.env. */
  env?: NodeJS.ProcessEnv;
  /** Port on 127.0.0.1. Default 0: the server picks a free one (a restart passes the first one's). */
  port?: number;
  /** The token. Default: 32 random bytes, hex (a restart passes the first one's). */
  token?: string;
  /** How often the server's descendants are snapshotted. Default 1 s. */
  trackIntervalMs?: number;
}

export interface EmbeddedJupyterServer {
  /** Base URL with a trailing slash, e.g. http://127.0.0.1:41234/ */
  url: string;
  token: string;
  /** The port it listens on (fixed for restarts). */
  port: number;
  logFile: string;
  /** This server's own runtime dir (connection files of its kernels). */
  runtimeDir: string;
  pid: number;
  /** Resolves once the server has exited (stopped or died) and its leftover descendants were killed. */
  exited: Promise<number | string>;
  /** Tracked descendants (kernels…) still running. */
  descendants(): number[];
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

export const defaultJupyterConfigFile = fileURLToPath(
  new URL('../../../kernels/jupyter_server_config.py', import.meta.url),
);
export const defaultKernelVenv = fileURLToPath(new URL('../../../kernels/.venv', import.meta.url));

export async function startJupyterServer(opts: JupyterServerOptions): Promise<EmbeddedJupyterServer> {
  const log = opts.logger.child({ component: 'jupyter-server' });
  const dataDir = path.resolve(opts.dataDir);
  const rootDir = path.join(dataDir, 'workspace');
  const logFile = path.join(dataDir, 'jupyter.log');
  const exe = path.join(path.resolve(opts.venvDir), 'bin', 'jupyter-server');
  const configFile = opts.configFile ?? defaultJupyterConfigFile;
  if (!fs.existsSync(exe)) {
    throw new JupyterServerStartError(
      `Jupyter Server is not installed: ${exe} is missing (run npm start to set up kernels/.venv).`,
      '',
    );
  }
  if (!fs.existsSync(configFile))
    throw new JupyterServerStartError(`The Jupyter config file ${configFile} is missing.`, '');
  fs.mkdirSync(rootDir, { recursive: true });
  const runtimeDir = newRuntimeDir(dataDir);

  const token = opts.token ?? randomBytes(32).toString('hex');
  const tokenConfig = writeTokenConfig(runtimeDir, configFile, token);
  const args = [
    `--config=${tokenConfig}`,
    '--ServerApp.ip=127.0.0.1',
    `--ServerApp.port=${opts.port ?? 0}`,
    '--ServerApp.port_retries=0',
    `--ServerApp.root_dir=${rootDir}`,
    '--ServerApp.terminals_enabled=False',
    '--ServerApp.open_browser=False',
    '--no-browser',
  ];
  // Containers and CI often run as root; Jupyter refuses that unless told.
  if (process.getuid?.() === 0) args.push('--ServerApp.allow_root=True');
  const logFd = fs.openSync(logFile, 'a');
  fs.writeSync(
    logFd,
    `\n=== ${new Date().toISOString()} starting Jupyter Server for Folio pid ${process.pid} (runtime dir ${runtimeDir}) ===\n`,
  );
  let child: ChildProcess;
  try {
    // spawnGuarded (platform): SIGTERM from the kernel if Folio dies, even by SIGKILL, so no orphan server/kernels.
    child = spawnGuarded(exe, args, {
      cwd: rootDir,
      detached: true, // own process group, so stop() can signal the whole tree
      stdio: ['ignore', logFd, logFd],
      env: {
        ...kernelEnvironment(opts.env ?? process.env, path.resolve(opts.venvDir)),
        JUPYTER_RUNTIME_DIR: runtimeDir,
      },
    });
  } catch (e) {
    fs.rmSync(runtimeDir, { recursive: true, force: true });
    throw e;
  } finally {
    fs.closeSync(logFd);
  }
  const pid = child.pid;
  if (pid === undefined) {
    fs.rmSync(runtimeDir, { recursive: true, force: true });
    const err = await new Promise<Error>((resolve) => child.once('error', resolve));
    throw new JupyterServerStartError(`Could not spawn ${exe}: ${err.message}`, tail(logFile));
  }
  // Kernels run in sessions of their own and are not signalled with the server's group: remember them (by pid and
  // start time) while the server runs, and kill whichever survive it once it has exited, however it exited.
  const tracker = new DescendantTracker(pid);
  tracker.watch(opts.trackIntervalMs ?? 1_000);
  const processExit = new Promise<number | string>((resolve) =>
    child.once('exit', (code, signal) => resolve(signal ?? code ?? -1)),
  );
  let hasExited = false;
  const exited = processExit.then((how) => {
    hasExited = true;
    tracker.stopWatching();
    process.removeListener('exit', killOnExit);
    const killed = tracker.kill('SIGKILL');
    if (killed.length) log.warn({ pid, killed }, 'killed kernel processes left behind by the Jupyter Server');
    // Its server info and the connection files of kernels that no longer exist (a restart gets a new dir).
    fs.rmSync(runtimeDir, { recursive: true, force: true });
    return how;
  });
  const killOnExit = () => {
    tracker.snapshot();
    signalGroup(pid, 'SIGKILL');
    tracker.kill('SIGKILL');
  };
  process.once('exit', killOnExit);

  let stopped: Promise<void> | undefined;
  const stop = (): Promise<void> =>
    (stopped ??= (async () => {
      process.removeListener('exit', killOnExit);
      if (!hasExited) {
        tracker.snapshot(); // the freshest view of the kernels before the server goes
        signalGroup(pid, 'SIGTERM');
        const { settled: graceful } = await settleWithin(processExit, opts.stopGraceMs ?? 10_000);
        if (!graceful) {
          log.warn({ pid }, 'Jupyter Server did not stop after SIGTERM; killing it');
          signalGroup(pid, 'SIGKILL');
        }
      }
      await exited; // Jupyter shut its kernels down on SIGTERM; any survivor has just been killed
      log.info({ pid }, 'Jupyter Server stopped');
    })());

  const deadline = Date.now() + (opts.startTimeoutMs ?? 60_000);
  const infoFile = path.join(runtimeDir, `jpserver-${pid}.json`);
  try {
    const url = await waitUntilReady({ infoFile, token, deadline, isExited: () => hasExited, exited });
    fs.rmSync(tokenConfig, { force: true }); // read at start-up only: a kernel must not find it
    log.info({ url, pid, logFile, runtimeDir }, 'Jupyter Server ready');
    const port = Number(new URL(url).port);
    return { url, token, port, logFile, runtimeDir, pid, exited, descendants: () => tracker.alive(), stop };
  } catch (e) {
    fs.rmSync(tokenConfig, { force: true });
    await stop();
    const message = e instanceof Error ? e.message : String(e);
    throw new JupyterServerStartError(`Jupyter Server failed to start: ${message}`, tail(logFile));
  }
}

/**
 * A new runtime dir of this server's own, DATA_DIR/jupyter-runtime/<Folio pid>-<random> (0700, like its parent),
 * removed when the server exits. (One left behind by a Folio that was SIGKILLed holds nothing secret: the token never
 * reaches a file there and its kernels are gone.)
 */
function newRuntimeDir(dataDir: string): string {
  const parent = path.join(dataDir, 'jupyter-runtime');
  fs.mkdirSync(parent, { recursive: true, mode: 0o700 });
  fs.chmodSync(parent, 0o700); // also when it existed before
  const dir = path.join(parent, `${process.pid}-${randomBytes(4).toString('hex')}`);
  fs.mkdirSync(dir, { mode: 0o700 });
  return dir;
}

/**
 * The environment of the Jupyter Server, hence of every kernel: an allowlist — locale, time zone, home, temp dir,
 * CA bundles, thread caps and a few harmless PYTHON* switches — plus the venv's bin first on PATH. Anything else
 * (FOLIO_*, REDIS_URL, MONGODB_URL, JUPYTER_TOKEN, cloud credentials…) stays in Folio.
 */
export function kernelEnvironment(env: NodeJS.ProcessEnv, venvDir: string): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [name, value] of Object.entries(env)) {
    if (value !== undefined && (KERNEL_ENV_NAMES.has(name) || name.startsWith('LC_'))) out[name] = value;
  }
  const bin = path.join(venvDir, 'bin');
  out.PATH = [
    bin,
    ...(env.PATH ?? '/usr/local/bin:/usr/bin:/bin').split(path.delimiter).filter((p) => p && p !== bin),
  ].join(path.delimiter);
  out.VIRTUAL_ENV = venvDir;
  out.PYTHONUNBUFFERED = '1';
  return out;
}

const KERNEL_ENV_NAMES = new Set([
  'HOME',
  'USER',
  'LOGNAME',
  'LANG',
  'LANGUAGE',
  'TZ',
  'TMPDIR',
  'TERM',
  'SSL_CERT_FILE',
  'SSL_CERT_DIR',
  'REQUESTS_CA_BUNDLE',
  'CURL_CA_BUNDLE',
  'OMP_NUM_THREADS',
  'OPENBLAS_NUM_THREADS',
  'MKL_NUM_THREADS',
  'NUMEXPR_MAX_THREADS',
  'PYTHONHASHSEED',
  'PYTHONIOENCODING',
  'PYTHONUTF8',
  'PYTHONWARNINGS',
  'PYTHONDONTWRITEBYTECODE',
  'MPLBACKEND',
]);

/**
 * A 0600 config file (in the 0700 runtime dir) that sets the token and cookie secret and loads `configFile`. The server reads it at
 * start-up; the caller deletes it once the server is up.
 */
function writeTokenConfig(runtimeDir: string, configFile: string, token: string): string {
  const file = path.join(runtimeDir, `folio-${randomBytes(8).toString('hex')}-config.py`);
  const py = (s: string) => JSON.stringify(s); // a JSON string is a valid Python string literal
  const text =
    '# Written by Folio for one start of the embedded Jupyter Server; deleted once it is up.\n' +
    `c.IdentityProvider.token = ${py(token)}  # noqa: F821\n` +
    // In memory only (otherwise written to runtime_dir/jupyter_cookie_secret, where a kernel could read it).
    `c.ServerApp.cookie_secret = bytes.fromhex(${py(randomBytes(32).toString('hex'))})  # noqa: F821\n` +
    `load_subconfig(${py(path.basename(configFile))}, ${py(path.dirname(path.resolve(configFile)))})  # noqa: F821\n`;
  fs.writeFileSync(file, text, { mode: 0o600, flag: 'wx' });
  return file;
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
