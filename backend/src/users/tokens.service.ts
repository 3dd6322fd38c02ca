import { createHash, randomBytes, randomUUID } from 'node:crypto';
import type { Principal, Role, TokenScope } from '../contracts/principal';
import { badRequest, DomainError, forbidden, notFound } from '../errors';
import type { Logger } from '../logger';
import type { ApiTokenRecord, ApiTokenRepository, UserRecord, UserRepository } from '../store/store';
import type { AuditRecorder } from '../audit/audit.service';
import { SCOPE_ROLES, TOKEN_EXPIRY, TOKEN_PREFIX, TOKEN_SCOPES } from '../contracts/tokens';
import { hasScope } from './scopes';

/**
 * API tokens (`Authorization: Bearer folio_…`): personal tokens, and tokens an admin makes for another user or a
 * service account (a user without a password, who never signs in). The rules:
 *
 * - The secret is 32 random bytes after a recognizable prefix (`folio_`, so secret scanners can match it), returned
 *   once by `create`; only its sha256 is stored (a 256-bit random secret needs no slow hash).
 * - Every token expires: `expiresInDays` (default TOKEN_EXPIRY.defaultDays, 90; at most TOKEN_EXPIRY.maxDays, 365).
 * - A token acts as its owner, narrowed by its scopes (scopes.ts): services check the owner's role and access to
 *   each object exactly as for a session, and `requireScope` on top. `admin` is only for admins' tokens, the
 *   `notebooks:*` scopes only for authors' and admins' (viewers have no notebooks): anything else is refused (400).
 * - A token stops at once when revoked, expired, or when its owner is disabled or removed (checked per request).
 * - Managing tokens with a token needs the `admin` scope (so a leaked token cannot mint a longer-lived one or hide
 *   itself); any token may revoke itself.
 * - The last-used time is written at most once per LAST_USED_RESOLUTION_MS, not on every request.
 */
export { TOKEN_EXPIRY, TOKEN_PREFIX } from '../contracts/tokens';
export const LAST_USED_RESOLUTION_MS = 60_000;
const DAY_MS = 24 * 60 * 60 * 1000;
/** Longer strings are not our tokens (prefix + 43 base64url characters); they are refused before any lookup. */
const MAX_SECRET_LENGTH = 128;

export type TokenStatus = 'active' | 'expired' | 'revoked';

/** A token as the API lists it: everything but the secret (and its hash). */
export interface TokenView {
  id: string;
  name: string;
  scopes: TokenScope[];
  /** The owner the token acts as. */
  user: { id: string; email: string; name: string; role: Role } | null;
  createdBy: string;
  createdAt: string;
  expiresAt: string;
  lastUsedAt: string | null;
  revokedAt: string | null;
  status: TokenStatus;
}

/** POST /api/tokens's answer: the contract `{id, token, name, scopes, expiresAt}`, plus the owner. The only time the secret is shown. */
export interface CreatedToken {
  id: string;
  token: string;
  name: string;
  scopes: TokenScope[];
  expiresAt: string;
  userId: string;
}

export interface NewToken {
  name: string;
  scopes: TokenScope[];
  expiresInDays?: number;
  /** Another owner (admins only); default the caller. */
  userId?: string;
}

/** What a valid bearer secret resolves to. */
export interface TokenSignIn {
  principal: Principal;
  /** When the token stops working (ms since the epoch), so long-lived connections can close on time. */
  expiresAt: number;
}

export interface TokensServiceOptions {
  tokens: ApiTokenRepository;
  /** For the owners shown in lists (disabled ones too). */
  users: Pick<UserRepository, 'getById'>;
  /** The owner of a token if the account may act now (exists, not disabled); null otherwise. */
  activeUser: (userId: string) => Promise<UserRecord | null>;
  logger: Logger;
  /**
   * The audit trail: `token.create` and `token.revoke`, synchronously (an action whose event cannot be written fails,
   * 503; a created token is then revoked again before anything is answered).
   */
  audit: Pick<AuditRecorder, 'record'>;
  /** Clock, for tests of expiry. Default Date.now. */
  now?: () => number;
  expiry?: { defaultDays: number; maxDays: number };
}

export const hashSecret = (secret: string) => createHash('sha256').update(secret).digest('hex');
const toPrincipalOf = (u: UserRecord): Principal => ({ id: u.id, email: u.email, name: u.name, role: u.role });

export class TokensService {
  private readonly tokens: ApiTokenRepository;
  private readonly users: Pick<UserRepository, 'getById'>;
  private readonly activeUser: (userId: string) => Promise<UserRecord | null>;
  private readonly log: Logger;
  private readonly audit: Pick<AuditRecorder, 'record'>;
  private readonly now: () => number;
  private readonly expiry: { defaultDays: number; maxDays: number };

  constructor(opts: TokensServiceOptions) {
    this.tokens = opts.tokens;
    this.users = opts.users;
    this.activeUser = opts.activeUser;
    this.log = opts.logger.child({ component: 'tokens' });
    this.audit = opts.audit;
    this.now = opts.now ?? Date.now;
    this.expiry = opts.expiry ?? TOKEN_EXPIRY;
  }

  /** A new token for the caller, or (admins) for `userId`. The secret is in the answer and nowhere else. */
  async create(actor: Principal, input: NewToken): Promise<CreatedToken> {
    this.requireManaging(actor);
    const ownerId = input.userId ?? actor.id;
    if (ownerId !== actor.id && actor.role !== 'admin') {
      throw forbidden('Only admins can create tokens for other users.');
    }
    const owner = await this.activeUser(ownerId);
    if (!owner) throw badRequest(`No active user with id ${JSON.stringify(ownerId)}.`, { field: 'userId' });

    const name = input.name.trim();
    if (!name) throw badRequest('The token needs a name.', { field: 'name' });
    const scopes = TOKEN_SCOPES.filter((s) => input.scopes.includes(s));
    if (scopes.length === 0) throw badRequest('Choose at least one scope.', { field: 'scopes' });
    const unusable = scopes.filter((s) => !SCOPE_ROLES[s].includes(owner.role));
    if (unusable.length) {
      const article = /^[aeiou]/.test(owner.role) ? 'an' : 'a';
      const plural = unusable.length > 1 ? 's' : '';
      throw badRequest(`A token of ${article} ${owner.role} cannot have the scope${plural} ${unusable.join(', ')}.`, {
        field: 'scopes',
      });
    }
    const days = input.expiresInDays ?? this.expiry.defaultDays;
    if (!Number.isInteger(days) || days < 1 || days > this.expiry.maxDays) {
      throw badRequest(`A token lasts 1 to ${this.expiry.maxDays} days.`, { field: 'expiresInDays' });
    }

    const secret = TOKEN_PREFIX + randomBytes(32).toString('base64url');
    const now = this.now();
    const record: ApiTokenRecord = {
      id: randomUUID(),
      secretHash: hashSecret(secret),
      userId: owner.id,
      name,
      scopes,
      createdBy: actor.id,
      createdAt: new Date(now).toISOString(),
      expiresAt: new Date(now + days * DAY_MS).toISOString(),
      lastUsedAt: null,
      revokedAt: null,
      revokedBy: null,
    };
    await this.tokens.create(record);
    try {
      await this.audit.record({
        action: 'token.create',
        actor,
        target: { type: 'token', id: record.id, name },
        details: { userId: owner.id, scopes, expiresAt: record.expiresAt },
      });
    } catch (e) {
      // Unrecorded, the token must not work: the secret was never shown, and the record stays revoked.
      await this.tokens.revoke(record.id, new Date(this.now()).toISOString(), actor.id);
      throw e;
    }
    this.log.info({ tokenId: record.id, userId: owner.id, by: actor.id, scopes }, 'API token created');
    return { id: record.id, token: secret, name, scopes, expiresAt: record.expiresAt, userId: owner.id };
  }

  /**
   * The caller's tokens, newest first (revoked and expired ones too, marked by `status`). Admins: `userId` for
   * another user's, `all` for everyone's.
   */
  async list(actor: Principal, filter: { userId?: string; all?: boolean } = {}): Promise<TokenView[]> {
    this.requireManaging(actor);
    const others = filter.all || (filter.userId !== undefined && filter.userId !== actor.id);
    if (others && actor.role !== 'admin') throw forbidden('Only admins can list other users\u2019 tokens.');
    const records = await this.tokens.list(filter.all ? {} : { userId: filter.userId ?? actor.id });
    const owners = new Map<string, Promise<UserRecord | null>>();
    const ownerOf = (id: string) => {
      let p = owners.get(id);
      if (!p) owners.set(id, (p = this.users.getById(id).catch(() => null)));
      return p;
    };
    return Promise.all(records.map(async (r) => this.view(r, await ownerOf(r.userId))));
  }

  /**
   * Revokes a token at once. 404 when it does not exist or is not the caller's (admins: anyone's). Revoking a
   * revoked token changes nothing (no second audit event).
   */
  async revoke(actor: Principal, id: string): Promise<void> {
    const self = actor.credential?.kind === 'token' && actor.credential.tokenId === id;
    if (!self) this.requireManaging(actor);
    const record = await this.tokens.getById(id);
    if (!record || (record.userId !== actor.id && actor.role !== 'admin')) throw notFound('API token');
    if (record.revokedAt) return;
    // Recorded first (AuditService's rule for effects that are not undone): the trail may then show a revocation
    // that a failure right after prevented, never a revocation without its event.
    await this.audit.record({
      action: 'token.revoke',
      actor,
      target: { type: 'token', id, name: record.name },
      details: { userId: record.userId },
    });
    await this.tokens.revoke(id, new Date(this.now()).toISOString(), actor.id);
    this.log.info({ tokenId: id, userId: record.userId, by: actor.id }, 'API token revoked');
  }

  /**
   * The principal a bearer secret stands for, or null when it is unknown, revoked, expired, or its owner is disabled
   * or gone. Records the last use, at most once a minute.
   */
  async authenticate(secret: string | undefined | null): Promise<TokenSignIn | null> {
    if (!secret || !secret.startsWith(TOKEN_PREFIX) || secret.length > MAX_SECRET_LENGTH) return null;
    const record = await this.tokens.getBySecretHash(hashSecret(secret));
    if (!record || record.revokedAt) return null;
    const now = this.now();
    const expiresAt = Date.parse(record.expiresAt);
    if (expiresAt <= now) return null;
    const owner = await this.activeUser(record.userId);
    if (!owner) return null;
    if (!record.lastUsedAt || Date.parse(record.lastUsedAt) <= now - LAST_USED_RESOLUTION_MS) {
      await this.tokens
        .touch(record.id, new Date(now).toISOString())
        .catch((err: unknown) =>
          this.log.warn({ err, tokenId: record.id }, 'could not record an API token\u2019s use'),
        );
    }
    return {
      principal: { ...toPrincipalOf(owner), credential: { kind: 'token', tokenId: record.id, scopes: record.scopes } },
      expiresAt,
    };
  }

  /** Managing tokens needs a session, or a token with the `admin` scope. */
  private requireManaging(actor: Principal): void {
    if (actor.credential?.kind !== 'token' || hasScope(actor, 'admin')) return;
    throw new DomainError(
      'forbidden',
      'API tokens cannot manage tokens without the scope "admin"; sign in to manage your tokens.',
      { requiredScope: 'admin' },
    );
  }

  private view(r: ApiTokenRecord, owner: UserRecord | null): TokenView {
    const status: TokenStatus = r.revokedAt ? 'revoked' : Date.parse(r.expiresAt) <= this.now() ? 'expired' : 'active';
    return {
      id: r.id,
      name: r.name,
      scopes: r.scopes,
      user: owner ? { id: owner.id, email: owner.email, name: owner.name, role: owner.role } : null,
      createdBy: r.createdBy,
      createdAt: r.createdAt,
      expiresAt: r.expiresAt,
      lastUsedAt: r.lastUsedAt,
      revokedAt: r.revokedAt,
      status,
    };
  }
}
