import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['test/**/*.test.ts'],
    testTimeout: 20_000,
    hookTimeout: 30_000,
    pool: 'forks',
    // Two files at a time (vitest's default is one fewer than the cores: one on a 2-core CI box). Most of the long
    // files wait on NATS elections, leases and child processes rather than compute, so two share the cores well.
    maxWorkers: 2,
    reporters: ['default'],
  },
});
