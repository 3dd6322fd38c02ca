import { spawn } from 'node:child_process';
import { once } from 'node:events';
import fs from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { Redis } from 'ioredis';
import pino from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startRedisServer, RedisStartError } from './redis-server';
import { superviseRedisServer } from './supervised-children';

const logger = pino({ level: 'silent' });
const here = path.dirname(fileURLToPath(import.meta.url));

function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

/** Resolves when the TCP server at `port` closes our connection, i.e. the process behind it is gone. */
async function connectAndAwaitClose(port: number): Promise<() => Promise<void>> {
  const sock = net.connect(port, '127.0.0.1');
  await once(sock, 'connect');
  const closed = once(sock, 'close');
  sock.on('error', () => undefined);
  return async () => {
    await closed;
  };
}

describe('embedded redis-server', () => {
  let dataDir: string;
  beforeAll(() => {
    dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'folio-redis-'));
  });
  afterAll(() => fs.rmSync(dataDir, { recursive: true, force: true }));

  it('starts on 127.0.0.1 with AOF + noeviction, answers PING, and stop() leaves no process', async () => {
    const redis = await startRedisServer({ dataDir, logger });
    expect(redis.url).toMatch(/^redis:\/\/127\.0\.0\.1:\d+$/);
    const client = new Redis(redis.url, { lazyConnect: true });
    await client.connect();
    expect(await client.ping()).toBe('PONG');
    expect(await client.config('GET', 'appendonly')).toEqual(['appendonly', 'yes']);
    expect(await client.config('GET', 'maxmemory-policy')).toEqual(['maxmemory-policy', 'noeviction']);
    expect(await client.config('GET', 'save')).toEqual(['save', '']);
    expect(await client.config('GET', 'dir')).toEqual(['dir', path.join(fs.realpathSync(dataDir), 'redis')]);
    client.disconnect();

    await redis.stop();
    expect(isAlive(redis.pid)).toBe(false);
    expect(fs.readFileSync(redis.logFile, 'utf8')).toMatch(/Ready to accept connections/);
  });

  it('fails with a clear error and the log tail when its port is in use', async () => {
    const blocker = net.createServer();
    await new Promise<void>((r) => blocker.listen(0, '127.0.0.1', r));
    const port = (blocker.address() as net.AddressInfo).port;
    try {
      const err = await startRedisServer({ dataDir, logger, port }).catch((e: unknown) => e);
      expect(err).toBeInstanceOf(RedisStartError);
      expect((err as RedisStartError).message).toMatch(/exited during start-up/);
      expect((err as RedisStartError).logTail).toMatch(/Address already in use/);
    } finally {
      blocker.close();
    }
  });

  it('names the missing binary and how to fix it', async () => {
    const err = await startRedisServer({ dataDir, logger, binary: '/nonexistent/redis-server' }).catch((e) => e);
    expect(err).toBeInstanceOf(RedisStartError);
    expect(String(err)).toMatch(/not found.*apt-get install -y redis-server.*REDIS_URL/s);
  });

  it('refuses a DATA_DIR whose embedded Redis belongs to another live Folio process; takes it over once that one is gone', async () => {
    const shared = fs.mkdtempSync(path.join(os.tmpdir(), 'folio-redis-lock-'));
    const script = path.join(here, 'redis-server.fixture.ts');
    const other = spawn(process.execPath, ['--import', 'tsx', script, shared], {
      stdio: ['ignore', 'pipe', 'inherit'],
    });
    try {
      await once(other.stdout!, 'data'); // its redis-server is up, holding DATA_DIR/redis
      const err = await startRedisServer({ dataDir: shared, logger }).catch((e: unknown) => e);
      expect(err).toBeInstanceOf(RedisStartError);
      expect(String(err)).toContain(
        `is in use by the embedded redis-server of another Folio process (pid ${other.pid} on ${os.hostname()})`,
      );
      expect(String(err)).toMatch(
        /one shared REDIS_URL \(FOLIO_ROLE=web \/ worker\), or give each FOLIO_ROLE=all process its own DATA_DIR/,
      );

      const gone = once(other, 'exit');
      other.kill('SIGKILL'); // the lock file stays behind, naming a dead process
      await gone;
      const redis = await startRedisServer({ dataDir: shared, logger });
      expect(JSON.parse(fs.readFileSync(path.join(shared, 'redis', 'folio.lock'), 'utf8'))).toMatchObject({
        pid: process.pid,
      });
      await redis.stop();
      expect(fs.existsSync(path.join(shared, 'redis', 'folio.lock'))).toBe(false);
    } finally {
      other.kill('SIGKILL');
      fs.rmSync(shared, { recursive: true, force: true });
    }
  });

  it('does not outlive its parent, even when the parent is SIGKILLed', async () => {
    const script = path.join(here, 'redis-server.fixture.ts');
    // `node --import tsx` (not the tsx CLI, which would add a wrapper process): the parent is one process.
    const parent = spawn(process.execPath, ['--import', 'tsx', script, dataDir], {
      stdio: ['ignore', 'pipe', 'inherit'],
    });
    const [line] = (await once(parent.stdout!, 'data')) as [Buffer];
    const { pid, port } = JSON.parse(line.toString()) as { pid: number; port: number };
    expect(isAlive(pid)).toBe(true);
    const waitClosed = await connectAndAwaitClose(port);
    const parentExited = once(parent, 'exit');
    parent.kill('SIGKILL');
    await parentExited;
    await waitClosed();
    // The socket closes when redis exits; reap may lag by a moment, so check the port is really free too.
    const probe = net.createServer();
    await new Promise<void>((resolve, reject) => {
      probe.once('error', reject);
      probe.listen(port, '127.0.0.1', resolve);
    });
    probe.close();
  });
});

describe('embedded redis-server password (requirepass)', () => {
  let dataDir: string;
  beforeAll(() => {
    dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'folio-redis-auth-'));
  });
  afterAll(() => fs.rmSync(dataDir, { recursive: true, force: true }));

  /** Every file under `dir`, read whole. */
  const filesUnder = (dir: string): string[] =>
    fs.readdirSync(dir, { recursive: true, withFileTypes: true }).flatMap((e) => {
      const file = path.join(e.parentPath, e.name);
      return e.isFile() ? [fs.readFileSync(file, 'latin1')] : [];
    });

  it('the supervised (embedded default) server refuses clients without its random password, which is in no command line, file or log', async () => {
    const lines: string[] = [];
    const logged = pino({ level: 'trace' }, { write: (l: string) => void lines.push(l) });
    const { url, supervisor } = await superviseRedisServer({ dataDir, logger: logged });
    try {
      const password = decodeURIComponent(new URL(url).password);
      expect(password).toMatch(/^[0-9a-f]{64}$/);
      const port = Number(new URL(url).port);

      // A client that knows the port but not the password (raw RESP, as any local process could send).
      const sock = net.connect(port, '127.0.0.1');
      await once(sock, 'connect');
      const replies: string[] = [];
      sock.on('data', (b: Buffer) => replies.push(b.toString()));
      sock.write('PING\r\nAUTH wrong\r\nSET k v\r\n');
      await expect.poll(() => replies.join('').split('\r\n').filter(Boolean).length).toBe(3);
      const [ping, auth, set] = replies.join('').split('\r\n');
      expect(ping).toMatch(/^-NOAUTH/);
      expect(auth).toMatch(/^-WRONGPASS/);
      expect(set).toMatch(/^-NOAUTH/);
      sock.destroy();

      const folio = new Redis(url, { lazyConnect: true });
      await folio.connect();
      expect(await folio.ping()).toBe('PONG');
      folio.disconnect();

      const state = supervisor.state();
      const pid = state.state === 'up' ? state.pid : -1;
      expect(fs.readFileSync(`/proc/${pid}/cmdline`, 'latin1')).not.toContain(password);
      expect(fs.readFileSync(`/proc/${pid}/environ`, 'latin1')).not.toContain(password);
      for (const content of filesUnder(dataDir)) expect(content).not.toContain(password);
      expect(lines.length).toBeGreaterThan(0);
      expect(lines.join('')).not.toContain(password);
    } finally {
      await supervisor.stop();
    }
  });

  it('keeps the password across a restart by the supervisor', async () => {
    const { url, supervisor } = await superviseRedisServer({ dataDir, logger });
    try {
      const first = supervisor.state();
      if (first.state !== 'up') return expect.fail('not up');
      process.kill(first.pid, 'SIGKILL');
      await expect
        .poll(() => {
          const now = supervisor.state();
          return now.state === 'up' && now.restarts >= 1;
        })
        .toBe(true);
      const client = new Redis(url, { lazyConnect: true, maxRetriesPerRequest: 3 });
      await client.connect();
      expect(await client.ping()).toBe('PONG');
      client.disconnect();
    } finally {
      await supervisor.stop();
    }
  });
});
