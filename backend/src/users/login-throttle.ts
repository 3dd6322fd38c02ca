import { createHash } from 'node:crypto';
import type { Redis } from 'ioredis';
import {
  RateLimiterMemory,
  RateLimiterRedis,
  RateLimiterRes,
  type RateLimiterAbstract,
  type RateLimiterStoreAbstract,
} from 'rate-limiter-flexible';
import type { Logger } from '../logger';

/**
 * Failed sign-in limits, counted with rate-limiter-flexible: in Redis when Folio has one (every web process shares the
 * counts), in memory otherwise (tests, a single process). Three counters, each a fixed window of failures:
 *
 * - per account and client IP (default 10 failures in 15 minutes): a guesser hammering one account locks out
 *   their own address, not the account's owner elsewhere;
 * - per account, from any IP (default 50 in an hour): guessing spread over many addresses;
 * - per client IP, any accounts (default 100 in 15 minutes): password spraying.
 *
 * A counter at its limit locks its key (account+IP, account or IP): 15 minutes the first time, doubling with each
 * further lockout of that key within a day, never longer than an hour (LOCKOUT) — so no one can lock an account out
 * for good, and a lock ends by itself. While locked, attempts are refused (429, Retry-After) without the password
 * being checked and without counting. Unknown accounts are counted and locked exactly like known ones, so the answers
 * reveal nothing about which accounts exist.
 *
 * An attempt counts as a failure when it starts (atomically, so parallel attempts cannot all slip through before the
 * first fails); a successful sign-in takes it back, clears the account's counters and lockout history, and leaves the
 * IP's count otherwise as it was (one valid account must not buy unlimited guesses at others).
 *
 * If Redis is unreachable, each process falls back to its own in-memory counters (rate-limiter-flexible's insurance
 * limiter) rather than refusing every sign-in.
 */
export interface WindowRule {
  /** Failures allowed in the window; reaching it locks the key. */
  limit: number;
  windowMs: number;
}

export interface LockoutRule {
  /** The first lockout of a key. Default 15 minutes. */
  baseMs: number;
  /** No lockout lasts longer. Default 1 hour. */
  maxMs: number;
  /** Lockouts of a key are remembered (and doubled) this long after its first one. Default 24 hours. */
  memoryMs: number;
}

export interface LoginLimits {
  /** Default 10 failures per 15 minutes. */
  perAccountAndIp: WindowRule;
  /** Default 50 failures per hour. */
  perAccount: WindowRule;
  /** Default 100 failures per 15 minutes (offices share an IP, and so does everyone behind a proxy without `trust proxy`). */
  perIp: WindowRule;
  lockout: LockoutRule;
}

const MINUTE = 60_000;
export const LOGIN_LIMITS: LoginLimits = {
  perAccountAndIp: { limit: 10, windowMs: 15 * MINUTE },
  perAccount: { limit: 50, windowMs: 60 * MINUTE },
  perIp: { limit: 100, windowMs: 15 * MINUTE },
  lockout: { baseMs: 15 * MINUTE, maxMs: 60 * MINUTE, memoryMs: 24 * 60 * MINUTE },
};

/** The `n`th lockout (1, 2, …) of a key lasts base·2^(n−1), capped. Pure; the whole rule on lockout lengths. */
export function lockoutMs(n: number, rule: LockoutRule): number {
  const exponent = Math.min(Math.max(n, 1) - 1, 30);
  return Math.min(rule.baseMs * 2 ** exponent, rule.maxMs);
}

export interface LoginThrottleOptions {
  limits?: Partial<LoginLimits>;
  /** Shared counters; without it, in memory (this process only). */
  redis?: Redis;
  /** Keeps tests (and two Folio installations on one Redis) apart. Default `folio:login`. */
  keyPrefix?: string;
  logger?: Logger;
}

type Counter = 'perAccountAndIp' | 'perAccount' | 'perIp';

/** The throttle AuthService.login calls: begin → (failed | succeeded). */
export class LoginThrottle {
  private readonly limits: LoginLimits;
  private readonly counters: Record<Counter, RateLimiterAbstract | RateLimiterStoreAbstract>;
  private readonly lockouts: RateLimiterAbstract | RateLimiterStoreAbstract;
  private readonly log?: Logger;

  constructor(opts: LoginThrottleOptions = {}) {
    this.limits = { ...LOGIN_LIMITS, ...opts.limits };
    this.log = opts.logger?.child({ component: 'login-throttle' });
    const prefix = opts.keyPrefix ?? 'folio:login';
    const limiter = (name: string, points: number, ms: number) => {
      const base = { keyPrefix: `${prefix}:${name}`, points, duration: Math.ceil(ms / 1000) };
      if (!opts.redis) return new RateLimiterMemory(base);
      return new RateLimiterRedis({
        ...base,
        storeClient: opts.redis,
        // Redis unreachable: this process counts on its own meanwhile.
        insuranceLimiter: new RateLimiterMemory(base),
      });
    };
    this.counters = {
      perAccountAndIp: limiter('account-ip', this.limits.perAccountAndIp.limit, this.limits.perAccountAndIp.windowMs),
      perAccount: limiter('account', this.limits.perAccount.limit, this.limits.perAccount.windowMs),
      perIp: limiter('ip', this.limits.perIp.limit, this.limits.perIp.windowMs),
    };
    this.lockouts = limiter('lockouts', Number.MAX_SAFE_INTEGER, this.limits.lockout.memoryMs);
  }

  /**
   * Starts an attempt. Refused: the seconds to wait (nothing is counted). Otherwise null, and the attempt counts as a
   * failure until `succeeded` takes it back.
   */
  async begin(email: string, ip: string | undefined): Promise<{ retryAfterSeconds: number } | null> {
    const keys = this.keysOf(email, ip);
    const blocked = await this.waitMs(keys);
    if (blocked > 0) return { retryAfterSeconds: Math.ceil(blocked / 1000) };
    const results = await Promise.all(
      keys.map(([counter, key]) => this.counters[counter].consume(key).catch((e: unknown) => rejection(e))),
    );
    // Parallel attempts took the last failures allowed meanwhile: this one waits like the next would.
    let wait = 0;
    results.forEach((r, i) => {
      if (r.consumedPoints > this.limits[keys[i]![0]].limit) wait = Math.max(wait, r.msBeforeNext);
    });
    return wait > 0 ? { retryAfterSeconds: Math.ceil(wait / 1000) } : null;
  }

  /** The attempt begun for (email, ip) failed: a counter it brought to its limit locks its key. */
  async failed(email: string, ip: string | undefined): Promise<void> {
    await Promise.all(
      this.keysOf(email, ip).map(async ([counter, key]) => {
        const now = await this.counters[counter].get(key);
        const limit = this.limits[counter].limit;
        if (!now || now.consumedPoints < limit || now.consumedPoints >= locked(limit)) return;
        const n = (await this.lockouts.consume(`${counter}:${key}`)).consumedPoints;
        const ms = lockoutMs(n, this.limits.lockout);
        await this.counters[counter].set(key, locked(limit), Math.ceil(ms / 1000));
        this.log?.warn({ counter, lockout: n, seconds: Math.ceil(ms / 1000) }, 'sign-in locked');
      }),
    );
  }

  /** The attempt begun for (email, ip) signed in: the account starts afresh, and the IP's count drops this attempt. */
  async succeeded(email: string, ip: string | undefined): Promise<void> {
    const keys = this.keysOf(email, ip);
    await Promise.all(
      keys.map(async ([counter, key]) => {
        if (counter === 'perIp') return void (await this.counters.perIp.reward(key));
        await Promise.all([this.counters[counter].delete(key), this.lockouts.delete(`${counter}:${key}`)]);
      }),
    );
  }

  /** The longest remaining lock of the keys (0: none locked). */
  private async waitMs(keys: Array<[Counter, string]>): Promise<number> {
    const states = await Promise.all(keys.map(([counter, key]) => this.counters[counter].get(key)));
    let wait = 0;
    states.forEach((s, i) => {
      if (s && s.consumedPoints >= locked(this.limits[keys[i]![0]].limit)) wait = Math.max(wait, s.msBeforeNext);
    });
    return wait;
  }

  /** Accounts are keyed by a hash of the (lower-case) email, so Redis holds no addresses. */
  private keysOf(email: string, ip: string | undefined): Array<[Counter, string]> {
    const account = createHash('sha256').update(email.trim().toLowerCase()).digest('hex').slice(0, 32);
    const keys: Array<[Counter, string]> = [['perAccount', account]];
    if (ip) keys.push(['perAccountAndIp', `${account}:${ip}`], ['perIp', ip]);
    else keys.push(['perAccountAndIp', account]);
    return keys;
  }
}

/** consume() rejects with the RateLimiterRes when over the limit; anything else is a real error. */
function rejection(e: unknown): RateLimiterRes {
  if (e instanceof RateLimiterRes) return e;
  throw e;
}

/**
 * The count a locked key is set to, for the length of its lock: far above what attempts in one window can reach, so
 * a lock is told apart from a window merely at (or, after parallel attempts, just over) its limit.
 */
const locked = (limit: number) => limit + 1_000_000;
