/** The project's one backoff function (protocols/backoff.ts): bounds, growth and both jitter modes. */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { backoffDelay } from '../../protocols/index.js';

const opts = fc.record({
  initialMs: fc.integer({ min: 0, max: 10_000 }),
  maxMs: fc.integer({ min: 0, max: 100_000 }),
  multiplier: fc.double({ min: 1, max: 4, noNaN: true }),
  jitter: fc.double({ min: 0, max: 1, noNaN: true }),
});
const n = fc.integer({ min: 1, max: 60 });
const r = fc.double({ min: 0, max: 1, maxExcluded: true, noNaN: true });

describe('backoffDelay', () => {
  it('stays within [0, maxMs] in whole ms, whatever the options and the random draw', () => {
    fc.assert(
      fc.property(opts, n, r, fc.constantFrom('spread' as const, 'below' as const), (o, k, x, jitterMode) => {
        const d = backoffDelay(k, { ...o, jitterMode }, () => x);
        expect(Number.isInteger(d)).toBe(true);
        expect(d).toBeGreaterThanOrEqual(0);
        expect(d).toBeLessThanOrEqual(Math.max(o.maxMs, 0));
      }),
      { numRuns: 3000 },
    );
  });

  it('without jitter: initialMs · multiplier^(n−1), capped, never shrinking from one retry to the next', () => {
    fc.assert(
      fc.property(opts, n, (o, k) => {
        const plain = { initialMs: o.initialMs, maxMs: o.maxMs, multiplier: o.multiplier };
        expect(backoffDelay(k, plain)).toBe(Math.round(Math.min(o.maxMs, o.initialMs * o.multiplier ** (k - 1))));
        expect(backoffDelay(k + 1, plain)).toBeGreaterThanOrEqual(backoffDelay(k, plain));
      }),
    );
    expect([1, 2, 3, 4, 5, 6, 7].map((k) => backoffDelay(k, { initialMs: 5, maxMs: 250 }))).toEqual([5, 10, 20, 40, 80, 160, 250]);
  });

  it('below-jitter lies in [base·(1−jitter), base]; spread-jitter in [base·(1−jitter), min(max, base·(1+jitter))]', () => {
    fc.assert(
      fc.property(opts, n, r, (o, k, x) => {
        const base = Math.min(o.maxMs, o.initialMs * o.multiplier ** (k - 1));
        const below = backoffDelay(k, { ...o, jitterMode: 'below' }, () => x);
        expect(below).toBeGreaterThanOrEqual(Math.round(base * (1 - o.jitter)) - 1);
        expect(below).toBeLessThanOrEqual(Math.round(base));
        const spread = backoffDelay(k, o, () => x);
        expect(spread).toBeGreaterThanOrEqual(Math.round(base * (1 - o.jitter)) - 1);
        expect(spread).toBeLessThanOrEqual(Math.round(Math.min(o.maxMs, base * (1 + o.jitter))) + 1);
      }),
      { numRuns: 3000 },
    );
  });
});
