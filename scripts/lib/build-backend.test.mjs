import { spawnSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';
import { backendBundleStaleReason, buildBackend } from './build-backend.mjs';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
const dirs = [];
afterAll(() => dirs.forEach((d) => fs.rmSync(d, { recursive: true, force: true })));

describe('the backend bundle', () => {
  // Inside the checkout, so the npm packages it leaves as imports resolve from node_modules as for backend/dist.
  const outDir = path.join(root, 'backend', 'dist', `test-${randomBytes(4).toString('hex')}`);
  dirs.push(outDir);
  const outfile = path.join(outDir, 'main.js');

  it('bundles main.ts so that every module loads under plain node', async () => {
    const { inputs } = await buildBackend(root, outfile);
    expect(inputs).toBeGreaterThan(20);
    // A bad variable stops it after every module was imported (ESM links all imports before main runs).
    const r = spawnSync(process.execPath, [outfile], {
      env: { PATH: process.env.PATH, PORT: 'eighty' },
      encoding: 'utf8',
    });
    expect(r.status).toBe(1);
    expect(r.stderr).toMatch(/PORT:/);
  });

  it('gives each module its own source URL for import.meta.url, relative to the bundle', () => {
    const code = fs.readFileSync(outfile, 'utf8');
    const urls = [...code.matchAll(/new URL\("([^"]+\.ts)", import\.meta\.url\)\.href/g)].map((m) => m[1]);
    expect(urls.length).toBeGreaterThanOrEqual(4); // main, jupyter-server, seed-examples, static-frontend
    for (const rel of urls) expect(fs.existsSync(path.resolve(outDir, rel)), rel).toBe(true);
    expect(code).not.toMatch(/[^.]import\.meta\.url(?!\)\.href)/); // no module left with the bundle's own URL
  });

  it('is stale when a source it was built from changes, and up to date after a rebuild', async () => {
    const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'folio-bundle-'));
    dirs.push(tmp);
    fs.mkdirSync(path.join(tmp, 'backend', 'src'), { recursive: true });
    const dep = path.join(tmp, 'backend', 'src', 'dep.ts');
    fs.writeFileSync(dep, 'export const answer: number = 42;\n');
    fs.writeFileSync(
      path.join(tmp, 'backend', 'src', 'main.ts'),
      "import { answer } from './dep';\nconsole.log(answer);\n",
    );
    expect(backendBundleStaleReason(tmp)).toBe('not built yet');
    await buildBackend(tmp);
    expect(backendBundleStaleReason(tmp)).toBeNull();
    fs.writeFileSync(dep, 'export const answer: number = 43;\n');
    expect(backendBundleStaleReason(tmp)).toBe('sources changed');
    await buildBackend(tmp);
    expect(backendBundleStaleReason(tmp)).toBeNull();
    const out = spawnSync(process.execPath, [path.join(tmp, 'backend', 'dist', 'main.js')], { encoding: 'utf8' });
    expect(out.stdout.trim()).toBe('43');
  });
});
