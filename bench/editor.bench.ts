/**
 * `npm run bench:editor`: time to the first editable cell when opening a notebook, Folio vs JupyterLab, side by side in
 * one run, in headless Chromium: the three example notebooks (small) and a 200-cell notebook carrying ~5 MB of outputs
 * (text streams, pandas-style HTML tables, PNG plots).
 *   Folio: navigation start → the `folio:first-editor-ready` performance mark (first Monaco editor on screen).
 *   JupyterLab (bench/.venv): navigation start → the first code cell's CodeMirror editor on screen.
 * Medians of BENCH_REPS (7) fresh page loads each (fresh browser context each, so no warm HTTP cache), Folio's and
 * JupyterLab's alternating; BENCH_ONLY=200 measures only the notebooks whose name contains "200". Not a test: prints
 * figures.
 * Targets (issue 8): small notebooks ≤ JupyterLab's time; the 200-cell notebook ≥ 4× faster than JupyterLab.
 */
import { execFileSync, spawn } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Browser } from 'playwright-core';
import { startE2E } from '../e2e/harness';

const REPS = Number(process.env.BENCH_REPS ?? 7);
/** BENCH_ONLY=<text>: only the notebooks whose file name contains it (e.g. `200`). */
const ONLY = process.env.BENCH_ONLY ?? '';
const CELLS = 200;
const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');

const median = (xs: number[]) => {
  const s = [...xs].sort((a, b) => a - b);
  const m = Math.floor(s.length / 2);
  return s.length % 2 ? s[m]! : (s[m - 1]! + s[m]!) / 2;
};

/** A real matplotlib PNG (from the kernel venv), so the browser decodes a real image. */
function plotPng(): string {
  const py = path.join(root, 'kernels/.venv/bin/python');
  const code =
    'import base64,io,matplotlib\nmatplotlib.use("Agg")\nimport matplotlib.pyplot as plt, numpy as np\n' +
    'r=np.random.default_rng(1);f=plt.figure(figsize=(6,4));plt.plot(np.cumsum(r.normal(size=2000)));b=io.BytesIO();f.savefig(b,format="png",dpi=100)\n' +
    'print(base64.b64encode(b.getvalue()).decode())';
  return execFileSync(py, ['-c', code], { encoding: 'utf8' }).trim();
}

function htmlTable(rows: number, seed: number): string {
  const body = Array.from(
    { length: rows },
    (_, i) =>
      `<tr><th>${i}</th><td>${(seed * 7 + i * 0.37).toFixed(4)}</td><td>${(i * 1.1).toFixed(2)}</td><td>EURUSD</td></tr>`,
  ).join('');
  return `<table class="dataframe"><thead><tr><th></th><th>rate</th><th>ret</th><th>pair</th></tr></thead><tbody>${body}</tbody></table>`;
}

function makeNotebook(png: string) {
  const cells = Array.from({ length: CELLS }, (_, i) => {
    const source = [`# step ${i}\n`, `x_${i} = compute(${i}, window=20)\n`, `x_${i}.describe()`];
    const kind = i % 10;
    const outputs =
      kind === 3
        ? [
            {
              output_type: 'display_data',
              data: { 'image/png': png, 'text/plain': '<Figure size 600x400>' },
              metadata: {},
            },
          ]
        : kind === 5 || kind === 7
          ? [
              {
                output_type: 'execute_result',
                execution_count: i + 1,
                data: { 'text/html': htmlTable(350, i), 'text/plain': 'DataFrame' },
                metadata: {},
              },
            ]
          : [{ output_type: 'stream', name: 'stdout', text: `${'0.123456 '.repeat(9)}\n`.repeat(260) }];
    return { id: `c${i}`, cell_type: 'code', source, metadata: {}, execution_count: i + 1, outputs };
  });
  return {
    nbformat: 4,
    nbformat_minor: 5,
    metadata: { kernelspec: { name: 'python3', display_name: 'Python 3', language: 'python' } },
    cells,
  };
}

async function measureFolio(
  browser: Browser,
  url: string,
  cookie: { name: string; value: string },
  id: string,
): Promise<number> {
  const context = await browser.newContext({ baseURL: url, viewport: { width: 1280, height: 900 } });
  await context.addCookies([{ ...cookie, url }]);
  const page = await context.newPage();
  await page.goto(`/notebooks/${id}`);
  const handle = await page.waitForFunction(
    () => performance.getEntriesByName('folio:first-editor-ready')[0]?.startTime,
    undefined,
    { timeout: 120_000 },
  );
  const t = (await handle.jsonValue()) as number;
  await context.close();
  return t;
}

/** One JupyterLab server for all the files; a string when JupyterLab is not installed. */
async function startJupyterLab(
  browser: Browser,
  dir: string,
): Promise<{ open: (file: string) => Promise<number>; stop: () => void } | string> {
  const lab = path.join(root, 'bench/.venv/bin/jupyter-lab');
  if (!fs.existsSync(lab))
    return 'not measured: JupyterLab is not installed in bench/.venv (add `jupyterlab` to bench/requirements.txt)';
  const token = 'bench';
  const child = spawn(
    lab,
    [
      '--no-browser',
      '--ServerApp.port=0',
      `--IdentityProvider.token=${token}`,
      `--ServerApp.root_dir=${dir}`,
      '--ServerApp.allow_root=True',
    ],
    { stdio: ['ignore', 'ignore', 'pipe'] },
  );
  const stop = () => void child.kill('SIGTERM');
  try {
    const base = await new Promise<string>((resolve, reject) => {
      let err = '';
      child.stderr!.on('data', (b: Buffer) => {
        err += b.toString();
        const m = /(http:\/\/(?:127\.0\.0\.1|localhost):\d+)\/lab/.exec(err);
        if (m) resolve(m[1]!);
      });
      child.once('exit', () => reject(new Error(`jupyter-lab exited:\n${err.slice(-2000)}`)));
    });
    const open = async (file: string) => {
      const context = await browser.newContext({ viewport: { width: 1280, height: 900 } });
      const page = await context.newPage();
      await page.goto(`${base}/lab/tree/${encodeURIComponent(file)}?token=${token}&reset`);
      // The first code cell's editor (a rendered Markdown cell's editor stays hidden), as Folio's first Monaco editor.
      await page.locator('.jp-NotebookPanel .jp-CodeCell .cm-content').first().waitFor({ timeout: 180_000 });
      const t = await page.evaluate(() => performance.now());
      await context.close();
      return t;
    };
    return { open, stop };
  } catch (e) {
    stop();
    throw e;
  }
}

const runs = (ts: number[]) => ts.map((t) => t.toFixed(0)).join(', ');

const e2e = await startE2E();
try {
  const nb = makeNotebook(plotPng());
  const body = JSON.stringify(nb);
  const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'folio-editor-bench-'));
  const big = 'bench-200.ipynb';
  fs.writeFileSync(path.join(tmp, big), body);
  const examples = fs.readdirSync(path.join(root, 'examples')).filter((f) => f.endsWith('.ipynb'));
  for (const f of examples) fs.copyFileSync(path.join(root, 'examples', f), path.join(tmp, f));
  console.log(
    `notebooks: the ${examples.length} examples; ${CELLS} cells, ${(body.length / 1e6).toFixed(2)} MB (outputs: streams, HTML tables, PNG plots)`,
  );

  const login = await fetch(`${e2e.server.url}/api/auth/login`, {
    method: 'POST',
    headers: { 'Content-Type': 'application/json' },
    body: JSON.stringify(e2e.server.admin),
  });
  const token = /folio_session=([^;]+)/.exec(login.headers.get('set-cookie') ?? '')?.[1];
  if (!token) throw new Error(`login failed: ${login.status}`);
  const cookie = { name: 'folio_session', value: token };
  const ids = new Map<string, string>();
  for (const file of [...examples, big].filter((f) => f.includes(ONLY))) {
    const imported = await fetch(
      `${e2e.server.url}/api/notebooks/import?name=${encodeURIComponent(path.basename(file, '.ipynb'))}`,
      {
        method: 'POST',
        headers: { 'Content-Type': 'application/x-ipynb+json', Cookie: `folio_session=${token}` },
        body: fs.readFileSync(path.join(tmp, file)),
      },
    );
    if (imported.status !== 201)
      throw new Error(`import of ${file} failed: ${imported.status} ${await imported.text()}`);
    ids.set(file, ((await imported.json()) as { id: string }).id);
  }

  // Side by side: each file's page loads alternate between Folio and JupyterLab, so a change in the machine's load
  // during the run weighs on both alike.
  const lab = await startJupyterLab(e2e.browser, tmp);
  const folio = new Map<string, number[]>();
  const labTimes = new Map<string, number[]>();
  try {
    for (const [file, id] of ids) {
      // Warm-up of each (server caches, kernel session), not counted.
      await measureFolio(e2e.browser, e2e.server.url, cookie, id);
      if (typeof lab !== 'string') await lab.open(file);
      const f: number[] = [];
      const l: number[] = [];
      for (let i = 0; i < REPS; i++) {
        f.push(await measureFolio(e2e.browser, e2e.server.url, cookie, id));
        if (typeof lab !== 'string') l.push(await lab.open(file));
      }
      folio.set(file, f);
      if (typeof lab !== 'string') labTimes.set(file, l);
      console.log(`${file}: Folio ${runs(f)}${l.length ? `; JupyterLab ${runs(l)}` : ''}`);
    }
  } finally {
    if (typeof lab !== 'string') lab.stop();
  }

  console.log(`\ntime to first editable cell, median of ${REPS} fresh page loads (ms)`);
  for (const file of ids.keys()) {
    const f = median(folio.get(file)!);
    const l = labTimes.has(file) ? median(labTimes.get(file)!) : undefined;
    console.log(
      `${file.padEnd(26)} Folio ${f.toFixed(0).padStart(5)}` +
        (l === undefined ? '' : `   JupyterLab ${l.toFixed(0).padStart(5)}   JupyterLab/Folio ${(l / f).toFixed(2)}x`),
    );
    console.log(
      `${''.padEnd(26)}   runs: Folio ${runs(folio.get(file)!)}${l === undefined ? '' : `; JupyterLab ${runs(labTimes.get(file)!)}`}`,
    );
  }
  if (typeof lab === 'string') console.log(`JupyterLab ${lab}`);
  fs.rmSync(tmp, { recursive: true, force: true });
} finally {
  await e2e.stop();
}
