import { createHash, randomUUID } from 'node:crypto';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { AuditEvent } from '../contracts/audit';
import type { StoreFactory, StoreHandle } from './store.contract';
import type { AuditRepository, Store } from './store';

/**
 * The audit part of the Store contract (store.contract.ts's pattern): every adapter's test calls it. The adapter
 * stores events verbatim and appends only onto the current head; what the hashes cover is audit/audit-chain.ts's
 * rule, so these tests link events with a stand-in hash.
 */
export function auditContract(adapter: string, factory: StoreFactory): void {
  describe(`Store contract: ${adapter} audit trail`, () => {
    let handle: StoreHandle;
    let store: Store;
    beforeEach(async () => {
      handle = await factory();
      store = await handle.open();
    });
    afterEach(async () => {
      await store.close();
      await handle.destroy();
    });

    it('has no way to change or remove an event', () => {
      expect(Object.keys(store.audit).sort()).toEqual(['append', 'chain', 'head', 'list']);
    });

    it('appends onto the head only, storing every field verbatim', async () => {
      expect(await store.audit.head()).toBeNull();
      const first = event(1, ZERO, {
        actor: {
          type: 'token',
          tokenId: 't1',
          userId: 'u1',
          email: 'Ada@Bank.test',
          name: 'Ada',
          role: 'admin',
          scopes: ['admin'],
        },
        ip: '::ffff:10.0.0.7',
        target: { type: 'notebook', id: 'nb-1', name: 'Risk Δ 日本' },
        details: { params: { as_of: '2026-11-20', n: 3, f: 0.1, on: true, none: null, list: [1, 'two'] } },
      });
      expect(await store.audit.append(first)).toBe(true);
      expect(await store.audit.head()).toEqual({ seq: 1, hash: first.hash });
      expect(await store.audit.chain(0, 10)).toEqual([first]);

      // Not onto the head: a taken seq, a skipped seq, a wrong previous hash — nothing is stored.
      expect(await store.audit.append(event(1, ZERO))).toBe(false);
      expect(await store.audit.append(event(3, first.hash))).toBe(false);
      expect(await store.audit.append(event(2, 'f'.repeat(64)))).toBe(false);
      expect(await store.audit.chain(0, 10)).toEqual([first]);

      const second = event(2, first.hash, { target: null, ip: null });
      expect(await store.audit.append(second)).toBe(true);
      expect(await store.audit.chain(0, 10)).toEqual([first, second]);
      expect(await store.audit.chain(1, 10)).toEqual([second]);
      expect(await store.audit.chain(0, 1)).toEqual([first]);
    });

    it('lists newest first, filtered by actor, actions, target and time, paged below a seq', async () => {
      const at = (m: number) => new Date(Date.UTC(2026, 2, 2, 9, m)).toISOString();
      const ada = {
        type: 'user' as const,
        userId: 'u-ada',
        email: 'ada@bank.test',
        name: 'Ada',
        role: 'admin' as const,
      };
      const bob = {
        type: 'user' as const,
        userId: 'u-bob',
        email: 'bob@bank.test',
        name: 'Bob',
        role: 'author' as const,
      };
      const tok = { ...bob, type: 'token' as const, tokenId: 'tok-1', scopes: ['notebooks:write'] };
      const nb1 = { type: 'notebook', id: 'nb-1', name: 'One' };
      const nb2 = { type: 'notebook', id: 'nb-2', name: 'Two' };
      const events = await appendAll(store.audit, [
        { at: at(0), actor: ada, action: 'auth.login', target: null },
        { at: at(1), actor: bob, action: 'notebook.create', target: nb1 },
        { at: at(2), actor: tok, action: 'run.request', target: nb1 },
        { at: at(3), actor: bob, action: 'notebook.update', target: nb2 },
        { at: at(4), actor: { type: 'anonymous', email: 'Eve@Evil.test' }, action: 'auth.login_failed', target: null },
        { at: at(5), actor: ada, action: 'user.create', target: { type: 'user', id: 'u-bob', name: 'Bob' } },
      ]);
      const seqs = async (
        filter: Parameters<AuditRepository['list']>[0],
        page = { limit: 100 } as { beforeSeq?: number; limit: number },
      ) => (await store.audit.list(filter, page)).map((e) => e.seq);

      expect(await store.audit.list({}, { limit: 100 })).toEqual([...events].reverse());
      expect(await seqs({ actor: 'u-bob' })).toEqual([4, 3, 2]); // the token's owner counts as the actor too
      expect(await seqs({ actor: 'tok-1' })).toEqual([3]);
      expect(await seqs({ actor: 'BOB@bank.test' })).toEqual([4, 3, 2]);
      expect(await seqs({ actor: 'eve@evil.test' })).toEqual([5]);
      expect(await seqs({ actions: ['notebook.create', 'notebook.update'] })).toEqual([4, 2]);
      expect(await seqs({ actions: [] })).toEqual([]);
      expect(await seqs({ targetId: 'nb-1' })).toEqual([3, 2]);
      expect(await seqs({ targetType: 'notebook' })).toEqual([4, 3, 2]);
      expect(await seqs({ targetType: 'user', targetId: 'nb-1' })).toEqual([]);
      expect(await seqs({ from: at(2), to: at(4) })).toEqual([4, 3]);
      expect(await seqs({ from: at(5) })).toEqual([6]);
      expect(await seqs({ to: at(1) })).toEqual([1]);
      expect(
        await seqs({ actor: 'u-bob', actions: ['run.request'], targetId: 'nb-1', from: at(0), to: at(9) }),
      ).toEqual([3]);

      // Pages: below a seq, at most `limit`.
      expect(await seqs({}, { limit: 2 })).toEqual([6, 5]);
      expect(await seqs({}, { beforeSeq: 5, limit: 2 })).toEqual([4, 3]);
      expect(await seqs({ actor: 'u-bob' }, { beforeSeq: 3, limit: 2 })).toEqual([2]);
      expect(await seqs({}, { beforeSeq: 1, limit: 2 })).toEqual([]);
    });

    it('keeps one chain when two connections append at once', async () => {
      const other = await handle.open();
      try {
        const writers = [store.audit, other.audit];
        const each = 40;
        await Promise.all(
          writers.flatMap((audit, w) =>
            Array.from({ length: each }, (_, i) => appendWithRetry(audit, { details: { writer: w, i } })),
          ),
        );
        const chain = await store.audit.chain(0, 1000);
        expect(chain.map((e) => e.seq)).toEqual(Array.from({ length: 2 * each }, (_, i) => i + 1));
        chain.forEach((e, i) => expect(e.prevHash).toBe(i === 0 ? ZERO : chain[i - 1]!.hash));
        expect(new Set(chain.map((e) => `${e.details.writer}/${e.details.i}`)).size).toBe(2 * each);
        expect(await other.audit.head()).toEqual({ seq: 2 * each, hash: chain[chain.length - 1]!.hash });
      } finally {
        await other.close();
      }
    });

    it('keeps the trail across a close and reopen', async () => {
      const [e] = await appendAll(store.audit, [{ action: 'auth.logout' }]);
      await store.close();
      store = await handle.open();
      expect(await store.audit.chain(0, 10)).toEqual([e]);
    });
  });
}

const ZERO = '0'.repeat(64);
const standInHash = (prevHash: string, id: string) => createHash('sha256').update(`${prevHash}|${id}`).digest('hex');

function event(seq: number, prevHash: string, over: Partial<AuditEvent> = {}): AuditEvent {
  const id = over.id ?? randomUUID();
  return {
    id,
    seq,
    at: '2026-03-02T09:00:00.000Z',
    actor: { type: 'user', userId: 'u1', email: 'ada@bank.test', name: 'Ada', role: 'admin' },
    ip: '127.0.0.1',
    action: 'notebook.create',
    target: { type: 'notebook', id: 'nb-1', name: 'One' },
    details: {},
    prevHash,
    hash: standInHash(prevHash, id),
    ...over,
  };
}

/** What a writer does (audit.service.ts): read the head, link to it, append; relink and retry when it moved. */
async function appendWithRetry(audit: AuditRepository, over: Partial<AuditEvent>): Promise<AuditEvent> {
  for (;;) {
    const head = await audit.head();
    const e = event((head?.seq ?? 0) + 1, head?.hash ?? ZERO, over);
    if (await audit.append(e)) return e;
  }
}

async function appendAll(audit: AuditRepository, overs: Partial<AuditEvent>[]): Promise<AuditEvent[]> {
  const out: AuditEvent[] = [];
  for (const over of overs) out.push(await appendWithRetry(audit, over));
  return out;
}
