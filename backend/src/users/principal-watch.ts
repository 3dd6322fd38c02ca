import { DomainError, isDomainError } from '../errors';
import type { Principal } from '../contracts/principal';
import type { AuthService, Revalidated } from './auth.service';
import type { UserChanges } from './user-changes';

/** How often a long-lived connection re-checks its principal when nothing announced a change. Default 60 s. */
export const RECHECK_MS = 60_000;
const MAX_TIMER_MS = 2 ** 31 - 1;

/** Why a connection's principal may no longer use it. */
export const SESSION_ENDED = 'Your session has ended; sign in again.';

export interface WatchOptions {
  /**
   * How to re-check this principal's credential. Default AuthService.revalidate (a session; for an API token only its
   * owner's account). API-token connections pass the tokens service's check of the same secret (revoked, expired).
   */
  revalidate?: (principal: Principal, opts: { touch: boolean }) => Promise<Revalidated | null>;
  /**
   * Re-authorizes the connection (e.g. reads its notebook or run again with the principal): when the principal's role
   * changed, and on every announced change of the user and periodic re-check (an announcement also says "their access
   * to an object changed", e.g. a share reduced to read). A DomainError thrown here ends the connection with that
   * error. Default: nothing to re-check.
   */
  reauthorize?: (principal: Principal) => Promise<unknown>;
  /** The principal as it is now (after every successful check). */
  onChange?: (principal: Principal) => void;
  /** Called once, with a 401 (session or account gone) or the reauthorize error; the watch stops. */
  onLost: (error: DomainError) => void;
}

export interface Watch {
  /** Checks now; `touch` when the user acted (a message they sent). False once lost. */
  check(opts?: { touch?: boolean }): Promise<boolean>;
  stop(): void;
}

/**
 * Keeps the principal of a long-lived connection (kernel WebSocket, SSE run stream) honest: it is re-checked
 * (AuthService.revalidate) at once, when the user's sign-in state is announced to have changed (UserChanges: from any
 * web process, within milliseconds), when its session would expire (idle or absolute), every `recheckMs` (in case an
 * announcement was lost), and whenever the connection asks (before acting on a message). A role change, an
 * announcement and the periodic re-check re-authorize the connection; a lost principal ends it.
 */
export class PrincipalWatcher {
  private readonly recheckMs: number;

  constructor(
    private readonly deps: {
      auth: Pick<AuthService, 'revalidate'>;
      changes?: UserChanges;
      recheckMs?: number;
      /** A check that failed for another reason than the principal (the store is down): reported, the watch goes on. */
      onError?: (e: unknown) => void;
    },
  ) {
    this.recheckMs = deps.recheckMs ?? RECHECK_MS;
  }

  watch(principal: Principal, opts: WatchOptions): Watch {
    let current = principal;
    let stopped = false;
    let expiry: NodeJS.Timeout | undefined;
    // Checks run one at a time, in order: a later one sees what an earlier one did.
    let chain: Promise<boolean> = Promise.resolve(true);

    const lose = (error: DomainError) => {
      if (stopped) return;
      stop();
      opts.onLost(error);
    };
    const armExpiry = (expiresAt: number | null) => {
      clearTimeout(expiry);
      if (expiresAt === null || stopped) return;
      // Timers can fire a millisecond early (and long ones are capped): the check at the deadline re-arms if needed.
      expiry = setTimeout(() => void check(), Math.max(1, Math.min(expiresAt - Date.now() + 1, MAX_TIMER_MS)));
      expiry.unref();
    };
    /** `reauthorize`: also when the role is the same (an announcement, the periodic re-check). */
    const runCheck = async (touch: boolean, reauthorize: boolean): Promise<boolean> => {
      if (stopped) return false;
      const now = await (opts.revalidate ?? ((p, o) => this.deps.auth.revalidate(p, o)))(current, { touch });
      if (stopped) return false;
      if (!now) {
        lose(new DomainError('unauthenticated', SESSION_ENDED));
        return false;
      }
      if ((reauthorize || now.principal.role !== current.role) && opts.reauthorize) {
        try {
          await opts.reauthorize(now.principal);
        } catch (e) {
          if (!isDomainError(e)) throw e;
          lose(e);
          return false;
        }
      }
      current = now.principal;
      opts.onChange?.(current);
      armExpiry(now.expiresAt);
      return !stopped;
    };
    const check = (o: { touch?: boolean; reauthorize?: boolean } = {}): Promise<boolean> => {
      const run = () => runCheck(o.touch ?? false, o.reauthorize ?? false);
      chain = chain.then(run, run);
      return chain.catch((e: unknown) => {
        this.deps.onError?.(e);
        return !stopped;
      });
    };
    const background = () => void check();
    const recheck = () => void check({ reauthorize: true });

    const unsubscribe = this.deps.changes?.subscribe(principal.id, recheck);
    const interval = setInterval(recheck, this.recheckMs);
    interval.unref();
    background(); // learns when the session would expire, and arms the timer for it
    function stop() {
      if (stopped) return;
      stopped = true;
      unsubscribe?.();
      clearInterval(interval);
      clearTimeout(expiry);
    }
    return { check, stop };
  }
}
