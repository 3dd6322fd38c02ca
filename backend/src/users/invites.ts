import { DomainError, forbidden } from '../errors';
import type { InviteRecord, Store, UserRecord } from '../store/store';
import { ACCOUNT_DISABLED, hashToken, newSecret } from './auth.service';

/** A set-password link works 7 days (FOLIO_INVITE_DAYS). */
export const INVITE_TTL_MS = 7 * 24 * 60 * 60 * 1000;

/** Said for an unknown, used, replaced or expired link alike (which one is nobody's business but the admin's). */
export const LINK_NOT_VALID =
  'This set-password link is not valid: it was used, replaced by a newer one, or has expired. Ask an administrator for a new one.';

/** A link as made: its secret (shown once, never stored) and when it stops working. */
export interface NewLink {
  token: string;
  purpose: InviteRecord['purpose'];
  expiresAt: string;
}

/**
 * One-time set-password links: an invitation to a new account, or an admin's password reset. The secret goes into the
 * link's URL fragment (`/set-password#<secret>`), so browsers never send it to a server in a request line or a Referer;
 * only its sha256 is stored; a new link replaces the user's unused ones; using one is a compare-and-set.
 */
export class InviteLinks {
  constructor(
    private readonly store: Pick<Store, 'invites' | 'users'>,
    private readonly ttlMs: number = INVITE_TTL_MS,
    private readonly now: () => number = Date.now,
  ) {}

  async create(userId: string, purpose: InviteRecord['purpose'], createdBy: string): Promise<NewLink> {
    const token = newSecret();
    const now = this.now();
    const expiresAt = new Date(now + this.ttlMs).toISOString();
    await this.store.invites.create({
      id: hashToken(token),
      userId,
      purpose,
      createdBy,
      createdAt: new Date(now).toISOString(),
      expiresAt,
    });
    return { token, purpose, expiresAt };
  }

  /** The live link of this secret and its (enabled) account; 404 LINK_NOT_VALID, or 403 for a disabled account. */
  async find(token: string): Promise<{ link: InviteRecord; user: UserRecord }> {
    const link = token.length <= 256 ? await this.store.invites.getLive(hashToken(token), this.nowIso()) : null;
    const user = link && (await this.store.users.getById(link.userId));
    if (!link || !user) throw linkNotValid();
    if (user.disabled) throw forbidden(ACCOUNT_DISABLED);
    return { link, user };
  }

  /** Uses the link (once: of two racing uses one wins); 404 LINK_NOT_VALID when it is no longer live. */
  async consume(link: InviteRecord): Promise<void> {
    if (!(await this.store.invites.consume(link.id, this.nowIso()))) throw linkNotValid();
  }

  /** Unused links by user id (at most one each), expired ones too: the Users page says "Link expired". */
  async pendingByUser(): Promise<Map<string, InviteRecord>> {
    return new Map((await this.store.invites.listUnused()).map((l) => [l.userId, l]));
  }

  private nowIso(): string {
    return new Date(this.now()).toISOString();
  }
}

export const linkNotValid = () => new DomainError('not_found', LINK_NOT_VALID);
