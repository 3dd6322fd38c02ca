import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import type { Principal } from '../contracts/principal';
import { forbidden, type DomainError } from '../errors';
import type { Revalidated } from './auth.service';
import { PrincipalWatcher, SESSION_ENDED } from './principal-watch';
import { UserChangeHub } from './user-changes';

/** The watcher's rules (pure logic: a scripted revalidate, fake timers). */
const ada: Principal = { id: 'u1', email: 'ada@bank.example', name: 'Ada', role: 'author' };

describe('PrincipalWatcher', () => {
  let state: Revalidated | null;
  let checks: Array<{ touch: boolean }>;
  let changes: UserChangeHub;
  let watcher: PrincipalWatcher;
  beforeEach(() => {
    vi.useFakeTimers({ now: Date.parse('2026-11-20T08:00:00Z') });
    state = { principal: ada, expiresAt: null };
    checks = [];
    changes = new UserChangeHub();
    watcher = new PrincipalWatcher({
      auth: {
        revalidate: async (_p, o) => {
          checks.push({ touch: o?.touch ?? false });
          return state;
        },
      },
      changes,
      recheckMs: 60_000,
    });
  });
  afterEach(() => vi.useRealTimers());

  const lostWith = () => {
    const lost: DomainError[] = [];
    return { lost, onLost: (e: DomainError) => lost.push(e) };
  };

  it('checks at once, on every announcement of the user, and every recheckMs — not for other users', async () => {
    const { lost, onLost } = lostWith();
    watcher.watch(ada, { onLost });
    await vi.advanceTimersByTimeAsync(0);
    expect(checks).toHaveLength(1);
    changes.publish('someone-else');
    changes.publish('u1');
    await vi.advanceTimersByTimeAsync(0);
    expect(checks).toHaveLength(2);
    await vi.advanceTimersByTimeAsync(60_000);
    expect(checks).toHaveLength(3);
    expect(checks.every((c) => !c.touch)).toBe(true);
    state = null;
    changes.publish('u1');
    await vi.advanceTimersByTimeAsync(0);
    expect(lost.map((e) => [e.code, e.message])).toEqual([['unauthenticated', SESSION_ENDED]]);
    // Stopped: nothing more is checked or reported.
    await vi.advanceTimersByTimeAsync(600_000);
    changes.publish('u1');
    expect(checks).toHaveLength(4);
    expect(lost).toHaveLength(1);
    expect(changes.size).toBe(0);
  });

  it('re-checks when the session would expire, re-arming from each answer', async () => {
    const { lost, onLost } = lostWith();
    state = { principal: ada, expiresAt: Date.now() + 30 * 60_000 };
    watcher.watch(ada, { onLost });
    await vi.advanceTimersByTimeAsync(0);
    state = { principal: ada, expiresAt: Date.now() + 45 * 60_000 }; // activity moved the idle deadline
    await vi.advanceTimersByTimeAsync(30 * 60_000 + 1);
    expect(lost).toEqual([]);
    state = null;
    const before = checks.length;
    await vi.advanceTimersByTimeAsync(15 * 60_000);
    expect(checks.length).toBeGreaterThan(before);
    expect(lost).toHaveLength(1);
  });

  it('re-authorizes on an announcement and the periodic re-check also with the same role (a share reduced)', async () => {
    const { lost, onLost } = lostWith();
    let allowed = true;
    let asked = 0;
    watcher.watch(ada, {
      onLost,
      reauthorize: async () => {
        asked++;
        if (!allowed) throw forbidden('Your edit access to this notebook was removed.');
      },
    });
    await vi.advanceTimersByTimeAsync(0);
    expect(asked).toBe(0); // the first check only arms the expiry
    await vi.advanceTimersByTimeAsync(60_000);
    expect(asked).toBe(1);
    allowed = false;
    changes.publish('u1');
    await vi.advanceTimersByTimeAsync(0);
    expect(asked).toBe(2);
    expect(lost.map((e) => e.code)).toEqual(['forbidden']);
  });

  it("re-authorizes on a role change and loses with the refusal; same role: none on the connection's own checks", async () => {
    const { lost, onLost } = lostWith();
    const reauthorized: string[] = [];
    let seen = ada;
    const w = watcher.watch(ada, {
      onLost,
      onChange: (p) => (seen = p),
      reauthorize: async (p) => {
        reauthorized.push(p.role);
        if (p.role === 'viewer') throw forbidden('Viewers cannot use notebooks.');
      },
    });
    expect(await w.check({ touch: true })).toBe(true);
    expect(checks.at(-1)).toEqual({ touch: true });
    expect(reauthorized).toEqual([]);
    state = { principal: { ...ada, role: 'admin' }, expiresAt: null };
    expect(await w.check()).toBe(true);
    expect([reauthorized, seen.role]).toEqual([['admin'], 'admin']);
    state = { principal: { ...ada, role: 'viewer' }, expiresAt: null };
    expect(await w.check()).toBe(false);
    expect(lost.map((e) => [e.code, e.message])).toEqual([['forbidden', 'Viewers cannot use notebooks.']]);
  });

  it('runs checks one at a time, in order; a store failure is reported and the watch goes on', async () => {
    const errors: unknown[] = [];
    let fail = true;
    const w = new PrincipalWatcher({
      auth: {
        revalidate: async () => {
          if (fail) throw new Error('store down');
          return state;
        },
      },
      onError: (e) => errors.push(e),
    }).watch(ada, { onLost: () => undefined });
    expect(await w.check()).toBe(true); // the failure does not end the connection…
    expect(String(errors.at(-1))).toMatch(/store down/);
    fail = false;
    state = null;
    expect(await w.check()).toBe(false); // …the next real answer does
    w.stop();
  });

  it('uses the connection’s own revalidate when given (API tokens)', async () => {
    const { lost, onLost } = lostWith();
    const w = watcher.watch(ada, { onLost, revalidate: async () => null });
    expect(await w.check()).toBe(false);
    expect(lost[0]?.code).toBe('unauthenticated');
  });
});
