/**
 * Random fault schedules against a supervision tree: a supervisor with a random strategy and
 * intensity over 1–5 workers of random restart types, random messages (some crash the
 * handler, some exit the worker) interleaved with random clock advances. Invariants:
 *  (a) one live incarnation per address: a new activation only when none is live, a new
 *      incarnation only out of `restarting`, and every transition continues the live one;
 *  (b) no supervisor incarnation admits more than maxRestarts restarts within withinMs, and
 *      it escalates only when its window is full;
 *  (c) no message is silently dropped: after draining, every tell was handled exactly once
 *      or is a dead letter (with a reason), never both.
 * The seed is fixed so CI is deterministic; explore with FC_SEED=<n> npx vitest run <this file>.
 */
import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import type { LifecycleEvent, LifecycleState } from '../../protocols/index.js';
import type { RestartType } from '../../runtime/index.js';
import type { Strategy } from '../../supervisors/index.js';
import { seeded, shutdownHarness, spawnTree, startHarness, type Harness, type WorkerSpec } from './helpers.js';

type MsgType = 'ok' | 'boom' | 'flaky' | 'exit';
type Op = { readonly kind: 'send'; readonly worker: number; readonly type: MsgType } | { readonly kind: 'advance'; readonly ms: number };

const opArb: fc.Arbitrary<Op> = fc.oneof(
  {
    weight: 3,
    arbitrary: fc.record({
      kind: fc.constant('send' as const),
      worker: fc.nat({ max: 4 }),
      type: fc.constantFrom<MsgType>('ok', 'ok', 'ok', 'boom', 'flaky', 'exit'),
    }),
  },
  { weight: 1, arbitrary: fc.record({ kind: fc.constant('advance' as const), ms: fc.integer({ min: 0, max: 150 }) }) },
);

const scenarioArb = fc.record({
  seed: fc.integer(),
  strategy: fc.constantFrom<Strategy>('one-for-one', 'one-for-all', 'rest-for-one'),
  maxRestarts: fc.integer({ min: 0, max: 4 }),
  withinMs: fc.integer({ min: 20, max: 500 }),
  initialMs: fc.integer({ min: 1, max: 20 }),
  multiplier: fc.double({ min: 1, max: 3, noNaN: true }),
  jitter: fc.double({ min: 0, max: 0.5, noNaN: true }),
  rootMaxRestarts: fc.integer({ min: 0, max: 3 }),
  workers: fc.array(fc.constantFrom<RestartType>('permanent', 'transient', 'temporary'), { minLength: 1, maxLength: 5 }),
  ops: fc.array(opArb, { minLength: 1, maxLength: 40 }),
});
type ScenarioValue = typeof scenarioArb extends fc.Arbitrary<infer T> ? T : never;

const ROOT_WITHIN_MS = 1_000;
const MAX_DELIVERIES = 3;

/** Invariant (a): tracks the live incarnation of every address, event by event. */
class IncarnationTracker {
  readonly live = new Map<string, { inc: number; state: LifecycleState }>();
  readonly violations: string[] = [];

  observe(e: LifecycleEvent): void {
    const cur = this.live.get(e.address);

    const where = `${e.address}#${e.incarnation} ${e.from}->${e.to} (${e.event})`;
    if (e.event === 'START' && e.from === 'created') {
      if (cur !== undefined) this.violations.push(`${where}: new activation while #${cur.inc} is live in ${cur.state}`);
      // Numbering restarts at 1 for a fresh cell and counts on for one revived after a normal exit;
      // what matters is that no other incarnation of the address is live (checked above).
    } else if (e.event === 'START') {
      if (cur?.state !== 'restarting' || e.incarnation !== cur.inc + 1)
        this.violations.push(`${where}: START not out of the live incarnation's restart (live: ${JSON.stringify(cur)})`);
    } else if (cur === undefined) {
      this.violations.push(`${where}: no live incarnation`);
    } else if (cur.state !== e.from || cur.inc !== e.incarnation) {
      this.violations.push(`${where}: does not continue live #${cur.inc} in ${cur.state}`);
    }
    if (e.to === 'stopped' || e.to === 'terminated') this.live.delete(e.address);
    else this.live.set(e.address, { inc: e.incarnation, state: e.to });
  }
}

/** Invariant (b): restart admissions per supervisor incarnation (one jitter draw per admitted restart). */
class IntensityChecker {
  readonly admits: { sup: string; inc: number; t: number }[] = [];
  readonly violations: string[] = [];
  constructor(
    private readonly limits: Map<string, { maxRestarts: number; withinMs: number }>,
    private readonly tracker: IncarnationTracker,
  ) {}

  private inWindow(sup: string, inc: number, now: number): number {
    const w = this.limits.get(sup)?.withinMs ?? 0;
    return this.admits.filter((a) => a.sup === sup && a.inc === inc && a.t > now - w).length;
  }

  /** Wraps a supervisor's `random`: each call is one admitted restart at `now()`. */
  recorder(sup: () => string, now: () => number, random: () => number): () => number {
    return () => {
      const address = sup();
      const inc = this.tracker.live.get(address)?.inc ?? 1;
      this.admits.push({ sup: address, inc, t: now() });
      const n = this.inWindow(address, inc, now());
      const max = this.limits.get(address)?.maxRestarts ?? 0;
      if (n > max)
        this.violations.push(`${address}#${inc}: ${n} restarts within ${this.limits.get(address)?.withinMs} ms at ${now()} (max ${max})`);
      return random();
    };
  }

  observe(e: LifecycleEvent): void {
    const limits = this.limits.get(e.address);
    if (limits === undefined || e.event !== 'FAIL' || e.error?.details?.['escalated'] !== true) return;
    const n = this.inWindow(e.address, e.incarnation, e.at);
    if (n !== limits.maxRestarts)
      this.violations.push(`${e.address}#${e.incarnation} escalated at ${e.at} with ${n}/${limits.maxRestarts} restarts in its window`);
  }
}

async function runScenario(s: ScenarioValue): Promise<void> {
  let h: Harness | undefined;
  const tracker = new IncarnationTracker();
  const limits = new Map<string, { maxRestarts: number; withinMs: number }>();
  const intensity = new IntensityChecker(limits, tracker);
  let rootAddress = '';
  const now = (): number => h?.clock.now() ?? 0;
  try {
    h = await startHarness({
      rootMaxRestarts: s.rootMaxRestarts,
      rootWithinMs: ROOT_WITHIN_MS,
      maxDeliveries: MAX_DELIVERIES,
      random: intensity.recorder(() => rootAddress, now, seeded(s.seed)),
    });
    rootAddress = h.system.guardian?.address ?? '';
    limits.set(rootAddress, { maxRestarts: s.rootMaxRestarts, withinMs: ROOT_WITHIN_MS });
    limits.set('supervisor/app', { maxRestarts: s.maxRestarts, withinMs: s.withinMs });
    tracker.live.set(rootAddress, { inc: 1, state: 'ready' });
    h.system.watchLifecycle((e) => {
      tracker.observe(e);
      intensity.observe(e);
    });
    const workers: Record<string, WorkerSpec> = {};
    s.workers.forEach((restart, i) => (workers[`w${i}`] = { restart }));
    const backoff = { initialMs: s.initialMs, multiplier: s.multiplier, jitter: s.jitter, maxMs: 100 };
    const random = intensity.recorder(() => 'supervisor/app', now, seeded(s.seed + 1));
    const { refs, logs } = await spawnTree(
      h,
      'supervisor/app',
      { strategy: s.strategy, maxRestarts: s.maxRestarts, withinMs: s.withinMs, backoff, random },
      workers,
    );

    const sent = new Map<string, MsgType>();
    const tells: Promise<unknown>[] = [];
    for (const [i, op] of s.ops.entries()) {
      if (op.kind === 'advance') {
        await h.clock.advance(op.ms);
        continue;
      }
      const ref = refs[`w${op.worker % s.workers.length}`];
      if (ref === undefined) throw new Error('no worker');
      const id = `m${i}`;
      sent.set(id, op.type);
      tells.push(ref.tell(`work.${op.type}`, id, { id }).catch(() => undefined));
    }
    for (let i = 0; i < 40; i++) await h.clock.advance(500); // longer than every backoff, block and init timeout
    await Promise.all(tells);
    await shutdownHarness(h);

    expect(tracker.violations).toEqual([]);
    expect(intensity.violations).toEqual([]);
    expect([...tracker.live.keys()], 'still live after shutdown').toEqual([]);
    expect(h.system.actors()).toEqual([]);

    const handled = Object.values(logs).flatMap((l) => l.handled);
    const dead = (await h.system.deadLetters.list()).filter((d) => sent.has(d.envelope.id));
    const deadIds = dead.map((d) => d.envelope.id);
    expect(new Set(handled).size, 'a message was handled twice').toBe(handled.length);
    expect(new Set(deadIds).size, 'a message was dead-lettered twice').toBe(deadIds.length);
    expect(
      handled.filter((id) => deadIds.includes(id)),
      'handled and dead-lettered',
    ).toEqual([]);
    expect([...handled, ...deadIds].sort(), 'every tell is handled or a dead letter').toEqual([...sent.keys()].sort());
    for (const id of handled) expect(sent.get(id), `${id} handled`).not.toBe('boom');
    for (const d of dead) {
      if (d.reason === 'poison') {
        expect(sent.get(d.envelope.id), `${d.envelope.id} poison`).toBe('boom');
        expect(d.deliveries).toBe(MAX_DELIVERIES);
      }
      expect(['poison', 'actor_stopped', 'no_recipient', 'mailbox_full']).toContain(d.reason);
    }
  } finally {
    await shutdownHarness(h);
  }
}

describe('supervision under random fault schedules', () => {
  it('keeps one incarnation per address, respects restart intensity and loses no message', async () => {
    await fc.assert(
      fc.asyncProperty(scenarioArb, (s) => runScenario(s)),
      { numRuns: 80, seed: Number(process.env['FC_SEED'] ?? 20_251_122) },
    );
  });
});
