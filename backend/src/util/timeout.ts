/**
 * The one timeout helper: `p`, or a TimeoutError ("<what> within N ms") after `ms`. The timer is cleared either way.
 * `p` itself is not cancelled; callers that must clean up after a late result do so on `p`.
 */
export class TimeoutError extends Error {
  override name = 'TimeoutError';
}

export function withTimeout<T>(p: Promise<T>, ms: number, what: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  return Promise.race([
    p,
    new Promise<never>((_, reject) => (timer = setTimeout(() => reject(new TimeoutError(`${what} within ${ms} ms`)), ms))),
  ]).finally(() => clearTimeout(timer));
}
