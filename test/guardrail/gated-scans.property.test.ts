/**
 * The gated scans of the layered detectors' speed pass give what the plain scans they replace give (fast-check, on
 * random texts of fixture words, on a seeded sample of every fixture file and on the bench's 1 KB messages):
 * - a context regex tried on a segment only where the literal index allows (literals.ts `LiteralScan.testIn`) says
 *   what `re.test(segment)` says, on segments and on arbitrary cuts of a text (mid-word, mid-literal);
 * - the factors of a regex's positive lookarounds (`requiredTextFactors`) never rule out a text or part it matches;
 * - the context damping (rules.ts `contextDamping`), which reuses what the rules' scoring found of each context rule
 *   on each segment, equals the damping computed plainly (every context regex on every segment, no index, no reuse),
 *   whichever of the two runs first, and the rules' scores do not depend on that order;
 * - the combination's verdict read lazily (stack.ts `stackVerdict`, cues read only until it is certain) is the verdict
 *   of `stackProbability` with every cue read, and its probability is that probability.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { injectionCues } from '../../actors/guardrail/detectors/injection/cues.js';
import { INTENT_RULES } from '../../actors/guardrail/detectors/injection/intents.js';
import { INJECTION_STACK } from '../../actors/guardrail/detectors/injection/stack-weights.js';
import {
  INJECTION_CONTEXTS,
  INJECTION_MENTIONS,
  INJECTION_NOT_ADDRESSED,
  INJECTION_RULES,
} from '../../actors/guardrail/detectors/injection/rules.js';
import { BIAS_CONTEXTS, BIAS_RULES, MODERATION_CONTEXTS, MODERATION_RULES } from '../../actors/guardrail/detectors/moderation/rules.js';
import { LiteralIndex } from '../../actors/guardrail/detectors/text/literals.js';
import { normalizeText } from '../../actors/guardrail/detectors/text/normalize.js';
import {
  contextDamping,
  contextHolds,
  scoreSegments,
  segmentsOf,
  type ContextRule,
  type Rule,
} from '../../actors/guardrail/detectors/text/rules.js';
import { stackProbability, stackVerdict, type CueSource, type StackModel } from '../../actors/guardrail/detectors/text/stack.js';
import { SAMPLE_SEED, checkEach, fixtureTextsByFile, stratified } from './fixture-sample.js';
import { kbMessages } from './kb-messages.js';

const byFile = fixtureTextsByFile().map(({ texts }) => texts.map((t) => normalizeText(t).text));
const sets: { name: string; rules: readonly Rule[]; contexts: readonly ContextRule[] }[] = [
  { name: 'injection', rules: [...INJECTION_RULES, ...INTENT_RULES], contexts: [...INJECTION_CONTEXTS, ...INJECTION_NOT_ADDRESSED] },
  { name: 'moderation', rules: MODERATION_RULES, contexts: MODERATION_CONTEXTS },
  { name: 'bias', rules: BIAS_RULES, contexts: BIAS_CONTEXTS },
];
/** Each set's index as the detectors build it: its rules' and context rules' regexes. */
const indexes = sets.map(
  ({ rules, contexts }) =>
    new LiteralIndex([
      ...rules.flatMap((r) => (r.need === undefined ? [r.re] : [r.re, r.need])),
      ...contexts.flatMap((c) => (c.need === undefined ? [c.re] : [c.re, c.need])),
    ]),
);
const typesOf = (rules: readonly Rule[]): string[] => [...new Set(rules.map((r) => r.type))];

const words = [...new Set(byFile.flat().flatMap((t) => t.split(/(?<=[\s,.:;!?])/)))].filter((w) => w.length > 0);
const randomText = fc
  .array(
    fc.oneof(
      // by index: spreading tens of thousands of words into constantFrom overflows the call stack
      { weight: 6, arbitrary: fc.nat({ max: words.length - 1 }).map((i) => words[i]!) },
      { weight: 1, arbitrary: fc.string({ maxLength: 4 }) },
      { weight: 1, arbitrary: fc.constantFrom(' ', '\n', '. ', ', ', '-', '<!--', '-->', '|', ':', '"', "'", '# ', '// ') },
    ),
    { maxLength: 150 },
  )
  .map((a) => normalizeText(a.join('')).text);

/** A non-global copy of `re` (`test` without a `lastIndex`). */
const once = (re: RegExp): RegExp => new RegExp(re.source, re.flags.replace(/[gy]/g, ''));
const onceOf = new Map<RegExp, RegExp>();
const plainTest = (re: RegExp, text: string): boolean => {
  let r = onceOf.get(re);
  if (r === undefined) onceOf.set(re, (r = once(re)));
  return r.test(text);
};

/** Gated context tests equal plain ones on every segment and on the given cuts; lookaround factors rule out nothing that matches. */
function gatedEqualsPlain(text: string, cuts: readonly (readonly [number, number])[] = []): void {
  sets.forEach(({ name, rules, contexts }, i) => {
    const scan = indexes[i]!.scan(text);
    for (const re of [...rules.flatMap((r) => [r.re, r.need]), ...contexts.flatMap((c) => [c.re, c.need, c.unless])])
      if (re !== undefined && !scan.may(re)) expect(plainTest(re, text), `${name} /${re.source.slice(0, 50)}…/ ruled out`).toBe(false);
    const parts = [...segmentsOf(text).map((s) => [s.start, s.end] as const), ...cuts];
    for (const c of contexts)
      for (const [start, end] of parts) {
        const part = text.slice(start, end);
        expect(scan.testIn(c.re, start, end, part), `${name} context /${c.re.source.slice(0, 50)}…/ on [${start}, ${end})`).toBe(
          c.re.test(part),
        );
      }
  });
}

/** The context damping as computed before the speed pass: every context regex on the text and on every segment. */
function plainDamping(text: string, contexts: readonly ContextRule[], type: string): number {
  const applies = (c: ContextRule): boolean => c.factor < 1 && (c.types === undefined || c.types.includes(type));
  let f = 1;
  for (const c of contexts) if (c.scope === 'text' && applies(c) && contextHolds(c, text)) f *= c.factor;
  const segContexts = contexts.filter((c) => c.scope === 'segment' && applies(c) && (c.need === undefined || c.need.test(text)));
  if (segContexts.length === 0) return f;
  let freest = 0;
  for (const seg of segmentsOf(text)) {
    let g = 1;
    const part = text.slice(seg.start, seg.end);
    for (const c of segContexts) if (contextHolds(c, part)) g *= c.factor;
    freest = Math.max(freest, g);
  }
  return f * (freest === 0 ? 1 : freest);
}

/** Damping and scores with the reuse, in both orders, against the plain damping; `other` evicts the kept answers. */
function dampingEqualsPlain(text: string): void {
  for (const { name, rules, contexts } of sets) {
    const input = { text, rules, contexts, ...(name === 'injection' ? { mentions: INJECTION_MENTIONS } : {}) };
    const types = typesOf(rules);
    // scores first (as a check runs), then the damping, which reuses what the scores found
    const scores = scoreSegments(input);
    for (const t of types)
      expect(contextDamping(text, contexts, t, rules), `${name} ${t} after scores`).toBe(plainDamping(text, contexts, t));
    // the damping first on a fresh text, then the scores: the same scores
    scoreSegments({ ...input, text: `${text} .` });
    for (const t of types) expect(contextDamping(text, contexts, t, rules), `${name} ${t} first`).toBe(plainDamping(text, contexts, t));
    expect(scoreSegments(input), `${name} scores after the damping`).toEqual(scores);
  }
}

const fixtureSample = [...stratified(byFile, 0.02, SAMPLE_SEED), ...kbMessages(64).map((m) => normalizeText(m).text)];

describe('gated scans equal plain scans', () => {
  it('context regexes tried through the literal index on segments say what re.test(segment) says (fixtures)', () => {
    expect(fixtureSample.length).toBeGreaterThan(300);
    checkEach(fixtureSample, (t) =>
      gatedEqualsPlain(
        t,
        t.length > 40
          ? [
              [3, t.length - 5],
              [1, 37],
            ]
          : [],
      ),
    );
  }, 600_000);

  it('… on random texts of fixture words, on segments and arbitrary cuts', () => {
    const withCuts = randomText.chain((t) =>
      fc.tuple(
        fc.constant(t),
        fc.array(
          fc.tuple(fc.nat({ max: t.length }), fc.nat({ max: t.length })).map(([a, b]) => [Math.min(a, b), Math.max(a, b)] as const),
          { maxLength: 6 },
        ),
      ),
    );
    fc.assert(
      fc.property(withCuts, ([t, cuts]) => gatedEqualsPlain(t, cuts)),
      { numRuns: 300 },
    );
  }, 600_000);

  it('… on parts that start right after a letter, where a lookbehind sees a letter in the text and nothing in the part', () => {
    // each context match of a fixture text, with a letter put before it, cut out again: the part is the match alone
    let checked = 0;
    checkEach(fixtureSample.slice(0, 400), (t) => {
      for (const { contexts } of sets)
        for (const c of contexts) {
          const m = new RegExp(c.re.source, c.re.flags.replace(/[gy]/g, '')).exec(t);
          if (m === null || m[0].length === 0) continue;
          const text = `${t.slice(0, m.index)}z${t.slice(m.index)}`;
          gatedEqualsPlain(text, [[m.index + 1, m.index + 1 + m[0].length]]);
          checked++;
        }
    });
    expect(checked).toBeGreaterThan(100);
  }, 600_000);

  it('the context damping reusing the scoring equals the plain damping, in either order (fixtures and random texts)', () => {
    checkEach(fixtureSample, dampingEqualsPlain);
    fc.assert(
      fc.property(randomText, (t) => dampingEqualsPlain(t)),
      { numRuns: 200 },
    );
  }, 600_000);
});

describe('the combination read lazily', () => {
  const unit = fc.double({ min: 0, max: 1, noNaN: true });
  const weight = fc.double({ min: -4, max: 4, noNaN: true });
  const model = fc.record({
    ngram: weight,
    concept: fc.oneof(fc.constant(0), weight),
    bias: weight,
    threshold: fc.double({ min: 0.05, max: 0.95, noNaN: true }),
    keep: fc.constant(0.9),
    words: fc.constant(10),
    low: fc.constant(0.01),
    cues: fc.record({ weights: fc.array(weight, { minLength: 4, maxLength: 4 }), bias: weight }),
  }) as fc.Arbitrary<StackModel>;
  const ranges: readonly (readonly [number, number])[] = [
    [0, 1],
    [-3, 0],
    [0, 1],
    [0, 2.2],
  ];
  const values = fc.tuple(
    fc.integer({ min: 0, max: 1 }),
    fc.double({ min: -3, max: 0, noNaN: true }),
    fc.integer({ min: 0, max: 1 }),
    fc.double({ min: 0, max: 2.2, noNaN: true }),
  );

  it('gives stackProbability’s verdict and probability, reading no cue twice (random models and cues)', () => {
    fc.assert(
      fc.property(model, unit, unit, values, fc.constantFrom([0, 1, 2, 3], [3, 2, 0, 1], [1, 0, 3, 2]), (m, p, c, v, order) => {
        const reads = [0, 0, 0, 0];
        const lazy: CueSource = {
          ranges,
          order,
          value: (i) => (reads[i]!++, v[i]!),
          values: () => v,
        };
        const full = stackProbability(m, p, c, { ranges, values: () => v });
        const verdict = stackVerdict(m, p, c, lazy);
        expect(verdict.above).toBe(!(full < m.threshold));
        expect(verdict.probability()).toBe(full);
        expect(Math.max(...reads)).toBeLessThanOrEqual(1);
      }),
      { numRuns: 3000 },
    );
  });

  it('gives the verdict of every cue read on fixture texts, with the detector’s own model and cues', () => {
    checkEach(fixtureSample.slice(0, 200), (t) => {
      for (const [p, c] of [
        [0.5, 0.5],
        [0.9, 0.8],
        [0.99, 0.2],
        [0.3, 0.95],
        [0.999, 0.999],
      ] as const) {
        const damping = (): number => contextDamping(t, sets[0]!.contexts, 'INJECTION', sets[0]!.rules);
        const full = stackProbability(INJECTION_STACK, p, c, { ...injectionCues(t, damping), value: undefined });
        const verdict = stackVerdict(INJECTION_STACK, p, c, injectionCues(t, damping));
        expect(verdict.above).toBe(!(full < INJECTION_STACK.threshold));
        if (verdict.above) expect(verdict.probability()).toBe(full);
      }
    });
  }, 600_000);
});
