import { createHash, randomBytes } from 'node:crypto';
import { badRequest, DomainError, forbidden, unauthenticated } from '../errors';
import type { AuditRecorder } from '../audit/audit.service';
import type { Principal } from '../contracts/principal';
import type { Logger } from '../logger';
import type { SessionRecord, Store, UserRecord } from '../store/store';
import { LoginThrottle, type LoginLimits } from './login-throttle';
import { hashPassword, MAX_PASSWORD_LENGTH, MIN_PASSWORD_LENGTH, verifyPassword } from './password';
import type { UserChanges } from './user-changes';

/** Name of the httpOnly session cookie (also read from WebSocket upgrade requests). */
export const SESSION_COOKIE = 'folio_session';
/** A session ends after 30 minutes without a request (FOLIO_SESSION_IDLE_MINUTES)… */
export const SESSION_IDLE_MS = 30 * 60 * 1000;
/** …and 12 hours after sign-in however active (FOLIO_SESSION_MAX_HOURS): a working day, then sign in again. */
export const SESSION_MAX_MS = 12 * 60 * 60 * 1000;
/**
 * Activity is written at most this often per session, so the idle expiry costs no store write per request; a session
 * therefore idles out between SESSION_IDLE_MS - SESSION_TOUCH_MS and SESSION_IDLE_MS after its last request.
 */
export const SESSION_TOUCH_MS = 60 * 1000;
/** One message for an unknown email and a wrong password, so the API does not reveal who has an account. */
export const INVALID_CREDENTIALS = 'Invalid email or password.';
/** Said only to someone who gave the right password, so it reveals nothing to a guesser. */
export const ACCOUNT_DISABLED = 'This account is disabled. Ask an administrator to enable it.';

export interface LoginResult {
  /** The opaque session token for the cookie. Only its sha256 is stored. */
  token: string;
  principal: Principal;
  /** The absolute expiry (the cookie's Expires); the session may end earlier when idle. */
  expiresAt: string;
}

/** Where a sign-in comes from. */
export interface SignInFrom {
  ip?: string;
  /** The session token the browser already had: signing in ends it (the session id rotates on every sign-in). */
  replaces?: string;
  /** How the user proved who they are (for the log and the audit trail). Default 'password'. */
  method?: 'password' | 'oidc';
}

/** A re-checked principal, and when its session ends if nothing happens (ms since the epoch; null: no session). */
export interface Revalidated {
  principal: Principal;
  expiresAt: number | null;
}

export interface AuthServiceOptions {
  store: Store;
  logger: Logger;
  /** Idle expiry. Default SESSION_IDLE_MS (30 min). */
  idleMs?: number;
  /** Absolute expiry from sign-in. Default SESSION_MAX_MS (12 h). */
  absoluteMs?: number;
  /** Clock, for tests of expiry. Default Date.now. */
  now?: () => number;
  /**
   * Failed sign-in limits (login-throttle.ts; LOGIN_LIMITS by default). Used for the in-memory throttle made when
   * `throttle` is not given.
   */
  loginLimits?: Partial<LoginLimits>;
  /** The failed sign-in throttle: compose.ts gives one on Redis, shared by every web process. Default in memory. */
  throttle?: LoginThrottle;
  /** Where sign-in state changes are announced (open sockets re-check). Default: nowhere. */
  changes?: UserChanges;
  /**
   * The audit trail: auth.login (password), auth.login_failed, auth.logout, and user.update for a changed password.
   * Synchronous (audit/audit.service.ts): a sign-in whose event cannot be written is undone and fails. Default: none
   * (tests of other parts).
   */
  audit?: Pick<AuditRecorder, 'record'>;
  /** False when email + password sign-in is turned off (FOLIO_PASSWORD_LOGIN=false: single sign-on only). Default true. */
  passwordSignIn?: boolean;
}

export const toPrincipal = (u: UserRecord): Principal => ({ id: u.id, email: u.email, name: u.name, role: u.role });
export const hashToken = (token: string) => createHash('sha256').update(token).digest('hex');
/** A new opaque secret (session token, set-password link): 256 random bits, URL-safe. */
export const newSecret = () => randomBytes(32).toString('base64url');

/**
 * Signs users in and out, resolves session tokens to principals (idle and absolute expiry, disabled accounts refused)
 * and re-checks the principals of long-lived connections. The one place that says whether an account may act:
 * `activeUser` (API tokens use it too).
 */
export class AuthService {
  private readonly store: Store;
  private readonly log: Logger;
  readonly idleMs: number;
  readonly absoluteMs: number;
  private readonly now: () => number;
  /** Verified against when the email is unknown, so both failures cost the same scrypt time. */
  private readonly dummyHash: Promise<string>;
  private readonly throttle: LoginThrottle;
  private readonly changes?: UserChanges;
  private readonly passwordSignIn: boolean;
  private readonly audit?: Pick<AuditRecorder, 'record'>;

  constructor(opts: AuthServiceOptions) {
    this.store = opts.store;
    this.log = opts.logger.child({ component: 'auth' });
    this.idleMs = opts.idleMs ?? SESSION_IDLE_MS;
    this.absoluteMs = opts.absoluteMs ?? SESSION_MAX_MS;
    this.now = opts.now ?? Date.now;
    this.dummyHash = hashPassword(randomBytes(16).toString('hex'));
    this.throttle = opts.throttle ?? new LoginThrottle({ limits: opts.loginLimits, logger: opts.logger });
    this.changes = opts.changes;
    this.passwordSignIn = opts.passwordSignIn ?? true;
    this.audit = opts.audit;
  }

  /**
   * A new session for valid credentials; 401 with the same message for an unknown email, a wrong password or an
   * account without a password; 403 `ACCOUNT_DISABLED` for the right password of a disabled account; 429 `overloaded`
   * (details.retryAfterSeconds) after too many failures for this email or from this IP (see login-throttle.ts),
   * without checking the password.
   */
  async login(email: string, password: string, from: SignInFrom = {}): Promise<LoginResult> {
    if (!this.passwordSignIn) throw forbidden('Password sign-in is turned off; sign in with single sign-on.');
    const key = email.trim().toLowerCase();
    // Refused by the throttle: logged, not recorded (nothing was checked; a flood must not fill the trail — the
    // failures that led to it are recorded).
    await this.beginAttempt(key, from.ip);
    const user = await this.store.users.getByEmail(key);
    const ok = await verifyPassword(password, user?.passwordHash ?? (await this.dummyHash));
    if (!user || !user.passwordHash || !ok) {
      this.log.info({ email: key, ip: from.ip, known: Boolean(user) }, 'sign-in refused');
      await this.throttle.failed(key, from.ip);
      await this.loginFailed(
        key,
        from,
        user ? (user.passwordHash ? 'wrong_password' : 'no_password') : 'unknown_email',
      );
      throw unauthenticated(INVALID_CREDENTIALS);
    }
    if (user.disabled) {
      // Still counted as a failure: the answer differs from a wrong password's, so it must not be an oracle at scale.
      this.log.info({ userId: user.id, ip: from.ip }, 'sign-in refused: account disabled');
      await this.throttle.failed(key, from.ip);
      await this.loginFailed(key, from, 'disabled');
      throw forbidden(ACCOUNT_DISABLED);
    }
    await this.throttle.succeeded(key, from.ip);
    const session = await this.startSession(user, { ...from, method: from.method ?? 'password' });
    try {
      await this.audit?.record({
        action: 'auth.login',
        actor: session.principal,
        target: userTarget(user),
        details: { method: 'password' },
      });
    } catch (e) {
      await this.store.sessions.delete(hashToken(session.token)); // no sign-in without its record
      throw e;
    }
    return session;
  }

  /** auth.login_failed, for a failure the credentials were checked for (the email tried, never the password). */
  private async loginFailed(email: string, from: SignInFrom, reason: string): Promise<void> {
    await this.audit?.record({
      action: 'auth.login_failed',
      actor: { anonymous: true, email, ip: from.ip },
      details: { method: 'password', reason },
    });
  }

  /**
   * Starts a session for a user whose identity is already established (a password above, single sign-on). Refuses a
   * disabled account (403). Ends the session the browser had (`from.replaces`), so the id rotates on every sign-in.
   */
  async startSession(user: UserRecord, from: SignInFrom = {}): Promise<LoginResult> {
    const current = await this.store.users.getById(user.id);
    if (!current) throw unauthenticated(INVALID_CREDENTIALS);
    if (current.disabled) throw forbidden(ACCOUNT_DISABLED);
    const now = this.now();
    if (from.replaces) await this.endSessionOfToken(from.replaces);
    await this.store.sessions.deleteExpired(iso(now), iso(now - this.idleMs));
    const token = newSecret();
    const expiresAt = iso(now + this.absoluteMs);
    const id = hashToken(token);
    await this.store.sessions.create({ id, userId: current.id, createdAt: iso(now), expiresAt, lastSeenAt: iso(now) });
    await this.store.users.update(current.id, { lastLoginAt: iso(now) });
    this.log.info({ userId: current.id, ip: from.ip, method: from.method ?? 'password' }, 'signed in');
    return {
      token,
      principal: { ...toPrincipal(current), credential: { kind: 'session', sessionId: id }, ip: from.ip },
      expiresAt,
    };
  }

  /**
   * Ends the session of this token (if any); its open sockets close at once. The session is ended first, whatever
   * happens to its auth.logout event (a sign-out must never be held back); if that cannot be written this throws 503.
   */
  async logout(token: string, who?: Principal): Promise<void> {
    const ended = await this.endSessionOfToken(token);
    if (ended && who) await this.audit?.record({ action: 'auth.logout', actor: who, target: userTarget(who) });
  }

  /**
   * The principal of a live session token, or null when the token is unknown, expired (absolute or idle) or its account
   * is disabled or gone. A request counts as activity (`touch`, default true; background polling passes false), written
   * at most once per SESSION_TOUCH_MS.
   */
  async principalFromToken(
    token: string | undefined | null,
    opts: { touch?: boolean } = {},
  ): Promise<Principal | null> {
    if (!token || token.length > 256) return null;
    return (await this.sessionPrincipal(hashToken(token), opts.touch ?? true))?.principal ?? null;
  }

  /** For WebSocket upgrades: reads the session cookie from a raw `Cookie` header. */
  async principalFromCookieHeader(header: string | undefined | null): Promise<Principal | null> {
    return this.principalFromToken(readCookie(header, SESSION_COOKIE));
  }

  /**
   * The account behind a principal if it may act now: it exists and is not disabled. Null otherwise. Every credential
   * (session, API token) resolves through it, so disabling an account stops all of them at once.
   */
  async activeUser(id: string): Promise<UserRecord | null> {
    const user = await this.store.users.getById(id);
    return user && !user.disabled ? user : null;
  }

  /**
   * Re-checks the principal of a long-lived connection (kernel WebSocket, SSE stream): its session is still live and
   * its account active (for an API token principal only the account: the token itself is the tokens service's to
   * re-check, see PrincipalWatcher's `revalidate`). Returns the principal as it is now — the role may have changed
   * — and when its session would end, or null when it may no longer act. `touch` as for principalFromToken (default
   * false: a timer's re-check is not activity; a message the user sent is).
   */
  async revalidate(principal: Principal, opts: { touch?: boolean } = {}): Promise<Revalidated | null> {
    const credential = principal.credential;
    if (credential?.kind === 'session') {
      const r = await this.sessionPrincipal(credential.sessionId, opts.touch ?? false);
      if (!r || r.principal.id !== principal.id) return null;
      return { principal: { ...r.principal, ip: principal.ip }, expiresAt: r.expiresAt };
    }
    const user = await this.activeUser(principal.id);
    if (!user) return null;
    return { principal: { ...principal, ...toPrincipal(user) }, expiresAt: null };
  }

  /** Ends every session of a user (but `except`, a session id to keep); their open sockets close at once. */
  async endSessions(userId: string, opts: { except?: string } = {}): Promise<number> {
    const ended = await this.store.sessions.deleteByUser(userId, opts);
    this.changes?.publish(userId);
    if (ended) this.log.info({ userId, ended }, 'sessions ended');
    return ended;
  }

  /** Tells open sockets and streams of the user to re-check now (after a change to the account). */
  announce(userId: string): void {
    this.changes?.publish(userId);
  }

  /**
   * `PUT /api/me/password`: checks the current password (throttled like a sign-in: a stolen session cannot guess it
   * faster), sets the next one and ends the user's other sessions. 400 naming the field for a wrong current password
   * or a bad next one; 400 for an account without a password (single sign-on); 403 with an API token.
   */
  async changePassword(principal: Principal, current: string, next: string): Promise<void> {
    if (principal.credential?.kind === 'token')
      throw forbidden('Change your password signed in to Folio, not with an API token.');
    const user = await this.activeUser(principal.id);
    if (!user) throw unauthenticated();
    if (!user.passwordHash)
      throw badRequest('Your account has no password to change (you sign in another way).', { field: 'current' });
    await this.beginAttempt(user.email, principal.ip);
    if (!(await verifyPassword(current, user.passwordHash))) {
      await this.throttle.failed(user.email, principal.ip);
      throw badRequest('The current password is not right.', { field: 'current' });
    }
    await this.throttle.succeeded(user.email, principal.ip);
    checkNewPassword(next, 'next');
    if (next === current) throw badRequest('The new password must differ from the current one.', { field: 'next' });
    await this.store.users.update(user.id, { passwordHash: await hashPassword(next) });
    try {
      await this.audit?.record({
        action: 'user.update',
        actor: principal,
        target: userTarget(user),
        details: { passwordChange: 'changed' },
      });
    } catch (e) {
      await this.store.users.update(user.id, { passwordHash: user.passwordHash }); // undone: no change without its record
      throw e;
    }
    const keep = principal.credential?.kind === 'session' ? principal.credential.sessionId : undefined;
    await this.endSessions(user.id, { except: keep });
    this.log.info({ userId: user.id }, 'password changed');
  }

  private async beginAttempt(key: string, ip: string | undefined): Promise<void> {
    const refused = await this.throttle.begin(key, ip);
    if (!refused) return;
    this.log.warn({ email: key, ip, ...refused }, 'sign-in throttled');
    const minutes = Math.ceil(refused.retryAfterSeconds / 60);
    throw new DomainError(
      'overloaded',
      `Too many failed sign-in attempts. Try again in ${minutes} minute${minutes === 1 ? '' : 's'}.`,
      refused,
    );
  }

  /** True when there was such a session. */
  private async endSessionOfToken(token: string): Promise<boolean> {
    if (token.length > 256) return false;
    const id = hashToken(token);
    const session = await this.store.sessions.get(id);
    if (!session) return false;
    await this.store.sessions.delete(id);
    this.changes?.publish(session.userId);
    return true;
  }

  /** A live session's principal and its deadline (the earlier of idle and absolute expiry); expired ones are deleted. */
  private async sessionPrincipal(
    id: string,
    touch: boolean,
  ): Promise<{ principal: Principal; expiresAt: number } | null> {
    const session = await this.store.sessions.get(id);
    if (!session) return null;
    const now = this.now();
    if (this.expired(session, now)) {
      await this.store.sessions.delete(id);
      return null;
    }
    const user = await this.activeUser(session.userId);
    if (!user) return null;
    let lastSeen = Date.parse(session.lastSeenAt);
    if (touch && now - lastSeen >= SESSION_TOUCH_MS) {
      await this.store.sessions.touch(id, iso(now));
      lastSeen = now;
    }
    return {
      principal: { ...toPrincipal(user), credential: { kind: 'session', sessionId: id } },
      expiresAt: Math.min(Date.parse(session.expiresAt), lastSeen + this.idleMs),
    };
  }

  private expired(s: SessionRecord, now: number): boolean {
    return Date.parse(s.expiresAt) <= now || now - Date.parse(s.lastSeenAt) >= this.idleMs;
  }
}

/** 400 naming `field` unless `password` is an acceptable new password. */
export function checkNewPassword(password: string, field: string): void {
  if (password.length < MIN_PASSWORD_LENGTH)
    throw badRequest(`The password must be at least ${MIN_PASSWORD_LENGTH} characters.`, { field });
  if (password.length > MAX_PASSWORD_LENGTH)
    throw badRequest(`The password must be at most ${MAX_PASSWORD_LENGTH} characters.`, { field });
}

const iso = (ms: number) => new Date(ms).toISOString();
/** A user as the target of an audit event. */
export const userTarget = (u: { id: string; email: string }) => ({ type: 'user', id: u.id, name: u.email });

/** The value of cookie `name` in a raw Cookie header (RFC 6265 pairs separated by `;`), URI-decoded. */
export function readCookie(header: string | undefined | null, name: string): string | undefined {
  if (!header) return undefined;
  for (const pair of header.split(';')) {
    const eq = pair.indexOf('=');
    if (eq < 0 || pair.slice(0, eq).trim() !== name) continue;
    let value = pair.slice(eq + 1).trim();
    if (value.startsWith('"') && value.endsWith('"') && value.length >= 2) value = value.slice(1, -1);
    try {
      return decodeURIComponent(value);
    } catch {
      return value;
    }
  }
  return undefined;
}
