import pino from 'pino';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { defaultBackoffMs, Supervisor, type SupervisedChild } from './supervisor';

/** The restart policy alone, with stand-in children (pure logic; supervision.test.ts kills the real ones). */
interface FakeChild extends SupervisedChild {
  die(how?: string): void;
  stopped: boolean;
}

function fakeChild(pid: number): FakeChild {
  let exit!: (how: string) => void;
  const exited = new Promise<number | string>((resolve) => (exit = resolve));
  const child: FakeChild = {
    pid,
    exited,
    stopped: false,
    die: (how = 'SIGKILL') => exit(how),
    stop: async () => {
      child.stopped = true;
      exit('SIGTERM');
    },
  };
  return child;
}

describe('Supervisor', () => {
  beforeEach(() => vi.useFakeTimers());
  afterEach(() => vi.useRealTimers());

  function supervise(startResults: Array<'ok' | Error>) {
    const children: FakeChild[] = [];
    const firsts: Array<FakeChild | undefined> = [];
    const onRestarted = vi.fn();
    const supervisor = new Supervisor<FakeChild>({
      name: 'thing',
      logger: pino({ level: 'silent' }),
      start: async (first) => {
        firsts.push(first);
        const r = startResults.shift() ?? 'ok';
        if (r instanceof Error) throw r;
        const c = fakeChild(100 + children.length);
        children.push(c);
        return c;
      },
      onRestarted,
    });
    return { supervisor, children, firsts, onRestarted };
  }

  it('restarts a child that died, after the backoff, handing it the first child (its port and token)', async () => {
    const { supervisor, children, firsts, onRestarted } = supervise([]);
    await supervisor.start();
    expect(supervisor.state()).toEqual({ state: 'up', pid: 100, restarts: 0 });
    children[0]!.die();
    await vi.advanceTimersByTimeAsync(0);
    expect(supervisor.state()).toMatchObject({ state: 'restarting', lastExit: 'SIGKILL', attempt: 1 });
    await vi.advanceTimersByTimeAsync(defaultBackoffMs(1));
    expect(supervisor.state()).toEqual({ state: 'up', pid: 101, restarts: 1 });
    expect(firsts).toEqual([undefined, children[0]]);
    expect(onRestarted).toHaveBeenCalledExactlyOnceWith(children[1]);
  });

  it('keeps trying with a growing backoff while the child cannot start', async () => {
    const { supervisor, children } = supervise(['ok', new Error('port taken'), new Error('port taken')]);
    await supervisor.start();
    children[0]!.die();
    await vi.advanceTimersByTimeAsync(500); // attempt 1 fails
    expect(supervisor.state()).toMatchObject({ state: 'restarting', attempt: 2 });
    await vi.advanceTimersByTimeAsync(999); // attempt 2 is due after 1 s
    expect(supervisor.state()).toMatchObject({ state: 'restarting', attempt: 2 });
    await vi.advanceTimersByTimeAsync(1); // attempt 2 fails
    await vi.advanceTimersByTimeAsync(2000); // attempt 3 succeeds
    expect(supervisor.state()).toEqual({ state: 'up', pid: 101, restarts: 1 });
    expect([defaultBackoffMs(1), defaultBackoffMs(2), defaultBackoffMs(3), defaultBackoffMs(20)]).toEqual([
      500, 1000, 2000, 30_000,
    ]);
  });

  it('stop() during a backoff starts nothing; a stopped child is not restarted', async () => {
    const { supervisor, children } = supervise([]);
    await supervisor.start();
    children[0]!.die();
    await vi.advanceTimersByTimeAsync(100);
    await supervisor.stop();
    await vi.advanceTimersByTimeAsync(60_000);
    expect(children).toHaveLength(1);
    expect(supervisor.state()).toEqual({ state: 'stopped' });

    const second = supervise([]);
    await second.supervisor.start();
    await second.supervisor.stop();
    expect(second.children[0]!.stopped).toBe(true);
    await vi.advanceTimersByTimeAsync(60_000);
    expect(second.children).toHaveLength(1);
  });
});
