/**
 * The chaos suite: the hostile-client load of test/chaos (two hostile tenants sending malformed and
 * adversarial requests and frames, floods included) against a real `troupe start` with auth on,
 * for a long budget, while a third tenant works normally. Reports requests tried and whether every
 * invariant held: the node never exits, no 5xx for client mistakes, the good tenant always gets
 * its normal results, no alarm, memory back within 20 % of its baseline. The figure: the good
 * tenant's round time under attack beside the same round on the quiet node, measured in this run.
 * Then the mesh part (bench/chaos-mesh.ts): faults on a three-server NATS cluster and three nodes, with a checker.
 * `CHAOS_PARTS=hostile` or `CHAOS_PARTS=mesh` runs one part only.
 */
import fc from 'fast-check';
import { attack, flood, goodRound, hostileFrame, hostileRequest, rssOf, startTarget, type Violations } from '../test/chaos/hostile.js';
import type { BenchOptions, Figure, Goal, Suite, SuiteResult } from './harness.js';
import { meshChaosPart } from './chaos-mesh.js';

function median(xs: readonly number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.floor(s.length / 2)] ?? 0;
}

async function timedGood(t: Awaited<ReturnType<typeof startTarget>>, i: number, v: Violations): Promise<number> {
  const start = process.hrtime.bigint();
  await goodRound(t, i, v);
  return Number(process.hrtime.bigint() - start) / 1e6;
}

export const chaosSuite: Suite = {
  name: 'chaos',
  description: 'hostile clients against a real node, then faults on a 3-server NATS cluster and 3 nodes (mesh chaos)',
  async run(o: BenchOptions): Promise<SuiteResult> {
    const parts = (process.env['CHAOS_PARTS'] ?? 'hostile,mesh').split(',');
    const hostile: SuiteResult = parts.includes('hostile') ? await hostileRun(o) : { suite: 'chaos', figures: [], goals: [], notes: [] };
    if (!parts.includes('mesh')) return hostile;
    const mesh = await meshChaosPart(o);
    return {
      suite: 'chaos',
      figures: [...hostile.figures, ...mesh.figures],
      goals: [...hostile.goals, ...mesh.goals],
      notes: [...hostile.notes, ...mesh.notes],
    };
  },
};

async function hostileRun(o: BenchOptions): Promise<SuiteResult> {
  const rounds = o.quick ? 4 : Number(process.env['CHAOS_ROUNDS'] ?? 300);
  const t = await startTarget();
  const v: Violations = { serverErrors: [], goodFailures: [] };
  const pid = t.gw.child.pid as number;
  let tried = 0;
  let quietMs: number[] = [];
  const underAttackMs: number[] = [];
  let baseline = 0;
  let after = 0;
  let exitCode: number | null = null;
  try {
    for (let i = 0; i < 10; i++) await goodRound(t, 800_000 + i, v);
    quietMs = [];
    for (let i = 0; i < (o.quick ? 5 : 50); i++) quietMs.push(await timedGood(t, 810_000 + i, v));
    baseline = rssOf(pid);
    const gen = fc.sample(
      fc.tuple(fc.array(hostileRequest, { minLength: 10, maxLength: 40 }), fc.array(hostileFrame, { minLength: 5, maxLength: 20 })),
      { numRuns: rounds, seed: 20_261_205 },
    );
    for (let r = 0; r < rounds; r++) {
      const [requests, frames] = gen[r] as [(typeof gen)[0][0], (typeof gen)[0][1]];
      tried += requests.length + frames.length * 2;
      const timing = timedGood(t, 820_000 + r, v).then((ms) => void underAttackMs.push(ms));
      await Promise.all([attack(t, requests, frames, 0, v, r), timing]);
      if (r % 25 === 24) {
        await flood(t, 300, v);
        tried += 300;
      }
      if (r % 50 === 0)
        o.log(
          `chaos: round ${r + 1}/${rounds}, ${tried} hostile requests and frames, ` +
            `${v.serverErrors.length} 5xx, ${v.goodFailures.length} good failures`,
        );
      if (t.gw.child.exitCode !== null) break;
    }
    after = rssOf(pid);
    // V8 hands pages back to the OS lazily (its memory reducer runs once the process idles): wait up to a minute.
    for (let i = 0; i < 240 && after > baseline * 1.2; i++) {
      await new Promise((r) => setTimeout(r, 250));
      after = rssOf(pid);
    }
    const health = await fetch(`${t.url}/healthz`)
      .then((r) => r.status)
      .catch(() => 0);
    if (health !== 200) v.serverErrors.push(`/healthz answered ${health} after the load`);
  } finally {
    exitCode = await t.stop();
  }
  const figures: Figure[] = [
    {
      name: 'good tenant round under attack',
      value: median(underAttackMs),
      unit: 'ms',
      higherIsBetter: false,
      baselines: [{ name: 'same round, quiet node', value: median(quietMs), unit: 'ms' }],
    },
  ];
  const alarms = /ALARM|cannot recover/.test(t.gw.output());
  const goals: Goal[] = [
    { name: 'the node never exits (clean exit 0 at the end)', met: exitCode === 0, detail: `exit code ${String(exitCode)}` },
    {
      name: 'no 5xx for client mistakes',
      met: v.serverErrors.length === 0,
      detail: `${v.serverErrors.length} of ${tried}${v.serverErrors.length > 0 ? `; first: ${v.serverErrors[0]}` : ''}`,
    },
    {
      name: 'the good tenant always gets its normal results',
      met: v.goodFailures.length === 0,
      detail: `${v.goodFailures.length} failures${v.goodFailures.length > 0 ? `; first: ${v.goodFailures[0]}` : ''}`,
    },
    { name: 'no alarm raised', met: !alarms, detail: alarms ? 'an alarm or a fatal error was logged' : 'none' },
    {
      name: 'memory back within 20 % of its baseline',
      met: after <= baseline * 1.2,
      detail: `RSS ${(after / 2 ** 20).toFixed(0)} MiB vs ${(baseline / 2 ** 20).toFixed(0)} MiB`,
    },
  ];
  return {
    suite: 'chaos',
    figures,
    goals,
    notes: [
      `${rounds} rounds, ${tried} hostile requests and frames from two tenants (floods of 300 every 25 rounds), ` +
        `${underAttackMs.length + quietMs.length} good-tenant rounds`,
    ],
  };
}
