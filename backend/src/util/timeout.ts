/**
 * The timeout helpers, one definition each (nothing else in the backend races a promise against a timer):
 * - `withTimeout(p, ms, what)`: `p`, or a TimeoutError ("<what> within 300 ms", "… within 5 s") after `ms`;
 * - `settleWithin(p, ms)`: waits for `p` at most `ms`, then says whether it settled (a grace period, not an error).
 * The timer is cleared either way. `p` itself is not cancelled; callers that must clean up after a late result do so on `p`.
 */
export class TimeoutError extends Error {
  override name = 'TimeoutError';
}

export function withTimeout<T>(p: Promise<T>, ms: number, what: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  return Promise.race([
    p,
    new Promise<never>(
      (_, reject) => (timer = setTimeout(() => reject(new TimeoutError(`${what} within ${duration(ms)}`)), ms)),
    ),
  ]).finally(() => clearTimeout(timer));
}

/** "5 s" for whole seconds, "300 ms" otherwise. */
const duration = (ms: number) => (ms % 1000 === 0 ? `${ms / 1000} s` : `${ms} ms`);

export type Settled<T> = { settled: true; value: T } | { settled: false };

/** `{settled: true, value}` once `p` resolves within `ms`, `{settled: false}` after `ms`; rejects if `p` rejects in time. */
export async function settleWithin<T>(p: Promise<T>, ms: number): Promise<Settled<T>> {
  let timer: NodeJS.Timeout | undefined;
  const late = new Promise<{ settled: false }>(
    (resolve) => (timer = setTimeout(() => resolve({ settled: false }), ms)),
  );
  try {
    return await Promise.race([p.then((value) => ({ settled: true as const, value })), late]);
  } finally {
    clearTimeout(timer);
  }
}
