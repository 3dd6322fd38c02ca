import { createHash, randomBytes } from 'node:crypto';
import { DomainError, forbidden, unauthenticated } from '../errors';
import type { Principal } from '../contracts/principal';
import type { Logger } from '../logger';
import type { Store, UserRecord } from '../store/store';
import { LoginThrottle, type LoginLimits } from './login-throttle';
import { hashPassword, verifyPassword } from './password';

/** Name of the httpOnly session cookie (also read from WebSocket upgrade requests). */
export const SESSION_COOKIE = 'folio_session';
/** Sessions last 12 hours from sign-in (fixed expiry, not sliding): a working day, then sign in again. */
export const SESSION_TTL_MS = 12 * 60 * 60 * 1000;
/** One message for an unknown email and a wrong password, so the API does not reveal who has an account. */
export const INVALID_CREDENTIALS = 'Invalid email or password.';

export interface LoginResult {
  /** The opaque session token for the cookie. Only its sha256 is stored. */
  token: string;
  principal: Principal;
  expiresAt: string;
}

export interface AuthServiceOptions {
  store: Store;
  logger: Logger;
  /** Session lifetime from sign-in. Default SESSION_TTL_MS (12 h). */
  sessionTtlMs?: number;
  /** Clock, for tests of expiry. Default Date.now. */
  now?: () => number;
  /** Failed sign-in limits (in memory, per process). Default LOGIN_LIMITS: 10 per email, 100 per IP, per 15 minutes. */
  loginLimits?: LoginLimits;
  /** False when email + password sign-in is turned off (FOLIO_PASSWORD_LOGIN=false: single sign-on only). Default true. */
  passwordSignIn?: boolean;
}

export const toPrincipal = (u: UserRecord): Principal => ({ id: u.id, email: u.email, name: u.name, role: u.role });
export const hashToken = (token: string) => createHash('sha256').update(token).digest('hex');

/** Signs users in and out and resolves session tokens to principals. */
export class AuthService {
  private readonly store: Store;
  private readonly log: Logger;
  private readonly ttlMs: number;
  private readonly now: () => number;
  /** Verified against when the email is unknown, so both failures cost the same scrypt time. */
  private readonly dummyHash: Promise<string>;
  private readonly throttle: LoginThrottle;
  private readonly passwordSignIn: boolean;

  constructor(opts: AuthServiceOptions) {
    this.store = opts.store;
    this.log = opts.logger.child({ component: 'auth' });
    this.ttlMs = opts.sessionTtlMs ?? SESSION_TTL_MS;
    this.now = opts.now ?? Date.now;
    this.dummyHash = hashPassword(randomBytes(16).toString('hex'));
    this.throttle = new LoginThrottle(opts.loginLimits, this.now);
    this.passwordSignIn = opts.passwordSignIn ?? true;
  }

  /**
   * A new session for valid credentials; 401 with the same message for an unknown email or a wrong password; 429
   * `overloaded` (details.retryAfterSeconds) after too many failures for this email or from this IP (see
   * login-throttle.ts), without checking the password.
   */
  async login(email: string, password: string, from: { ip?: string } = {}): Promise<LoginResult> {
    if (!this.passwordSignIn) throw forbidden('Password sign-in is turned off; sign in with single sign-on.');
    const key = email.trim().toLowerCase();
    const refused = this.throttle.begin(key, from.ip);
    if (refused) {
      this.log.warn({ email: key, ip: from.ip, ...refused }, 'sign-in throttled');
      const minutes = Math.ceil(refused.retryAfterSeconds / 60);
      throw new DomainError(
        'overloaded',
        `Too many failed sign-in attempts. Try again in ${minutes} minute${minutes === 1 ? '' : 's'}.`,
        refused,
      );
    }
    const user = await this.store.users.getByEmail(key);
    const ok = await verifyPassword(password, user?.passwordHash ?? (await this.dummyHash));
    if (!user || !ok) {
      this.log.info({ email: key, ip: from.ip, known: Boolean(user) }, 'sign-in refused');
      throw unauthenticated(INVALID_CREDENTIALS);
    }
    this.throttle.succeeded(key, from.ip);
    return this.startSession(user, from);
  }

  /** A new session for a user who proved who they are (password, or single sign-on: users/oidc.service.ts). */
  async startSession(user: UserRecord, from: { ip?: string } = {}): Promise<LoginResult> {
    const now = this.now();
    await this.store.sessions.deleteExpired(new Date(now).toISOString());
    const token = randomBytes(32).toString('base64url');
    const expiresAt = new Date(now + this.ttlMs).toISOString();
    await this.store.sessions.create({
      id: hashToken(token),
      userId: user.id,
      createdAt: new Date(now).toISOString(),
      expiresAt,
    });
    this.log.info({ userId: user.id, ip: from.ip }, 'signed in');
    return {
      token,
      principal: { ...toPrincipal(user), credential: { kind: 'session', sessionId: hashToken(token) }, ip: from.ip },
      expiresAt,
    };
  }

  /** Ends the session of this token (if any). */
  async logout(token: string): Promise<void> {
    await this.store.sessions.delete(hashToken(token));
  }

  /** The principal of a live session token, or null when the token is unknown or expired. */
  async principalFromToken(token: string | undefined | null): Promise<Principal | null> {
    if (!token || token.length > 256) return null;
    const id = hashToken(token);
    const session = await this.store.sessions.get(id);
    if (!session) return null;
    if (Date.parse(session.expiresAt) <= this.now()) {
      await this.store.sessions.delete(id);
      return null;
    }
    const user = await this.store.users.getById(session.userId);
    return user ? { ...toPrincipal(user), credential: { kind: 'session', sessionId: id } } : null;
  }

  /** For WebSocket upgrades: reads the session cookie from a raw `Cookie` header. */
  async principalFromCookieHeader(header: string | undefined | null): Promise<Principal | null> {
    return this.principalFromToken(readCookie(header, SESSION_COOKIE));
  }
}

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
