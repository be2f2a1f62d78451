import { defineConfig } from 'vitest/config';
import { BaseSequencer, type TestSpecification } from 'vitest/node';

/**
 * The longest files, longest first (seconds within a full `npm test` with two workers, at the time of writing). Two
 * workers take files from one queue in this order: a long file that starts last ends alone, the other worker idle.
 * Vitest orders by the durations of the last run when it has them (node_modules/.vite/vitest), but a clean clone — CI —
 * has none and falls back to file size, which can put a short file with a long run near the end.
 */
const SLOWEST = [
  // (The mesh chaos run is not in `npm test`: CI runs it on its own, `npm run test:chaos`.)
  'test/console/resume.test.ts', // 51 (a loaded run, 2026-12-07)
  'test/cluster/nats-failover.test.ts', // 49
  'test/cli/recovery.test.ts', // 40
  'test/cluster/failover.test.ts', // 34
  'test/workflow/failover-nats.test.ts', // 30
  'test/cluster/nats-leader-kill.test.ts', // 25
  'test/cli/data-dir.test.ts', // 25
  'test/cli/commands.test.ts', // 22
  'test/workflow/sigkill.test.ts', // 21
  'test/blueprint/examples.test.ts', // 20
  'test/gateway/server-cli.test.ts', // 26 before its cases ran side by side
  'test/transport/jetstream.contract.test.ts', // 30 before its nodes stopped side by side
  'test/guardrail/literals.property.test.ts', // 57 before it sampled the fixture texts
];

/** The files of {@link SLOWEST} first, in its order; the rest as vitest orders them. */
class SlowestFirst extends BaseSequencer {
  override async sort(files: TestSpecification[]): Promise<TestSpecification[]> {
    const rank = (f: TestSpecification): number => {
      const i = SLOWEST.findIndex((s) => f.moduleId.endsWith(`/${s}`));
      return i === -1 ? SLOWEST.length : i;
    };
    return (await super.sort(files)).sort((a, b) => rank(a) - rank(b));
  }
}

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
    sequence: { sequencer: SlowestFirst },
    reporters: ['default'],
  },
});
