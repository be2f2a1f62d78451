/**
 * Grouped cross-validation of the n-gram models (text/ngram.ts, fitted by train-ngram.ts): `npx tsx
 * test/guardrail/ngram-cv-run.ts [injection|moderation] [l2,l2,…]`. The training sets are dealt round-robin into
 * {@link FOLDS} folds, whole sets at a time, so no text is scored by a model that saw its set — a fair stand-in for text
 * written blind, which is how the L2 strength ({@link NGRAM_L2}) was chosen. Prints, per L2, the held-out AUC on the
 * family's own sets (all and per language), and the detection at 5 % and 2 % false positives. A development aid.
 */
import { fit, ngramRows, featureRows, NGRAM_L2, setsOf } from './train-ngram.js';

/** Folds of the grouped cross-validation. */
export const FOLDS = 10;

/** The area under the ROC curve of scores `s` for labels `y` (ties count half). */
export function auc(y: readonly number[], s: readonly number[]): number {
  const order = s.map((v, i) => [v, i] as const).sort((a, b) => a[0] - b[0]);
  const rank = new Array<number>(s.length);
  for (let i = 0; i < order.length;) {
    let j = i;
    while (j + 1 < order.length && order[j + 1]![0] === order[i]![0]) j++;
    for (let k = i; k <= j; k++) rank[order[k]![1]] = (i + j) / 2 + 1;
    i = j + 1;
  }
  const pos = y.filter((v) => v === 1).length;
  const neg = y.length - pos;
  let sum = 0;
  y.forEach((v, i) => {
    if (v === 1) sum += rank[i]!;
  });
  return (sum - (pos * (pos + 1)) / 2) / (pos * neg);
}

/** Detection at the threshold that lets through a fraction `fp` of the benign scores. */
export function detectionAt(y: readonly number[], s: readonly number[], fp: number): number {
  const benign = s.filter((_, i) => y[i] === 0).sort((a, b) => b - a);
  const t = benign[Math.floor(fp * benign.length)] ?? 0;
  const pos = s.filter((_, i) => y[i] === 1);
  return pos.filter((v) => v > t).length / pos.length;
}

/** Out-of-fold n-gram probabilities of a family's training rows (grouped by set) at one L2 strength. */
export function outOfFold(family: string, l2: number): { rows: ReturnType<typeof ngramRows>; p: number[] } {
  const rows = ngramRows(family);
  const X = featureRows(rows.map((r) => [r.text, r.y]));
  const sets = [...new Set(rows.map((r) => r.set))].sort();
  const fold = new Map(sets.map((s, i) => [s, i % FOLDS]));
  const p = new Array<number>(rows.length).fill(0);
  for (let k = 0; k < FOLDS; k++) {
    const train = rows.flatMap((r, i) => (fold.get(r.set) === k ? [] : [i]));
    const m = fit(
      train.map((i) => [rows[i]!.text, rows[i]!.y] as const),
      l2,
      train.map((i) => X[i]!),
    );
    rows.forEach((r, i) => {
      if (fold.get(r.set) !== k) return;
      const x = X[i]!;
      if (x.length === 0) return;
      let z = 0;
      for (const b of x) z += m.w[b]!;
      p[i] = 1 / (1 + Math.exp(-(m.bias + z / Math.sqrt(x.length))));
    });
  }
  return { rows, p };
}

if (process.argv[1]?.endsWith('ngram-cv-run.ts')) {
  const family = process.argv[2] ?? 'injection';
  const grid = (process.argv[3] ?? `${NGRAM_L2}`).split(',').map(Number);
  for (const l2 of grid) {
    const { rows, p } = outOfFold(family, l2);
    const own = rows.flatMap((r, i) => (r.set.startsWith(setsOf(family)) ? [i] : []));
    const y = own.map((i) => rows[i]!.y);
    const s = own.map((i) => p[i]!);
    const share = (label: number): string =>
      (s.filter((v, j) => y[j] === label && v >= 0.5).length / y.filter((v) => v === label).length).toFixed(3);
    console.log(
      `${family} l2=${l2}: AUC ${auc(y, s).toFixed(4)}, detection at 5 % FP ${detectionAt(y, s, 0.05).toFixed(3)}, ` +
        `at 2 % ${detectionAt(y, s, 0.02).toFixed(3)}, at p ≥ 0.5 ${share(1)} / FP ${share(0)}`,
    );
    // the operating points: the probability that lets through 1, 2 and 5 % of the family's benign texts
    const benign = s.filter((_, j) => y[j] === 0).sort((a, b) => b - a);
    for (const fp of [0.01, 0.02, 0.05]) {
      const at = (benign[Math.floor(fp * benign.length)] ?? 0).toFixed(3);
      console.log(`  ${fp * 100} % FP: p > ${at}, detection ${detectionAt(y, s, fp).toFixed(3)}`);
    }
  }
}
