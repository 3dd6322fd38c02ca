import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { createJupyterSettings } from '../kernels/connection';
import { executeCode } from '../kernels/executor';
import { KernelPool } from '../kernels/pool';
import { createLogger } from '../logger';
import { defaultKernelVenv, JupyterServerStartError, kernelEnvironment, processesMentioning, startJupyterServer } from './jupyter-server';

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
      { PATH: '/usr/bin:/bin', HOME: '/home/q', LC_ALL: 'C.UTF-8', FOLIO_ROLE: 'all', REDIS_URL: 'redis://x', PYTHONSTARTUP: '/x.py' },
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

      const res = await fetch(`${server.url}api/kernels`, { method: 'POST', headers: { ...auth, 'Content-Type': 'application/json' }, body: '{}' });
      expect(res.status).toBe(201);
      const kernel = (await res.json()) as { id: string };
      const readyKernel = await waitForKernelProcess(kernel.id);
      expect(readyKernel.length).toBeGreaterThan(0);
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
      expect(fs.readdirSync(path.join(dataDir, 'jupyter-runtime')).filter((f) => !/^kernel-.*\.json$|^jpserver-\d+\.json$/.test(f))).toEqual([]);
      expect(seen.files.length).toBeGreaterThan(0); // the runtime dir was read (server info, connection files)
      expect(seen.env).toMatchObject({ LANG: 'C.UTF-8', TZ: 'Europe/London', VIRTUAL_ENV: defaultKernelVenv });
      expect(fs.realpathSync(seen.cwd)).toBe(fs.realpathSync(path.join(dataDir, 'workspace')));
      expect(fs.statSync(path.join(dataDir, 'jupyter-runtime')).mode & 0o777).toBe(0o700);
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
    const err = await startJupyterServer({ dataDir, venvDir: defaultKernelVenv, logger, configFile: badConfig }).catch((e: unknown) => e);
    if (!(err instanceof Error)) await (err as { stop(): Promise<void> }).stop();
    expect(err).toBeInstanceOf(JupyterServerStartError);
    expect((err as Error).message).toContain('Jupyter Server failed to start');
    expect((err as JupyterServerStartError).logTail).toContain('folio test: this config is broken');
    expect(processesMentioning(path.join(dataDir, 'jupyter-runtime'))).toEqual([]);
  });

  it('says clearly when the kernel venv is missing', async () => {
    const err = await startJupyterServer({ dataDir: tempDir(), venvDir: '/nonexistent/venv', logger }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(JupyterServerStartError);
    expect((err as Error).message).toContain('/nonexistent/venv/bin/jupyter-server is missing');
  });
});

/** The kernel process exists once the REST call returned; find it by its connection file name. */
async function waitForKernelProcess(kernelId: string): Promise<number[]> {
  return processesMentioning(`kernel-${kernelId}.json`);
}
