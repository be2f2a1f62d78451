/**
 * The literal prefilter of the layered detectors (actors/guardrail/detectors/text/literals.ts) never changes what a
 * rule finds: for the injection, moderation and bias rules and context rules, on fixture texts and on random texts
 * built from fixture words, rule hits through the literal index equal every regex run by `matchAll`/`test` on the whole
 * text, and required factors and prefixes hold for every match (fast-check).
 */
import { readFileSync, readdirSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { INTENT_RULES } from '../../actors/guardrail/detectors/injection/intents.js';
import { INJECTION_CONTEXTS, INJECTION_RULES } from '../../actors/guardrail/detectors/injection/rules.js';
import { BIAS_CONTEXTS, BIAS_RULES, MODERATION_CONTEXTS, MODERATION_RULES } from '../../actors/guardrail/detectors/moderation/rules.js';
import { LiteralIndex, requiredFactors, requiredPrefixes } from '../../actors/guardrail/detectors/text/literals.js';
import { normalizeText } from '../../actors/guardrail/detectors/text/normalize.js';
import { hits, segmentsOf, type ContextRule, type Rule } from '../../actors/guardrail/detectors/text/rules.js';

const DIR = join(dirname(fileURLToPath(import.meta.url)), '..', 'fixtures', 'guardrails');
const texts = readdirSync(DIR)
  .filter((f) => f.endsWith('.jsonl'))
  .flatMap((f) =>
    readFileSync(join(DIR, f), 'utf8')
      .split('\n')
      .filter((l) => l.trim() !== '')
      .map((l) => normalizeText((JSON.parse(l) as { text: string }).text).text),
  );
const sets: [string, readonly Rule[], readonly ContextRule[]][] = [
  ['injection', [...INJECTION_RULES, ...INTENT_RULES], INJECTION_CONTEXTS],
  ['moderation', MODERATION_RULES, MODERATION_CONTEXTS],
  ['bias', BIAS_RULES, BIAS_CONTEXTS],
];

/** Every rule's hits as the detectors found them before the prefilter: `matchAll` on the whole text. */
function reference(text: string, rules: readonly Rule[]): { rule: number; start: number; end: number }[] {
  const out: { rule: number; start: number; end: number }[] = [];
  rules.forEach((r, rule) => {
    if (r.need !== undefined && !r.need.test(text)) return;
    let n = 0;
    for (const m of text.matchAll(r.re)) {
      if (m[0].length === 0) continue;
      out.push({ rule, start: m.index, end: m.index + m[0].length });
      if (++n >= 200) break;
    }
  });
  return out;
}

const contextIndexes = sets.map(([, , contexts]) => new LiteralIndex(contexts.map((c) => c.re)));

function sameAsReference(text: string): void {
  for (const [i, [name, rules, contexts]] of sets.entries()) {
    expect(hits(text, rules), name).toEqual(reference(text, rules));
    const scan = contextIndexes[i]!.scan(text);
    for (const c of contexts) {
      expect(scan.test(c.re), `${name} context /${c.re.source.slice(0, 40)}…/`).toBe(c.re.test(text));
      // a segment's context rule is skipped only where it cannot match (scoreSegments' per-segment prefilter)
      for (const s of segmentsOf(text))
        if (!scan.mayIn(c.re, s.start, s.end)) expect(c.re.test(text.slice(s.start, s.end)), `${name} context in segment`).toBe(false);
    }
  }
}

const words = [...new Set(texts.flatMap((t) => t.split(/(?<=[\s,.:;!?])/)))].filter((w) => w.length > 0);
const randomText = fc
  .array(
    fc.oneof(
      { weight: 6, arbitrary: fc.constantFrom(...words) },
      { weight: 1, arbitrary: fc.string({ maxLength: 4 }) },
      { weight: 1, arbitrary: fc.constantFrom(' ', '\n', '. ', ', ', '-', '<!--', '-->', '|', ':', '"', "'") },
    ),
    { maxLength: 150 },
  )
  .map((a) => normalizeText(a.join('')).text);

describe('literal prefilter', () => {
  it('finds exactly the hits a whole-text scan finds, on every fixture text', () => {
    for (const t of texts) sameAsReference(t);
  }, 600_000);

  it('finds exactly the hits a whole-text scan finds, on random texts of fixture words', () => {
    fc.assert(
      fc.property(randomText, (t) => sameAsReference(t)),
      { numRuns: 400 },
    );
  });

  it('every match contains a required factor and starts with a prefix (or within its window)', () => {
    fc.assert(
      fc.property(randomText, (t) => {
        for (const [, rules] of sets)
          for (const r of rules) {
            const factors = requiredFactors(r.re);
            const prefixes = requiredPrefixes(r.re);
            for (const m of t.matchAll(r.re)) {
              if (m[0].length === 0) continue;
              if (factors !== null) expect(factors.some((f) => m[0].includes(f))).toBe(true);
              if (prefixes !== null)
                expect(prefixes.some((p) => [...Array(p.back + 1).keys()].some((b) => t.startsWith(p.literal, m.index + b)))).toBe(true);
            }
          }
      }),
      { numRuns: 60 },
    );
  }, 600_000);
});
