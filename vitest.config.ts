import { defineConfig } from 'vitest/config';

// Tests open real sockets and spawn real processes on a 2-core machine: keep the
// worker count low so timing-sensitive tests are not starved, and give hooks room.
export default defineConfig({
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
