import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['test/**/*.test.ts'],
    testTimeout: 120_000,
    hookTimeout: 120_000,
    // native engines per worker: two workers keep a 2-core machine busy without thrashing
    maxWorkers: 2,
    reporters: ['default', './test/summary-reporter.ts'],
  },
});
