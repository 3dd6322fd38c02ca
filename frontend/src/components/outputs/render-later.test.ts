import { beforeEach, describe, expect, it, vi } from 'vitest';
import type * as RenderLater from './render-later';

// The queue is module state: a fresh module per test.
let m: typeof RenderLater;
beforeEach(async () => {
  vi.resetModules();
  m = await import('./render-later');
});

/** Resolves with the order of releases once `n` of them happened. */
function collect(n: number) {
  const order: number[] = [];
  let done!: () => void;
  const all = new Promise<void>((r) => (done = r));
  const release = (i: number) => () => {
    order.push(i);
    if (order.length === n) done();
  };
  return { order, all, release };
}

describe('renderLater', () => {
  it('releases queued outputs when idle, in the order they asked', async () => {
    const c = collect(3);
    for (const i of [1, 2, 3]) m.renderLater(c.release(i));
    await c.all;
    expect(c.order).toEqual([1, 2, 3]);
  });

  it('releases nothing while held, everything once the hold is lifted', async () => {
    const lift = m.holdRenderLater();
    const c = collect(2);
    m.renderLater(c.release(1));
    m.renderLater(c.release(2));
    // Without requestIdleCallback (jsdom) an unheld queue drains on a 0 ms timer set when the first one was queued;
    // timers fire in order, so by this later timer a drain would have run.
    await new Promise<void>((r) => setTimeout(r, 0));
    expect(c.order).toEqual([]);
    lift();
    lift(); // twice is once
    await c.all;
    expect(c.order).toEqual([1, 2]);
  });

  it('never releases a cancelled one', async () => {
    const c = collect(2);
    m.renderLater(c.release(1));
    const cancel = m.renderLater(() => c.order.push(99));
    m.renderLater(c.release(2));
    cancel();
    await c.all;
    expect(c.order).toEqual([1, 2]);
  });
});
