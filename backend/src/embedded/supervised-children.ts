import { randomBytes } from 'node:crypto';
import type { Logger } from '../logger';
import { startJupyterServer, tail, type EmbeddedJupyterServer } from './jupyter-server';
import { startRedisServer, type RedisServer } from './redis-server';
import { Supervisor } from './supervisor';

/**
 * The embedded children as the composition root uses them: started once (a failure is a start-up error), then
 * supervised — restarted with backoff if they die, on the same port and, for Jupyter, with the same token, so the
 * URL and settings handed out at start stay valid for the life of the process.
 */
export interface SupervisedJupyter {
  url: string;
  token: string;
  supervisor: Supervisor<EmbeddedJupyterServer>;
}

export async function superviseJupyterServer(opts: {
  dataDir: string;
  venvDir: string;
  logger: Logger;
  /** After each restart: its kernels are gone (refill the pools). */
  onRestarted?: () => void;
}): Promise<SupervisedJupyter> {
  const supervisor = new Supervisor<EmbeddedJupyterServer>({
    name: 'Jupyter Server',
    logger: opts.logger,
    start: (first) =>
      startJupyterServer({
        dataDir: opts.dataDir,
        venvDir: opts.venvDir,
        logger: opts.logger,
        port: first?.port,
        token: first?.token,
      }),
    onRestarted: () => opts.onRestarted?.(),
    logTail: (last) => tail(last.logFile, 2048, 15),
  });
  const first = await supervisor.start();
  return { url: first.url, token: first.token, supervisor };
}

export interface SupervisedRedis {
  /** With the password: for Folio's own clients only (a secret, never logged). */
  url: string;
  supervisor: Supervisor<RedisServer>;
}

/** The embedded redis-server, with a random password (requirepass) that only this Folio process knows. */
export async function superviseRedisServer(opts: { dataDir: string; logger: Logger }): Promise<SupervisedRedis> {
  const password = randomBytes(32).toString('hex');
  const supervisor = new Supervisor<RedisServer>({
    name: 'redis-server',
    logger: opts.logger,
    start: (first) => startRedisServer({ dataDir: opts.dataDir, logger: opts.logger, port: first?.port, password }),
    logTail: (last) => last.logTail(),
  });
  const first = await supervisor.start();
  return { url: first.connectionUrl, supervisor };
}
