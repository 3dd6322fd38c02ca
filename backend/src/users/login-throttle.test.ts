import { describe, expect, it } from 'vitest';
import { LOGIN_LIMITS, LoginThrottle, SlidingWindow } from './login-throttle';

/** Pure logic with a clock the test moves. */
const clock = () => {
  let t = 1_000_000;
  return { now: () => t, advance: (ms: number) => (t += ms) };
};
const MIN = 60_000;

describe('SlidingWindow', () => {
  it('blocks at the limit until the oldest counted failure leaves the window', () => {
    const c = clock();
    const w = new SlidingWindow({ limit: 3, windowMs: 10 * MIN }, c.now);
    w.hit('k');
    c.advance(MIN);
    w.hit('k');
    c.advance(MIN);
    expect(w.waitMs('k')).toBe(0);
    w.hit('k');
    expect(w.waitMs('k')).toBe(8 * MIN); // the first failure (2 min ago) leaves in 8 min
    c.advance(8 * MIN - 1);
    expect(w.waitMs('k')).toBe(1);
    c.advance(1);
    expect(w.waitMs('k')).toBe(0);
    expect(w.waitMs('other')).toBe(0);
  });

  it('takes back the latest failure and clears a key', () => {
    const c = clock();
    const w = new SlidingWindow({ limit: 2, windowMs: MIN }, c.now);
    w.hit('k');
    w.hit('k');
    expect(w.waitMs('k')).toBeGreaterThan(0);
    w.unhit('k');
    expect(w.waitMs('k')).toBe(0);
    w.hit('k');
    w.clear('k');
    expect(w.waitMs('k')).toBe(0);
  });

  it('forgets the least recently failed keys beyond its capacity', () => {
    const c = clock();
    const w = new SlidingWindow({ limit: 1, windowMs: MIN }, c.now, 2);
    w.hit('a');
    w.hit('b');
    w.hit('a'); // a is now the most recent
    w.hit('c');
    expect(w.size).toBe(2);
    expect(w.waitMs('b')).toBe(0);
    expect(w.waitMs('a')).toBeGreaterThan(0);
    expect(w.waitMs('c')).toBeGreaterThan(0);
  });
});

describe('LoginThrottle', () => {
  it('defaults to 10 failures per email and 100 per IP in 15 minutes', () => {
    expect(LOGIN_LIMITS).toEqual({
      perEmail: { limit: 10, windowMs: 15 * MIN },
      perIp: { limit: 100, windowMs: 15 * MIN },
    });
  });

  it('refuses an email after its limit from any IP, says how long to wait, and a success starts it afresh', () => {
    const c = clock();
    const t = new LoginThrottle(
      { perEmail: { limit: 2, windowMs: 15 * MIN }, perIp: { limit: 99, windowMs: 15 * MIN } },
      c.now,
    );
    expect(t.begin('ada', '10.0.0.1')).toBeNull();
    c.advance(MIN);
    expect(t.begin('ada', '10.0.0.2')).toBeNull();
    expect(t.begin('ada', '10.0.0.3')).toEqual({ retryAfterSeconds: 14 * 60 });
    expect(t.begin('bob', '10.0.0.1')).toBeNull();
    t.succeeded('bob', '10.0.0.1');
    c.advance(14 * MIN);
    expect(t.begin('ada', '10.0.0.1')).toBeNull(); // the first failure left the window
    t.succeeded('ada', '10.0.0.1');
    expect(t.begin('ada', '10.0.0.1')).toBeNull();
    expect(t.begin('ada', '10.0.0.1')).toBeNull();
    expect(t.begin('ada', '10.0.0.1')).not.toBeNull();
  });

  it('refuses an IP after its limit across emails; a success there does not clear the IP, only its own attempt', () => {
    const c = clock();
    const t = new LoginThrottle({ perEmail: { limit: 99, windowMs: MIN }, perIp: { limit: 3, windowMs: MIN } }, c.now);
    expect(t.begin('a', 'ip')).toBeNull();
    expect(t.begin('b', 'ip')).toBeNull();
    expect(t.begin('mine', 'ip')).toBeNull();
    t.succeeded('mine', 'ip');
    expect(t.begin('c', 'ip')).toBeNull();
    expect(t.begin('d', 'ip')).toEqual({ retryAfterSeconds: 60 });
    expect(t.begin('d', 'other-ip')).toBeNull();
    expect(t.begin('e', undefined)).toBeNull(); // no IP known: only the email counts
  });

  it('counts attempts when they begin, so parallel attempts cannot all get past the limit', () => {
    const t = new LoginThrottle({ perEmail: { limit: 3, windowMs: MIN }, perIp: { limit: 99, windowMs: MIN } });
    const outcomes = Array.from({ length: 10 }, () => t.begin('ada', 'ip'));
    expect(outcomes.filter((o) => o === null)).toHaveLength(3);
  });
});
