/**
 * Fits the n-gram models of the injection and moderation detectors (actors/guardrail/detectors/text/ngram.ts) on the
 * development sets and writes their weights: `npx tsx test/guardrail/train-ngram.ts [injection|moderation]` →
 * `actors/guardrail/detectors/<family>/ngram-weights.ts`.
 *
 * A binary logistic regression (benign against any of the family's finding types) over the hashed, unit-length
 * feature vectors of ngram.ts; L-BFGS with L2 ({@link NGRAM_L2}), the two classes weighted to balance. It reads only the
 * training sets of fixture-rates.ts (`trainingSets`: never a split in `HELD_OUT`, `*holdout9*` onwards); the other
 * family's texts join as negatives as in train-concepts.ts. Deterministic: the same sets give the same weights.
 */
import { writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { NGRAM_DIMS, ngramFeatures } from '../../actors/guardrail/detectors/text/ngram.js';
import { normalizeText } from '../../actors/guardrail/detectors/text/normalize.js';
import { readFixture, trainingSets } from './fixture-rates.js';

const here = dirname(fileURLToPath(import.meta.url));

/**
 * A model's positive labels, the other family whose benign texts join as negatives, the sets it reads (`sets`: their
 * name prefix, the family's by default) and where its weights go (`out`: under actors/guardrail/detectors/, and the
 * constant's name). The bias model reads the moderation sets' stereotype rows against their benign ones; their other
 * harmful rows teach it nothing either way and are left out.
 */
const FAMILIES: Record<string, { attacks: readonly string[]; other: string; sets?: string; out?: [string, string] }> = {
  injection: { attacks: ['INJECTION', 'JAILBREAK', 'PROMPT_EXTRACTION'], other: 'moderation' },
  moderation: { attacks: ['HARASSMENT', 'HATE', 'SELF_HARM', 'VIOLENCE', 'SEXUAL'], other: 'injection' },
  bias: {
    attacks: ['BIAS', 'STEREOTYPE'],
    other: 'injection',
    sets: 'moderation',
    out: ['moderation/bias-ngram-weights.ts', 'BIAS_NGRAM_MODEL'],
  },
};

/** The name prefix of the sets a family's model reads. */
export const setsOf = (family: string): string => FAMILIES[family]?.sets ?? family;

/** One training text of a family's n-gram model: 1 for an attack or 0 for benign, and the set it comes from. */
export interface NgramRow {
  readonly text: string;
  readonly y: number;
  readonly set: string;
}

/** The training texts of a family, with their sets. */
export function ngramRows(family: string): NgramRow[] {
  const spec = FAMILIES[family]!;
  const rows: NgramRow[] = [];
  for (const set of trainingSets(setsOf(family)))
    for (const row of readFixture(set)) {
      if (spec.attacks.includes(row.label)) rows.push({ text: row.text, y: 1, set });
      else if (row.label === 'benign') rows.push({ text: row.text, y: 0, set });
    }
  for (const set of trainingSets(spec.other))
    for (const row of readFixture(set)) if (row.label === 'benign' || family === 'injection') rows.push({ text: row.text, y: 0, set });
  return rows;
}

/** Training rows of a family: [text, 1 for an attack or 0 for benign]. */
export function trainingRows(family: string): [string, number][] {
  return ngramRows(family).map((r) => [r.text, r.y]);
}

/**
 * L2 strength of the n-gram model, chosen by grouped cross-validation over the training sets (a set's texts are never
 * scored by a model that saw them; test/guardrail/ngram-cv-run.ts): from 1e-3 to 1e-6 the held-out AUC rose and
 * flattened below 1e-5, the detection at 5 % false positives rose from 0.70 to 0.83 (moderation) and 0.73 to 0.85
 * (injection). The earlier trainer (Adam, 300 epochs, 2e-4) sat near the top of that range.
 */
export const NGRAM_L2 = 3e-6;

/** Feature buckets of each row's normalised text (what ngram.ts scores). */
export function featureRows(rows: readonly (readonly [string, number])[]): Int32Array[] {
  return rows.map(([t]) => Int32Array.from(ngramFeatures(normalizeText(t).text)));
}

/**
 * Fits weights (float) and bias on rows: class-balanced logistic loss plus `l2`, minimised by L-BFGS (deterministic;
 * `X` may be given when the rows' features are computed already).
 */
export function fit(
  rows: readonly (readonly [string, number])[],
  l2 = NGRAM_L2,
  X: readonly Int32Array[] = featureRows(rows),
  iterations = 300,
): { w: Float64Array; bias: number } {
  const pos = rows.filter(([, y]) => y === 1).length;
  const cw = [rows.length / (2 * (rows.length - pos)), rows.length / (2 * pos)];
  const D = NGRAM_DIMS;
  // v = weights then bias
  const lossGrad = (v: Float64Array, g: Float64Array): number => {
    g.fill(0);
    let loss = 0;
    const bias = v[D]!;
    for (let n = 0; n < rows.length; n++) {
      const x = X[n]!;
      if (x.length === 0) continue;
      const s = 1 / Math.sqrt(x.length);
      let z = bias;
      for (const i of x) z += v[i]! * s;
      const y = rows[n]![1];
      const c = cw[y]! / rows.length;
      loss += c * (z > 0 ? (1 - y) * z + Math.log1p(Math.exp(-z)) : Math.log1p(Math.exp(z)) - y * z);
      const d = c * (1 / (1 + Math.exp(-z)) - y);
      g[D]! += d;
      for (const i of x) g[i]! += d * s;
    }
    for (let j = 0; j < D; j++) {
      loss += 0.5 * l2 * v[j]! ** 2;
      g[j]! += l2 * v[j]!;
    }
    return loss;
  };
  const v = lbfgs(lossGrad, D + 1, iterations);
  return { w: v.subarray(0, D), bias: v[D]! };
}

/** Minimises a smooth function of `dims` variables from zero by L-BFGS (10 pairs, backtracking line search). */
export function lbfgs(f: (v: Float64Array, g: Float64Array) => number, dims: number, iterations: number): Float64Array {
  const M = 10;
  const v = new Float64Array(dims);
  const g = new Float64Array(dims);
  let loss = f(v, g);
  const S: Float64Array[] = [];
  const Y: Float64Array[] = [];
  const rho: number[] = [];
  const dot = (a: Float64Array, b: Float64Array): number => {
    let s = 0;
    for (let i = 0; i < a.length; i++) s += a[i]! * b[i]!;
    return s;
  };
  const next = new Float64Array(dims);
  const g2 = new Float64Array(dims);
  for (let it = 0; it < iterations; it++) {
    // two-loop recursion: d = -H g
    const d = Float64Array.from(g, (x) => -x);
    const alpha: number[] = [];
    for (let k = S.length - 1; k >= 0; k--) {
      const a = rho[k]! * dot(S[k]!, d);
      alpha[k] = a;
      const y = Y[k]!;
      for (let i = 0; i < dims; i++) d[i]! -= a * y[i]!;
    }
    if (S.length > 0) {
      const y = Y[S.length - 1]!;
      const gamma = dot(S[S.length - 1]!, y) / dot(y, y);
      for (let i = 0; i < dims; i++) d[i]! *= gamma;
    } else {
      const n = Math.sqrt(dot(d, d));
      for (let i = 0; i < dims; i++) d[i]! /= Math.max(n, 1e-12);
    }
    for (let k = 0; k < S.length; k++) {
      const b = rho[k]! * dot(Y[k]!, d);
      const s = S[k]!;
      for (let i = 0; i < dims; i++) d[i]! += s[i]! * (alpha[k]! - b);
    }
    const slope = dot(g, d);
    if (slope >= 0) break;
    let step = 1;
    let nextLoss = Infinity;
    for (let tries = 0; tries < 30; tries++, step /= 2) {
      for (let i = 0; i < dims; i++) next[i] = v[i]! + step * d[i]!;
      nextLoss = f(next, g2);
      if (nextLoss <= loss + 1e-4 * step * slope) break;
    }
    if (!(nextLoss < loss)) break;
    const s = new Float64Array(dims);
    const y = new Float64Array(dims);
    for (let i = 0; i < dims; i++) {
      s[i] = next[i]! - v[i]!;
      y[i] = g2[i]! - g[i]!;
    }
    const sy = dot(s, y);
    if (sy > 1e-12) {
      S.push(s);
      Y.push(y);
      rho.push(1 / sy);
      if (S.length > M) {
        S.shift();
        Y.shift();
        rho.shift();
      }
    }
    v.set(next);
    g.set(g2);
    const improved = loss - nextLoss;
    loss = nextLoss;
    if (improved < 1e-10 * Math.max(1, Math.abs(loss))) break;
  }
  return v;
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
  const [file, name] = FAMILIES[family]?.out ?? [`${family}/ngram-weights.ts`, `${family.toUpperCase()}_NGRAM_MODEL`];
  const out = join(here, '..', '..', 'actors', 'guardrail', 'detectors', file);
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
