/**
 * Fault isolation, as a hostile client would test it: fast-check sequences of malformed and
 * adversarial requests from two tenants at once against a real `troupe start` (auth on), while a
 * third tenant's well-formed requests run alongside. Invariants: the node never exits, no 5xx
 * for client mistakes, the good tenant always gets its normal results, no alarm is raised, and
 * memory returns to within 20 % of its baseline. The long version is `npm run bench -- chaos`.
 */
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { attack, flood, goodRound, hostileFrame, hostileRequest, rssOf, startTarget, type Target, type Violations } from './hostile.js';

let t: Target;
beforeAll(async () => {
  t = await startTarget();
}, 90_000);
afterAll(async () => {
  const code = await t.stop();
  expect(code).toBe(0); // a clean shutdown: the node was alive to the end
});

describe('hostile clients from two tenants at once', () => {
  it('never take the node down, never get a 5xx, and never disturb a third tenant', async () => {
    const v: Violations = { serverErrors: [], goodFailures: [] };
    // Warm up with the good tenant's work, then take the memory baseline.
    for (let i = 0; i < 5; i++) await goodRound(t, 900_000 + i, v);
    const pid = t.gw.child.pid as number;
    const baseline = rssOf(pid);
    let round = 0;
    let tried = 0;
    await fc.assert(
      fc.asyncProperty(
        fc.array(hostileRequest, { minLength: 5, maxLength: 25 }),
        fc.array(hostileFrame, { minLength: 3, maxLength: 15 }),
        async (requests, frames) => {
          tried += requests.length + frames.length * 2;
          await attack(t, requests, frames, 1, v, round++);
          expect(t.gw.child.exitCode).toBeNull();
          expect(v.serverErrors).toEqual([]);
          expect(v.goodFailures).toEqual([]);
        },
      ),
      { numRuns: Number(process.env['CHAOS_RUNS'] ?? 12), seed: Number(process.env['FC_SEED'] ?? 20_261_205), endOnFailure: true },
    );
    await flood(t, 300, v);
    expect(v.serverErrors).toEqual([]);
    // The good tenant still gets its normal results after the flood, and the node reports itself healthy.
    await goodRound(t, 999_999, v);
    expect(v.goodFailures).toEqual([]);
    const health = await fetch(`${t.url}/healthz`);
    expect(health.status).toBe(200);
    expect(await health.json()).toMatchObject({ status: 'ok' });
    expect(t.gw.output()).not.toMatch(/ALARM|escalation|cannot recover/);
    // Memory comes back: within 20 % of the baseline (polled: the process returns memory lazily).
    let rss = rssOf(pid);
    for (let i = 0; i < 40 && rss > baseline * 1.2; i++) {
      await new Promise((r) => setTimeout(r, 250));
      rss = rssOf(pid);
    }
    expect(rss, `RSS ${rss} vs baseline ${baseline} after ${tried} hostile requests and frames`).toBeLessThanOrEqual(baseline * 1.2);
  }, 240_000);
});
