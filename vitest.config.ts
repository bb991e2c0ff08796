import { fileURLToPath } from 'node:url';
import { defineConfig } from 'vitest/config';

const src = (path: string) => fileURLToPath(new URL(`./src/${path}`, import.meta.url));

// Tests open real sockets and spawn real processes on a 2-core machine: keep the
// worker count low so timing-sensitive tests are not starved, and give hooks room.
export default defineConfig({
  // examples/ import the package by its own names, as a user would; tests run them on the sources
  // (tsconfig.json `paths` does the same for tsc and tsx).
  resolve: {
    alias: [
      { find: /^faultline$/, replacement: src('index.ts') },
      { find: /^faultline\/stack$/, replacement: src('stack/index.ts') },
      { find: /^faultline\/service$/, replacement: src('service/index.ts') },
    ],
  },
  test: {
    include: ['test/**/*.test.ts'],
    pool: 'forks',
    maxWorkers: 2,
    testTimeout: 30_000,
    hookTimeout: 30_000,
    teardownTimeout: 10_000,
    reporters: ['default'],
  },
});
