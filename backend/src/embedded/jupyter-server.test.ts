import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { KernelAPI, KernelConnection } from '@jupyterlab/services';
import { afterAll, describe, expect, it } from 'vitest';
import { createJupyterSettings } from '../kernels/connection';
import { executeCode } from '../kernels/executor';
import { KernelPool, type PooledKernel } from '../kernels/pool';
import { createLogger } from '../logger';
import { withTimeout } from '../util/timeout';
import {
  defaultJupyterConfigFile,
  defaultKernelVenv,
  JupyterServerStartError,
  kernelEnvironment,
  startJupyterServer,
  type EmbeddedJupyterServer,
} from './jupyter-server';
import { isRunning, processesMentioning } from './processes';

const logger = createLogger('silent');
const dirs: string[] = [];
const tempDir = () => {
  const d = fs.mkdtempSync(path.join(os.tmpdir(), 'folio-jupyter-server-'));
  dirs.push(d);
  return d;
};
afterAll(() => dirs.forEach((d) => fs.rmSync(d, { recursive: true, force: true })));

const isAlive = (pid: number) => {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
};

describe('kernelEnvironment', () => {
  it('passes an allowlist and puts the venv first on PATH', () => {
    const env = kernelEnvironment(
      {
        PATH: '/usr/bin:/bin',
        HOME: '/home/q',
        LC_ALL: 'C.UTF-8',
        FOLIO_ROLE: 'all',
        REDIS_URL: 'redis://x',
        PYTHONSTARTUP: '/x.py',
      },
      '/venv',
    );
    expect(env).toEqual({
      PATH: '/venv/bin:/usr/bin:/bin',
      HOME: '/home/q',
      LC_ALL: 'C.UTF-8',
      VIRTUAL_ENV: '/venv',
      PYTHONUNBUFFERED: '1',
    });
  });
});

describe('startJupyterServer', () => {
  it('starts on 127.0.0.1 with a token, terminals off, and stop() leaves no process behind', async () => {
    const dataDir = tempDir();
    const server = await startJupyterServer({ dataDir, venvDir: defaultKernelVenv, logger });
    const auth = { Authorization: `token ${server.token}` };
    try {
      expect(server.url).toMatch(/^http:\/\/127\.0\.0\.1:\d+\/$/);
      expect(server.token).toMatch(/^[0-9a-f]{64}$/);
      expect(server.logFile).toBe(path.join(dataDir, 'jupyter.log'));
      expect((await fetch(`${server.url}api/status`, { headers: auth })).status).toBe(200);
      expect((await fetch(`${server.url}api/kernels`)).status).toBe(403); // no token, no access
      expect((await fetch(`${server.url}api/terminals`, { headers: auth })).status).toBe(404);
      expect(processesMentioning(server.token)).toEqual([]); // the token is not on any command line

      const res = await fetch(`${server.url}api/kernels`, {
        method: 'POST',
        headers: { ...auth, 'Content-Type': 'application/json' },
        body: '{}',
      });
      expect(res.status).toBe(201);
      const kernel = (await res.json()) as { id: string };
      const readyKernel = await waitForKernelProcess(kernel.id);
      expect(readyKernel.length).toBeGreaterThan(0);
      // The culler (a safety net, see jupyter_server_config.py) starts with the first kernel.
      const log = fs.readFileSync(server.logFile, 'utf8');
      expect(log).toContain('Culling kernels with idle durations > 600 seconds at 60 second intervals');
      expect(log).toContain('Culling kernels even if busy');
      expect(log).not.toContain('Culling kernels even with connected clients');
    } finally {
      await server.stop();
    }
    expect(isAlive(server.pid)).toBe(false);
    expect(processesMentioning(path.join(dataDir, 'jupyter-runtime'))).toEqual([]);
  });

  it("keeps Folio's secrets and the token away from kernels; their cwd is DATA_DIR/workspace", async () => {
    const dataDir = tempDir();
    const secrets = {
      FOLIO_ADMIN_PASSWORD: 'admin-secret-123',
      FOLIO_ANYTHING: 'folio-secret',
      REDIS_URL: 'redis://:redis-secret@127.0.0.1:6379/0',
      MONGODB_URL: 'mongodb://u:mongo-secret@db/folio',
      JUPYTER_TOKEN: 'outer-token-secret',
      AWS_SECRET_ACCESS_KEY: 'aws-secret',
    };
    const env = { ...process.env, ...secrets, LANG: 'C.UTF-8', TZ: 'Europe/London' };
    const server = await startJupyterServer({ dataDir, venvDir: defaultKernelVenv, logger, env });
    const pool = new KernelPool({ settings: createJupyterSettings(server), size: 0, logger });
    try {
      const kernel = await pool.acquire(60_000);
      const probe = [
        'import glob, json, os',
        'files = [open(p, errors="replace").read() for p in glob.glob(os.path.join(os.environ["JUPYTER_RUNTIME_DIR"], "*")) if os.path.isfile(p)]',
        'print(json.dumps({"env": dict(os.environ), "cwd": os.getcwd(), "files": files}))',
      ].join('\n');
      const r = await executeCode(kernel, probe);
      pool.release(kernel);
      expect(r.status).toBe('ok');
      const text = r.outputs.map((o) => (o.output_type === 'stream' ? o.text : '')).join('');
      const seen = JSON.parse(text) as { env: Record<string, string>; cwd: string; files: string[] };
      for (const name of [...Object.keys(secrets), 'JUPYTER_TOKEN']) expect(seen.env).not.toHaveProperty(name);
      expect(Object.keys(seen.env).filter((k) => k.startsWith('FOLIO_'))).toEqual([]);
      const everything = JSON.stringify(seen) + fs.readFileSync(server.logFile, 'utf8');
      for (const value of [...Object.values(secrets), server.token]) expect(everything).not.toContain(value);
      expect(
        fs.readdirSync(server.runtimeDir).filter((f) => !/^kernel-.*\.json$|^jpserver-\d+\.json$/.test(f)),
      ).toEqual([]);
      expect(seen.files.length).toBeGreaterThan(0); // the runtime dir was read (server info, connection files)
      expect(seen.env).toMatchObject({ LANG: 'C.UTF-8', TZ: 'Europe/London', VIRTUAL_ENV: defaultKernelVenv });
      expect(fs.realpathSync(seen.cwd)).toBe(fs.realpathSync(path.join(dataDir, 'workspace')));
      expect(fs.statSync(path.join(dataDir, 'jupyter-runtime')).mode & 0o777).toBe(0o700);
      expect(fs.statSync(server.runtimeDir).mode & 0o777).toBe(0o700);
    } finally {
      await pool.shutdown();
      await server.stop();
    }
  });

  it('fails with the tail of the Jupyter log when the server cannot start', async () => {
    const dataDir = tempDir();
    const badConfig = path.join(dataDir, 'broken_config.py');
    // Jupyter logs and ignores exceptions in config files; a process that exits early is a real failure.
    fs.writeFileSync(badConfig, "import os\nprint('folio test: this config is broken', flush=True)\nos._exit(3)\n");
    const err = await startJupyterServer({ dataDir, venvDir: defaultKernelVenv, logger, configFile: badConfig }).catch(
      (e: unknown) => e,
    );
    if (!(err instanceof Error)) await (err as { stop(): Promise<void> }).stop();
    expect(err).toBeInstanceOf(JupyterServerStartError);
    expect((err as Error).message).toContain('Jupyter Server failed to start');
    expect((err as JupyterServerStartError).logTail).toContain('folio test: this config is broken');
    expect(processesMentioning(path.join(dataDir, 'jupyter-runtime'))).toEqual([]);
  });

  it('says clearly when the kernel venv is missing', async () => {
    const err = await startJupyterServer({ dataDir: tempDir(), venvDir: '/nonexistent/venv', logger }).catch(
      (e: unknown) => e,
    );
    expect(err).toBeInstanceOf(JupyterServerStartError);
    expect((err as Error).message).toContain('/nonexistent/venv/bin/jupyter-server is missing');
  });
});

/** Polls a condition on process state (not a timer: the state is the event), until the test's timeout. */
/** Polls a process state; gives up after `ms` naming the step (before the test's own timeout hides which one hung). */
async function until(what: string, cond: () => boolean | Promise<boolean>, ms = 40_000): Promise<void> {
  const deadline = Date.now() + ms;
  while (!(await cond())) {
    if (Date.now() > deadline) throw new Error(`not within ${ms / 1000} s: ${what}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

const stdoutOf = (r: { outputs: Array<{ output_type: string; text?: string | string[] }> }) =>
  r.outputs.map((o) => (o.output_type === 'stream' ? [o.text ?? ''].flat().join('') : '')).join('');

/** A kernel of its own (size-0 pool) and its pid, as the kernel reports it. */
async function kernelWithPid(
  server: EmbeddedJupyterServer,
): Promise<{ pool: KernelPool; kernel: PooledKernel; pid: number }> {
  const pool = new KernelPool({ settings: createJupyterSettings(server), size: 0, logger });
  const kernel = await pool.acquire(60_000);
  const r = await executeCode(kernel, 'import os; print(os.getpid())');
  expect(r.status).toBe('ok');
  return { pool, kernel, pid: Number(stdoutOf(r)) };
}

describe('one server per process, and only its own processes', () => {
  it('two servers on one DATA_DIR have their own runtime dirs; stopping one leaves the other and its kernels running', async () => {
    const dataDir = tempDir();
    const [a, b] = await Promise.all([
      startJupyterServer({ dataDir, venvDir: defaultKernelVenv, logger }),
      startJupyterServer({ dataDir, venvDir: defaultKernelVenv, logger }),
    ]);
    const [ka, kb] = await Promise.all([kernelWithPid(a), kernelWithPid(b)]);
    try {
      expect(a.runtimeDir).not.toBe(b.runtimeDir);
      expect(path.dirname(a.runtimeDir)).toBe(path.join(dataDir, 'jupyter-runtime'));
      await executeCode(kb.kernel, 'kept = "still here"');
      await ka.pool.shutdown();
      await a.stop();
      expect(isRunning(a.pid)).toBe(false);
      await until("the stopped server's kernel is gone", () => !isRunning(ka.pid));
      expect(fs.existsSync(a.runtimeDir)).toBe(false);

      expect(isRunning(b.pid)).toBe(true);
      expect(isRunning(kb.pid)).toBe(true);
      const r = await executeCode(kb.kernel, 'print(kept)');
      expect([r.status, stdoutOf(r)]).toEqual(['ok', 'still here\n']);
    } finally {
      await kb.pool.shutdown();
      await Promise.all([a.stop(), b.stop()]);
    }
  });

  it('SIGKILLed, it takes its kernels and their children along once it has exited (tracked by pid and start time)', async () => {
    const dataDir = tempDir();
    const server = await startJupyterServer({ dataDir, venvDir: defaultKernelVenv, logger, trackIntervalMs: 100 });
    const k = await withTimeout(kernelWithPid(server), 40_000, 'a kernel with its pid');
    let killed = false;
    try {
      // A process the kernel started in a session of its own: neither in the server's group nor the kernel's, and
      // with no parent poller of its own (ipykernel's exits when reparented to pid 1, not under a subreaper).
      const r = await executeCode(
        k.kernel,
        'import subprocess; p = subprocess.Popen(["sleep", "1000"], start_new_session=True); print(p.pid)',
      );
      const grandchild = Number(stdoutOf(r));
      expect(isRunning(grandchild)).toBe(true);
      await until('the tracker has seen both', () =>
        [k.pid, grandchild].every((p) => server.descendants().includes(p)),
      );

      process.kill(server.pid, 'SIGKILL');
      killed = true;
      expect(await withTimeout(server.exited, 20_000, 'the SIGKILLed server exited')).toBe('SIGKILL');
      await until('the kernel and its child are gone', () => !isRunning(k.pid) && !isRunning(grandchild));
      expect(server.descendants()).toEqual([]);
      expect(fs.existsSync(server.runtimeDir)).toBe(false);
    } finally {
      // Once the server is gone there is nothing to shut down over REST (the pool would retry a dead server for
      // seconds): just close the socket.
      if (killed) k.kernel.connection.dispose();
      else await withTimeout(k.pool.shutdown(), 20_000, 'the pool shut down');
      await server.stop();
    }
  });
});

describe("Jupyter's kernel culler (a safety net)", () => {
  it('never culls a kernel Folio is connected to, and counts idle time from the last disconnect', async () => {
    const dataDir = tempDir();
    // Ours, with the timeouts shortened for the test.
    const config = path.join(dataDir, 'fast_cull_config.py');
    fs.writeFileSync(
      config,
      `load_subconfig(${JSON.stringify(path.basename(defaultJupyterConfigFile))}, ${JSON.stringify(path.dirname(defaultJupyterConfigFile))})  # noqa: F821\n` +
        'c.MappingKernelManager.cull_idle_timeout = 2  # noqa: F821\nc.MappingKernelManager.cull_interval = 1  # noqa: F821\n',
    );
    const server = await startJupyterServer({ dataDir, venvDir: defaultKernelVenv, logger, configFile: config });
    const settings = createJupyterSettings(server);
    try {
      // `held` first, connected (as Folio holds pooled and live kernels); then `leaked`, which nobody connects to.
      const held = await KernelAPI.startNew({ name: 'python3' }, settings);
      const connection = new KernelConnection({ model: held, serverSettings: settings, handleComms: false });
      await connection.info;
      const leaked = await KernelAPI.startNew({ name: 'python3' }, settings);
      const ids = async () => (await KernelAPI.listRunning(settings)).map((m) => m.id);
      await until('the leaked kernel is culled', async () => !(await ids()).includes(leaked.id));
      // A culling pass found `leaked` idle past the timeout; `held`, idle for longer, stays: it is connected.
      expect(await ids()).toContain(held.id);

      const beforeDisconnect = Date.now();
      connection.dispose();
      await until(
        'the server saw the disconnect',
        async () => (await KernelAPI.getKernelModel(held.id, settings))?.connections === 0,
      );
      const model = await KernelAPI.getKernelModel(held.id, settings);
      expect(Date.parse(model!.last_activity!)).toBeGreaterThanOrEqual(beforeDisconnect);
      await until('the kernel left without a client is culled', async () => !(await ids()).includes(held.id));
    } finally {
      await server.stop();
    }
  });
});

/** The kernel process exists once the REST call returned; find it by its connection file name. */
async function waitForKernelProcess(kernelId: string): Promise<number[]> {
  return processesMentioning(`kernel-${kernelId}.json`);
}
