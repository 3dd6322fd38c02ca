import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { ServerConnection } from '@jupyterlab/services';
import { defaultKernelVenv, startJupyterServer, type EmbeddedJupyterServer } from '../../embedded/jupyter-server';
import { createLogger, type Logger } from '../../logger';
import { createJupyterSettings } from '../connection';

/**
 * For integration tests (engine, runs, notebooks): a real Jupyter Server from kernels/.venv on a free
 * port with a temp data dir. Call in beforeAll, `stop()` in afterAll.
 */
export interface TestJupyter {
  server: EmbeddedJupyterServer;
  settings: ServerConnection.ISettings;
  dataDir: string;
  logger: Logger;
  /** Ids of the kernels the server is running (GET /api/kernels). */
  runningKernelIds(): Promise<string[]>;
  stop(): Promise<void>;
}

export async function startTestJupyter(prefix = 'folio-test-jupyter-'): Promise<TestJupyter> {
  const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), prefix));
  const logger = createLogger(process.env.TEST_LOG_LEVEL ?? 'silent');
  const server = await startJupyterServer({ dataDir, venvDir: defaultKernelVenv, logger });
  const settings = createJupyterSettings(server);
  return {
    server,
    settings,
    dataDir,
    logger,
    async runningKernelIds() {
      const res = await fetch(`${server.url}api/kernels`, { headers: { Authorization: `token ${server.token}` } });
      if (!res.ok) throw new Error(`GET /api/kernels: ${res.status}`);
      return ((await res.json()) as Array<{ id: string }>).map((k) => k.id);
    },
    async stop() {
      await server.stop();
      fs.rmSync(dataDir, { recursive: true, force: true });
    },
  };
}
