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
    // Files share their worker's module cache: importing the runtime, gateway and model backends once per worker rather
    // than once per file took 276 of 587 s of a full run (425 s without). Test files keep their state to themselves:
    // each starts its own servers, systems and storage, and restores any environment variable it sets.
    isolate: false,
    reporters: ['default'],
  },
});
