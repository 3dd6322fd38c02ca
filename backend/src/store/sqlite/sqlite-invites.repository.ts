import type Database from 'better-sqlite3';
import type { InviteRecord, InviteRepository } from '../store';

interface InviteRow {
  id: string;
  user_id: string;
  purpose: InviteRecord['purpose'];
  created_by: string;
  created_at: string;
  expires_at: string;
  used_at: string | null;
}
const toInvite = (r: InviteRow): InviteRecord => ({
  id: r.id,
  userId: r.user_id,
  purpose: r.purpose,
  createdBy: r.created_by,
  createdAt: r.created_at,
  expiresAt: r.expires_at,
  usedAt: r.used_at,
});

/** Set-password links in `invites` (one row per link; used ones are kept, with when). */
export function sqliteInvites(db: Database.Database): InviteRepository {
  const insert = db.prepare(
    'INSERT INTO invites (id, user_id, purpose, created_by, created_at, expires_at) VALUES (?, ?, ?, ?, ?, ?)',
  );
  const revoke = db.prepare('DELETE FROM invites WHERE user_id = ? AND used_at IS NULL');
  const live = db.prepare<[string, string], InviteRow>(
    'SELECT * FROM invites WHERE id = ? AND used_at IS NULL AND expires_at > ?',
  );
  const use = db.prepare<[string, string, string], InviteRow>(
    'UPDATE invites SET used_at = ? WHERE id = ? AND used_at IS NULL AND expires_at > ? RETURNING *',
  );
  const allUnused = db.prepare<[], InviteRow>('SELECT * FROM invites WHERE used_at IS NULL ORDER BY created_at');
  const create = db.transaction((i: Omit<InviteRecord, 'usedAt'>) => {
    revoke.run(i.userId);
    insert.run(i.id, i.userId, i.purpose, i.createdBy, i.createdAt, i.expiresAt);
  });
  return {
    async create(invite) {
      create.immediate(invite);
    },
    async getLive(id, now) {
      const r = live.get(id, now);
      return r ? toInvite(r) : null;
    },
    async consume(id, now) {
      const r = use.get(now, id, now);
      return r ? toInvite(r) : null;
    },
    async listUnused() {
      return allUnused.all().map(toInvite);
    },
    async revokeForUser(userId) {
      return revoke.run(userId).changes;
    },
  };
}
