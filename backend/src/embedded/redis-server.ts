import fs, { mkdirSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { Logger } from '../logger';
import { freePort, isExecutable, LogTail, spawnGuarded, stopChild } from './child-process';
import { readStat } from './processes';

export interface RedisServerOptions {
  /** Folio's data dir; Redis keeps its append-only file in `<dataDir>/redis` and logs to `<dataDir>/redis/redis.log`. */
  dataDir: string;
  logger: Logger;
  /** Port on 127.0.0.1. Default: a free port picked by the OS. */
  port?: number;
  /** The redis-server executable. Default `redis-server` on PATH. */
  binary?: string;
  /** How long to wait for "Ready to accept connections". Default 20 s. */
  startTimeoutMs?: number;
  /**
   * `requirepass`: clients must AUTH with it. Handed to redis-server on its stdin (never on its command line, which
   * `ps` shows to every user, nor in a file). superviseRedisServer (the embedded default) always sets a random one.
   * Default none (tests).
   */
  password?: string;
}

export interface RedisServer {
  /** `redis://127.0.0.1:<port>`, without credentials: safe to show and log. */
  url: string;
  /** `url` with the password (when there is one), for Folio's own clients: a secret, never logged. */
  connectionUrl: string;
  password?: string;
  port: number;
  pid: number;
  logFile: string;
  /** Resolves when the process has exited (stopped or died), with its exit code or signal. */
  exited: Promise<number | string>;
  /** The last lines of its log. */
  logTail(): string;
  /** SIGTERM (Redis flushes its AOF), SIGKILL after 5 s; resolves when the process is gone. */
  stop(): Promise<void>;
}

export class RedisStartError extends Error {
  constructor(
    message: string,
    readonly logTail: string,
  ) {
    super(logTail ? `${message}\n--- last lines of the redis-server log ---\n${logTail}` : message);
    this.name = 'RedisStartError';
  }
}

const PORT_RETRIES = 3;

/** Start an embedded redis-server child: 127.0.0.1, a free port, AOF on, RDB off, noeviction, dies with Folio. */
export async function startRedisServer(opts: RedisServerOptions): Promise<RedisServer> {
  const binary = opts.binary ?? 'redis-server';
  if (!isExecutable(binary)) {
    throw new RedisStartError(
      `Cannot start Redis: "${binary}" was not found. Install it (Debian/Ubuntu: apt-get install -y redis-server; ` +
        `macOS: brew install redis) or set REDIS_URL to an existing Redis.`,
      '',
    );
  }
  const dir = path.join(opts.dataDir, 'redis');
  mkdirSync(dir, { recursive: true });
  const releaseLock = lockDataDir(dir);
  for (let attempt = 1; ; attempt++) {
    const port = opts.port ?? (await freePort());
    try {
      const redis = await launch(binary, dir, port, opts);
      return { ...redis, stop: () => redis.stop().finally(releaseLock) };
    } catch (e) {
      const raced = e instanceof RedisStartError && /Address already in use/i.test(e.logTail);
      if (!raced || opts.port !== undefined || attempt >= PORT_RETRIES) {
        releaseLock();
        throw e;
      }
      opts.logger.warn({ port }, 'redis-server port was taken meanwhile; retrying on another port');
    }
  }
}

/**
 * One embedded redis-server per `DATA_DIR/redis`: two writing one append-only file would corrupt it, and runs queued
 * on one would never reach the other's workers. The lock file names the Folio process holding it (pid, start time,
 * host); this process may take it again (a restart), another one only once the holder is gone. Returns the release.
 */
function lockDataDir(dir: string): () => void {
  const file = path.join(dir, 'folio.lock');
  const me = processIdentity(process.pid);
  const mine = JSON.stringify(me);
  for (let attempt = 0; ; attempt++) {
    try {
      fs.writeFileSync(file, mine, { flag: 'wx', mode: 0o600 });
      break;
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code !== 'EEXIST' || attempt > 0) throw e;
    }
    const holder = readLock(file);
    if (holder && JSON.stringify(holder) === mine) break; // ours: a restart of the same Folio
    if (holder && isAlive(holder)) {
      throw new RedisStartError(
        `${dir} is in use by the embedded redis-server of another Folio process (pid ${holder.pid} on ${holder.host}). ` +
          'Two processes on one DATA_DIR cannot each embed Redis: their runs would never meet. Run web and worker ' +
          'processes with one shared REDIS_URL (FOLIO_ROLE=web / worker), or give each FOLIO_ROLE=all process its own DATA_DIR.',
        '',
      );
    }
    fs.rmSync(file, { force: true }); // left by a Folio that is gone
  }
  return () => {
    if (JSON.stringify(readLock(file)) === mine) fs.rmSync(file, { force: true });
  };
}

interface LockHolder {
  pid: number;
  startTime: number | null;
  host: string;
}

function processIdentity(pid: number): LockHolder {
  return { pid, startTime: readStat(pid)?.startTime ?? null, host: os.hostname() };
}

function readLock(file: string): LockHolder | null {
  try {
    const v = JSON.parse(fs.readFileSync(file, 'utf8')) as Partial<LockHolder>;
    return typeof v.pid === 'number' && typeof v.host === 'string'
      ? { pid: v.pid, startTime: v.startTime ?? null, host: v.host }
      : null;
  } catch {
    return null; // unreadable or half-written: no holder to respect
  }
}

/** Whether the lock's holder still runs. A holder on another host cannot be checked and counts as gone. */
function isAlive(holder: LockHolder): boolean {
  if (holder.host !== os.hostname()) return false;
  if (holder.startTime !== null) return readStat(holder.pid)?.startTime === holder.startTime;
  try {
    process.kill(holder.pid, 0);
    return true;
  } catch (e) {
    return (e as NodeJS.ErrnoException).code === 'EPERM';
  }
}

function launch(binary: string, dir: string, port: number, opts: RedisServerOptions): Promise<RedisServer> {
  const logFile = path.join(dir, 'redis.log');
  const log = new LogTail(logFile);
  const logger = opts.logger.child({ component: 'redis' });
  // prettier-ignore
  const args = [
    '--bind', '127.0.0.1', '--port', String(port), '--protected-mode', 'yes', '--daemonize', 'no',
    '--dir', dir, '--appendonly', 'yes', '--save', '', '--maxmemory-policy', 'noeviction', '--logfile', '',
  ];
  // Own process group: a terminal's Ctrl-C goes to Folio, which stops Redis last, after the workers let go of it.
  // `-` as the config file: redis-server reads config lines from stdin (the password, when there is one), then the
  // command-line options above.
  if (opts.password !== undefined) assertConfigSafe(opts.password);
  const child = spawnGuarded(binary, ['-', ...args], { stdio: ['pipe', 'pipe', 'pipe'], detached: true });
  child.stdin?.on('error', () => undefined); // a child that dies at once: reported by 'exit' below
  child.stdin?.end(opts.password !== undefined ? `requirepass ${opts.password}\n` : '');
  child.stdout?.on('data', (b: Buffer) => log.write(b));
  child.stderr?.on('data', (b: Buffer) => log.write(b));

  return new Promise<RedisServer>((resolve, reject) => {
    let settled = false;
    const fail = (message: string) => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      void stopChild(child, 1_000).then(() => log.close().then(() => reject(new RedisStartError(message, log.tail()))));
    };
    const timer = setTimeout(
      () => fail(`redis-server did not become ready within ${opts.startTimeoutMs ?? 20_000} ms on port ${port}.`),
      opts.startTimeoutMs ?? 20_000,
    );
    child.once('error', (e) => fail(`Cannot start redis-server (${binary}): ${e.message}`));
    child.once('exit', (code, signal) => fail(`redis-server exited during start-up (code ${code}, signal ${signal}).`));
    let stopping = false;
    // The log listener above runs first, so the tail already holds this chunk (even a line split across chunks).
    const onData = () => {
      if (settled || !/Ready to accept connections/.test(log.tail())) return;
      settled = true;
      clearTimeout(timer);
      child.stdout?.off('data', onData);
      // Not asked to stop: whoever supervises it (embedded/supervisor.ts) logs and restarts it.
      const exited = new Promise<number | string>((done) =>
        child.once('exit', (code, signal) => {
          if (!stopping) void log.close();
          done(signal ?? code ?? -1);
        }),
      );
      const url = `redis://127.0.0.1:${port}`;
      const connectionUrl = opts.password ? `redis://:${encodeURIComponent(opts.password)}@127.0.0.1:${port}` : url;
      logger.info({ url, pid: child.pid, logFile, auth: opts.password !== undefined }, 'embedded redis-server ready');
      resolve({
        url,
        connectionUrl,
        password: opts.password,
        port,
        pid: child.pid ?? -1,
        logFile,
        exited,
        logTail: () => log.tail(),
        stop: async () => {
          stopping = true;
          await stopChild(child);
          await log.close();
        },
      });
    };
    child.stdout?.on('data', onData);
  });
}

/** A password that one config line carries verbatim: printable, no spaces or quotes (random hex always is). */
function assertConfigSafe(password: string): void {
  if (!/^[\x21-\x7e]{1,512}$/.test(password) || /["'\\]/.test(password)) {
    throw new Error(
      'The redis-server password must be 1–512 printable characters without spaces, quotes or backslashes.',
    );
  }
}
