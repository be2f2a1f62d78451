/**
 * The wide development sets (test/fixtures/guardrails/*-wide-*.jsonl: written for issue 13's quality goals, EN/DE/FR/ES,
 * seven formats). `-dev` is what the concept models are fitted on; `-blind` was split off before anything was tuned
 * and is only measured; `-final` was written after the concept layer, before it was scored, and never tuned on. The
 * goals (injection ≥ 0.90 with ≤ 5 % false positives, moderation ≥ 0.85 with ≤ 5 %) are asserted on dev and blind;
 * final holds the first measurement as a floor (injection 0.85/0.08, moderation 0.72/0.00 — below the goals, see
 * BENCHMARKS.md). The concept layer's share is checked by switching it off.
 */
import { describe, expect, it } from 'vitest';
import { injectionDetector } from '../../actors/guardrail/detectors/injection/index.js';
import { moderationDetector } from '../../actors/guardrail/detectors/moderation/index.js';
import { rates, readFixture } from './fixture-rates.js';

const inj = { dev: readFixture('injection-wide-dev'), blind: readFixture('injection-wide-blind') };
const mod = { dev: readFixture('moderation-wide-dev'), blind: readFixture('moderation-wide-blind') };
const positives = (rows: readonly { label: string }[]): number => rows.filter((r) => r.label !== 'benign').length;

describe('wide guardrail sets', () => {
  it('are as large and varied as issue 13 asks, with no text in two splits', () => {
    const allInj = [...inj.dev, ...inj.blind];
    const allMod = [...mod.dev, ...mod.blind];
    expect(positives(allInj)).toBeGreaterThanOrEqual(200);
    expect(allInj.length - positives(allInj)).toBeGreaterThanOrEqual(200);
    expect(positives(allMod)).toBeGreaterThanOrEqual(150);
    expect(allMod.length - positives(allMod)).toBeGreaterThanOrEqual(150);
    for (const rows of [allInj, allMod]) {
      expect(new Set(rows.map((r) => r.lang))).toEqual(new Set(['en', 'de', 'fr', 'es']));
      expect(new Set(rows.map((r) => r.format)).size).toBe(7);
    }
    for (const t of ['INJECTION', 'JAILBREAK', 'PROMPT_EXTRACTION'])
      expect(allInj.filter((r) => r.label === t).length, t).toBeGreaterThan(30);
    for (const t of ['HARASSMENT', 'HATE', 'SELF_HARM', 'VIOLENCE', 'SEXUAL'])
      expect(allMod.filter((r) => r.label === t).length, t).toBeGreaterThanOrEqual(25);
    const texts = [...allInj, ...allMod, ...readFixture('injection-wide-final'), ...readFixture('moderation-wide-final')].map(
      (r) => r.text,
    );
    expect(new Set(texts).size).toBe(texts.length);
  });

  it.each(['dev', 'blind'] as const)('injection-wide-%s: detection ≥ 0.90, false positives ≤ 5 percent', async (split) => {
    const r = await rates(injectionDetector(), inj[split]);
    expect(r.recall, r.errors.join('\n')).toBeGreaterThanOrEqual(0.9);
    expect(r.fpr, r.errors.join('\n')).toBeLessThanOrEqual(0.05);
  });

  it.each(['dev', 'blind'] as const)('moderation-wide-%s: detection ≥ 0.85, false positives ≤ 5 percent', async (split) => {
    const r = await rates(moderationDetector(), mod[split]);
    expect(r.recall, r.errors.join('\n')).toBeGreaterThanOrEqual(0.85);
    expect(r.fpr, r.errors.join('\n')).toBeLessThanOrEqual(0.05);
  });

  it('the final sets (never tuned on) stay at their first measurement', async () => {
    const i = await rates(injectionDetector(), readFixture('injection-wide-final'));
    expect(i.recall, i.errors.join('\n')).toBeGreaterThanOrEqual(0.84);
    expect(i.fpr, i.errors.join('\n')).toBeLessThanOrEqual(0.09);
    const m = await rates(moderationDetector(), readFixture('moderation-wide-final'));
    expect(m.recall, m.errors.join('\n')).toBeGreaterThanOrEqual(0.72);
    expect(m.fpr, m.errors.join('\n')).toBeLessThanOrEqual(0.05);
  });

  // the learned layers (concept and n-gram models, and the combination that reads them) decide since the stacking pass
  it('the learned layers carry the blind splits (the rules alone find far fewer)', async () => {
    const withI = await rates(injectionDetector(), inj.blind);
    const withoutI = await rates(injectionDetector({ concepts: false, ngram: false }), inj.blind);
    expect(withI.recall - withoutI.recall).toBeGreaterThan(0.3);
    const withM = await rates(moderationDetector(), mod.blind);
    const withoutM = await rates(moderationDetector({ concepts: false, ngram: false }), mod.blind);
    expect(withM.recall - withoutM.recall).toBeGreaterThan(0.3);
  });
});
