import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { COMPLETE_INSPECT_TIMEOUT_MS } from '../../contracts/kernel-protocol';
import { executeCode } from '../executor';
import { KernelPool, type PooledKernel } from '../pool';
import { startTestJupyter, type TestJupyter } from '../testing/jupyter-fixture';
import { requestCompletion } from './introspection';

describe('completion from a real kernel', () => {
  let jupyter: TestJupyter;
  let pool: KernelPool;
  let kernel: PooledKernel;
  beforeAll(async () => {
    jupyter = await startTestJupyter();
    pool = new KernelPool({ settings: jupyter.settings, size: 0, logger: jupyter.logger });
    kernel = await pool.acquire(60_000);
  });
  afterAll(async () => {
    await pool?.shutdown();
    await jupyter?.stop();
  });

  it('waits for a kernel that takes seconds to answer (a first jedi completion on a busy machine), not 5 s', async () => {
    // The kernel answers complete_request 6 s late, as a cold jedi did on a busy machine: the Tab did nothing.
    const slowed = await executeCode(
      kernel,
      [
        'import time',
        'alpha_beta_gamma = 1',
        '_k = get_ipython().kernel',
        '_orig = _k.do_complete',
        'def _slow(code, cursor_pos):',
        '    time.sleep(6)',
        '    return _orig(code, cursor_pos)',
        '_k.do_complete = _slow',
      ].join('\n'),
    );
    expect(slowed.status).toBe('ok');
    const code = 'x = alpha_be';
    const reply = await requestCompletion(
      kernel.connection,
      { requestId: 'r1', code, cursorPos: code.length },
      COMPLETE_INSPECT_TIMEOUT_MS,
    );
    expect(reply).toMatchObject({ type: 'complete_reply', matches: ['alpha_beta_gamma'], cursorStart: 4 });
  });
});
