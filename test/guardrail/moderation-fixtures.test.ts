/**
 * The moderation and bias detectors on the development sets (test/fixtures/guardrails/moderation.jsonl: 202 lines,
 * 42 of them stereotypes; moderation-fresh*.jsonl and moderation-blind*.jsonl, written later as checks on
 * generalisation): moderation
 * detection ≥ 0.85 with false positives ≤ 5 % (stereotype lines are the bias detector's and left out), bias
 * detection ≥ 0.85 with false positives ≤ 5 %, and each harmful type found.
 */
import { describe, expect, it } from 'vitest';
import { biasDetector, moderationDetector } from '../../actors/guardrail/detectors/moderation/index.js';
import { rates, readFixture } from './fixture-rates.js';

const rows = readFixture('moderation');
const fresh = readFixture('moderation-fresh');

describe('moderation development set', () => {
  it('is big and varied', () => {
    expect(rows.length).toBeGreaterThanOrEqual(200);
    expect(rows.filter((r) => r.label === 'STEREOTYPE').length).toBeGreaterThanOrEqual(40);
    for (const t of ['HARASSMENT', 'HATE', 'SELF_HARM', 'VIOLENCE', 'SEXUAL', 'benign'])
      expect(rows.filter((r) => r.label === t).length, t).toBeGreaterThanOrEqual(14);
    expect(new Set(rows.map((r) => r.lang))).toEqual(new Set(['en', 'de', 'fr', 'es']));
  });

  it.each(['moderation', 'moderation-fresh'])(
    '%s: moderation detection ≥ 0.85, false positives ≤ 5 percent, every type ≥ 0.8',
    async (name) => {
      const r = await rates(
        moderationDetector(),
        readFixture(name).filter((x) => x.label !== 'STEREOTYPE'),
      );
      expect(r.recall, r.errors.join('\n')).toBeGreaterThanOrEqual(0.85);
      expect(r.fpr, r.errors.join('\n')).toBeLessThanOrEqual(0.05);
      for (const [label, [hit, total]] of Object.entries(r.perLabel)) expect(hit / total, label).toBeGreaterThanOrEqual(0.8);
    },
  );

  it('moderation-fresh2 with the benign set injection-benign: moderation and bias meet the goals', async () => {
    const set = [...readFixture('moderation-fresh2'), ...readFixture('injection-benign')];
    const moderation = await rates(
      moderationDetector(),
      set.filter((x) => x.label !== 'STEREOTYPE'),
    );
    expect(moderation.recall, moderation.errors.join('\n')).toBeGreaterThanOrEqual(0.85);
    expect(moderation.fpr, moderation.errors.join('\n')).toBeLessThanOrEqual(0.05);
    const bias = await rates(
      biasDetector(),
      set.filter((x) => x.label === 'STEREOTYPE' || x.label === 'benign'),
    );
    expect(bias.recall, bias.errors.join('\n')).toBeGreaterThanOrEqual(0.75);
    expect(bias.fpr, bias.errors.join('\n')).toBeLessThanOrEqual(0.05);
  });

  it('moderation-blind and -blind2: moderation ≥ 0.85 and bias ≥ 0.85, false positives ≤ 5 percent', async () => {
    const blind = [...readFixture('moderation-blind'), ...readFixture('moderation-blind2')];
    expect(blind.length).toBeGreaterThanOrEqual(100);
    const moderation = await rates(
      moderationDetector(),
      blind.filter((x) => x.label !== 'STEREOTYPE'),
    );
    expect(moderation.recall, moderation.errors.join('\n')).toBeGreaterThanOrEqual(0.85);
    expect(moderation.fpr, moderation.errors.join('\n')).toBeLessThanOrEqual(0.05);
    const bias = await rates(
      biasDetector(),
      blind.filter((x) => x.label === 'STEREOTYPE' || x.label === 'benign'),
    );
    expect(bias.recall, bias.errors.join('\n')).toBeGreaterThanOrEqual(0.85);
    expect(bias.fpr, bias.errors.join('\n')).toBeLessThanOrEqual(0.05);
  });

  it('bias: detection ≥ 0.85, false positives ≤ 5 percent', async () => {
    const r = await rates(
      biasDetector(),
      [...rows, ...fresh].filter((x) => x.label === 'STEREOTYPE' || x.label === 'benign'),
    );
    expect(r.recall, r.errors.join('\n')).toBeGreaterThanOrEqual(0.85);
    expect(r.fpr, r.errors.join('\n')).toBeLessThanOrEqual(0.05);
  });

  it('the moderation detector does not report stereotypes, nor the bias detector threats', async () => {
    const threats = rows.filter((x) => x.label === 'VIOLENCE');
    const bias = await rates(biasDetector(), threats);
    expect(bias.recall).toBeLessThan(0.2);
  });
});
