import type { ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import { spawnGuarded } from '../child-process';

/**
 * For process tests (layouts, supervision): the real entry point, `node --import tsx backend/src/main.ts`, as a child
 * that dies with the test process (pdeathsig), its JSON log lines collected as they come. Waiting is on log lines and
 * on the process's exit — events, not timers.
 */
const mainFile = fileURLToPath(new URL('../../main.ts', import.meta.url));

export interface LogEntry {
  msg?: string;
  level?: number;
  pid?: number;
  url?: string;
  [key: string]: unknown;
}

export interface FolioProcess {
  child: ChildProcess;
  /** Every JSON line printed so far. */
  logs: LogEntry[];
  /** The first log entry (from index `from`) matching, now or when it is printed; rejects if the process exits first. */
  waitForLog(match: (e: LogEntry) => boolean, from?: number): Promise<LogEntry>;
  exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
  stderr(): string;
}

export function startFolioProcess(env: Record<string, string>): FolioProcess {
  const child = spawnGuarded(process.execPath, ['--import', 'tsx', mainFile], {
    env: { PATH: process.env.PATH, HOME: process.env.HOME, LOG_LEVEL: 'info', ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const logs: LogEntry[] = [];
  let waiters: Array<() => boolean> = [];
  let stderr = '';
  let closed = false;
  child.stderr!.on('data', (b: Buffer) => (stderr += b.toString()));
  createInterface({ input: child.stdout! }).on('line', (line) => {
    if (!line.startsWith('{')) return;
    try {
      logs.push(JSON.parse(line) as LogEntry);
    } catch {
      return;
    }
    waiters = waiters.filter((w) => !w());
  });
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) =>
    child.once('close', (code, signal) => {
      closed = true;
      waiters = waiters.filter((w) => !w());
      resolve({ code, signal });
    }),
  );
  return {
    child,
    logs,
    exited,
    stderr: () => stderr,
    waitForLog(match, from = 0) {
      return new Promise((resolve, reject) => {
        const look = (): boolean => {
          const hit = logs.slice(from).find(match);
          if (hit) resolve(hit);
          else if (closed) reject(new Error(`Folio exited before the awaited log line; stderr:\n${stderr}`));
          return Boolean(hit) || closed;
        };
        if (!look()) waiters.push(look);
      });
    },
  };
}

/** The web role's URL, once it logged "Folio ready on …". */
export async function readyUrl(p: FolioProcess): Promise<string> {
  const e = await p.waitForLog((l) => /^Folio ready on /.test(l.msg ?? ''));
  return /^Folio ready on (\S+)$/.exec(e.msg!)![1]!;
}

/** Polls a state (a process, a file, an HTTP resource) until `cond` holds; the test's timeout bounds it. */
export async function until<T>(
  what: string,
  cond: () => T | undefined | false | Promise<T | undefined | false>,
): Promise<T> {
  for (let i = 0; ; i++) {
    const v = await cond();
    if (v) return v;
    if (i > 100_000) throw new Error(`never: ${what}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

/** A signed-in client of Folio's HTTP API (cookie session). */
export class FolioClient {
  private cookie = '';

  constructor(readonly url: string) {}

  async signIn(email: string, password: string): Promise<void> {
    const res = await fetch(`${this.url}/api/auth/login`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ email, password }),
    });
    if (!res.ok) throw new Error(`sign-in answered ${res.status}: ${await res.text()}`);
    this.cookie = res.headers
      .getSetCookie()
      .map((c) => c.split(';')[0])
      .join('; ');
  }

  get cookieHeader(): string {
    return this.cookie;
  }

  async request<T = Record<string, unknown>>(
    method: string,
    p: string,
    body?: unknown,
  ): Promise<{ status: number; json: T }> {
    const res = await fetch(`${this.url}${p}`, {
      method,
      headers: { cookie: this.cookie, ...(body === undefined ? {} : { 'content-type': 'application/json' }) },
      body: body === undefined ? undefined : JSON.stringify(body),
    });
    const text = await res.text();
    return { status: res.status, json: (text ? JSON.parse(text) : {}) as T };
  }

  /** POST /api/notebooks with the given content; its id. */
  async createNotebook(name: string, content: unknown): Promise<string> {
    const r = await this.request<{ id: string }>('POST', '/api/notebooks', { name, content });
    if (r.status !== 201 && r.status !== 200)
      throw new Error(`create notebook answered ${r.status}: ${JSON.stringify(r.json)}`);
    return r.json.id;
  }

  /** POST /api/notebooks/:id/runs; the run id. */
  async startRun(notebookId: string): Promise<string> {
    const r = await this.request<{ id: string }>('POST', `/api/notebooks/${notebookId}/runs`, {});
    if (r.status !== 202) throw new Error(`start run answered ${r.status}: ${JSON.stringify(r.json)}`);
    return r.json.id;
  }

  /** GET /api/runs/:id until the run has ended. */
  async ended(runId: string): Promise<RunView> {
    return until(`run ${runId} ends`, async () => {
      const r = await this.request<RunView>('GET', `/api/runs/${runId}`);
      return r.status === 200 && FINAL.has(r.json.status) ? r.json : undefined;
    });
  }

  async readyz(): Promise<{
    status: number;
    body: { status: string; checks: Record<string, { state: string; error?: string }> };
  }> {
    const res = await fetch(`${this.url}/readyz`);
    return { status: res.status, body: (await res.json()) as never };
  }
}

export interface RunView {
  id: string;
  status: string;
  error?: { code: string; message: string };
  cells: Array<{ cellId: string; status: string; executionCount: number | null; outputs: unknown[] }>;
}

const FINAL = new Set(['succeeded', 'failed', 'timed_out', 'cancelled']);

/** Lines of a file (0 when it does not exist). */
export function lineCount(file: string): number {
  return fs.existsSync(file) ? fs.readFileSync(file, 'utf8').split('\n').filter(Boolean).length : 0;
}
