/**
 * Fits the n-gram models of the injection and moderation detectors (actors/guardrail/detectors/text/ngram.ts) on the
 * development sets and writes their weights: `npx tsx test/guardrail/train-ngram.ts [injection|moderation]` →
 * `actors/guardrail/detectors/<family>/ngram-weights.ts`.
 *
 * A binary logistic regression (benign against any of the family's finding types) over the hashed, unit-length
 * feature vectors of ngram.ts; full-batch Adam with L2, the two classes weighted to balance. It reads only the
 * training sets of fixture-rates.ts (`trainingSets`: never `*-wide-blind`, `*-wide-final` or `*holdout*`); the other
 * family's texts join as negatives as in train-concepts.ts. Deterministic: the same sets give the same weights.
 */
import { writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { NGRAM_DIMS, ngramFeatures } from '../../actors/guardrail/detectors/text/ngram.js';
import { normalizeText } from '../../actors/guardrail/detectors/text/normalize.js';
import { readFixture, trainingSets } from './fixture-rates.js';

const here = dirname(fileURLToPath(import.meta.url));

const FAMILIES: Record<string, { attacks: readonly string[]; other: string }> = {
  injection: { attacks: ['INJECTION', 'JAILBREAK', 'PROMPT_EXTRACTION'], other: 'moderation' },
  moderation: { attacks: ['HARASSMENT', 'HATE', 'SELF_HARM', 'VIOLENCE', 'SEXUAL'], other: 'injection' },
};

/** Training rows of a family: [text, 1 for an attack or 0 for benign]. */
export function trainingRows(family: string): [string, number][] {
  const spec = FAMILIES[family]!;
  const rows: [string, number][] = [];
  for (const set of trainingSets(family))
    for (const row of readFixture(set)) {
      if (spec.attacks.includes(row.label)) rows.push([row.text, 1]);
      else if (row.label === 'benign') rows.push([row.text, 0]);
    }
  for (const set of trainingSets(spec.other))
    for (const row of readFixture(set)) if (row.label === 'benign' || family === 'injection') rows.push([row.text, 0]);
  return rows;
}

/** Fits weights (float) and bias on rows. */
export function fit(rows: readonly [string, number][], epochs = 300): { w: Float64Array; bias: number } {
  const X = rows.map(([t]) => Int32Array.from(ngramFeatures(normalizeText(t).text)));
  const pos = rows.filter(([, y]) => y === 1).length;
  const cw = [rows.length / (2 * (rows.length - pos)), rows.length / (2 * pos)];
  const D = NGRAM_DIMS;
  const w = new Float64Array(D);
  const m = new Float64Array(D);
  const v = new Float64Array(D);
  let bias = 0;
  let mb = 0;
  let vb = 0;
  const lr = 0.02;
  const l2 = 2e-4;
  const [b1, b2] = [0.9, 0.999];
  for (let epoch = 1; epoch <= epochs; epoch++) {
    const g = new Float64Array(D);
    let gb = 0;
    for (let n = 0; n < rows.length; n++) {
      const x = X[n]!;
      if (x.length === 0) continue;
      const s = 1 / Math.sqrt(x.length);
      let z = bias;
      for (const i of x) z += w[i]! * s;
      const y = rows[n]![1];
      const d = (cw[y]! / rows.length) * (1 / (1 + Math.exp(-z)) - y);
      gb += d;
      for (const i of x) g[i]! += d * s;
    }
    for (let j = 0; j < D; j++) {
      const gj = g[j]! + l2 * w[j]!;
      m[j] = b1 * m[j]! + (1 - b1) * gj;
      v[j] = b2 * v[j]! + (1 - b2) * gj * gj;
      w[j]! -= (lr * (m[j]! / (1 - b1 ** epoch))) / (Math.sqrt(v[j]! / (1 - b2 ** epoch)) + 1e-8);
    }
    mb = b1 * mb + (1 - b1) * gb;
    vb = b2 * vb + (1 - b2) * gb * gb;
    bias -= (lr * (mb / (1 - b1 ** epoch))) / (Math.sqrt(vb / (1 - b2 ** epoch)) + 1e-8);
  }
  return { w, bias };
}

/** The int8 quantisation written to the weights file. */
export function quantise(w: Float64Array): { scale: number; weights: string } {
  let max = 0;
  for (const x of w) max = Math.max(max, Math.abs(x));
  const scale = max === 0 ? 1 : max / 127;
  const q = new Int8Array(w.length);
  for (let i = 0; i < w.length; i++) q[i] = Math.round(w[i]! / scale);
  return { scale: Number(scale.toPrecision(6)), weights: Buffer.from(q.buffer).toString('base64') };
}

function train(family: string): void {
  const rows = trainingRows(family);
  const { w, bias } = fit(rows);
  const { scale, weights } = quantise(w);
  const out = join(here, '..', '..', 'actors', 'guardrail', 'detectors', family, 'ngram-weights.ts');
  const name = `${family.toUpperCase()}_NGRAM_MODEL`;
  writeFileSync(
    out,
    `/**\n * Weights of the ${family} detector's n-gram model (text/ngram.ts), written by test/guardrail/train-ngram.ts from\n` +
      ` * ${rows.length} texts of the development sets (${rows.filter(([, y]) => y === 1).length} not benign). Do not edit.\n */\n` +
      `import type { NgramModel } from '../text/ngram.js';\n\n` +
      `// prettier-ignore\nexport const ${name}: NgramModel = {\n  bias: ${Number(bias.toPrecision(6))},\n  scale: ${scale},\n` +
      `  weights: [\n${(weights.match(/.{1,128}/g) ?? []).map((l) => `    '${l}',\n`).join('')}  ].join(''),\n};\n`,
  );
  console.log(`${family}: ${rows.length} texts → ${out}`);
}

if (process.argv[1] !== undefined && fileURLToPath(import.meta.url) === process.argv[1]) {
  const which = process.argv.slice(2).filter((a) => !a.startsWith('-'));
  for (const family of which.length > 0 ? which : Object.keys(FAMILIES)) train(family);
}
