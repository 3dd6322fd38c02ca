import { format } from 'node:util';
import pino, { type Logger } from 'pino';

export type { Logger };

/** Root logger: pretty in a terminal, JSON otherwise (production, CI, log shippers). */
export function createLogger(level: string): Logger {
  const pretty = process.stdout.isTTY && process.env.NODE_ENV !== 'production';
  return pino({
    ...loggerOptions(level),
    transport: pretty
      ? { target: 'pino-pretty', options: { translateTime: 'HH:MM:ss.l', ignore: 'pid,hostname' } }
      : undefined,
  });
}

/**
 * The root logger's options (tests build a logger on a stream with them). Secrets are redacted wherever a log call
 * puts them by name; the access log (http/middleware/request-log.ts) never logs headers in the first place.
 */
export function loggerOptions(level: string): pino.LoggerOptions {
  return {
    level,
    base: undefined,
    redact: [
      'req.headers.cookie',
      'req.headers.authorization',
      'res.headers["set-cookie"]',
      'headers.cookie',
      'headers.authorization',
      'password',
      '*.password',
      'token',
      '*.token',
      'secret',
      '*.secret',
    ],
  };
}

/**
 * Connection chatter @jupyterlab/services prints with console.* ("Starting WebSocket: …", "Kernel: idle (…)",
 * "Connection lost, reconnecting in 1 seconds."): routine for Folio, which reconnects and reports kernel state itself.
 */
export const SERVICES_CHATTER = /^(Starting WebSocket: |Kernel: \w+ \(|Connection lost, reconnecting in )/;

type ConsoleMethod = 'log' | 'info' | 'debug' | 'warn' | 'error';
const LEVELS: Record<ConsoleMethod, 'debug' | 'info' | 'warn' | 'error'> = {
  log: 'info',
  info: 'info',
  debug: 'debug',
  warn: 'warn',
  error: 'error',
};

/**
 * Sends console.log/info/debug/warn/error (libraries' output, chiefly @jupyterlab/services) to `logger` with
 * `source: 'console'`, so stdout stays one JSON object per line. The services' chatter goes to debug. Returns a
 * function that puts the console back.
 */
export function routeConsoleToLogger(logger: Logger): () => void {
  const log = logger.child({ source: 'console' });
  const saved = Object.fromEntries((Object.keys(LEVELS) as ConsoleMethod[]).map((m) => [m, console[m]]));
  for (const method of Object.keys(LEVELS) as ConsoleMethod[]) {
    console[method] = (...args: unknown[]) => {
      const err = args.find((a): a is Error => a instanceof Error);
      const msg = format(...args);
      const level = SERVICES_CHATTER.test(msg) ? 'debug' : LEVELS[method];
      if (err) log[level]({ err }, msg);
      else log[level](msg);
    };
  }
  return () => Object.assign(console, saved);
}

/** For tests: drops the services' chatter (everything else still reaches the console). Returns the undo. */
export function silenceServicesChatter(): () => void {
  const saved = Object.fromEntries((Object.keys(LEVELS) as ConsoleMethod[]).map((m) => [m, console[m]]));
  for (const method of Object.keys(LEVELS) as ConsoleMethod[]) {
    const original = console[method];
    console[method] = (...args: unknown[]) => {
      if (typeof args[0] === 'string' && SERVICES_CHATTER.test(args[0])) return;
      original.apply(console, args);
    };
  }
  return () => Object.assign(console, saved);
}
