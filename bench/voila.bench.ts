/**
 * `tsx bench/voila.bench.ts` — time to an executed report: Voilà vs Folio's headless run, same notebook
 * (bench/notebooks/report.ipynb), both servers started once and warm, N repetitions each, medians and ratio.
 *
 *   voila  `voila --no-browser` (bench/.venv, voila 0.5, defaults: a fresh kernel per page, no preheat);
 *          one sample = GET / until the whole page has arrived; Voilà executes the notebook on the server and
 *          embeds the outputs in the page (as JSON its JavaScript renders), so the page must contain the last
 *          cell's output. Its in-browser rendering is not included, nor is Folio's.
 *   folio  a running Folio server (e2e/harness.ts: main.ts child, warm pool of 1 with the product preamble);
 *          one sample = POST /api/notebooks/:id/runs → polling GET /api/runs/:id every 10 ms until `succeeded`
 *          (there is no SSE for runs yet). The browser's rendering of the result is not included.
 * Not a test: no thresholds. BENCH_REPS (default 5).
 */
import { spawn } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { freePort } from '../backend/src/embedded/child-process';
import { startFolioServer } from '../e2e/harness';

const here = path.dirname(fileURLToPath(import.meta.url));
const VOILA = path.join(here, '.venv/bin/voila');
const REPORT = path.join(here, 'notebooks/report.ipynb');
const REPS = Number(process.env.BENCH_REPS ?? 5);
/** Printed by the report's last cell: in the page once every cell has run. */
const LAST_OUTPUT = '500 days, 3 pairs';

const median = (xs: number[]) => {
  const s = [...xs].sort((a, b) => a - b);
  const m = Math.floor(s.length / 2);
  return s.length % 2 ? s[m]! : (s[m - 1]! + s[m]!) / 2;
};
const ms = (x: number) => `${x.toFixed(0)} ms`;

async function timeVoila(): Promise<number[]> {
  const port = await freePort();
  const child = spawn(VOILA, ['--no-browser', `--port=${port}`, '--Voila.ip=127.0.0.1', REPORT], {
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let log = '';
  try {
    // Ready when it logs its URL (on stderr), not on a timer.
    await new Promise<void>((resolve, reject) => {
      const onData = (b: Buffer) => {
        log += b.toString();
        if (log.includes(`127.0.0.1:${port}`)) resolve();
      };
      child.stdout.on('data', onData);
      child.stderr.on('data', onData);
      child.once('exit', (code) =>
        reject(new Error(`voila exited (${code}) before it was ready:\n${log.slice(-2000)}`)),
      );
    });
    const page = async () => {
      const t0 = performance.now();
      const res = await fetch(`http://127.0.0.1:${port}/`);
      const html = await res.text();
      const t = performance.now() - t0;
      if (!res.ok || !html.includes(LAST_OUTPUT))
        throw new Error(`voila page ${res.status} without the last cell's output:\n${html.slice(0, 500)}`);
      return t;
    };
    await page(); // untimed warm-up
    const xs: number[] = [];
    for (let i = 0; i < REPS; i++) xs.push(await page());
    return xs;
  } finally {
    child.kill('SIGTERM');
  }
}

async function timeFolio(): Promise<number[]> {
  const server = await startFolioServer();
  try {
    const call = async (p: string, init: { method?: string; json?: unknown } = {}, cookie = '') => {
      const res = await fetch(`${server.url}${p}`, {
        method: init.method ?? 'GET',
        headers: { cookie, ...(init.json === undefined ? {} : { 'content-type': 'application/json' }) },
        body: init.json === undefined ? undefined : JSON.stringify(init.json),
      });
      if (!res.ok) throw new Error(`${init.method ?? 'GET'} ${p} answered ${res.status}: ${await res.text()}`);
      return res;
    };
    const login = await call('/api/auth/login', { method: 'POST', json: server.admin });
    const cookie = login.headers
      .getSetCookie()
      .map((c) => c.split(';')[0])
      .join('; ');
    const content = JSON.parse(fs.readFileSync(REPORT, 'utf8')) as unknown;
    const nb = (await (
      await call('/api/notebooks', { method: 'POST', json: { name: 'report', content } }, cookie)
    ).json()) as { id: string };
    const run = async () => {
      const t0 = performance.now();
      const { id } = (await (
        await call(`/api/notebooks/${nb.id}/runs`, { method: 'POST', json: {} }, cookie)
      ).json()) as { id: string };
      for (;;) {
        const r = (await (await call(`/api/runs/${id}`, {}, cookie)).json()) as { status: string; error?: unknown };
        if (r.status === 'succeeded') return performance.now() - t0;
        if (!['queued', 'running'].includes(r.status))
          throw new Error(`folio run ended ${r.status}: ${JSON.stringify(r.error)}`);
        await new Promise((resolve) => setTimeout(resolve, 10)); // a bench polling the API, not a test
      }
    };
    await run(); // untimed warm-up
    const xs: number[] = [];
    for (let i = 0; i < REPS; i++) {
      xs.push(await run());
      // Let the pool restart and re-warm the kernel the run used, so each run takes a warm kernel.
      await new Promise((resolve) => setTimeout(resolve, 3_000));
    }
    return xs;
  } finally {
    await server.stop();
  }
}

async function main(): Promise<void> {
  if (!fs.existsSync(VOILA)) throw new Error(`${VOILA} is missing: run \`node scripts/setup.mjs bench\`.`);
  console.log(`voila bench: report.ipynb, ${REPS} reps each`);
  const voila = median(await timeVoila());
  const folio = median(await timeFolio());
  console.log(
    `report   folio run (API, warm pool) ${ms(folio)} | voila page (fresh kernel) ${ms(voila)} || voila/folio ${(voila / folio).toFixed(1)}×`,
  );
}

main().then(
  () => process.exit(0),
  (e: unknown) => {
    console.error(e);
    process.exit(1);
  },
);
