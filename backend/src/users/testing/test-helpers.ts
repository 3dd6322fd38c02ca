import { Writable } from 'node:stream';
import pino from 'pino';
import { isDomainError, type DomainError } from '../../errors';

/** A debug-level logger whose lines (parsed JSON) the test can read. */
export function captureLogger() {
  const lines: Record<string, unknown>[] = [];
  const stream = new Writable({
    write(chunk: Buffer, _enc, cb) {
      lines.push(JSON.parse(chunk.toString()) as Record<string, unknown>);
      cb();
    },
  });
  return { logger: pino({ level: 'debug' }, stream), lines };
}

/** The DomainError `p` rejects with (fails the test if it resolves or rejects with anything else). */
export const domainError = async (p: Promise<unknown>): Promise<DomainError> => {
  const e = await p.then(
    () => undefined,
    (err: unknown) => err,
  );
  if (!isDomainError(e)) throw new Error(`expected a DomainError, got ${String(e)}`);
  return e;
};
