/**
 * The literal prefilter of the layered detectors (actors/guardrail/detectors/text/literals.ts) never changes what a
 * rule finds: for the injection, moderation and bias rules and context rules, on fixture texts and on random texts
 * built from fixture words, rule hits through the literal index equal every regex run by `matchAll`/`test` on the whole
 * text, and required factors and prefixes hold for every match (fast-check).
 *
 * The fixture texts checked in a run: for every rule and context rule, the first texts (in the run's seeded order) it
 * matches — however rare a rule, its matches are compared on real text each run — plus a seeded sample of every
 * fixture file (fixture-sample.ts: a new sample each run, every text over runs; `FIXTURE_SAMPLE=all` for all of them).
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { INTENT_RULES } from '../../actors/guardrail/detectors/injection/intents.js';
import { INJECTION_CONTEXTS, INJECTION_RULES } from '../../actors/guardrail/detectors/injection/rules.js';
import { BIAS_CONTEXTS, BIAS_RULES, MODERATION_CONTEXTS, MODERATION_RULES } from '../../actors/guardrail/detectors/moderation/rules.js';
import { LiteralIndex, requiredFactors, requiredPrefixes, type Prefix } from '../../actors/guardrail/detectors/text/literals.js';
import { normalizeText } from '../../actors/guardrail/detectors/text/normalize.js';
import { hits, segmentsOf, type ContextRule, type Rule } from '../../actors/guardrail/detectors/text/rules.js';
import { ALL_TEXTS, SAMPLE_SEED, checkEach, fixtureTextsByFile, shuffled, stratified } from './fixture-sample.js';

const byFile = fixtureTextsByFile().map(({ texts }) => texts.map((t) => normalizeText(t).text));
const texts = byFile.flat();
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

/** For every rule and context rule of {@link sets}, the first `perRule` texts in this run's order that it matches. */
function matchedByEveryRule(perRule: number): Set<string> {
  const order = shuffled(texts, SAMPLE_SEED);
  const picked = new Set<string>();
  for (const [, rules, contexts] of sets)
    for (const { re } of [...rules, ...contexts]) {
      const once = new RegExp(re.source, re.flags.replace('g', ''));
      let n = 0;
      for (const t of order)
        if (once.test(t)) {
          picked.add(t);
          if (++n === perRule) break;
        }
    }
  return picked;
}

const words = [...new Set(texts.flatMap((t) => t.split(/(?<=[\s,.:;!?])/)))].filter((w) => w.length > 0);
const randomText = fc
  .array(
    fc.oneof(
      // by index: spreading tens of thousands of words into constantFrom overflows the call stack
      { weight: 6, arbitrary: fc.nat({ max: words.length - 1 }).map((i) => words[i]!) },
      { weight: 1, arbitrary: fc.string({ maxLength: 4 }) },
      { weight: 1, arbitrary: fc.constantFrom(' ', '\n', '. ', ', ', '-', '<!--', '-->', '|', ':', '"', "'") },
    ),
    { maxLength: 150 },
  )
  .map((a) => normalizeText(a.join('')).text);

describe('literal prefilter', () => {
  it('finds exactly the hits a whole-text scan finds, on fixture texts every rule matches and a sample of each file', () => {
    const hard = matchedByEveryRule(3);
    const sample = stratified(byFile, 0.1, SAMPLE_SEED);
    expect(hard.size).toBeGreaterThan(100);
    expect(sample.length).toBeGreaterThan(ALL_TEXTS ? 10_000 : 1_000);
    checkEach(new Set([...hard, ...sample]), sameAsReference);
  }, 600_000);

  it('finds exactly the hits a whole-text scan finds, on random texts of fixture words', () => {
    fc.assert(
      fc.property(randomText, (t) => sameAsReference(t)),
      { numRuns: 400 },
    );
  });

  it('every match contains a required factor and starts with a prefix (or within its window), and holds what follows it', () => {
    // Each rule's factors and prefixes, computed once (they depend on the regex only).
    const required = sets.flatMap(([, rules]) =>
      rules.map(({ re }) => ({ re, factors: requiredFactors(re), prefixes: requiredPrefixes(re) })),
    );
    fc.assert(
      fc.property(randomText, (t) => {
        for (const { re, factors, prefixes } of required)
          for (const m of t.matchAll(re)) {
            if (m[0].length === 0) continue;
            if (factors !== null) expect(factors.some((f) => m[0].includes(f))).toBe(true);
            if (prefixes !== null) {
              // a prefix it starts with (or within its window), and what that prefix says follows it: inside the match
              const starts = prefixes.filter((p) => [...Array(p.back + 1).keys()].some((b) => t.startsWith(p.literal, m.index + b)));
              expect(starts.length).toBeGreaterThan(0);
              const follows = (p: Prefix): boolean =>
                p.after === undefined || (m[0].length <= p.after.span && p.after.factors.some((f) => m[0].includes(f)));
              expect(starts.some(follows)).toBe(true);
            }
          }
      }),
      { numRuns: 200 },
    );
  }, 600_000);
});
