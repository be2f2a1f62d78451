/** The stream guard: however a reply is cut into tokens, nothing the policy redacts or blocks is ever released. */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { GuardEngine, GuardPolicy, Pseudonyms, StreamGuard, customDetectors } from '../../actors/index.js';
import { configSchema } from '../../config/index.js';
import { EMAIL_DETECTOR, KEY_DETECTOR } from './fixtures/guard-config.js';

const EMAIL = 'grace.hopper@navy.example.com';
const KEY = 'sk-proj-AbCdEfGhIjKlMnOpQrStUvWx0123';

async function guardFor(rules: unknown[] = [], holdBackChars = 16) {
  const g = configSchema.parse({ guardrails: { custom: [EMAIL_DETECTOR, KEY_DETECTOR], rules } }).guardrails;
  const engine = new GuardEngine(await customDetectors(g.custom), new GuardPolicy(g));
  const policy = engine.policy.stage('output', 't');
  return (restore?: (t: string) => string) =>
    new StreamGuard({
      holdBackChars,
      maxHoldChars: 4096,
      decide: async (text) => {
        const { findings, failed } = await engine.find(text, 'output', 1000);
        return engine.decide(policy, findings, failed, { tenant: 't' });
      },
      ...(restore === undefined ? {} : { restore }),
    });
}

/** Cuts `text` at the given (sorted, deduplicated) points. */
function cut(text: string, points: number[]): string[] {
  const at = [...new Set(points.map((p) => p % (text.length + 1)))].sort((a, b) => a - b);
  const out: string[] = [];
  let prev = 0;
  for (const p of [...at, text.length]) {
    if (p > prev) out.push(text.slice(prev, p));
    prev = Math.max(prev, p);
  }
  return out;
}

describe('stream guard', () => {
  it('never releases an email or key split across tokens, whatever the split; the released text is the redacted reply', async () => {
    const make = await guardFor();
    const reply = `Sure! Mail ${EMAIL} and use ${KEY} for the API. Thanks`;
    await fc.assert(
      fc.asyncProperty(fc.array(fc.nat(200), { maxLength: 40 }), async (points) => {
        const g = make();
        let released = '';
        for (const t of cut(reply, points)) {
          released += await g.push(t);
          expect(released).not.toContain(EMAIL.slice(0, 12));
          expect(released).not.toContain(KEY.slice(0, 10));
        }
        released += (await g.end()).text;
        expect(released).toBe('Sure! Mail [REDACTED:EMAIL] and use [REDACTED:OPENAI_KEY] for the API. Thanks');
        expect(g.text).toBe(released);
      }),
      { numRuns: 60 },
    );
  });

  it('checks a long reply in bounded windows: what the detectors see does not grow with the reply', async () => {
    // Each check sees the unreleased tail and its context, never the reply so far: its cost does not grow with the reply.
    const seen: number[] = [];
    const guard = new StreamGuard({
      holdBackChars: 48,
      maxHoldChars: 4096,
      decide: async (text) => {
        seen.push(text.length);
        return [];
      },
    });
    let released = '';
    for (let i = 0; i < 20_000; i++) released += await guard.push(`w${i}`.padEnd(15, 'x') + ' ');
    released += (await guard.end()).text;
    expect(released.length).toBe(20_000 * 16);
    expect(seen.length).toBeGreaterThan(1_000);
    expect(Math.max(...seen)).toBeLessThanOrEqual(48 + 4096 + 16);
  });

  it('stops at a blocked span before any of it is released', async () => {
    const make = await guardFor([{ name: 'no-keys', detector: 'secret', action: 'block' }]);
    const g = make();
    let released = '';
    await expect(
      (async () => {
        for (const t of cut(`Here is the key: ${KEY} keep it safe`, [3, 9, 20, 22, 25, 31, 40])) released += await g.push(t);
        await g.end();
      })(),
    ).rejects.toThrow('the reply was stopped by the guardrail policy');
    expect(released).not.toContain('sk-');
  });

  it('restores placeholders split across tokens and holds a span for review', async () => {
    const p = new Pseudonyms();
    const ph = p.placeholder(EMAIL, 'EMAIL');
    const make = await guardFor([{ name: 'check-keys', detector: 'secret', action: 'review' }]);
    const g = make((t) => p.restore(t));
    let released = '';
    for (const t of cut(`I wrote to ${ph} today. Key ${KEY} follows`, [5, 12, 13, 17, 30, 33, 41])) released += await g.push(t);
    const end = await g.end();
    released += end.text;
    expect(released).toBe(`I wrote to ${EMAIL} today. Key `);
    expect(end.review).toEqual({ types: ['OPENAI_KEY'], held: `${KEY} follows` });
  });
});
