import type { ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { once } from 'node:events';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import { chromium, type Browser, type BrowserContext, type Page } from 'playwright-core';
import { freePort, spawnGuarded } from '../backend/src/embedded/child-process';

/**
 * The e2e harness: the real Folio (`node --import tsx backend/src/main.ts`: embedded Jupyter Server, redis-server,
 * SQLite in a temp DATA_DIR, the built frontend) on a free port, and Debian's Chromium driven by playwright-core.
 * It builds nothing: `npm test` runs scripts/setup.mjs first, which builds frontend/dist when stale.
 *
 *   let e2e: E2E;
 *   beforeAll(async () => (e2e = await startE2E()));
 *   afterAll(() => e2e?.stop());
 *   const page = await e2e.signedInPage();
 */
const repoRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
export const CHROMIUM_PATH = '/usr/bin/chromium';
const CHROMIUM_ARGS = [
  '--no-sandbox',
  '--disable-gpu',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
  '--no-first-run',
];

export interface FolioServer {
  /** http://localhost:PORT */
  url: string;
  dataDir: string;
  admin: { email: string; password: string };
  /** Everything the server printed so far (JSON log lines). */
  logs(): string;
  /** SIGTERM and wait for a clean exit (SIGKILL after 30 s); removes the data dir. */
  stop(): Promise<void>;
}

export interface E2E {
  server: FolioServer;
  browser: Browser;
  /** A fresh browser context (own cookies) and page; errors thrown in the page are collected in `pageErrors`. */
  newPage(): Promise<{ page: Page; context: BrowserContext; pageErrors: Error[] }>;
  /** newPage(), then sign in as the admin through the login form and wait for the notebook list. */
  signedInPage(): Promise<{ page: Page; context: BrowserContext; pageErrors: Error[] }>;
  stop(): Promise<void>;
}

/** Start the real server and resolve once it logged "Folio ready" and GET /readyz answered 200. */
export async function startFolioServer(opts: { env?: Record<string, string> } = {}): Promise<FolioServer> {
  const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'folio-e2e-'));
  const admin = { email: 'admin@folio.test', password: `e2e-${randomBytes(9).toString('base64url')}` };
  const port = await freePort();
  // Guarded: the server (and through it Jupyter, kernels, Redis) dies with the test process, however it ends.
  const child: ChildProcess = spawnGuarded(
    process.execPath,
    ['--import', 'tsx', path.join(repoRoot, 'backend/src/main.ts')],
    {
      cwd: repoRoot,
      env: {
        PATH: process.env.PATH,
        HOME: process.env.HOME,
        DATA_DIR: dataDir,
        PORT: String(port),
        FOLIO_ADMIN_EMAIL: admin.email,
        FOLIO_ADMIN_PASSWORD: admin.password,
        KERNEL_POOL_SIZE: '1',
        LOG_LEVEL: 'info',
        ...opts.env,
      },
      stdio: ['ignore', 'pipe', 'pipe'],
    },
  );
  let output = '';
  child.stderr!.on('data', (b: Buffer) => (output += b.toString()));
  const exited = once(child, 'close') as Promise<[number | null, NodeJS.Signals | null]>;

  const stop = async () => {
    if (child.exitCode === null && child.signalCode === null) {
      const timer = setTimeout(() => child.kill('SIGKILL'), 30_000);
      child.kill('SIGTERM');
      await exited;
      clearTimeout(timer);
    }
    fs.rmSync(dataDir, { recursive: true, force: true });
  };

  // Wait on the server's own "ready" log line (or its exit), not on a timer.
  const ready = new Promise<string>((resolve, reject) => {
    const lines = createInterface({ input: child.stdout! });
    lines.on('line', (line) => {
      output += `${line}\n`;
      const m = /"msg":"Folio ready on (http:\/\/[^"]+)"/.exec(line);
      if (m) resolve(m[1]!);
    });
    void exited.then(([code, signal]) =>
      reject(
        new Error(`Folio exited before it was ready (code ${code}, signal ${signal}). Last output:\n${tail(output)}`),
      ),
    );
  });
  try {
    const url = await ready;
    const res = await fetch(`${url}/readyz`);
    if (res.status !== 200) throw new Error(`GET /readyz answered ${res.status}: ${await res.text()}`);
    return { url, dataDir, admin, logs: () => output, stop };
  } catch (e) {
    await stop();
    throw e;
  }
}

export function launchChromium(): Promise<Browser> {
  if (!fs.existsSync(CHROMIUM_PATH)) {
    throw new Error(`${CHROMIUM_PATH} is missing: run "node scripts/setup.mjs test" (or apt-get install -y chromium).`);
  }
  return chromium.launch({ executablePath: CHROMIUM_PATH, args: CHROMIUM_ARGS });
}

/** Sign in through the login form; resolves when the notebook list is shown. */
export async function signIn(page: Page, baseUrl: string, who: { email: string; password: string }): Promise<void> {
  await page.goto(`${baseUrl}/login`);
  await page.getByTestId('login-email').fill(who.email);
  await page.getByTestId('login-password').fill(who.password);
  await page.getByTestId('login-submit').click();
  await page.waitForURL(/\/notebooks$/);
}

/**
 * Imports a notebook of code/markdown cells through the API from inside the signed-in page (its cookie, its origin);
 * resolves with the new notebook's id.
 */
export async function importNotebook(
  page: Page,
  name: string,
  cells: { type?: 'code' | 'markdown'; source: string; tags?: string[]; outputs?: unknown[] }[],
): Promise<string> {
  const nb = {
    nbformat: 4,
    nbformat_minor: 5,
    metadata: { kernelspec: { name: 'python3', display_name: 'Python 3', language: 'python' } },
    cells: cells.map((c, i) => ({
      id: `cell-${i}`,
      cell_type: c.type ?? 'code',
      source: c.source,
      metadata: c.tags ? { tags: c.tags } : {},
      ...(c.type === 'markdown' ? {} : { execution_count: null, outputs: c.outputs ?? [] }),
    })),
  };
  return page.evaluate(
    async ({ name, body }) => {
      const res = await fetch(`/api/notebooks/import?name=${encodeURIComponent(name)}`, {
        method: 'POST',
        headers: { 'content-type': 'application/x-ipynb+json' },
        body,
      });
      if (res.status !== 201) throw new Error(`import answered ${res.status}: ${await res.text()}`);
      return ((await res.json()) as { id: string }).id;
    },
    { name, body: JSON.stringify(nb) },
  );
}

export async function startE2E(opts: { env?: Record<string, string> } = {}): Promise<E2E> {
  const [s, b] = await Promise.allSettled([startFolioServer(opts), launchChromium()]);
  if (s.status === 'rejected' || b.status === 'rejected') {
    await Promise.allSettled([s.status === 'fulfilled' && s.value.stop(), b.status === 'fulfilled' && b.value.close()]);
    throw s.status === 'rejected' ? s.reason : (b as PromiseRejectedResult).reason;
  }
  const [server, browser] = [s.value, b.value];
  const newPage = async () => {
    const context = await browser.newContext({ baseURL: server.url });
    const page = await context.newPage();
    const pageErrors: Error[] = [];
    page.on('pageerror', (e) => pageErrors.push(e));
    return { page, context, pageErrors };
  };
  return {
    server,
    browser,
    newPage,
    async signedInPage() {
      const p = await newPage();
      await signIn(p.page, server.url, server.admin);
      return p;
    },
    async stop() {
      await Promise.allSettled([browser.close(), server.stop()]);
    },
  };
}

function tail(text: string, lines = 30): string {
  return text.trimEnd().split('\n').slice(-lines).join('\n');
}
