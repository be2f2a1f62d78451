/** eachLimited: every item once, never more than the limit in flight, the first error rejects and stops new work. */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { eachLimited } from '../../protocols/index.js';

const tick = (): Promise<void> => new Promise((r) => setImmediate(r));

describe('eachLimited', () => {
  it('handles every item once with at most `limit` in flight', async () => {
    await fc.assert(
      fc.asyncProperty(fc.array(fc.nat(3), { maxLength: 40 }), fc.integer({ min: 1, max: 10 }), async (delays, limit) => {
        const seen: number[] = [];
        let inFlight = 0;
        let most = 0;
        await eachLimited(delays, limit, async (d, i) => {
          inFlight++;
          most = Math.max(most, inFlight);
          for (let k = 0; k < d; k++) await tick();
          seen.push(i);
          inFlight--;
        });
        expect([...seen].sort((a, b) => a - b)).toEqual(delays.map((_, i) => i));
        expect(most).toBeLessThanOrEqual(Math.max(1, Math.min(limit, delays.length)));
      }),
      { numRuns: 100 },
    );
  });

  it('rejects with the first error and takes no new item after it', async () => {
    const started: number[] = [];
    const items = Array.from({ length: 20 }, (_, i) => i);
    await expect(
      eachLimited(items, 2, async (i) => {
        started.push(i);
        await tick();
        if (i === 3) throw new Error('boom');
      }),
    ).rejects.toThrow('boom');
    await tick();
    await tick();
    expect(started.length).toBeLessThanOrEqual(6);
  });
});
