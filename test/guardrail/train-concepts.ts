/**
 * Fits the concept models of the injection and moderation detectors (actors/guardrail/detectors/text/concepts.ts)
 * on the development sets and writes their weights: `npx tsx test/guardrail/train-concepts.ts [injection|moderation]`
 * → `actors/guardrail/detectors/<family>/concept-weights.ts`.
 *
 * A softmax regression over concept and concept-pair features, full-batch Adam with L2, classes weighted to balance.
 * It trains on every `<family>*.jsonl` set except the held-out splits (fixture-rates.ts `trainingSets`: `*-wide-blind`,
 * `*-wide-final` and `*holdout*`), which only measure; the other family's texts join as negatives
 * (moderation texts are benign for injection; injection's benign texts are benign for moderation). Features seen in
 * fewer than two texts are dropped. Training is deterministic: the same sets give the same weights.
 */
import { writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { ConceptTagger, featuresOf, type ConceptModel, type Lexicon } from '../../actors/guardrail/detectors/text/concepts.js';
import { normalizeText } from '../../actors/guardrail/detectors/text/normalize.js';
import { INJECTION_LEXICON } from '../../actors/guardrail/detectors/injection/lexicon.js';
import { MODERATION_LEXICON } from '../../actors/guardrail/detectors/moderation/lexicon.js';
import { readFixture, trainingSets, type FixtureRow } from './fixture-rates.js';

const here = dirname(fileURLToPath(import.meta.url));

const FAMILIES: Record<string, { lexicon: Lexicon; classes: string[]; other: string }> = {
  injection: { lexicon: INJECTION_LEXICON, classes: ['benign', 'INJECTION', 'JAILBREAK', 'PROMPT_EXTRACTION'], other: 'moderation' },
  moderation: {
    lexicon: MODERATION_LEXICON,
    classes: ['benign', 'HARASSMENT', 'HATE', 'SELF_HARM', 'VIOLENCE', 'SEXUAL'],
    other: 'injection',
  },
};

/** One training row of a concept model: the text, its class index and the set it comes from. */
export interface ConceptRow {
  readonly row: FixtureRow;
  readonly cls: number;
  readonly set: string;
}

/** The training rows of a family's concept model (the other family's texts join as benign). */
export function conceptRows(family: string): ConceptRow[] {
  const spec = FAMILIES[family]!;
  const rows: ConceptRow[] = [];
  for (const set of trainingSets(family))
    for (const row of readFixture(set)) {
      const cls = spec.classes.indexOf(row.label);
      if (cls >= 0) rows.push({ row, cls, set });
    }
  for (const set of trainingSets(spec.other))
    for (const row of readFixture(set)) if (row.label === 'benign' || family === 'injection') rows.push({ row, cls: 0, set });
  return rows;
}

/** Fits a family's concept model on rows (deterministic), with the number of features seen twice or more. */
export function fitConcepts(family: string, rows: readonly ConceptRow[], quiet = false): { model: ConceptModel; features: number } {
  const spec = FAMILIES[family]!;
  const tagger = new ConceptTagger(spec.lexicon);
  const feats = rows.map((r) => featuresOf(tagger.tag(normalizeText(r.row.text).text)));
  const df = new Map<string, number>();
  for (const f of feats) for (const x of f) df.set(x, (df.get(x) ?? 0) + 1);
  const names = [...df.entries()].filter(([, n]) => n >= 2).map(([f]) => f);
  const index = new Map(names.map((f, i) => [f, i]));
  const X = feats.map((f) => [...f].map((x) => index.get(x)).filter((i): i is number => i !== undefined));
  const K = spec.classes.length;
  const counts = new Array<number>(K).fill(0);
  for (const r of rows) counts[r.cls]!++;
  const attacks = rows.length - counts[0]!;
  // benign weighs as much as all attacks together; attack classes weigh by their share
  const cw = counts.map((c, k) => (c === 0 ? 0 : k === 0 ? rows.length / (2 * c) : rows.length / (2 * attacks)));
  const D = names.length;
  const W = new Float64Array(D * K);
  const b = new Float64Array(K);
  const mW = new Float64Array(D * K);
  const vW = new Float64Array(D * K);
  const mb = new Float64Array(K);
  const vb = new Float64Array(K);
  const lr = 0.05;
  const l2 = 5e-4;
  const [b1, b2] = [0.9, 0.999];
  for (let epoch = 1; epoch <= 400; epoch++) {
    const gW = new Float64Array(D * K);
    const gb = new Float64Array(K);
    let loss = 0;
    for (let n = 0; n < rows.length; n++) {
      const z = Array.from(b);
      for (const i of X[n]!) for (let k = 0; k < K; k++) z[k]! += W[i * K + k]!;
      const max = Math.max(...z);
      const ex = z.map((v) => Math.exp(v - max));
      const sum = ex.reduce((a, c) => a + c, 0);
      const w = cw[rows[n]!.cls]! / rows.length;
      loss -= w * Math.log(ex[rows[n]!.cls]! / sum);
      for (let k = 0; k < K; k++) {
        const g = w * (ex[k]! / sum - (k === rows[n]!.cls ? 1 : 0));
        gb[k]! += g;
        for (const i of X[n]!) gW[i * K + k]! += g;
      }
    }
    for (let j = 0; j < D * K; j++) {
      const g = gW[j]! + l2 * W[j]!;
      mW[j] = b1 * mW[j]! + (1 - b1) * g;
      vW[j] = b2 * vW[j]! + (1 - b2) * g * g;
      W[j]! -= (lr * (mW[j]! / (1 - b1 ** epoch))) / (Math.sqrt(vW[j]! / (1 - b2 ** epoch)) + 1e-8);
    }
    for (let k = 0; k < K; k++) {
      mb[k] = b1 * mb[k]! + (1 - b1) * gb[k]!;
      vb[k] = b2 * vb[k]! + (1 - b2) * gb[k]! ** 2;
      b[k]! -= (lr * (mb[k]! / (1 - b1 ** epoch))) / (Math.sqrt(vb[k]! / (1 - b2 ** epoch)) + 1e-8);
    }
    if (epoch % 100 === 0 && !quiet) console.log(`${family} epoch ${epoch} loss ${loss.toFixed(4)}`);
  }
  const weights: Record<string, number[]> = {};
  names.forEach((f, i) => {
    const w = Array.from(W.subarray(i * K, i * K + K), (v) => Math.round(v * 1000) / 1000);
    if (w.some((v) => Math.abs(v) >= 0.02)) weights[f] = w;
  });
  return { model: { classes: spec.classes, bias: Array.from(b, (v) => Math.round(v * 1000) / 1000), weights }, features: names.length };
}

function train(family: string): void {
  const rows = conceptRows(family);
  const { model, features } = fitConcepts(family, rows);
  const out = join(here, '..', '..', 'actors', 'guardrail', 'detectors', family, 'concept-weights.ts');
  writeFileSync(
    out,
    `/**\n * Weights of the ${family} detector's concept model (text/concepts.ts), written by test/guardrail/train-concepts.ts\n` +
      ` * from ${rows.length} texts of the development sets (${features} features seen twice or more). Do not edit.\n */\n` +
      `import type { ConceptModel } from '../text/concepts.js';\n\n` +
      `// prettier-ignore\nexport const ${family.toUpperCase()}_CONCEPT_MODEL: ConceptModel = {\n` +
      `  classes: ${JSON.stringify(model.classes)},\n` +
      `  bias: ${JSON.stringify(model.bias)},\n` +
      `  weights: {\n${Object.entries(model.weights)
        .map(([f, w]) => `    ${JSON.stringify(f)}: ${JSON.stringify(w)},\n`)
        .join('')}  },\n};\n`,
  );
  console.log(`${family}: ${rows.length} texts, ${Object.keys(model.weights).length} features kept → ${out}`);
}

if (process.argv[1] !== undefined && fileURLToPath(import.meta.url) === process.argv[1]) {
  const which = process.argv.slice(2);
  for (const family of which.length > 0 ? which : Object.keys(FAMILIES)) train(family);
}
