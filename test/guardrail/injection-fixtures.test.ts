/**
 * The injection detector on the development sets (test/fixtures/guardrails/injection.jsonl: 213 lines, and
 * injection-fresh*.jsonl and injection-blind*.jsonl, written later as checks on generalisation): detection ≥ 0.90 and
 * false positives ≤ 5 %,
 * overall and in each language. The sets themselves are checked for size, balance and variety.
 */
import { describe, expect, it } from 'vitest';
import { injectionDetector } from '../../actors/guardrail/detectors/injection/index.js';
import { HELD_OUT, rates, readFixture, trainingSets } from './fixture-rates.js';

const dev = readFixture('injection');
const fresh = [
  ...readFixture('injection-fresh'),
  ...readFixture('injection-fresh2'),
  ...readFixture('injection-fresh3'),
  ...readFixture('injection-fresh4'),
];

describe('injection development sets', () => {
  it('are big, balanced and varied', () => {
    expect(dev.length).toBeGreaterThanOrEqual(200);
    const attacks = dev.filter((r) => r.label !== 'benign').length;
    expect(attacks / dev.length).toBeGreaterThan(0.4);
    expect(attacks / dev.length).toBeLessThan(0.6);
    expect(new Set(dev.map((r) => r.label))).toEqual(new Set(['INJECTION', 'JAILBREAK', 'PROMPT_EXTRACTION', 'benign']));
    expect(new Set(dev.map((r) => r.lang))).toEqual(new Set(['en', 'de', 'fr', 'es']));
    expect(new Set(dev.map((r) => r.format)).size).toBe(7);
    expect(new Set([...dev, ...fresh].map((r) => r.text)).size).toBe(dev.length + fresh.length);
  });

  it('injection-blind (written before the intent rules): detection ≥ 0.90 in each language, FP ≤ 5 percent', async () => {
    const blind = readFixture('injection-blind');
    expect(blind.length).toBeGreaterThanOrEqual(120);
    for (const lang of ['en', 'de', 'fr', 'es']) {
      const r = await rates(
        injectionDetector(),
        blind.filter((x) => x.lang === lang),
      );
      expect(r.recall, `${lang}\n${r.errors.join('\n')}`).toBeGreaterThanOrEqual(0.9);
      expect(r.fpr, `${lang}\n${r.errors.join('\n')}`).toBeLessThanOrEqual(0.05);
    }
  });

  it('injection-blind2 (written after the intent rules; first run caught 5 of 25): detection ≥ 0.90, FP ≤ 5 percent', async () => {
    const r = await rates(injectionDetector(), readFixture('injection-blind2'));
    expect(r.recall, r.errors.join('\n')).toBeGreaterThanOrEqual(0.9);
    expect(r.fpr, r.errors.join('\n')).toBeLessThanOrEqual(0.05);
  });

  it.each(['injection', 'injection-fresh', 'injection-fresh2', 'injection-fresh3', 'injection-fresh4'])(
    '%s: detection ≥ 0.90, false positives ≤ 5 percent',
    async (name) => {
      const r = await rates(injectionDetector(), readFixture(name));
      expect(r.recall, r.errors.join('\n')).toBeGreaterThanOrEqual(0.9);
      expect(r.fpr, r.errors.join('\n')).toBeLessThanOrEqual(0.05);
      for (const [label, [hit, total]] of Object.entries(r.perLabel)) expect(hit / total, label).toBeGreaterThanOrEqual(0.85);
    },
  );

  it.each(['injection-dev13', 'injection-dev14', 'injection-dev15'])(
    '%s (hard negatives: prompt documentation, reported speech, logs, announcements, quotes): detection ≥ 0.90, FP ≤ 5 percent',
    async (name) => {
      const r = await rates(injectionDetector(), readFixture(name));
      expect(r.recall, r.errors.join('\n')).toBeGreaterThanOrEqual(0.9);
      expect(r.fpr, r.errors.join('\n')).toBeLessThanOrEqual(0.05);
    },
  );

  it('injection-benign (security writing, retractions, role-play, logs, code): false positives ≤ 5 percent', async () => {
    const r = await rates(injectionDetector(), readFixture('injection-benign'));
    expect(r.benign).toBeGreaterThanOrEqual(40);
    expect(r.fpr, r.errors.join('\n')).toBeLessThanOrEqual(0.05);
  });

  it.each(['en', 'de', 'fr', 'es'])('meets the goals in %s alone', async (lang) => {
    const r = await rates(
      injectionDetector(),
      [...dev, ...fresh].filter((x) => x.lang === lang),
    );
    expect(r.recall, r.errors.join('\n')).toBeGreaterThanOrEqual(0.9);
    expect(r.fpr, r.errors.join('\n')).toBeLessThanOrEqual(0.05);
  });

  it('the trained layers never learn from a split not yet trained on (holdout10, holdout13 onwards); the others train', () => {
    for (const family of ['injection', 'moderation']) {
      const sets = trainingSets(family);
      expect(sets).toContain(`${family}-dev13`);
      expect(sets).toContain(`${family}-holdout8`);
      expect(sets).toContain(`${family}-holdout9`);
      expect(sets).toContain(`${family}-holdout11`);
      // injection-holdout12 measures (fixture-rates.ts NOT_TRAINED); moderation-holdout12 trains
      if (family === 'moderation') expect(sets).toContain(`${family}-holdout12`);
      else expect(sets).not.toContain(`${family}-holdout12`);
      for (const held of ['holdout10', 'holdout13', 'holdout14', 'holdout20']) {
        expect(HELD_OUT.test(`${family}-${held}`)).toBe(true);
        expect(sets).not.toContain(`${family}-${held}`);
      }
      for (const s of sets) expect(s).not.toMatch(/holdout(10|1[3-9]|[2-9]\d)/);
    }
  });

  it('would fail a detector that finds nothing, or one that flags everything', async () => {
    const none = await rates({ name: 'none', types: [], detect: () => [] }, dev);
    expect(none.recall).toBe(0);
    const all = await rates({ name: 'all', types: [], detect: () => [{ detector: 'all', type: 'X', start: 0, end: 1, score: 1 }] }, dev);
    expect(all.fpr).toBe(1);
  });
});
