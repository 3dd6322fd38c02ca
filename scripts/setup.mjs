#!/usr/bin/env node
// Installs what `npm start`, `npm test` or a bench needs and is missing; a no-op in well under a second when
// everything is in place. Node built-ins only: it runs before node_modules exists.
//
//   node scripts/setup.mjs start   npm packages, kernels/.venv, redis-server (unless REDIS_URL), frontend build,
//                                  backend bundle (backend/dist/main.js)
//   node scripts/setup.mjs test    the same, plus Debian's chromium for the browser journeys
//   node scripts/setup.mjs bench   npm packages, kernels/.venv, redis-server, bench/.venv
//
// Environment: FOLIO_PYTHON (interpreter for the venvs, default python3), FOLIO_SKIP_SETUP=1 (do nothing, e.g. in
// images that were set up at build time), REDIS_URL / JUPYTER_URL (their embedded server is then not needed).
import { spawn, spawnSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { backendBundleStaleReason, buildBackend, BUNDLE } from './lib/build-backend.mjs';
import { hashOf, isStale, newestMtime, readText } from './lib/fs-stamps.mjs';
import { npmInstallReason } from './lib/npm-lock.mjs';
import { parsePipFailure } from './lib/pip-errors.mjs';
import { nodeProblem, pythonProblem } from './lib/versions.mjs';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const mode = process.argv[2];
const MODES = ['start', 'test', 'bench'];

class SetupError extends Error {}

const say = (msg) => console.log(`[setup] ${msg}`);
const isRoot = () => process.getuid?.() === 0;

function onPath(cmd) {
  return (process.env.PATH ?? '').split(path.delimiter).some((dir) => {
    try {
      fs.accessSync(path.join(dir, cmd), fs.constants.X_OK);
      return true;
    } catch {
      return false;
    }
  });
}

/** Runs a command with its output shown live; resolves { code, output } (output kept for error messages). */
function run(cmd, args, opts = {}) {
  return new Promise((resolve) => {
    const child = spawn(cmd, args, { cwd: root, stdio: ['ignore', 'pipe', 'pipe'], ...opts });
    let output = '';
    const onData = (stream) => (b) => {
      output += b.toString();
      if (opts.quiet) return;
      if (!opts.show) return stream.write(b);
      for (const line of b.toString().split('\n')) if (line.trim() && opts.show(line)) stream.write(`  ${line.trim()}\n`);
    };
    child.stdout.on('data', onData(process.stdout));
    child.stderr.on('data', onData(process.stderr));
    child.on('error', (e) => resolve({ code: -1, output: `${output}\n${e.message}` }));
    child.on('close', (code) => resolve({ code: code ?? -1, output }));
  });
}

async function step(name, fn) {
  const t0 = Date.now();
  const note = await fn();
  say(`✓ ${name}${note ? ` — ${note}` : ''} (${Date.now() - t0} ms)`);
}

// --- steps -------------------------------------------------------------------------------------------------

function checkNode() {
  const problem = nodeProblem(process.versions.node);
  if (problem) throw new SetupError(problem);
  return `v${process.versions.node}`;
}

async function npmPackages() {
  const lock = JSON.parse(readText(path.join(root, 'package-lock.json')) ?? '{}');
  const installedText = readText(path.join(root, 'node_modules', '.package-lock.json'));
  const reason = npmInstallReason(lock, installedText ? JSON.parse(installedText) : null);
  if (!reason) return 'up to date';
  say(`installing npm packages (${reason}) …`);
  const { code } = await run('npm', ['ci', '--no-audit', '--no-fund'], { env: process.env });
  if (code !== 0) throw new SetupError('npm ci failed (see above). Check your network access to the npm registry.');
  return 'installed with npm ci';
}

function pythonCommand() {
  const cmd = process.env.FOLIO_PYTHON || 'python3';
  const r = spawnSync(cmd, ['--version'], { encoding: 'utf8' });
  const output = r.error ? null : `${r.stdout}${r.stderr}`;
  const problem = pythonProblem(cmd, output);
  if (problem) throw new SetupError(problem);
  return cmd;
}

/** A venv at `venvDir` with `requirements` installed; re-installed when the requirements file changes. */
async function venv(venvDir, requirements) {
  const rel = path.relative(root, venvDir);
  const stampFile = path.join(venvDir, '.folio-requirements.sha256');
  const want = hashOf(readText(requirements) ?? '');
  const py = path.join(venvDir, 'bin', 'python');
  const works = () => spawnSync(py, ['-c', ''], { stdio: 'ignore' }).status === 0;
  if (readText(stampFile) === want && works()) return 'up to date';

  if (!works()) {
    const python = pythonCommand();
    say(`creating ${rel} with ${python} …`);
    fs.rmSync(venvDir, { recursive: true, force: true });
    let r = await run(python, ['-m', 'venv', venvDir]);
    if (r.code !== 0 && isRoot() && onPath('apt-get') && /ensurepip|python3-venv/.test(r.output)) {
      await aptInstall('python3-venv');
      r = await run(python, ['-m', 'venv', venvDir]);
    }
    if (r.code !== 0) {
      throw new SetupError(
        `"${python} -m venv" failed. On Debian/Ubuntu install the venv module: apt-get install -y python3-venv.`,
      );
    }
  }
  say(`installing ${path.relative(root, requirements)} into ${rel} …`);
  const pipArgs = ['-m', 'pip', 'install', '--disable-pip-version-check', '--no-input', '-r', requirements];
  const show = (line) => /^(Collecting|Successfully|ERROR|error:)/.test(line.trim()); // not every "already satisfied"
  const r = await run(py, pipArgs, { env: { ...process.env, PIP_PROGRESS_BAR: 'off' }, show });
  if (r.code !== 0) {
    const failure = parsePipFailure(r.output);
    throw new SetupError(
      failure
        ? `pip could not install ${failure.package} (from ${path.relative(root, requirements)}): ${failure.reason}`
        : `pip install -r ${path.relative(root, requirements)} failed (see the output above).`,
    );
  }
  fs.writeFileSync(stampFile, want);
  return 'installed';
}

async function aptInstall(pkg) {
  const env = { ...process.env, DEBIAN_FRONTEND: 'noninteractive' };
  const args = ['install', '-y', '--no-install-recommends', pkg];
  say(`installing ${pkg} with apt-get …`);
  let r = await run('apt-get', args, { env, quiet: true });
  if (r.code !== 0) {
    say('apt-get install failed; refreshing the package lists and retrying …');
    await run('apt-get', ['update'], { env, quiet: true });
    r = await run('apt-get', args, { env, quiet: true });
  }
  return r;
}

/** A Debian package providing `binary`: installed when absent and we are root with apt-get, else explained. */
async function debianPackage(pkg, binary, otherwise) {
  const present = () => (binary.startsWith('/') ? fs.existsSync(binary) : onPath(binary));
  if (present()) return 'present';
  if (isRoot() && onPath('apt-get')) {
    const r = await aptInstall(pkg);
    if (r.code === 0 && present()) return `installed ${pkg} with apt-get`;
    throw new SetupError(`apt-get install ${pkg} failed:\n${r.output.trim().split('\n').slice(-8).join('\n')}\n${otherwise}`);
  }
  throw new SetupError(`${binary} is not installed and this is not a root shell with apt-get. ${otherwise}`);
}

async function frontendBuild() {
  const fe = path.join(root, 'frontend');
  const dist = path.join(fe, 'dist', 'index.html');
  const builtAt = fs.existsSync(dist) ? fs.statSync(dist).mtimeMs : 0;
  // The frontend also bundles the contracts it shares with the backend (frontend/src/lib/contracts.ts).
  const shared = [path.join(root, 'backend', 'src', 'contracts')];
  const sourcesAt = newestMtime([fe, ...shared], (name) => ['node_modules', 'dist'].includes(name) || name.startsWith('.'));
  if (!isStale(builtAt, sourcesAt)) return 'up to date';
  say(builtAt ? 'frontend sources changed; rebuilding …' : 'building the frontend …');
  const { code } = await run('npm', ['run', 'build', '-w', 'frontend']);
  if (code !== 0) throw new SetupError('The frontend build failed (see above).');
  return 'built';
}

/** backend/dist/main.js, which `npm start` runs with plain node (scripts/lib/build-backend.mjs). */
async function backendBundle() {
  const reason = backendBundleStaleReason(root);
  if (!reason) return 'up to date';
  say(`building the backend bundle (${reason}) …`);
  try {
    const { inputs, bytes } = await buildBackend(root);
    return `built ${BUNDLE} (${inputs} modules, ${Math.round(bytes / 1024)} kB)`;
  } catch (e) {
    throw new SetupError(`The backend bundle did not build:\n${e?.message ?? e}`);
  }
}

// --- main --------------------------------------------------------------------------------------------------

async function main() {
  if (!MODES.includes(mode)) {
    console.error(`usage: node scripts/setup.mjs <${MODES.join('|')}>`);
    process.exit(2);
  }
  if (process.env.FOLIO_SKIP_SETUP === '1') return say('FOLIO_SKIP_SETUP=1: skipped');
  const t0 = Date.now();
  const needKernels = mode !== 'start' || !process.env.JUPYTER_URL;
  const needRedis = mode !== 'start' || !process.env.REDIS_URL;

  await step('Node.js', checkNode);
  await step('npm packages', npmPackages);
  if (needKernels) await step('kernel environment (kernels/.venv)', () => venv(path.join(root, 'kernels', '.venv'), path.join(root, 'kernels', 'requirements.txt')));
  if (needRedis) {
    await step('redis-server', () =>
      debianPackage(
        'redis-server',
        'redis-server',
        'Install Redis (Debian/Ubuntu: sudo apt-get install -y redis-server; macOS: brew install redis) or set REDIS_URL to an existing Redis.',
      ),
    );
  }
  if (mode === 'test') {
    await step('chromium (browser tests)', () =>
      debianPackage('chromium', '/usr/bin/chromium', 'Install Debian\'s Chromium for the browser tests: sudo apt-get install -y chromium.'),
    );
  }
  if (mode === 'bench') await step('bench environment (bench/.venv)', () => venv(path.join(root, 'bench', '.venv'), path.join(root, 'bench', 'requirements.txt')));
  if (mode !== 'bench') await step('frontend build', frontendBuild);
  if (mode === 'start') await step('backend bundle', backendBundle);
  say(`ready for "${mode}" in ${((Date.now() - t0) / 1000).toFixed(1)} s`);
}

main().catch((e) => {
  console.error(`\n[setup] ✗ ${e instanceof SetupError ? e.message : (e?.stack ?? e)}`);
  process.exit(1);
});
