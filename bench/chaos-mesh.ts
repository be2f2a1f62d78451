/**
 * The mesh part of the chaos suite (issue 12): test/chaos/mesh.ts for `CHAOS_MESH_SECONDS` (default 300; 30 with
 * --quick) — three NATS servers, three `troupe node` processes, a mixed workload and a fault schedule — with the
 * faults and each invariant as notes and the goals: no violation, serving again ≤ 10 s after a NATS stream-leader
 * kill and ≤ 5 s after a node kill.
 */
import { reportLines, runMeshChaos, type Fault } from '../test/chaos/mesh.js';
import type { BenchOptions, Figure, Goal, SuiteResult } from './harness.js';

function worst(faults: readonly Fault[], kind: Fault['kind']): { ms: number | undefined; n: number; unrecovered: number } {
  const of = faults.filter((f) => f.kind === kind);
  const unrecovered = of.filter((f) => f.recoveryMs === undefined).length;
  const ms = of.length === 0 || unrecovered > 0 ? undefined : Math.max(...of.map((f) => f.recoveryMs as number));
  return { ms, n: of.length, unrecovered };
}

function boundGoal(name: string, w: ReturnType<typeof worst>, boundMs: number): Goal {
  const detail =
    w.n === 0
      ? 'no such fault in this schedule'
      : w.ms === undefined
        ? `${w.unrecovered} of ${w.n} not serving again within the wait`
        : `worst ${w.ms} ms over ${w.n} faults`;
  return { name, met: w.n > 0 && w.ms !== undefined && w.ms <= boundMs, detail };
}

/** Runs the mesh chaos schedule and returns its figures, goals and notes (merged into the chaos suite). */
export async function meshChaosPart(o: BenchOptions): Promise<Omit<SuiteResult, 'suite'>> {
  const seconds = Number(process.env['CHAOS_MESH_SECONDS'] ?? (o.quick ? 30 : 300));
  const report = await runMeshChaos({ seconds, log: o.log });
  const leader = worst(report.faults, 'nats-leader-kill');
  const node = worst(report.faults, 'node-kill');
  const figures: Figure[] = [];
  for (const [name, w] of [
    ['mesh serving after NATS leader kill', leader],
    ['mesh serving after node kill', node],
  ] as const)
    if (w.ms !== undefined) figures.push({ name, value: w.ms, unit: 'ms', higherIsBetter: false, baselines: [] });
  // The stateful actors alone (every tally answering again), and the agents alone (every agent lane and tenant's agent
  // completing a run sent after the fault), beside the whole mesh.
  for (const kind of ['nats-leader-kill', 'node-kill'] as const) {
    const of = report.faults.filter((f) => f.kind === kind);
    const what = kind === 'node-kill' ? 'node kill' : 'NATS leader kill';
    for (const [part, ms] of [
      ['agents', (f: Fault) => f.agentsMs],
      ['tallies', (f: Fault) => f.talliesMs],
    ] as const)
      if (of.length > 0 && of.every((f) => ms(f) !== undefined))
        figures.push({
          name: `${part} serving after ${what}`,
          value: Math.max(...of.map((f) => ms(f) as number)),
          unit: 'ms',
          higherIsBetter: false,
          baselines: [],
        });
  }
  const violations = report.invariants.reduce((n, i) => n + i.violations.length, 0);
  const goals: Goal[] = [
    {
      name: 'mesh chaos: 0 invariant violations',
      met: violations === 0,
      detail: report.invariants.map((i) => `${i.violations.length} ${i.name}`).join('; '),
    },
    boundGoal('mesh fully serving ≤ 10 s after a NATS stream-leader kill', leader, 10_000),
    boundGoal('mesh fully serving ≤ 5 s after a node kill', node, 5_000),
  ];
  const ops = [...report.ops].map(([l, c]) => `${l} ${c.ok}/${c.ok + c.failed}`).join(', ');
  return {
    figures,
    goals,
    notes: [...reportLines(report), `mesh chaos lanes (ok/all): ${ops}; wall ${(report.wallMs / 1_000).toFixed(0)} s`],
  };
}
