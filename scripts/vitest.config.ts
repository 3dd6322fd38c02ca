import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { defineConfig } from 'vitest/config';

/** `npm run test:scripts`: unit tests of the setup script's pure helpers (scripts/lib). */
export default defineConfig({
  root: path.dirname(fileURLToPath(import.meta.url)),
  // Some of these build and start things (the backend bundle: esbuild, then node loading it): vitest's 5 s default
  // failed a soak run at 6.3 s with both cores busy. The same bound as the backend suite.
  test: { include: ['lib/**/*.test.mjs'], testTimeout: 60_000 },
});
