import type Database from 'better-sqlite3';
import type { OidcLoginRecord, OidcLoginRepository, UserIdentityRecord, UserIdentityRepository } from '../store';

interface IdentityRow {
  issuer: string;
  subject: string;
  user_id: string;
  email: string | null;
  created_at: string;
  last_signin_at: string;
}
const toIdentity = (r: IdentityRow): UserIdentityRecord => ({
  issuer: r.issuer,
  subject: r.subject,
  userId: r.user_id,
  email: r.email,
  createdAt: r.created_at,
  lastSignInAt: r.last_signin_at,
});

/** Single sign-on links (issuer, subject) → user. */
export function sqliteUserIdentities(db: Database.Database): UserIdentityRepository {
  const insert = db.prepare(
    `INSERT INTO user_identities (issuer, subject, user_id, email, created_at, last_signin_at) VALUES (?, ?, ?, ?, ?, ?)
     ON CONFLICT (issuer, subject) DO NOTHING`,
  );
  const byKey = db.prepare<[string, string], IdentityRow>(
    'SELECT * FROM user_identities WHERE issuer = ? AND subject = ?',
  );
  const byUser = db.prepare<[string], IdentityRow>(
    'SELECT * FROM user_identities WHERE user_id = ? ORDER BY created_at, issuer, subject',
  );
  const signedIn = db.prepare(
    'UPDATE user_identities SET last_signin_at = ?, email = ? WHERE issuer = ? AND subject = ?',
  );
  return {
    async get(issuer, subject) {
      const row = byKey.get(issuer, subject);
      return row ? toIdentity(row) : null;
    },
    async create(i) {
      return insert.run(i.issuer, i.subject, i.userId, i.email, i.createdAt, i.lastSignInAt).changes === 1;
    },
    async listByUser(userId) {
      return byUser.all(userId).map(toIdentity);
    },
    async recordSignIn(issuer, subject, at, email) {
      signedIn.run(at, email, issuer, subject);
    },
  };
}

interface LoginRow {
  id: string;
  state: string;
  nonce: string;
  code_verifier: string;
  next: string;
  created_at: string;
  expires_at: string;
}

/** Single sign-ons in progress; `take` is one DELETE … RETURNING, so a login is used at most once. */
export function sqliteOidcLogins(db: Database.Database): OidcLoginRepository {
  const insert = db.prepare(
    'INSERT INTO oidc_logins (id, state, nonce, code_verifier, next, created_at, expires_at) VALUES (?, ?, ?, ?, ?, ?, ?)',
  );
  const take = db.prepare<[string], LoginRow>('DELETE FROM oidc_logins WHERE id = ? RETURNING *');
  const delExpired = db.prepare('DELETE FROM oidc_logins WHERE expires_at <= ?');
  return {
    async create(l) {
      insert.run(l.id, l.state, l.nonce, l.codeVerifier, l.next, l.createdAt, l.expiresAt);
    },
    async take(id): Promise<OidcLoginRecord | null> {
      const r = take.get(id);
      if (!r) return null;
      return {
        id: r.id,
        state: r.state,
        nonce: r.nonce,
        codeVerifier: r.code_verifier,
        next: r.next,
        createdAt: r.created_at,
        expiresAt: r.expires_at,
      };
    },
    async deleteExpired(now) {
      return delExpired.run(now).changes;
    },
  };
}
