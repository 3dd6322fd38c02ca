import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { createLogger } from '../logger';
import { defaultKernelVenv, JupyterServerStartError, processesMentioning, startJupyterServer } from './jupyter-server';

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
