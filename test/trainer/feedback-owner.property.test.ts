/**
 * The feedback owner (`trainer/feedback`): for any sequence of feedback writes — retries with the same id included —
 * its aggregates equal those computed from the distinct records, and a new activation on the same storage (a restart,
 * a failover) rebuilds exactly the same aggregates from the records.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { FEEDBACK_ADD, FEEDBACK_STATS, type FeedbackAggregate } from '../../protocols/index.js';
import { MemoryStorage } from '../../runtime/index.js';
import { createSystem } from '../../supervisors/index.js';
import { RunStore, feedbackBehavior, type RunRecord } from '../../actors/index.js';

const RUNS = ['r1', 'r2', 'r3'];
const AGENT_OF: Record<string, string> = { r1: 'alpha', r2: 'alpha', r3: 'beta' };

function record(runId: string, withTemplate: boolean): RunRecord {
  const now = new Date(0).toISOString();
  return {
    run_id: runId,
    thread_id: `t-${runId}`,
    assistant_id: AGENT_OF[runId] as string,
    agent: AGENT_OF[runId] as string,
    status: 'success',
    created_at: now,
    updated_at: now,
    metadata: {},
    multitask_strategy: 'reject',
    last_seq: 3,
    ...(withTemplate ? { prompt: { name: 'support', version: 2 } } : {}),
  } as RunRecord;
}

const write = fc.record({
  id: fc.integer({ min: 1, max: 12 }).map((n) => `f${n}`),
  run: fc.constantFrom(...RUNS),
  key: fc.constantFrom('thumbs', 'correctness'),
  score: fc.option(fc.oneof(fc.double({ min: 0, max: 1, noNaN: true }), fc.boolean()), { nil: undefined }),
  correction: fc.option(fc.string({ maxLength: 5 }), { nil: undefined }),
});

/** Aggregates of the distinct (first-written) records, computed here independently. */
type Write = { id: string; run: string; key: string; score: number | boolean | undefined; correction: string | undefined };

function expected(writes: readonly Write[]) {
  const first = new Map<string, Write>();
  for (const w of writes) if (!first.has(`${w.run}/${w.id}`)) first.set(`${w.run}/${w.id}`, w);
  const out = new Map<string, { count: number; scores: number[]; corrections: number }>();
  for (const w of first.values()) {
    const template = w.run === 'r2' ? 'support@2' : '-';
    const k = `${AGENT_OF[w.run]}|${template}|${w.key}`;
    const g = out.get(k) ?? { count: 0, scores: [], corrections: 0 };
    g.count++;
    if (w.score !== undefined) g.scores.push(typeof w.score === 'boolean' ? (w.score ? 1 : 0) : w.score);
    if (w.correction !== undefined) g.corrections++;
    out.set(k, g);
  }
  return out;
}

function matches(stats: readonly FeedbackAggregate[], want: ReturnType<typeof expected>): void {
  expect(stats.length).toBe(want.size);
  for (const a of stats) {
    const g = want.get(`${a.agent}|${a.template}|${a.key}`);
    expect(g).toBeDefined();
    if (g === undefined) continue;
    expect(a.count).toBe(g.count);
    expect(a.scored).toBe(g.scores.length);
    expect(a.corrections).toBe(g.corrections);
    expect(a.positive).toBe(g.scores.filter((s) => s >= 0.5).length);
    if (g.scores.length === 0) expect(a.mean).toBeNull();
    else {
      expect(a.mean).toBeCloseTo(g.scores.reduce((x, y) => x + y, 0) / g.scores.length, 9);
      expect(a.min).toBe(Math.min(...g.scores));
      expect(a.max).toBe(Math.max(...g.scores));
    }
  }
}

describe('feedback owner', () => {
  it('aggregates exactly the distinct records, and a new activation rebuilds the same aggregates', async () => {
    await fc.assert(
      fc.asyncProperty(fc.array(write, { maxLength: 30 }), async (writes) => {
        const storage = new MemoryStorage();
        const runs = new RunStore(storage);
        for (const r of RUNS) await runs.putRun('acme', record(r, r === 'r2'), true);
        const s1 = await createSystem({ storage, warn: () => undefined });
        const owner = await s1.spawn('trainer/feedback', feedbackBehavior() as never, { tenant: 'acme' });
        for (const w of writes)
          await owner.ask(FEEDBACK_ADD, {
            id: w.id,
            run_id: w.run,
            user: 'u',
            feedback: {
              key: w.key,
              ...(w.score === undefined ? {} : { score: w.score }),
              ...(w.correction === undefined ? {} : { correction: w.correction }),
            },
          });
        const want = expected(writes);
        const live = await owner.ask<FeedbackAggregate[]>(FEEDBACK_STATS, {});
        matches(live, want);
        await s1.shutdown();
        const s2 = await createSystem({ storage, warn: () => undefined });
        const again = await s2.spawn('trainer/feedback', feedbackBehavior() as never, { tenant: 'acme' });
        expect(await again.ask<FeedbackAggregate[]>(FEEDBACK_STATS, {})).toEqual(live);
        await s2.shutdown();
      }),
      { numRuns: 40 },
    );
  });
});
