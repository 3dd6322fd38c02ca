import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { defineConfig } from 'vitest/config';

/**
 * `npm run test:e2e`: browser journeys in headless Chromium against the real server (e2e/harness.ts).
 * Journeys run one file at a time: each starts a whole Folio (Jupyter, Redis, kernels) and a Chromium.
 */
export default defineConfig({
  root: path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..'),
  test: {
    include: ['e2e/**/*.e2e.test.ts'],
    testTimeout: 60_000,
    hookTimeout: 180_000,
    // `expect.poll` waits on a condition in the page; vitest's 1 s default is a timing threshold that a busy machine
    // misses (a soak run failed on a tab following another's save in ~1.5 s). The test's own timeout still bounds it.
    expect: { poll: { timeout: 30_000 } },
    pool: 'forks',
    fileParallelism: false,
  },
});
