import { Writable } from 'node:stream';
import pino from 'pino';
import { afterEach, describe, expect, it } from 'vitest';
import { routeConsoleToLogger, silenceServicesChatter } from './logger';

let restore: (() => void) | undefined;
afterEach(() => {
  restore?.();
  restore = undefined;
});

function jsonLogger(level = 'debug') {
  const lines: Array<Record<string, unknown>> = [];
  const stream = new Writable({
    write(chunk: Buffer, _enc, done) {
      lines.push(JSON.parse(chunk.toString()) as Record<string, unknown>);
      done();
    },
  });
  return { logger: pino({ level, base: undefined }, stream), lines };
}

describe('routeConsoleToLogger', () => {
  it("sends console output to the logger as JSON with source 'console'; the services' chatter at debug", () => {
    const { logger, lines } = jsonLogger();
    restore = routeConsoleToLogger(logger);
    console.debug('Starting WebSocket: ws://127.0.0.1:1/api/kernels/abc');
    console.warn('Connection lost, reconnecting in 1 seconds.');
    console.debug('Kernel: idle (abc)');
    console.log('Server selected unknown kernel wire protocol:', 'v9');
    console.warn('Removing errant kernel spec: x');
    console.error(new Error('boom'));
    restore();
    restore = undefined;
    const level = (n: number) => ({ 20: 'debug', 30: 'info', 40: 'warn', 50: 'error' })[n];
    expect(lines.map((l) => [level(l.level as number), l.source, l.msg])).toEqual([
      ['debug', 'console', 'Starting WebSocket: ws://127.0.0.1:1/api/kernels/abc'],
      ['debug', 'console', 'Connection lost, reconnecting in 1 seconds.'],
      ['debug', 'console', 'Kernel: idle (abc)'],
      ['info', 'console', 'Server selected unknown kernel wire protocol: v9'],
      ['warn', 'console', 'Removing errant kernel spec: x'],
      ['error', 'console', expect.stringContaining('Error: boom')],
    ]);
    expect(lines[5]!.err).toMatchObject({ type: 'Error', message: 'boom' });
  });

  it('keeps the chatter out of an info-level log', () => {
    const { logger, lines } = jsonLogger('info');
    restore = routeConsoleToLogger(logger);
    console.debug('Starting WebSocket: ws://x');
    console.info('something else');
    expect(lines.map((l) => l.msg)).toEqual(['something else']);
  });
});

describe('silenceServicesChatter', () => {
  it('drops only the chatter', () => {
    const seen: unknown[][] = [];
    const original = console.warn;
    console.warn = (...args: unknown[]) => void seen.push(args);
    try {
      const undo = silenceServicesChatter();
      console.warn('Connection lost, reconnecting in 2 seconds.');
      console.warn('a real warning', 1);
      undo();
    } finally {
      console.warn = original;
    }
    expect(seen).toEqual([['a real warning', 1]]);
  });
});
