// Pure helpers of scripts/soak.mjs (unit-tested): which processes a soak run left behind, and the summary.
import fs from 'node:fs';

/**
 * A process left behind by a run: started by it (the run's marker in its environment, or in the run's session)
 * or working on its files (its clone or its TMPDIR on the command line or as its cwd). Embedded children scrub
 * their environment and leave the session, so the paths matter: kernels and Jupyter run the clone's venv python,
 * the tests' data dirs (Jupyter's runtime dir, redis' AOF dir) live under the run's TMPDIR.
 */
export function isLeftover(proc, run) {
  if (proc.sid === run.sid) return true;
  if (proc.environ.includes(`${run.markerName}=${run.markerValue}`)) return true;
  return run.dirs.some((dir) => proc.cmdline.includes(dir) || proc.cwd === dir || proc.cwd.startsWith(`${dir}/`));
}

/** What isLeftover needs to know of every process on the machine (but this one), from /proc. */
export function listProcesses(exceptPid = process.pid) {
  const read = (file) => {
    try {
      return fs.readFileSync(file, 'utf8');
    } catch {
      return '';
    }
  };
  const out = [];
  let entries = [];
  try {
    entries = fs.readdirSync('/proc');
  } catch {
    return out;
  }
  for (const entry of entries) {
    if (!/^\d+$/.test(entry) || Number(entry) === exceptPid) continue;
    const stat = read(`/proc/${entry}/stat`);
    if (!stat) continue;
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    if (fields[0] === 'Z') continue; // a zombie runs nothing
    let cwd = '';
    try {
      cwd = fs.readlinkSync(`/proc/${entry}/cwd`);
    } catch {
      // gone, or not ours
    }
    out.push({
      pid: Number(entry),
      sid: Number(fields[4]),
      cmdline: read(`/proc/${entry}/cmdline`).split('\0').join(' ').trim(),
      environ: read(`/proc/${entry}/environ`).split('\0'),
      cwd,
    });
  }
  return out;
}

const secs = (ms) => `${(ms / 1000).toFixed(0)} s`;

/** One line per run, then the summary. `results`: [{ ok, ms, log, failures: string[], leftovers?: string[] }]. */
export function summary(results, load) {
  const lines = results.map((r, i) => {
    const notes = [...r.failures, ...(r.leftovers ?? []).map((p) => `left running (killed): ${p}`)];
    const head = `  run ${i + 1}: ${r.ok ? 'pass' : 'FAIL'}  ${secs(r.ms).padStart(6)}${r.ok ? '' : `  ${r.log}`}`;
    return [head, ...notes.map((n) => `      ${n}`)].join('\n');
  });
  const passed = results.filter((r) => r.ok).length;
  const times = results.map((r) => r.ms).sort((a, b) => a - b);
  const median = times.length ? times[Math.floor((times.length - 1) / 2)] : 0;
  const range = times.length ? `, min ${secs(times[0])}, median ${secs(median)}, max ${secs(times.at(-1))}` : '';
  lines.push(`${passed}/${results.length} passed with ${load} CPU-burning process${load === 1 ? '' : 'es'}${range}`);
  return lines.join('\n');
}

/** What failed, from an `npm test` log: vitest's failed tests and totals, setup, tsc and eslint errors (≤ `max`). */
export function failuresIn(log, max = 12) {
  // eslint-disable-next-line no-control-regex
  const plain = log.replace(/\x1b\[[0-9;]*m/g, '');
  const found = plain
    .split('\n')
    .map((l) => l.trim())
    .filter(
      (l) => /^(×|FAIL\s|\[setup\] ✗|✖)/.test(l) || /error TS\d+/.test(l) || /^(Test Files|Tests)\s.*failed/.test(l),
    );
  return [...new Set(found)].slice(0, max);
}
