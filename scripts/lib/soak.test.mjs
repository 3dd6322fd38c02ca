import { spawn } from 'node:child_process';
import { once } from 'node:events';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { failuresIn, isLeftover, listProcesses, summary } from './soak.mjs';

const run = {
  sid: 4242,
  markerName: 'SOAK_RUN_ID',
  markerValue: '7-1',
  dirs: ['/tmp/soak/clone-1', '/tmp/soak/tmp-1'],
};
const proc = (p) => ({ pid: 1, sid: 1, cmdline: 'other', environ: [], cwd: '/', ...p });

describe('isLeftover', () => {
  it("counts the run's session, its marker, and processes on its clone or TMPDIR as the run's", () => {
    expect(isLeftover(proc({ sid: 4242 }), run)).toBe(true);
    expect(isLeftover(proc({ environ: ['PATH=/bin', 'SOAK_RUN_ID=7-1'] }), run)).toBe(true);
    expect(isLeftover(proc({ cmdline: '/tmp/soak/clone-1/kernels/.venv/bin/python -m ipykernel_launcher' }), run)).toBe(
      true,
    );
    expect(isLeftover(proc({ cmdline: 'redis-server --dir /tmp/soak/tmp-1/folio-x/redis' }), run)).toBe(true);
    expect(isLeftover(proc({ cwd: '/tmp/soak/tmp-1/folio-x/workspace' }), run)).toBe(true);
  });

  it("leaves everything else alone (another run's marker, a sibling dir, a path prefix)", () => {
    expect(isLeftover(proc({ environ: ['SOAK_RUN_ID=7-2'] }), run)).toBe(false);
    expect(isLeftover(proc({ cwd: '/tmp/soak/clone-10' }), run)).toBe(false);
    expect(isLeftover(proc({ cmdline: 'vim /tmp/soak/clone-2/README.md' }), run)).toBe(false);
  });
});

describe('listProcesses', () => {
  it('sees a live process with its environment, cwd and command line', async () => {
    const dir = fs.realpathSync(fs.mkdtempSync(path.join(os.tmpdir(), 'soak-test-')));
    const child = spawn(process.execPath, ['-e', 'setInterval(() => {}, 1000)', dir], {
      cwd: dir,
      env: { ...process.env, SOAK_RUN_ID: 'probe' },
      stdio: 'ignore',
    });
    await once(child, 'spawn');
    try {
      const me = listProcesses().find((p) => p.pid === child.pid);
      expect(me?.cwd).toBe(dir);
      expect(me?.cmdline).toContain(dir);
      expect(isLeftover(me, { sid: -1, markerName: 'SOAK_RUN_ID', markerValue: 'probe', dirs: [] })).toBe(true);
    } finally {
      child.kill('SIGKILL');
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });
});

describe('summary and failuresIn', () => {
  it('prints one line per run and the totals', () => {
    const text = summary(
      [
        { ok: true, ms: 600_000, log: 'run-1.log', failures: [] },
        { ok: false, ms: 500_000, log: 'run-2.log', failures: ['× main.test.ts > SIGKILLed'] },
        { ok: true, ms: 700_000, log: 'run-3.log', failures: [] },
      ],
      2,
    );
    expect(text).toContain('run 1: pass   600 s');
    expect(text).toContain('run 2: FAIL   500 s  run-2.log\n      × main.test.ts > SIGKILLed');
    expect(text).toContain('2/3 passed with 2 CPU-burning processes, min 500 s, median 600 s, max 700 s');
  });

  it('picks the failed tests, totals and setup/tsc/eslint errors out of a log, colours stripped', () => {
    const log = [
      '\x1b[32m✓\x1b[39m src/a.test.ts (3 tests)',
      '   \x1b[31m×\x1b[39m src/http/runs/runs.routes.test.ts > lists runs 120ms',
      ' FAIL  src/http/runs/runs.routes.test.ts > lists runs',
      'TypeError: fetch failed',
      '      Tests  1 failed | 330 passed (331)',
      'src/x.ts(3,1): error TS2304: Cannot find name',
      '[setup] ✗ npm ci failed',
    ].join('\n');
    expect(failuresIn(log)).toEqual([
      '× src/http/runs/runs.routes.test.ts > lists runs 120ms',
      'FAIL  src/http/runs/runs.routes.test.ts > lists runs',
      'Tests  1 failed | 330 passed (331)',
      'src/x.ts(3,1): error TS2304: Cannot find name',
      '[setup] ✗ npm ci failed',
    ]);
  });
});
