import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { defineConfig } from 'vitest/config';

/** `npm run test:scripts`: unit tests of the setup script's pure helpers (scripts/lib). */
export default defineConfig({
  root: path.dirname(fileURLToPath(import.meta.url)),
  test: { include: ['lib/**/*.test.mjs'] },
});
