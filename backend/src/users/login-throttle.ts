/**
 * Failed sign-in limits, kept in memory (sliding windows). Enough for the embedded default and a single web process;
 * with several web processes each keeps its own counts, so the effective limit is per process (a shared store, e.g.
 * Redis, would make it global).
 *
 * - per email: LOGIN_LIMITS.perEmail failures in its window block that email (whatever the IP), until the oldest
 *   counted failure leaves the window; a successful sign-in clears the email's count;
 * - per IP: LOGIN_LIMITS.perIp failures (any emails) block that IP, against password spraying. A success does not
 *   clear it (one valid account must not buy unlimited guesses at others).
 * An attempt counts as a failure when it starts and is taken back if it succeeds, so parallel attempts cannot all
 * slip through before the first one fails.
 */
export interface WindowRule {
  /** Failures allowed in the window; the next attempt is refused. */
  limit: number;
  windowMs: number;
}

export interface LoginLimits {
  /** Default 10 failures per 15 minutes. */
  perEmail: WindowRule;
  /** Default 100 failures per 15 minutes (offices share an IP, and so does everyone behind a proxy without `trust proxy`). */
  perIp: WindowRule;
}

export const LOGIN_LIMITS: LoginLimits = {
  perEmail: { limit: 10, windowMs: 15 * 60_000 },
  perIp: { limit: 100, windowMs: 15 * 60_000 },
};

/** Keys kept per window before the least recently used are forgotten (bounds memory under a flood of emails). */
const MAX_KEYS = 50_000;

/** Failure times per key within one rule's window. */
export class SlidingWindow {
  private readonly hits = new Map<string, number[]>();

  constructor(
    private readonly rule: WindowRule,
    private readonly now: () => number,
    private readonly maxKeys = MAX_KEYS,
  ) {}

  /** Milliseconds until `key` may try again; 0 when it may now. */
  waitMs(key: string): number {
    const times = this.live(key);
    if (times.length < this.rule.limit) return 0;
    // Blocked until enough failures leave the window to drop below the limit.
    const unblocking = times[times.length - this.rule.limit]!;
    return Math.max(1, unblocking + this.rule.windowMs - this.now());
  }

  hit(key: string): void {
    const times = this.live(key);
    times.push(this.now());
    if (times.length > this.rule.limit) times.splice(0, times.length - this.rule.limit);
    this.hits.delete(key); // re-insert: Map order is then least recently used first
    this.hits.set(key, times);
    if (this.hits.size > this.maxKeys) this.hits.delete(this.hits.keys().next().value!);
  }

  /** Takes back the latest failure of `key` (an attempt that turned out fine). */
  unhit(key: string): void {
    this.hits.get(key)?.pop();
  }

  clear(key: string): void {
    this.hits.delete(key);
  }

  get size(): number {
    return this.hits.size;
  }

  private live(key: string): number[] {
    const since = this.now() - this.rule.windowMs;
    const times = (this.hits.get(key) ?? []).filter((t) => t > since);
    if (times.length === 0) this.hits.delete(key);
    return times;
  }
}

export class LoginThrottle {
  private readonly emails: SlidingWindow;
  private readonly ips: SlidingWindow;

  constructor(limits: LoginLimits = LOGIN_LIMITS, now: () => number = Date.now) {
    this.emails = new SlidingWindow(limits.perEmail, now);
    this.ips = new SlidingWindow(limits.perIp, now);
  }

  /**
   * Starts an attempt. Refused: the seconds to wait (nothing is counted). Otherwise null, and the attempt counts as a
   * failure until `succeeded` takes it back.
   */
  begin(email: string, ip: string | undefined): { retryAfterSeconds: number } | null {
    const waitMs = Math.max(this.emails.waitMs(email), ip ? this.ips.waitMs(ip) : 0);
    if (waitMs > 0) return { retryAfterSeconds: Math.ceil(waitMs / 1000) };
    this.emails.hit(email);
    if (ip) this.ips.hit(ip);
    return null;
  }

  /** The attempt begun for (email, ip) signed in: the email starts afresh, and the IP's count drops this attempt. */
  succeeded(email: string, ip: string | undefined): void {
    this.emails.clear(email);
    if (ip) this.ips.unhit(ip);
  }
}
