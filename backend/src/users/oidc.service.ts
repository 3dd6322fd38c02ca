import { createHash, randomBytes, randomUUID, timingSafeEqual } from 'node:crypto';
import * as oidc from 'openid-client';
import type { AuditRecorder } from '../audit/audit.service';
import type { OidcConfig } from '../config';
import type { Role } from '../contracts/principal';
import type { Logger } from '../logger';
import type {
  OidcLoginRepository,
  UserIdentityRepository,
  UserPatch,
  UserRecord,
  UserRepository,
  UserUpdateResult,
} from '../store/store';
import type { LoginResult } from './auth.service';
import { roleFromClaims, safeNextPath } from './oidc-claims';

/** How long a single sign-on may take between the redirect to the provider and its callback. */
export const OIDC_LOGIN_TTL_MS = 10 * 60 * 1000;

/**
 * Why a single sign-on did not sign anyone in. The login page shows a message for each (never the provider's raw
 * text), the log and the audit trail keep the details.
 */
export type OidcFailure =
  | 'access_denied' // the user cancelled, or the provider refused them
  | 'idp_error' // the provider answered another error
  | 'state' // the callback's state is not the one of the sign-in this browser started (forged or crossed)
  | 'expired' // no sign-in in progress for this browser: too old, already used, or started elsewhere
  | 'invalid_response' // the code exchange or the ID token failed verification (signature, nonce, issuer, audience…)
  | 'unavailable' // the provider cannot be reached
  | 'no_email' // a new user without an email claim
  | 'email_unverified' // the provider says the email is not verified
  | 'account_exists' // a Folio account has this email but no link to this identity: not taken over silently
  | 'not_entitled' // the role claim maps to no role and there is no default role
  | 'disabled'; // the Folio account is disabled

export class OidcSignInError extends Error {
  constructor(
    readonly reason: OidcFailure,
    message: string,
    /** For the log and the audit trail only (never shown to the user, never secrets). */
    readonly details: Record<string, unknown> = {},
  ) {
    super(message);
    this.name = 'OidcSignInError';
  }
}

/** The provider's callback as the route hands it over. */
export interface CallbackInput extends SessionFrom {
  /** The login cookie's value (the sign-in this browser started). */
  loginCookie?: string;
  /** The callback URL's query: code, state (or error), iss. */
  query: URLSearchParams;
}

/** What changed about the user on this sign-in, for the audit trail. */
export interface OidcSignInResult {
  session: LoginResult;
  /** A same-origin path to go to. */
  next: string;
  user: UserRecord;
  created: boolean;
  /** The role before this sign-in, when the role claim changed it. */
  roleChangedFrom?: Role;
  /** True when this sign-in linked an existing account by its verified email (FOLIO_OIDC_LINK_BY_EMAIL). */
  linked: boolean;
}

/** Where a sign-in comes from: the client's IP, and the session token the browser had (it ends: the id rotates). */
export interface SessionFrom {
  ip?: string;
  replaces?: string;
}

export interface OidcServiceOptions {
  config: OidcConfig;
  users: UserRepository;
  identities: UserIdentityRepository;
  logins: OidcLoginRepository;
  /** The audit trail: auth.login (method oidc), auth.login_failed, user.create and user.update (role, linking). */
  audit: AuditRecorder;
  /** Ends one session by its token (AuthService.logout): a sign-in whose audit event could not be written. */
  endSession(token: string): Promise<void>;
  /** Ends every session of a user (AuthService.endSessions): after the claim changed their role. */
  endSessions(userId: string): Promise<number>;
  /** Creates the session, exactly as a password sign-in does. */
  startSession(user: UserRecord, from: SessionFrom): Promise<LoginResult>;
  logger: Logger;
  /** Clock for the sign-in expiry. Default Date.now. */
  now?: () => number;
}

const sha256 = (s: string) => createHash('sha256').update(s).digest('hex');
const sameString = (a: string, b: string) => {
  const [x, y] = [Buffer.from(a), Buffer.from(b)];
  return x.length === y.length && timingSafeEqual(x, y);
};
const isLoopbackHttp = (u: URL) => u.protocol === 'http:';

/**
 * OpenID Connect single sign-on with openid-client: authorization code flow with PKCE (S256), state and nonce. The
 * sign-in in progress (state, nonce, PKCE verifier, where to go next) is kept in the store under the hash of a random
 * id that only this browser holds (an httpOnly cookie), so any web process can finish it and it is used at most once.
 *
 * Accounts. A provider account is (issuer, sub) — never the email, which can change at the provider or be reused. The
 * first sign-in creates the Folio user (email, name, the mapped role) and links it; later sign-ins find it by the link
 * (a changed email is taken over when free). A Folio account that already has the email but no link is NOT taken over:
 * the sign-in is refused (`account_exists`), unless FOLIO_OIDC_LINK_BY_EMAIL says this provider's verified emails are
 * trusted (a bank's own directory), in which case it is linked and audited. Why: otherwise whoever controls an email
 * at the provider — a misconfigured tenant, a self-service IdP, a recycled mailbox — would silently become that Folio
 * user, admins included.
 *
 * Roles. With a role claim configured, the provider is the source of truth: the role is re-mapped on every sign-in
 * (the highest mapped value wins; none mapped → the default role, or refused when it is `none`). Without one, new
 * users get the default role and roles are managed in Folio.
 */
export class OidcService {
  private readonly cfg: OidcConfig;
  private readonly log: Logger;
  private readonly now: () => number;
  private discovered: Promise<oidc.Configuration> | null = null;

  constructor(private readonly opts: OidcServiceOptions) {
    this.cfg = opts.config;
    this.log = opts.logger.child({ component: 'oidc' });
    this.now = opts.now ?? Date.now;
  }

  /** The provider's name for the login page. */
  get name(): string {
    return this.cfg.name;
  }

  /**
   * Starts a sign-in: returns the provider's authorization URL to redirect to, and the secret for the login cookie.
   * `next` is kept only when it is a path of this site (see safeNextPath).
   */
  async begin(next: unknown): Promise<{ redirectTo: string; loginCookie: string; maxAgeMs: number }> {
    const client = await this.client();
    const codeVerifier = oidc.randomPKCECodeVerifier();
    const state = oidc.randomState();
    const nonce = oidc.randomNonce();
    const secret = randomBytes(32).toString('base64url');
    const now = this.now();
    await this.opts.logins.deleteExpired(new Date(now).toISOString());
    await this.opts.logins.create({
      id: sha256(secret),
      state,
      nonce,
      codeVerifier,
      next: safeNextPath(next),
      createdAt: new Date(now).toISOString(),
      expiresAt: new Date(now + OIDC_LOGIN_TTL_MS).toISOString(),
    });
    const url = oidc.buildAuthorizationUrl(client, {
      redirect_uri: this.cfg.redirectUrl,
      scope: this.cfg.scopes.join(' '),
      code_challenge: await oidc.calculatePKCECodeChallenge(codeVerifier),
      code_challenge_method: 'S256',
      state,
      nonce,
    });
    return { redirectTo: url.href, loginCookie: secret, maxAgeMs: OIDC_LOGIN_TTL_MS };
  }

  /**
   * Finishes a sign-in from the provider's callback: checks it belongs to the sign-in this browser started (login
   * cookie + state), exchanges the code (PKCE verifier; openid-client verifies the ID token's signature, issuer,
   * audience, expiry and nonce), finds or creates the user, maps the role, and starts a session. Throws
   * OidcSignInError.
   */
  async complete(input: CallbackInput): Promise<OidcSignInResult> {
    try {
      const result = await this.completeSignIn(input);
      try {
        await this.opts.audit.record({
          action: 'auth.login',
          actor: result.session.principal,
          target: userTarget(result.user),
          details: { method: 'oidc', issuer: this.cfg.issuer, created: result.created },
        });
      } catch (e) {
        await this.opts.endSession(result.session.token); // no sign-in without its record (as a password sign-in)
        throw e;
      }
      return result;
    } catch (e) {
      if (e instanceof OidcSignInError) {
        const email = typeof e.details.email === 'string' ? e.details.email : undefined;
        await this.opts.audit.record({
          action: 'auth.login_failed',
          actor: { anonymous: true, email, ip: input.ip },
          details: { method: 'oidc', reason: e.reason, issuer: this.cfg.issuer, ...e.details },
        });
      }
      throw e;
    }
  }

  private async completeSignIn(input: CallbackInput): Promise<OidcSignInResult> {
    const login = input.loginCookie ? await this.opts.logins.take(sha256(input.loginCookie)) : null;
    if (!login) throw new OidcSignInError('expired', 'No single sign-on in progress for this browser.');
    if (Date.parse(login.expiresAt) <= this.now())
      throw new OidcSignInError('expired', 'The single sign-on took too long.');
    const state = input.query.get('state');
    if (!state || !sameString(state, login.state)) {
      throw new OidcSignInError('state', 'The callback does not belong to the sign-in this browser started.');
    }
    const error = input.query.get('error');
    if (error) {
      const details = { error, description: input.query.get('error_description')?.slice(0, 300) };
      throw new OidcSignInError(
        error === 'access_denied' ? 'access_denied' : 'idp_error',
        'The provider refused.',
        details,
      );
    }

    const client = await this.client();
    const callbackUrl = new URL(this.cfg.redirectUrl);
    callbackUrl.search = input.query.toString();
    let claims: Record<string, unknown>;
    try {
      const tokens = await oidc.authorizationCodeGrant(client, callbackUrl, {
        pkceCodeVerifier: login.codeVerifier,
        expectedState: login.state,
        expectedNonce: login.nonce,
        idTokenExpected: true,
      });
      const idClaims = tokens.claims();
      if (!idClaims) throw new Error('no ID token');
      // The ID token's claims win over userinfo's (its signature was checked); userinfo adds what the provider keeps
      // out of ID tokens (often groups and email). Its `sub` must be the ID token's (openid-client checks).
      const info = client.serverMetadata().userinfo_endpoint
        ? await oidc.fetchUserInfo(client, tokens.access_token, idClaims.sub)
        : {};
      claims = { ...info, ...idClaims };
    } catch (e) {
      const reason = isNetworkError(e) ? 'unavailable' : 'invalid_response';
      throw new OidcSignInError(reason, "The provider's answer could not be verified.", { error: errorText(e) });
    }

    const account = await this.accountFor(claims, input.ip);
    const session = await this.opts.startSession(account.user, { ip: input.ip, replaces: input.replaces });
    return { ...account, session, next: login.next };
  }

  /** The Folio user of these verified claims: found by link, linked, or created; role and profile brought up to date. */
  private async accountFor(
    claims: Record<string, unknown>,
    ip?: string,
  ): Promise<Omit<OidcSignInResult, 'session' | 'next'>> {
    const { users, identities } = this.opts;
    const issuer = String(claims.iss);
    const subject = String(claims.sub);
    const who = { issuer, subject };
    // Changes made by the single sign-on mapping (not by a person in Folio) are recorded as Folio's own.
    const system = { system: 'oidc', ip };
    const email =
      typeof claims.email === 'string' && claims.email.includes('@') ? claims.email.trim().toLowerCase() : null;
    const verified = claims.email_verified === true || claims.email_verified === 'true';
    const unverified = claims.email_verified === false || claims.email_verified === 'false';
    const claimRole = this.cfg.roleClaim ? (roleFromClaims(claims, this.cfg) ?? this.cfg.defaultRole) : undefined;
    const at = new Date(this.now()).toISOString();

    let created = false;
    let linked = false;
    let user: UserRecord | null;
    const identity = await identities.get(issuer, subject);
    if (identity) {
      user = await users.getById(identity.userId);
      if (!user) throw new OidcSignInError('not_entitled', 'The linked account no longer exists.', who);
    } else {
      const existing = email ? await users.getByEmail(email) : null;
      if (existing) {
        if (!this.cfg.linkByEmail || !verified) {
          throw new OidcSignInError('account_exists', 'An account with this email exists and is not linked.', {
            ...who,
            userId: existing.id,
            emailVerified: verified,
          });
        }
        await this.opts.audit.record({
          action: 'user.update',
          actor: system,
          target: userTarget(existing),
          details: { identityLinked: { issuer, subject }, byVerifiedEmail: email },
        });
        user = existing;
        linked = true;
      } else {
        if (!email) throw new OidcSignInError('no_email', 'The provider gave no email.', who);
        if (unverified) throw new OidcSignInError('email_unverified', 'The email is not verified.', { ...who, email });
        const role = claimRole === undefined ? this.cfg.defaultRole : claimRole;
        if (!role) throw new OidcSignInError('not_entitled', 'No role maps from the claims.', { ...who, email });
        const fresh = { id: randomUUID(), email, name: displayName(claims, email), role, passwordHash: null };
        // Recorded first: an account cannot be deleted again if recording failed after creating it.
        await this.opts.audit.record({
          action: 'user.create',
          actor: system,
          target: userTarget(fresh),
          details: { method: 'oidc', issuer, subject, role },
        });
        try {
          user = await users.create(fresh);
        } catch (e) {
          throw new OidcSignInError('account_exists', 'The email was taken meanwhile.', {
            ...who,
            error: errorText(e),
          });
        }
        created = true;
      }
      if (!(await identities.create({ ...who, userId: user.id, email, createdAt: at, lastSignInAt: at }))) {
        // Another sign-in of the same identity linked it first (two tabs at once): use its link.
        const winner = await identities.get(issuer, subject);
        const u = winner && (await users.getById(winner.userId));
        if (!u) throw new OidcSignInError('account_exists', 'The identity was linked meanwhile.', who);
        user = u;
      }
    }

    // A disabled account stays out, whatever the provider says (and nothing about it changes).
    if (user.disabled) throw new OidcSignInError('disabled', 'The account is disabled.', { ...who, userId: user.id });
    if (claimRole === null) {
      throw new OidcSignInError('not_entitled', 'No role maps from the claims.', { ...who, userId: user.id });
    }

    const profile: UserPatch = {};
    const name = displayName(claims, user.email);
    if (typeof claims.name === 'string' && name !== user.name) profile.name = name;
    if (email && email !== user.email && !(await users.getByEmail(email))) profile.email = email;
    if (Object.keys(profile).length) {
      try {
        user = updated(await users.update(user.id, profile)) ?? user;
      } catch (e) {
        // The new email was taken in between: keep the old one, apply the rest.
        this.log.warn({ userId: user.id, error: errorText(e) }, 'single sign-on: email not updated');
        delete profile.email;
        user = updated(await users.update(user.id, profile)) ?? user;
      }
    }

    let roleChangedFrom: Role | undefined;
    if (claimRole && claimRole !== user.role) {
      const from = user.role;
      await this.opts.audit.record({
        action: 'user.update',
        actor: system,
        target: userTarget(user),
        details: { role: { from, to: claimRole }, reason: `claim ${this.cfg.roleClaim}`, issuer },
      });
      // Folio never leaves itself without an enabled admin (UsersService's rule too): the last one keeps the role.
      const result = await users.update(user.id, { role: claimRole }, { activeAdminRemains: from === 'admin' });
      if (result?.ok) {
        user = result.user;
        roleChangedFrom = from;
        // As for an admin's role change: the user's other sessions end (and their open sockets close).
        await this.opts.endSessions(user.id);
      } else {
        this.log.warn(
          { userId: user.id, to: claimRole },
          'single sign-on: the last enabled admin keeps the admin role',
        );
      }
    }
    await identities.recordSignIn(issuer, subject, at, email);
    this.log.info({ userId: user.id, issuer, created, linked, roleChangedFrom }, 'single sign-on');
    return { user, created, linked, roleChangedFrom };
  }

  /** The discovered provider configuration; discovered on first use (Folio starts while the IdP is down), retried after a failure. */
  private client(): Promise<oidc.Configuration> {
    if (!this.discovered) {
      const issuer = new URL(this.cfg.issuer);
      const auth = this.cfg.clientSecret ? oidc.ClientSecretBasic(this.cfg.clientSecret) : oidc.None();
      this.discovered = oidc
        .discovery(issuer, this.cfg.clientId, undefined, auth, {
          // config.ts allows plain http only for an issuer on a loopback address (tests, a local IdP).
          // ID token signatures are verified too (against the provider's JWKS), not only trusted for arriving over
          // TLS from the token endpoint: a token changed on the way, or by a proxy, is refused.
          execute: [oidc.enableNonRepudiationChecks, ...(isLoopbackHttp(issuer) ? [oidc.allowInsecureRequests] : [])],
          timeout: 10,
        })
        .catch((e: unknown) => {
          this.discovered = null;
          this.log.warn({ issuer: this.cfg.issuer, error: errorText(e) }, 'single sign-on: provider discovery failed');
          throw new OidcSignInError('unavailable', 'The provider cannot be reached.', { error: errorText(e) });
        });
    }
    return this.discovered;
  }
}

const userTarget = (u: Pick<UserRecord, 'id' | 'email'>) => ({ type: 'user', id: u.id, name: u.email });

/** The name a user goes by: the `name` claim, else `preferred_username`, else the email's local part. */
function displayName(claims: Record<string, unknown>, email: string): string {
  for (const c of [claims.name, claims.preferred_username]) {
    if (typeof c === 'string' && c.trim()) return c.trim().slice(0, 200);
  }
  return email.split('@')[0] || email;
}

/** An error and its causes in one line, for the log and the audit trail (openid-client's messages carry no secrets). */
const errorText = (e: unknown) => {
  const parts: string[] = [];
  for (let c: unknown = e; c !== undefined && parts.length < 3; c = c instanceof Error ? c.cause : undefined) {
    parts.push(c instanceof Error ? `${c.name}: ${c.message}` : String(c));
  }
  return parts.join(' ← ').slice(0, 500);
};

/** A fetch that never reached the provider (refused, reset, DNS, timeout) rather than an answer that failed checks. */
function isNetworkError(e: unknown): boolean {
  for (let c: unknown = e; c instanceof Error; c = c.cause) {
    if (
      c.name === 'AbortError' ||
      c.name === 'TimeoutError' ||
      (c instanceof TypeError && /fetch failed/.test(c.message))
    )
      return true;
  }
  return false;
}

/** The OidcService of this configuration, or undefined when single sign-on is off (composition roots and tests). */
export function oidcServiceFor(
  config: OidcConfig | null,
  deps: {
    store: { users: UserRepository; userIdentities: UserIdentityRepository; oidcLogins: OidcLoginRepository };
  } & Pick<OidcServiceOptions, 'startSession' | 'endSession' | 'endSessions' | 'logger' | 'now' | 'audit'>,
): OidcService | undefined {
  if (!config) return undefined;
  const { store, ...rest } = deps;
  return new OidcService({
    config,
    users: store.users,
    identities: store.userIdentities,
    logins: store.oidcLogins,
    ...rest,
  });
}

/** The user an unguarded `UserRepository.update` returned (null: no such user). */
const updated = (r: UserUpdateResult): UserRecord | null => (r?.ok ? r.user : null);
