import { mkdirSync } from 'node:fs';
import path from 'node:path';
import type { Logger } from '../logger';
import { freePort, isExecutable, LogTail, spawnGuarded, stopChild } from './child-process';

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
}

export interface RedisServer {
  url: string;
  port: number;
  pid: number;
  logFile: string;
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
  for (let attempt = 1; ; attempt++) {
    const port = opts.port ?? (await freePort());
    try {
      return await launch(binary, dir, port, opts);
    } catch (e) {
      const raced = e instanceof RedisStartError && /Address already in use/i.test(e.logTail);
      if (!raced || opts.port !== undefined || attempt >= PORT_RETRIES) throw e;
      opts.logger.warn({ port }, 'redis-server port was taken meanwhile; retrying on another port');
    }
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
  const child = spawnGuarded(binary, args, { stdio: ['ignore', 'pipe', 'pipe'], detached: true });
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
      child.once('exit', (code, signal) => {
        if (!stopping) logger.error({ code, signal, tail: log.tail() }, 'redis-server exited unexpectedly');
      });
      const url = `redis://127.0.0.1:${port}`;
      logger.info({ url, pid: child.pid, logFile }, 'embedded redis-server ready');
      resolve({
        url,
        port,
        pid: child.pid ?? -1,
        logFile,
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
