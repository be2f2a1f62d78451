/**
 * Properties of the experiment bandit (actors/trainer/experiments/bandit.ts): the traffic split converges to the
 * better arm, every arm below its minimum sample keeps a share of traffic, no decision is taken before every arm has
 * its minimum, and a promotion happens only when the credible interval of the lift lies above `min_lift` — never for
 * arms whose evidence is the same.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  allocate,
  decideMonitoring,
  decideRunning,
  liftInterval,
  posteriorMean,
  sampleBeta,
  seeded,
  type DecisionConfig,
} from '../../actors/trainer/index.js';

const CFG: DecisionConfig = { min_samples: 20, credibility: 0.95, min_lift: 0, rollback_min_samples: 20, monitor_samples: 500 };

const evidence = fc
  .record({ rewards: fc.integer({ min: 0, max: 400 }), rate: fc.double({ min: 0, max: 1, noNaN: true }) })
  .map(({ rewards, rate }) => ({ rewards, successes: rewards * rate, failures: rewards * (1 - rate) }));

describe('experiment bandit', () => {
  it('Beta draws have the right mean', () => {
    const r = seeded(7);
    for (const [a, b] of [
      [1, 1],
      [0.5, 3],
      [30, 10],
    ] as const) {
      let sum = 0;
      for (let i = 0; i < 20_000; i++) sum += sampleBeta(a, b, r);
      expect(sum / 20_000).toBeCloseTo(a / (a + b), 2);
    }
  });

  it('converges to the better arm', () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 0, max: 2 ** 31 }),
        fc.double({ min: 0.05, max: 0.6, noNaN: true }),
        fc.double({ min: 0.25, max: 0.4, noNaN: true }),
        fc.integer({ min: 2, max: 4 }),
        (seed, low, gap, k) => {
          const r = seeded(seed);
          const rates = Array.from({ length: k }, (_, i) => (i === k - 1 ? low + gap : low));
          const arms = rates.map(() => ({ successes: 0, failures: 0, rewards: 0 }));
          let w = allocate(arms, 10, r, 400);
          const pulls = new Array<number>(k).fill(0);
          for (let step = 0; step < 600; step++) {
            const u = r();
            let i = 0;
            for (let acc = w[0] as number; acc <= u && i < k - 1; acc += w[++i] as number);
            const arm = arms[i] as { successes: number; failures: number; rewards: number };
            const win = r() < (rates[i] as number) ? 1 : 0;
            arm.successes += win;
            arm.failures += 1 - win;
            arm.rewards++;
            pulls[i] = (pulls[i] as number) + 1;
            if (step % 20 === 19) w = allocate(arms, 10, r, 400);
          }
          // The better arm gets most of the traffic by the end, and was pulled most.
          expect(w[k - 1]).toBeGreaterThan(0.5);
          expect(pulls.indexOf(Math.max(...pulls))).toBe(k - 1);
        },
      ),
      { numRuns: 25 },
    );
  });

  it('keeps a share of traffic for every arm below its minimum sample; weights sum to 1', () => {
    fc.assert(
      fc.property(fc.array(evidence, { minLength: 2, maxLength: 6 }), fc.integer(), (arms, seed) => {
        const w = allocate(arms, CFG.min_samples, seeded(seed), 300);
        expect(w.reduce((s, x) => s + x, 0)).toBeCloseTo(1, 9);
        arms.forEach((a, i) => {
          if (a.rewards < CFG.min_samples) expect(w[i]).toBeGreaterThanOrEqual(1 / (4 * arms.length));
        });
      }),
      { numRuns: 200 },
    );
  });

  it('decides nothing before every arm has its minimum sample', () => {
    fc.assert(
      fc.property(fc.array(evidence, { minLength: 2, maxLength: 5 }), fc.integer(), (arms, seed) => {
        fc.pre(arms.some((a) => a.rewards < CFG.min_samples));
        const versioned = arms.map((a, i) => ({ ...a, version: i + 1 }));
        expect(decideRunning(versioned, 1, CFG, seeded(seed))).toBeUndefined();
        const after = arms[1] as (typeof arms)[number];
        if (after.rewards < CFG.rollback_min_samples) expect(decideMonitoring(arms[0]!, after, CFG, seeded(seed))).toBeUndefined();
      }),
      { numRuns: 300 },
    );
  });

  it('promotes only when the credible interval of the lift lies above min_lift, never between equal arms', () => {
    fc.assert(
      fc.property(
        fc.array(evidence, { minLength: 2, maxLength: 4 }),
        fc.integer(),
        fc.double({ min: 0, max: 0.2, noNaN: true }),
        (arms, seed, minLift) => {
          const cfg = { ...CFG, min_lift: minLift };
          const versioned = arms.map((a, i) => ({ ...a, version: i + 1 }));
          const d = decideRunning(versioned, 1, cfg, seeded(seed));
          if (d?.type !== 'promote') return;
          const winner = versioned.find((a) => a.version === d.version)!;
          expect(d.version).not.toBe(1);
          expect(posteriorMean(winner)).toBeGreaterThan(posteriorMean(versioned[0]!));
          // An independent, larger estimate of the interval agrees (Monte Carlo tolerance).
          const iv = liftInterval(winner, versioned[0]!, cfg.credibility, seeded(seed ^ 0x5bd1e995), 40_000);
          expect(iv.low).toBeGreaterThan(minLift - 0.02);
        },
      ),
      { numRuns: 300 },
    );
    fc.assert(
      fc.property(evidence, fc.integer({ min: 2, max: 5 }), fc.integer(), (e, k, seed) => {
        const same = Array.from({ length: k }, (_, i) => ({ ...e, version: i + 1 }));
        expect(decideRunning(same, 1, CFG, seeded(seed))).toBeUndefined();
      }),
      { numRuns: 200 },
    );
  });

  it('promotes a clearly better arm and rolls back a clearly worse promoted one', () => {
    const arms = [
      { version: 1, successes: 30, failures: 70, rewards: 100 },
      { version: 2, successes: 70, failures: 30, rewards: 100 },
    ];
    expect(decideRunning(arms, 1, CFG, seeded(1))).toMatchObject({ type: 'promote', version: 2 });
    expect(decideMonitoring(arms[1]!, { successes: 5, failures: 45, rewards: 50 }, CFG, seeded(1))).toMatchObject({ type: 'rollback' });
    expect(decideMonitoring(arms[0]!, { successes: 70, failures: 30, rewards: 500 }, CFG, seeded(1))).toMatchObject({ type: 'complete' });
  });
});
