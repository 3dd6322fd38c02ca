import { defineConfig } from 'vitest/config';

// Integration tests start real Jupyter Servers, kernels and redis-servers on free ports, so they get
// generous timeouts and at most two files run at once (the CI machine has two cores).
export default defineConfig({
  test: {
    include: ['src/**/*.test.ts'],
    // Drops @jupyterlab/services' connection chatter ("Starting WebSocket …") from test output.
    setupFiles: ['test/vitest.setup.ts'],
    testTimeout: 60_000,
    hookTimeout: 120_000,
    pool: 'forks',
    maxWorkers: 2,
    fileParallelism: true,
  },
});
