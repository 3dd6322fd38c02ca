#!/usr/bin/env node
// `npm run soak` — is the suite stable on a busy machine? N times: a fresh `git clone` of this repository's HEAD (as
// it was when the soak started, for every run, even if the repository moves on) into a temp dir and `npm test` in it
// (setup included: npm ci, the kernel venv, the frontend build; only the download caches of npm and pip are shared,
// as on any machine), while CPU-burning processes keep the cores busy.
// Prints pass/fail and the duration of each run, then a summary; exits 1 when a run failed.
//
//   npm run soak                      5 runs, 2 burners
//   npm run soak -- --runs 1 --load 0 --keep
//   npm run soak -- --smoke           the plumbing only: 1 run of `npm ci && npm run test:scripts`, 2 burners
//
// Options: --runs N (default 5), --load N burners (default 2), --command "<shell command>" (default npm test),
// --keep (keep the clones), --smoke. Logs go to $TMPDIR/folio-soak-<time>/run-<i>.log and are kept.
// Nothing is left running: after each run (and on Ctrl-C, SIGTERM or an error) the run's process group is killed,
// then every process that belongs to the run (its session, its marker in the environment, its clone or TMPDIR on
// the command line or as cwd), then the burners (which also die with this script: setpriv --pdeathsig).
import { spawn, spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { fileURLToPath } from 'node:url';
import { failuresIn, isLeftover, listProcesses, summary } from './lib/soak.mjs';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const { values: opts } = parseArgs({
  options: {
    runs: { type: 'string' },
    load: { type: 'string', default: '2' },
    command: { type: 'string' },
    keep: { type: 'boolean', default: false },
    smoke: { type: 'boolean', default: false },
  },
});
const runs = Number(opts.runs ?? (opts.smoke ? 1 : 5));
const load = Number(opts.load);
const command = opts.command ?? (opts.smoke ? 'npm ci --no-audit --no-fund && npm run test:scripts' : 'npm test');
if (!Number.isInteger(runs) || runs < 1 || !Number.isInteger(load) || load < 0) {
  console.error('usage: node scripts/soak.mjs [--runs N≥1] [--load N≥0] [--command "…"] [--keep] [--smoke]');
  process.exit(2);
}

const say = (msg) => console.log(`[soak] ${msg}`);
const soakDir = fs.mkdtempSync(path.join(os.tmpdir(), `folio-soak-${new Date().toISOString().replace(/[:.]/g, '-')}-`));
const MARKER = 'SOAK_RUN_ID';
const setpriv = process.platform === 'linux' && spawnSync('setpriv', ['--version'], { stdio: 'ignore' }).status === 0;

// --- load ------------------------------------------------------------------------------------------------------

const burners = [];
function startLoad() {
  const devNull = fs.openSync('/dev/null', 'w');
  for (let i = 0; i < load; i++) {
    const [cmd, args] = setpriv ? ['setpriv', ['--pdeathsig', 'KILL', '--', 'yes']] : ['yes', []];
    burners.push(spawn(cmd, args, { stdio: ['ignore', devNull, 'ignore'] }));
  }
  fs.closeSync(devNull);
}
function stopLoad() {
  for (const b of burners.splice(0)) b.kill('SIGKILL');
}

// --- one run ---------------------------------------------------------------------------------------------------

let current; // { child, run } while a run is going
const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

function git(args, cwd = root) {
  const r = spawnSync('git', args, { cwd, encoding: 'utf8' });
  if (r.status !== 0) throw new Error(`git ${args.join(' ')} failed:\n${r.stderr}`);
  return r.stdout.trim();
}

/** The run's environment: this one minus Folio's settings and npm's script variables, plus its TMPDIR and marker. */
function runEnv(tmp, id) {
  const env = {};
  for (const [k, v] of Object.entries(process.env)) {
    if (/^(FOLIO_|JUPYTER_)|^(KERNEL_POOL_SIZE|REDIS_URL|MONGODB_URL|DATA_DIR|PORT|LOG_LEVEL|INIT_CWD)$/.test(k))
      continue;
    if (k.startsWith('npm_') && k !== 'npm_config_cache') continue;
    env[k] = v;
  }
  return { ...env, TMPDIR: tmp, [MARKER]: id };
}

/** Kill what the run left: its process group, then every process of the run (SIGTERM, then SIGKILL). Returns those. */
async function cleanUp(run) {
  try {
    process.kill(-run.pgid, 'SIGKILL');
  } catch {
    // the group is gone
  }
  const found = new Map();
  for (const signal of ['SIGTERM', 'SIGKILL']) {
    const left = listProcesses().filter((p) => isLeftover(p, run) && !burners.some((b) => b.pid === p.pid));
    if (!left.length) break;
    for (const p of left) {
      found.set(p.pid, `${p.pid} ${p.cmdline.slice(0, 120)}`);
      try {
        process.kill(p.pid, signal);
      } catch {
        // exited meanwhile
      }
    }
    if (signal === 'SIGTERM') await sleep(3_000);
  }
  return [...found.values()];
}

async function oneRun(i, commit) {
  const id = `${process.pid}-${i}`;
  const clone = path.join(soakDir, `clone-${i}`);
  const tmp = path.join(soakDir, `tmp-${i}`);
  const log = path.join(soakDir, `run-${i}.log`);
  fs.mkdirSync(tmp);
  git(['clone', '--quiet', root, clone]);
  // Every run tests the commit the soak started at, even when the repository moves on meanwhile.
  git(['checkout', '--quiet', '--detach', commit], clone);
  const out = fs.openSync(log, 'w');
  const t0 = Date.now();
  // Its own session and process group, so the run can be ended as a whole (and Ctrl-C here reaches us first).
  const child = spawn('sh', ['-c', command], {
    cwd: clone,
    env: runEnv(tmp, id),
    detached: true,
    stdio: ['ignore', out, out],
  });
  fs.closeSync(out);
  const run = { pgid: child.pid, sid: child.pid, markerName: MARKER, markerValue: id, dirs: [clone, tmp] };
  current = { child, run };
  const code = await new Promise((resolve) => {
    child.once('error', () => resolve(-1));
    child.once('close', (c) => resolve(c ?? -1));
  });
  const ms = Date.now() - t0;
  current = undefined;
  const killed = await cleanUp(run);
  const text = fs.readFileSync(log, 'utf8');
  if (!opts.keep) {
    fs.rmSync(clone, { recursive: true, force: true });
    fs.rmSync(tmp, { recursive: true, force: true });
  }
  return { ok: code === 0, ms, log, failures: code === 0 ? [] : failuresIn(text), leftovers: killed };
}

// --- main ------------------------------------------------------------------------------------------------------

let stopping = false;
async function stop(signal) {
  if (stopping) return;
  stopping = true;
  say(`${signal}: stopping the run and the load …`);
  if (current) await cleanUp(current.run);
  stopLoad();
  if (!opts.keep)
    for (const d of fs.readdirSync(soakDir))
      if (!d.endsWith('.log')) fs.rmSync(path.join(soakDir, d), { recursive: true, force: true });
  process.exit(130);
}
process.on('SIGINT', () => void stop('SIGINT'));
process.on('SIGTERM', () => void stop('SIGTERM'));
process.on('exit', stopLoad);

async function main() {
  const commit = git(['rev-parse', 'HEAD']);
  const head = commit.slice(0, 7);
  const dirty = git(['status', '--porcelain', '--untracked-files=no']);
  say(
    `${runs} run${runs === 1 ? '' : 's'} of \`${command}\` from fresh clones of ${root} at ${head}, ${load} CPU burner${load === 1 ? '' : 's'} (${os.cpus().length} cores)`,
  );
  if (dirty) say('note: uncommitted changes in the working tree are not part of the clones');
  say(`logs: ${soakDir}`);
  startLoad();
  const results = [];
  for (let i = 1; i <= runs; i++) {
    const r = await oneRun(i, commit);
    if (stopping) return; // Ctrl-C: stop() reports and exits
    results.push(r);
    say(`run ${i}/${runs}: ${r.ok ? 'pass' : 'FAIL'} in ${(r.ms / 1000).toFixed(0)} s${r.ok ? '' : ` (${r.log})`}`);
    for (const p of r.leftovers) say(`  left running by run ${i}, killed: ${p}`);
  }
  stopLoad();
  console.log(`\n${summary(results, load)}`);
  process.exitCode = results.every((r) => r.ok) ? 0 : 1;
}

main().catch(async (e) => {
  console.error(`[soak] ✗ ${e?.stack ?? e}`);
  if (current) await cleanUp(current.run);
  stopLoad();
  process.exit(1);
});
