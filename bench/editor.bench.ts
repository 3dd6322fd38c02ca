/**
 * `npm run bench:editor`: time to first interactive cell when opening a 200-cell notebook carrying ~5 MB of outputs
 * (text streams, pandas-style HTML tables, PNG plots), in headless Chromium.
 *   Folio: navigation start → the `folio:first-editor-ready` performance mark (first Monaco editor on screen).
 *   JupyterLab (when bench/.venv has jupyter-lab): navigation start → the first cell's CodeMirror editor on screen.
 * Medians of REPS fresh page loads (fresh browser context each, so no warm HTTP cache). Not a test: prints figures.
 */
import { execFileSync, spawn } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Browser } from 'playwright-core';
import { startE2E } from '../e2e/harness';

const REPS = Number(process.env.BENCH_REPS ?? 7);
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

async function measureJupyterLab(browser: Browser, file: string): Promise<number[] | string> {
  const lab = path.join(root, 'bench/.venv/bin/jupyter-lab');
  if (!fs.existsSync(lab))
    return 'not measured: JupyterLab is not installed in bench/.venv (add `jupyterlab` to bench/requirements.txt)';
  const dir = path.dirname(file);
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
    {
      stdio: ['ignore', 'ignore', 'pipe'],
    },
  );
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
    const times: number[] = [];
    for (let i = 0; i < REPS; i++) {
      const context = await browser.newContext({ viewport: { width: 1280, height: 900 } });
      const page = await context.newPage();
      await page.goto(`${base}/lab/tree/${path.basename(file)}?token=${token}&reset`);
      await page.locator('.jp-NotebookPanel .jp-Cell .cm-content').first().waitFor({ timeout: 180_000 });
      times.push(await page.evaluate(() => performance.now()));
      await context.close();
    }
    return times;
  } finally {
    child.kill('SIGTERM');
  }
}

const e2e = await startE2E();
try {
  const nb = makeNotebook(plotPng());
  const body = JSON.stringify(nb);
  const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'folio-editor-bench-'));
  const file = path.join(tmp, 'bench-200.ipynb');
  fs.writeFileSync(file, body);
  console.log(
    `notebook: ${CELLS} cells, ${(body.length / 1e6).toFixed(2)} MB (outputs: streams, HTML tables, PNG plots)`,
  );

  const login = await fetch(`${e2e.server.url}/api/auth/login`, {
    method: 'POST',
    headers: { 'Content-Type': 'application/json' },
    body: JSON.stringify(e2e.server.admin),
  });
  const token = /folio_session=([^;]+)/.exec(login.headers.get('set-cookie') ?? '')?.[1];
  if (!token) throw new Error(`login failed: ${login.status}`);
  const cookie = { name: 'folio_session', value: token };
  const imported = await fetch(`${e2e.server.url}/api/notebooks/import?name=bench-200`, {
    method: 'POST',
    headers: { 'Content-Type': 'application/x-ipynb+json', Cookie: `folio_session=${token}` },
    body,
  });
  if (imported.status !== 201) throw new Error(`import failed: ${imported.status} ${await imported.text()}`);
  const { id } = (await imported.json()) as { id: string };

  await measureFolio(e2e.browser, e2e.server.url, cookie, id); // warm-up (server caches, kernel session)
  const folio: number[] = [];
  for (let i = 0; i < REPS; i++) folio.push(await measureFolio(e2e.browser, e2e.server.url, cookie, id));
  const f = median(folio);
  console.log(
    `Folio      time to first interactive cell: median ${f.toFixed(0)} ms  (runs: ${folio.map((t) => t.toFixed(0)).join(', ')})`,
  );

  const lab = await measureJupyterLab(e2e.browser, file);
  if (typeof lab === 'string') console.log(`JupyterLab ${lab}`);
  else {
    const l = median(lab);
    console.log(
      `JupyterLab time to first interactive cell: median ${l.toFixed(0)} ms  (runs: ${lab.map((t) => t.toFixed(0)).join(', ')})`,
    );
    console.log(`ratio JupyterLab / Folio: ${(l / f).toFixed(2)}x`);
  }
  fs.rmSync(tmp, { recursive: true, force: true });
} finally {
  await e2e.stop();
}
