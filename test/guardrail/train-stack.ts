/**
 * Fits the learned combination of the injection and moderation detectors (actors/guardrail/detectors/text/stack.ts)
 * and writes it: `npx tsx test/guardrail/train-stack.ts [injection|moderation]` →
 * `actors/guardrail/detectors/<family>/stack-weights.ts`.
 *
 * The combination must learn how far each layer holds on text nobody tuned it on. The rules and the lexicons were
 * written while reading every development set, so on those sets they look perfect (rules alone: 0.63 detection and no
 * false positive on moderation out of fold; on the blind holdout6, 0.18 detection); the `*-train22` sets ({@link
 * BLIND}) were written by someone who read neither, so there they score as on blind text. The n-gram and concept models
 * are fitted without the blind sets and score them; a two-weight logistic regression (log-odds of the n-gram and of the
 * whole-text concept probability; Newton's method, classes balanced, deterministic) is fitted on the family's own blind
 * rows, and the threshold is the lowest at which the out-of-fold false positives on them (5 folds, a fixed
 * assignment) stay at or below {@link TARGET_FP}. A text the combination calls not benign is flagged (with the
 * rules' and concept layer's spans where they have some); one it calls benign keeps only findings at or above
 * a score (from {@link KEEPS}) chosen with the threshold.
 */
import { writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { injectionDetector } from '../../actors/guardrail/detectors/injection/index.js';
import { INJECTION_LEXICON } from '../../actors/guardrail/detectors/injection/lexicon.js';
import { INJECTION_MENTIONS } from '../../actors/guardrail/detectors/injection/rules.js';
import { moderationDetector } from '../../actors/guardrail/detectors/moderation/index.js';
import { MODERATION_LEXICON } from '../../actors/guardrail/detectors/moderation/lexicon.js';
import { ConceptTagger, textJudgement } from '../../actors/guardrail/detectors/text/concepts.js';
import { loadNgram, ngramProbability, enoughWords } from '../../actors/guardrail/detectors/text/ngram.js';
import { normalizeText } from '../../actors/guardrail/detectors/text/normalize.js';
import { withoutMentions } from '../../actors/guardrail/detectors/text/rules.js';
import type { StackModel } from '../../actors/guardrail/detectors/text/stack.js';
import { conceptRows, fitConcepts } from './train-concepts.js';
import { fit, quantise } from './train-ngram.js';

const here = dirname(fileURLToPath(import.meta.url));

/** The sets written blind to the rules and lexicons, which the combination is fitted on. */
export const BLIND = /-train2\d$/;
/** Out-of-fold false-positive rate on the blind rows the threshold is chosen for. */
export const TARGET_FP = 0.04;
/** Scores at or above which findings stand whatever the combination says, tried by the trainer. */
export const KEEPS = [0.7, 0.8, 0.9, 0.95, 1.01];

/** One blind row's layer outputs. */
export interface StackRow {
  readonly y: number;
  /** Log-odds of the n-gram and the concept probability. */
  readonly x: readonly [number, number];
  /** Highest finding score of the rules and concept layer (no n-gram layer). */
  readonly found: number;
  /** Whether the text has enough words for the models to judge it. */
  readonly judged: boolean;
}

const logit = (p: number): number => {
  const q = Math.min(1 - 1e-3, Math.max(1e-3, p));
  return Math.log(q / (1 - q));
};

/** The family's own blind rows, scored by n-gram and concept models fitted without the blind sets. */
export async function blindRows(family: string): Promise<StackRow[]> {
  const inj = family === 'injection';
  const rows = conceptRows(family);
  const train = rows.filter((r) => !BLIND.test(r.set));
  const concept = fitConcepts(family, train, true).model;
  const { w, bias } = fit(train.map((r) => [r.row.text, r.cls === 0 ? 0 : 1]));
  const ngram = loadNgram({ bias, ...quantise(w) });
  const tagger = new ConceptTagger(inj ? INJECTION_LEXICON : MODERATION_LEXICON);
  const options = { ngram: false, models: { concept, ngram } };
  const detector = inj ? injectionDetector(options) : moderationDetector(options);
  const out: StackRow[] = [];
  for (const r of rows) {
    if (!BLIND.test(r.set) || !r.set.startsWith(family)) continue;
    const n = normalizeText(r.row.text).text;
    const read = inj ? withoutMentions(n, INJECTION_MENTIONS) : n;
    const pn = ngramProbability(ngram, read);
    const pc = textJudgement(tagger, concept, read)?.p ?? 0;
    const found = Math.max(0, ...(await detector.detect(r.row.text, { stage: 'input' })).map((f) => f.score));
    out.push({ y: r.cls === 0 ? 0 : 1, x: [logit(pn), logit(pc)], found, judged: enoughWords(r.row.text) });
  }
  return out;
}

/** Fits [ngram weight, concept weight, bias] on rows (class-balanced logistic loss, small L2, Newton's method). */
export function fitStack(rows: readonly StackRow[], l2 = 1e-3): [number, number, number] {
  const pos = rows.filter((r) => r.y === 1).length;
  const cw = [rows.length / (2 * (rows.length - pos)), rows.length / (2 * pos)];
  const v = [0, 0, 0];
  for (let it = 0; it < 50; it++) {
    const g = [0, 0, 0];
    const H = [
      [0, 0, 0],
      [0, 0, 0],
      [0, 0, 0],
    ];
    for (const r of rows) {
      const a = [r.x[0], r.x[1], 1];
      const p = 1 / (1 + Math.exp(-(v[0]! * a[0]! + v[1]! * a[1]! + v[2]!)));
      const c = cw[r.y]!;
      for (let i = 0; i < 3; i++) {
        g[i]! += c * (p - r.y) * a[i]!;
        for (let j = 0; j < 3; j++) H[i]![j]! += c * p * (1 - p) * a[i]! * a[j]!;
      }
    }
    for (let i = 0; i < 2; i++) {
      g[i]! += l2 * rows.length * v[i]!;
      H[i]![i]! += l2 * rows.length;
    }
    const step = solve3(H, g);
    for (let i = 0; i < 3; i++) v[i]! -= step[i]!;
    if (Math.max(...step.map(Math.abs)) < 1e-10) break;
  }
  return [v[0]!, v[1]!, v[2]!];
}

function solve3(A: number[][], b: number[]): number[] {
  const M = A.map((row, i) => [...row, b[i]!]);
  for (let c = 0; c < 3; c++) {
    let p = c;
    for (let r = c + 1; r < 3; r++) if (Math.abs(M[r]![c]!) > Math.abs(M[p]![c]!)) p = r;
    [M[c], M[p]] = [M[p]!, M[c]!];
    for (let r = 0; r < 3; r++) {
      if (r === c) continue;
      const f = M[r]![c]! / M[c]![c]!;
      for (let k = c; k < 4; k++) M[r]![k]! -= f * M[c]![k]!;
    }
  }
  return M.map((row, i) => row[3]! / row[i]!);
}

/** Whether the detector flags a row at combined probability `s`, threshold `t` and `keep` (as text/stack.ts `stackGate`). */
export function flags(r: StackRow, s: number, t: number, keep: number): boolean {
  return r.judged ? s >= t || r.found >= keep : r.found >= 0.5;
}

/** Out-of-fold combined probabilities of rows (5 folds by index). */
export function outOfFold(rows: readonly StackRow[]): number[] {
  const s = new Array<number>(rows.length).fill(0);
  for (let k = 0; k < 5; k++) {
    const v = fitStack(rows.filter((_, i) => i % 5 !== k));
    rows.forEach((r, i) => {
      if (i % 5 === k) s[i] = 1 / (1 + Math.exp(-(v[0] * r.x[0] + v[1] * r.x[1] + v[2])));
    });
  }
  return s;
}

/** Detection and false-positive rate of rows at threshold `t` and `keep`. */
export function ratesAt(rows: readonly StackRow[], s: readonly number[], t: number, keep: number): [number, number] {
  let tp = 0;
  let fp = 0;
  let pos = 0;
  rows.forEach((r, i) => {
    const hit = flags(r, s[i]!, t, keep);
    if (r.y === 1) {
      pos++;
      if (hit) tp++;
    } else if (hit) fp++;
  });
  return [tp / pos, fp / (rows.length - pos)];
}

async function train(family: string): Promise<void> {
  const rows = await blindRows(family);
  const s = outOfFold(rows);
  // the operating point: the most detection whose false positives stay within the target
  let best = { threshold: 0.99, keep: 1.01, detection: -1 };
  for (const keep of KEEPS)
    for (let t = 0.99; t >= 0.3; t = Math.round((t - 0.01) * 100) / 100) {
      const [d, f] = ratesAt(rows, s, t, keep);
      if (f <= TARGET_FP && d > best.detection) best = { threshold: t, keep, detection: d };
    }
  const { threshold, keep } = best;
  for (const k of KEEPS)
    console.log(
      `${family} blind out of fold, keep ${k}: ` +
        [0.5, 0.6, 0.7, 0.8, 0.9, threshold].map((t) => `${t}: ${ratesAt(rows, s, t, k).map((v) => v.toFixed(3)).join('/')}`).join(', '),
    );
  const [ngram, concept, bias] = fitStack(rows);
  const model: StackModel = {
    ngram: Number(ngram.toPrecision(4)),
    concept: Number(concept.toPrecision(4)),
    bias: Number(bias.toPrecision(4)),
    threshold,
    keep,
  };
  const out = join(here, '..', '..', 'actors', 'guardrail', 'detectors', family, 'stack-weights.ts');
  writeFileSync(
    out,
    `/**\n * The ${family} detector's learned combination (text/stack.ts), written by test/guardrail/train-stack.ts from ` +
      `${rows.length}\n * blind texts (${rows.filter((r) => r.y === 1).length} not benign). Do not edit.\n */\n` +
      `import type { StackModel } from '../text/stack.js';\n\n` +
      `export const ${family.toUpperCase()}_STACK: StackModel = ${JSON.stringify(model, null, 2).replace(/"(\w+)":/g, '$1:')};\n`,
  );
  console.log(`${family}: ${JSON.stringify(model)} → ${out}`);
}

if (process.argv[1] !== undefined && fileURLToPath(import.meta.url) === process.argv[1]) {
  const which = process.argv.slice(2).filter((a) => !a.startsWith('-'));
  for (const family of which.length > 0 ? which : ['injection', 'moderation']) await train(family);
}
