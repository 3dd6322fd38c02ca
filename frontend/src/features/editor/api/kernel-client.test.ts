import { describe, expect, it } from 'vitest';
import { backoffMs } from './kernel-client';
import { kernelSocketUrl, ServerMessageSchema } from './kernel-protocol';

describe('kernel client', () => {
  it('backs off exponentially with a cap', () => {
    const mid = () => 0.5;
    expect([0, 1, 2, 3, 10].map((n) => backoffMs(n, mid))).toEqual([500, 1000, 2000, 4000, 10_000]);
    expect(backoffMs(0, () => 0)).toBe(400);
    expect(backoffMs(0, () => 1)).toBe(600);
  });
  it('builds ws/wss URLs on the page origin', () => {
    expect(kernelSocketUrl('n 1', { protocol: 'http:', host: 'h:8080' })).toBe(
      'ws://h:8080/api/notebooks/n%201/kernel',
    );
    expect(kernelSocketUrl('n', { protocol: 'https:', host: 'h' })).toBe('wss://h/api/notebooks/n/kernel');
  });
  it('parses the server messages of the contract and rejects others', () => {
    expect(ServerMessageSchema.safeParse({ type: 'status', status: 'idle' }).success).toBe(true);
    expect(
      ServerMessageSchema.safeParse({
        type: 'cell_done',
        requestId: 'r',
        cellId: 'c',
        status: 'ok',
        executionCount: 2,
        startedAt: '2026-01-01T00:00:00Z',
        endedAt: '2026-01-01T00:00:01Z',
      }).success,
    ).toBe(true);
    expect(
      ServerMessageSchema.safeParse({
        type: 'outputs',
        cellId: 'c',
        outputs: [{ output_type: 'stream', name: 'stdout', text: 'x' }],
      }).success,
    ).toBe(true);
    expect(ServerMessageSchema.safeParse({ type: 'status', status: 'sleepy' }).success).toBe(false);
    expect(ServerMessageSchema.safeParse({ type: 'outputs', cellId: 'c', outputs: [42] }).success).toBe(false);
  });
});
