import type Database from 'better-sqlite3';
import type { TokenScope } from '../../contracts/principal';
import type { ApiTokenRecord, ApiTokenRepository } from '../store';

interface TokenRow {
  id: string;
  secret_hash: string;
  user_id: string;
  name: string;
  /** JSON array. */
  scopes: string;
  created_by: string;
  created_at: string;
  expires_at: string;
  last_used_at: string | null;
  revoked_at: string | null;
  revoked_by: string | null;
}

const toToken = (r: TokenRow): ApiTokenRecord => ({
  id: r.id,
  secretHash: r.secret_hash,
  userId: r.user_id,
  name: r.name,
  scopes: JSON.parse(r.scopes) as TokenScope[],
  createdBy: r.created_by,
  createdAt: r.created_at,
  expiresAt: r.expires_at,
  lastUsedAt: r.last_used_at,
  revokedAt: r.revoked_at,
  revokedBy: r.revoked_by,
});

/** API tokens in `api_tokens`; the scopes as a JSON array. Deleting a user deletes their tokens. */
export function sqliteApiTokens(db: Database.Database): ApiTokenRepository {
  const insert = db.prepare(
    `INSERT INTO api_tokens (id, secret_hash, user_id, name, scopes, created_by, created_at, expires_at, last_used_at,
       revoked_at, revoked_by)
     VALUES (@id, @secretHash, @userId, @name, @scopes, @createdBy, @createdAt, @expiresAt, @lastUsedAt, @revokedAt,
       @revokedBy)`,
  );
  const byId = db.prepare<[string], TokenRow>('SELECT * FROM api_tokens WHERE id = ?');
  const bySecret = db.prepare<[string], TokenRow>('SELECT * FROM api_tokens WHERE secret_hash = ?');
  const all = db.prepare<[], TokenRow>('SELECT * FROM api_tokens ORDER BY created_at DESC, id');
  const ofUser = db.prepare<[string], TokenRow>(
    'SELECT * FROM api_tokens WHERE user_id = ? ORDER BY created_at DESC, id',
  );
  const revoke = db.prepare<[string, string, string], TokenRow>(
    'UPDATE api_tokens SET revoked_at = ?, revoked_by = ? WHERE id = ? AND revoked_at IS NULL RETURNING *',
  );
  const touch = db.prepare(
    'UPDATE api_tokens SET last_used_at = ? WHERE id = ? AND (last_used_at IS NULL OR last_used_at < ?)',
  );
  return {
    async create(token) {
      insert.run({ ...token, scopes: JSON.stringify(token.scopes) });
    },
    async getById(id) {
      const row = byId.get(id);
      return row ? toToken(row) : null;
    },
    async getBySecretHash(secretHash) {
      const row = bySecret.get(secretHash);
      return row ? toToken(row) : null;
    },
    async list(filter = {}) {
      return (filter.userId === undefined ? all.all() : ofUser.all(filter.userId)).map(toToken);
    },
    async revoke(id, at, by) {
      const row = revoke.get(at, by, id);
      return row ? toToken(row) : null;
    },
    async touch(id, at) {
      touch.run(at, id, at);
    },
  };
}
