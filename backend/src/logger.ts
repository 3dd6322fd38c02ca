import pino, { type Logger } from 'pino';

export type { Logger };

/** Root logger: pretty in a terminal, JSON otherwise (production, CI, log shippers). */
export function createLogger(level: string): Logger {
  const pretty = process.stdout.isTTY && process.env.NODE_ENV !== 'production';
  return pino({
    level,
    base: undefined,
    redact: ['req.headers.cookie', 'req.headers.authorization', 'password', '*.password', 'token', '*.token'],
    transport: pretty ? { target: 'pino-pretty', options: { translateTime: 'HH:MM:ss.l', ignore: 'pid,hostname' } } : undefined,
  });
}
