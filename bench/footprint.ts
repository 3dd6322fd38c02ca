/**
 * `npm run bench:footprint` — the memory of an idle `npm start` tree, and how fast the first run and the first
 * opened notebook are on it.
 *
 * Starts `npm start` exactly as a user does (default settings; only DATA_DIR → a temp dir, PORT → a free port and a
 * known admin password), waits for GET /readyz 200 (the pools are warm by then: Folio reports ready after they are)
 * and for the process tree to settle, then reads RSS and PSS of every process of the tree from
 * /proc/<pid>/smaps_rollup and prints them per part (npm wrappers, node/tsx/esbuild, Folio, Jupyter Server, each
 * kernel, redis-server) and in total. PSS splits shared pages (the node binary, Python's libraries) between the
 * processes that map them, so the PSS total is what the tree really costs; the RSS total counts shared pages once
 * per process.
 *
 * Then, on that idle server:
 *   first run   bench/notebooks/report.ipynb (pandas + matplotlib) imported, `POST /api/notebooks/:id/runs` →
 *               the run record's status is final (polled every 10 ms);
 *   first open  once the tree is idle again: a new notebook's `WS /api/notebooks/:id/kernel` connected and `1+1`
 *               executed, socket opened → the `cell_done` whose outputs carried `2` (the kernel is taken when the
 *               socket opens; the socket is then closed, and the session keeps its kernel, as for a closed tab);
 *   run after   the same run again right after that open, while the pool may be warming a replacement.
 * And the tree once more, with the notebook's session holding its kernel. Linux only (/proc). A bench, not a test: nothing is asserted.
 * BENCH_FOOTPRINT_SETTLE_MS (default 5000): idle time after ready before the memory is read. BENCH_FOOTPRINT_REPO
 * (default this checkout): measure another checkout's `npm start`, e.g. a clone at an older commit.
 */
import { spawn } from 'node:child_process';
import { randomBytes, randomUUID } from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import WebSocket from 'ws';
import { freePort } from '../backend/src/embedded/child-process';

const here = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
/** The checkout whose `npm start` is measured: this one, or another (e.g. an older commit, for a before/after). */
const repoRoot = path.resolve(process.env.BENCH_FOOTPRINT_REPO ?? here);
const SETTLE_MS = Number(process.env.BENCH_FOOTPRINT_SETTLE_MS ?? 5_000);
const now = () => performance.now();
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

interface Proc {
  pid: number;
  ppid: number;
  part: string;
  rssKb: number;
  pssKb: number;
}

function read(file: string): string | null {
  try {
    return fs.readFileSync(file, 'utf8');
  } catch {
    return null;
  }
}

/** The pid and every descendant, from /proc/<pid>/task/<tid>/children. */
function tree(root: number): number[] {
  const out: number[] = [];
  const queue = [root];
  while (queue.length) {
    const pid = queue.shift()!;
    if (out.includes(pid) || read(`/proc/${pid}/stat`) === null) continue;
    out.push(pid);
    for (const tid of fs.readdirSync(`/proc/${pid}/task`, { withFileTypes: false }) as string[]) {
      const kids = read(`/proc/${pid}/task/${tid}/children`) ?? '';
      queue.push(...kids.split(' ').filter(Boolean).map(Number));
    }
  }
  return out;
}

/** What a process of the tree is, from its command line. */
function partOf(pid: number): string {
  const argv = (read(`/proc/${pid}/cmdline`) ?? '').split('\0').filter(Boolean);
  const exe = path.basename(argv[0] ?? '?');
  const line = argv.join(' ');
  if (/ipykernel_launcher|ipykernel/.test(line)) return 'kernel';
  if (/jupyter-server|jupyter_server/.test(line)) return 'Jupyter Server';
  if (/redis-server/.test(line)) return 'redis-server';
  if (/esbuild/.test(exe)) return 'esbuild';
  if (/(^|\/)npm(-cli\.js)?( |$)|npm-cli\.js/.test(line) || exe === 'npm') return 'npm';
  if (exe === 'sh' || exe === 'bash') return 'sh';
  if (/main\.(ts|js|mjs)\b/.test(line) && /node/.test(exe)) {
    if (!/tsx/.test(line)) return 'Folio (node)';
    return /--import|--require/.test(line) ? 'Folio (node + tsx loader)' : 'tsx CLI'; // the CLI runs it in a child
  }
  return exe;
}

function memoryOf(pid: number): { rssKb: number; pssKb: number } | null {
  const text = read(`/proc/${pid}/smaps_rollup`);
  if (!text) return null;
  const kb = (name: string) => Number(new RegExp(`^${name}:\\s+(\\d+) kB`, 'm').exec(text)?.[1] ?? 0);
  return { rssKb: kb('Rss'), pssKb: kb('Pss') };
}

function snapshot(root: number): Proc[] {
  const procs: Proc[] = [];
  for (const pid of tree(root)) {
    const mem = memoryOf(pid);
    const stat = read(`/proc/${pid}/stat`);
    if (!mem || !stat) continue;
    const ppid = Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1]);
    procs.push({ pid, ppid, part: partOf(pid), ...mem });
  }
  return procs;
}

const mb = (kb: number) => (kb / 1024).toFixed(0).padStart(6);

function printTree(title: string, procs: Proc[]): void {
  console.log(`\n${title}`);
  console.log(`  ${'part'.padEnd(28)} ${'pid'.padStart(7)}  ${'RSS MB'.padStart(6)}  ${'PSS MB'.padStart(6)}`);
  for (const p of procs)
    console.log(`  ${p.part.padEnd(28)} ${String(p.pid).padStart(7)}  ${mb(p.rssKb)}  ${mb(p.pssKb)}`);
  const byPart = new Map<string, Proc[]>();
  for (const p of procs) byPart.set(p.part, [...(byPart.get(p.part) ?? []), p]);
  console.log(`  ${'-'.repeat(52)}`);
  for (const [part, ps] of byPart) {
    const label = ps.length > 1 ? `${part} ×${ps.length}` : part;
    console.log(
      `  ${label.padEnd(36)}  ${mb(ps.reduce((s, p) => s + p.rssKb, 0))}  ${mb(ps.reduce((s, p) => s + p.pssKb, 0))}`,
    );
  }
  const rss = procs.reduce((s, p) => s + p.rssKb, 0);
  const pss = procs.reduce((s, p) => s + p.pssKb, 0);
  console.log(`  ${`total (${procs.length} processes)`.padEnd(36)}  ${mb(rss)}  ${mb(pss)}`);
}

/** The tree with the same processes for `quietMs` (no kernel starting, nothing exiting). */
async function settledTree(root: number, quietMs: number): Promise<void> {
  let pids = tree(root).join();
  let since = now();
  while (now() - since < quietMs) {
    await sleep(250);
    const next = tree(root).join();
    if (next !== pids) [pids, since] = [next, now()];
  }
}

async function main(): Promise<void> {
  if (process.platform !== 'linux') throw new Error('bench:footprint reads /proc: Linux only.');
  const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'folio-footprint-'));
  const port = await freePort();
  const admin = { email: 'admin@folio.local', password: `fp-${randomBytes(9).toString('base64url')}` };
  // Default settings: nothing of the caller's Folio configuration leaks in.
  const env = Object.fromEntries(
    Object.entries(process.env).filter(
      ([k]) => !/^(FOLIO_|KERNEL_POOL_SIZE$|REDIS_URL$|JUPYTER_|MONGODB_URL$|DATA_DIR$|PORT$|LOG_LEVEL$)/.test(k),
    ),
  );
  const t0 = now();
  // Its own process group, so a Ctrl-C-like SIGINT reaches npm, the shell and Folio together, as in a terminal.
  const child = spawn('npm', ['start'], {
    cwd: repoRoot,
    detached: true,
    env: { ...env, DATA_DIR: dataDir, PORT: String(port), FOLIO_ADMIN_PASSWORD: admin.password },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let output = '';
  child.stdout.on('data', (b: Buffer) => (output += b.toString()));
  child.stderr.on('data', (b: Buffer) => (output += b.toString()));
  const exited = new Promise<void>((resolve) => child.once('close', () => resolve()));
  let gone = false;
  void exited.then(() => (gone = true));
  const base = `http://127.0.0.1:${port}`;
  let allPids: number[] = [];
  try {
    while (
      (await fetch(`${base}/readyz`).then(
        (r) => r.status,
        () => 0,
      )) !== 200
    ) {
      if (gone) throw new Error(`npm start exited before it was ready:\n${output.slice(-3000)}`);
      await sleep(100);
    }
    const readyMs = now() - t0;
    console.log(`npm start → /readyz 200 in ${(readyMs / 1000).toFixed(1)} s (setup check included)`);
    await sleep(SETTLE_MS);
    await settledTree(child.pid!, 2_000);
    const idle = snapshot(child.pid!);
    allPids = idle.map((p) => p.pid);
    printTree('idle tree (default settings)', idle);

    const login = await fetch(`${base}/api/auth/login`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify(admin),
    });
    if (login.status !== 200) throw new Error(`login answered ${login.status}: ${await login.text()}`);
    const cookie = login.headers
      .getSetCookie()
      .map((c) => c.split(';')[0])
      .join('; ');
    const api = async (method: string, p: string, body?: string, type = 'application/json') => {
      const res = await fetch(`${base}${p}`, {
        method,
        headers: { cookie, ...(body ? { 'content-type': type } : {}) },
        body,
      });
      const text = await res.text();
      if (res.status >= 300) throw new Error(`${method} ${p} answered ${res.status}: ${text}`);
      return JSON.parse(text) as Record<string, unknown>;
    };

    const report = fs.readFileSync(path.join(here, 'bench/notebooks/report.ipynb'), 'utf8');
    const imported = await api('POST', '/api/notebooks/import?name=report.ipynb', report, 'application/octet-stream');
    const runToEnd = async () => {
      const t1 = now();
      const run = await api('POST', `/api/notebooks/${String(imported.id)}/runs`, '{}');
      let status = String(run.status);
      while (!['succeeded', 'failed', 'timed_out', 'cancelled'].includes(status)) {
        await sleep(10);
        status = String((await api('GET', `/api/runs/${String(run.id)}`)).status);
      }
      return { ms: now() - t1, status };
    };
    const firstRun = await runToEnd();
    await settledTree(child.pid!, 2_000); // its kernel restarted and warm again
    const nb = await api('POST', '/api/notebooks', JSON.stringify({ name: 'footprint open' }));
    const openMs = await firstOpen(`${base.replace(/^http/, 'ws')}/api/notebooks/${String(nb.id)}/kernel`, cookie);
    const runAfterOpen = await runToEnd();
    console.log(
      `\nfirst run  (report.ipynb, POST → ${firstRun.status}):          ${firstRun.ms.toFixed(0).padStart(5)} ms`,
    );
    console.log(`first open (socket opened → 1+1 result):             ${openMs.toFixed(0).padStart(5)} ms`);
    console.log(
      `a run right after that open (${runAfterOpen.status}):          ${runAfterOpen.ms.toFixed(0).padStart(5)} ms`,
    );
    await settledTree(child.pid!, 2_000);
    const open = snapshot(child.pid!);
    allPids = [...new Set([...allPids, ...open.map((p) => p.pid)])];
    printTree('tree with that notebook open (after the run)', open);
  } finally {
    await stop(child.pid!, exited, () => gone);
    const left = allPids.filter((pid) => {
      const stat = read(`/proc/${pid}/stat`);
      return stat !== null && !/^\d+ \(.*\) Z/.test(stat);
    });
    if (left.length) console.error(`left running after stop: ${left.join(', ')}`);
    fs.rmSync(dataDir, { recursive: true, force: true });
  }
}

/** Ctrl-C as in a terminal (SIGINT to the group), SIGKILL to the group after 40 s. */
async function stop(pgid: number, exited: Promise<void>, gone: () => boolean): Promise<void> {
  if (gone()) return;
  try {
    process.kill(-pgid, 'SIGINT');
  } catch {
    return;
  }
  const timer = setTimeout(() => {
    try {
      process.kill(-pgid, 'SIGKILL');
    } catch {
      // gone
    }
  }, 40_000);
  await exited;
  clearTimeout(timer);
}

/** Socket open → the `1+1` result, as the editor's first executed cell. */
async function firstOpen(url: string, cookie: string): Promise<number> {
  const t0 = now();
  const ws = new WebSocket(url, { headers: { cookie } });
  try {
    await new Promise<void>((resolve, reject) => {
      ws.once('open', () => resolve());
      ws.once('error', reject);
    });
    const requestId = randomUUID();
    return await new Promise<number>((resolve, reject) => {
      let result = false;
      ws.on('message', (raw: Buffer) => {
        const m = JSON.parse(raw.toString()) as {
          type: string;
          requestId?: string;
          status?: string;
          message?: string;
          outputs?: Array<{ data?: Record<string, unknown> }>;
        };
        if (m.type === 'error') reject(new Error(`kernel socket error: ${m.message}`));
        if (m.type === 'outputs') result ||= m.outputs?.some((o) => o.data?.['text/plain'] === '2') ?? false;
        if (m.type === 'cell_done' && m.requestId === requestId) {
          if (m.status === 'ok' && result) resolve(now() - t0);
          else reject(new Error(`1+1 ended ${m.status}, result seen: ${result}`));
        }
      });
      ws.send(JSON.stringify({ type: 'execute', requestId, cells: [{ cellId: 'first', code: '1+1' }] }));
    });
  } finally {
    ws.close();
  }
}

main().catch((e: unknown) => {
  console.error(e);
  process.exitCode = 1;
});
