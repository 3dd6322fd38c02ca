import pino from 'pino';
import { describe, expect, it } from 'vitest';
import { Lifecycle } from './lifecycle';

const logger = pino({ level: 'silent' });

describe('Lifecycle', () => {
  it('closes phase by phase in the fixed order, whatever the registration order, and survives a failing closer', async () => {
    const life = new Lifecycle(logger);
    const order: string[] = [];
    life.add('store', 'store', () => void order.push('store'));
    life.add('children', 'redis', () => void order.push('redis'));
    life.add('pools', 'pool', () => {
      throw new Error('boom');
    });
    life.add('workers', 'worker', async () => void order.push('worker'));
    life.add('http', 'http', () => void order.push('http'));
    expect(await life.shutdown(10_000)).toBe(true);
    expect(order).toEqual(['http', 'worker', 'redis', 'store']);
  });

  it('runs once: a second call gets the same result without closing twice', async () => {
    const life = new Lifecycle(logger);
    let closed = 0;
    life.add('store', 'store', () => void closed++);
    await Promise.all([life.shutdown(1_000), life.shutdown(1_000)]);
    expect(closed).toBe(1);
  });

  it('gives up at the deadline when a closer hangs', async () => {
    const life = new Lifecycle(logger);
    let storeClosed = false;
    life.add('http', 'stuck', () => new Promise<void>(() => undefined));
    life.add('store', 'store', () => void (storeClosed = true));
    expect(await life.shutdown(20)).toBe(false);
    expect(storeClosed).toBe(false);
  });
});
