/**
 * Trainers (issue 15). One function per figure; the runner below lists them.
 * - Eval throughput on one and two nodes of a mesh (bench/eval-mesh.ts).
 * - Experiment assignment per run: what a run of an agent in an experiment pays to be given a template version —
 *   `ExperimentRouter.assign` on a loaded table (4 arms; 50 other agents' experiments in the tenant), including the
 *   batched report of the assignment. Baselines in the same run: the floor any per-run routing pays (a map lookup and
 *   one uniform draw), and what it would cost to draw from the Beta posteriors on every run instead of using the
 *   split the experiment's actor computed once (Thompson sampling uncached).
 */
import { ExperimentRouter, sampleBeta, seeded } from '../actors/index.js';
import type { ExperimentRecord } from '../protocols/index.js';
import { createSystem } from '../supervisors/index.js';
import { evalThroughputFigures } from './eval-mesh.js';
import { latency, type BenchOptions, type Figure, type Goal, type Latency, type Suite, type SuiteResult } from './harness.js';

const TENANT = 'bench';

function experiment(agent: string, id: string): ExperimentRecord {
  const arms = [1, 2, 3, 4].map((version, i) => ({
    version,
    successes: 10 * (i + 1),
    failures: 40 - 10 * i,
    rewards: 50,
    assigned: 50,
    weight: [0.1, 0.2, 0.3, 0.4][i] as number,
  }));
  const now = new Date().toISOString();
  return {
    id,
    tenant: TENANT,
    agent,
    template: 'support',
    control: 1,
    config: {
      agent,
      versions: [1, 2, 3, 4],
      min_samples: 30,
      credibility: 0.95,
      min_lift: 0,
      auto_promote: true,
      rollback_min_samples: 20,
      monitor_samples: 200,
    },
    status: 'running',
    arms,
    after: { successes: 0, failures: 0, rewards: 0 },
    created_at: now,
    updated_at: now,
    events: 1,
  };
}

async function best(runs: number, spec: Parameters<typeof latency>[0]): Promise<Latency> {
  let out = await latency(spec);
  for (let r = 1; r < runs; r++) {
    const l = await latency({ ...spec, warmup: 0 });
    if (l.p99Us < out.p99Us) out = l;
  }
  return out;
}

/** Figure: experiment assignment per run (p99 and p50), beside the routing floor and uncached Thompson sampling. */
async function assignmentFigures(o: BenchOptions): Promise<{ figures: Figure[]; goals: Goal[]; notes: string[] }> {
  const system = await createSystem({ warn: () => undefined });
  let reported = 0;
  const sink = await system.spawn('trainer/sink', {
    receive: (msg) => {
      reported += (msg.payload as { runs: unknown[] }).runs.length;
      return Promise.resolve(undefined);
    },
  });
  const router = new ExperimentRouter(system, () => Promise.resolve(sink));
  await router.load(TENANT);
  for (let i = 0; i < 50; i++) router.apply(TENANT, experiment(`agent${i}`, `other${i}`));
  router.apply(TENANT, experiment('support', 'main'));
  const count = o.quick ? 2_000 : 200_000;
  const warmup = o.quick ? 200 : 20_000;
  const runs = o.runs ?? (o.quick ? 1 : 3);
  let check = 0;
  try {
    o.log('trainer: experiment assignment (ExperimentRouter.assign)');
    const assign = await best(runs, {
      count,
      warmup,
      op: (i) => {
        const a = router.assign(TENANT, 'support', 'support', `run-${i}`);
        if (a instanceof Promise) throw new Error('the table was not loaded');
        check += a?.version ?? 0;
        return Promise.resolve();
      },
    });
    o.log('trainer: baseline (map lookup + one uniform draw)');
    const table = new Map([['support', [1, 2, 3, 4]]]);
    const floor = await best(runs, {
      count,
      warmup,
      op: () => {
        const arms = table.get('support') as number[];
        check += arms[Math.floor(Math.random() * arms.length)] as number;
        return Promise.resolve();
      },
    });
    o.log('trainer: baseline (Thompson draw per run, uncached)');
    const arms = experiment('support', 'x').arms;
    const r = seeded(1);
    const uncached = await best(runs, {
      count: Math.max(200, Math.floor(count / 4)),
      warmup: Math.floor(warmup / 4),
      op: () => {
        let top = -1;
        let pick = 0;
        for (const a of arms) {
          const x = sampleBeta(1 + a.successes, 1 + a.failures, r);
          if (x > top) [top, pick] = [x, a.version];
        }
        check += pick;
        return Promise.resolve();
      },
    });
    await router.flush();
    const baselines = (q: 'p99Us' | 'p50Us') => [
      { name: `map lookup + uniform draw ${q.slice(0, 3)}`, value: floor[q], unit: 'µs' },
      { name: `Thompson draw per run (uncached) ${q.slice(0, 3)}`, value: uncached[q], unit: 'µs' },
    ];
    return {
      figures: [
        {
          name: 'experiment assignment per run p99',
          value: assign.p99Us,
          unit: 'µs',
          higherIsBetter: false,
          baselines: baselines('p99Us'),
        },
        {
          name: 'experiment assignment per run p50',
          value: assign.p50Us,
          unit: 'µs',
          higherIsBetter: false,
          baselines: baselines('p50Us'),
        },
      ],
      goals: [
        { name: 'experiment assignment overhead per run ≤ 50 µs p99', met: assign.p99Us <= 50, detail: `${assign.p99Us.toFixed(2)} µs` },
      ],
      notes: [`assignments reported to the experiment's actor by the end of the run: ${reported}, in batches (checksum ${check % 1000})`],
    };
  } finally {
    await router.close();
    await system.shutdown();
  }
}

/** `npm run bench -- trainer`. */
export const trainerSuite: Suite = {
  name: 'trainer',
  description: 'eval throughput on one and two nodes of a mesh (starts its own nats-server), experiment assignment per run',
  async run(o: BenchOptions): Promise<SuiteResult> {
    const e = await evalThroughputFigures(o);
    const a = await assignmentFigures(o);
    return { suite: 'trainer', figures: [...e.figures, ...a.figures], goals: [...e.goals, ...a.goals], notes: [...e.notes, ...a.notes] };
  },
};
