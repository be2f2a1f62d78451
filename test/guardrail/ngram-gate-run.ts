/**
 * Chooses how the n-gram layer joins the rules (`ngramGate`'s low / keep / high): `npx tsx test/guardrail/ngram-gate-run.ts
 * [injection|moderation]`. A development aid, not a test. The model's probabilities come out of fold (5-fold
 * cross-validation over the training sets, so no text is scored by a model that saw it) and, for the wide sets'
 * blind and final splits (never trained on), from the model fitted on all training sets; the rules' findings come
 * from the detector with the n-gram layer off. Prints detection and false positives per grid point. Never reads the
 * `*holdout*` sets.
 */
import { injectionDetector } from '../../actors/guardrail/detectors/injection/index.js';
import { moderationDetector } from '../../actors/guardrail/detectors/moderation/index.js';
import { ngramFeatures } from '../../actors/guardrail/detectors/text/ngram.js';
import { normalizeText } from '../../actors/guardrail/detectors/text/normalize.js';
import { readFixture } from './fixture-rates.js';
import { fit, trainingRows } from './train-ngram.js';

const family = process.argv[2] ?? 'injection';
const detector = family === 'injection' ? injectionDetector({ ngram: false }) : moderationDetector({ ngram: false });

function prob(m: { w: Float64Array; bias: number }, text: string): number {
  const f = ngramFeatures(normalizeText(text).text);
  if (f.length === 0) return 0;
  let z = 0;
  for (const b of f) z += m.w[b]!;
  return 1 / (1 + Math.exp(-(m.bias + z / Math.sqrt(f.length))));
}

interface Row {
  readonly y: number;
  readonly p: number;
  readonly rule: number;
}
async function row(text: string, y: number, p: number): Promise<Row> {
  const found = await detector.detect(text, { stage: 'input' });
  return { y, p, rule: Math.max(0, ...found.map((f) => f.score)) };
}

const rows = trainingRows(family);
const folds = 5;
const cv: Row[] = [];
for (let k = 0; k < folds; k++) {
  const m = fit(rows.filter((_, i) => i % folds !== k));
  for (let i = k; i < rows.length; i += folds) cv.push(await row(rows[i]![0], rows[i]![1], prob(m, rows[i]![0])));
}
const all = fit(rows);
const blind: Row[] = [];
for (const set of [`${family}-wide-blind`, `${family}-wide-final`])
  for (const r of readFixture(set)) blind.push(await row(r.text, r.label === 'benign' ? 0 : 1, prob(all, r.text)));

function rates(rs: readonly Row[], low: number, keep: number, high: number): string {
  let tp = 0;
  let fp = 0;
  let pos = 0;
  for (const r of rs) {
    const ruled = r.rule > 0 && (r.p > low || r.rule >= keep);
    const hit = ruled || (r.rule === 0 && r.p >= high);
    if (r.y === 1) {
      pos++;
      if (hit) tp++;
    } else if (hit) fp++;
  }
  return `${(tp / pos).toFixed(3)}/${(fp / (rs.length - pos)).toFixed(3)}`;
}
console.log(`${family}: cv ${cv.length} rows, blind ${blind.length}; det/fp  [cv | blind]`);
console.log(
  `rules alone: ${rates(cv, -1, 0, 2)} | ${rates(blind, -1, 0, 2)}; model alone @0.5: ${rates(
    cv.map((r) => ({ ...r, rule: 0 })),
    -1,
    0,
    0.5,
  )} | ${rates(
    blind.map((r) => ({ ...r, rule: 0 })),
    -1,
    0,
    0.5,
  )}`,
);
for (const low of [0.05, 0.1, 0.2, 0.3])
  for (const keep of [0.7, 0.8, 0.9, 1.01])
    for (const high of [0.8, 0.9, 0.95, 1.01])
      console.log(`low ${low} keep ${keep} high ${high}: ${rates(cv, low, keep, high)} | ${rates(blind, low, keep, high)}`);
