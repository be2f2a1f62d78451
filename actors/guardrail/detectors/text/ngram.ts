/**
 * The n-gram layer of the injection and moderation detectors: a small logistic regression over hashed character
 * n-grams and words of the whole (normalised) text, trained offline on the development sets
 * (`test/guardrail/train-ngram.ts` writes `<family>/ngram-weights.ts`; the held-out splits are never read).
 *
 * Features: each word padded with `_` gives its character 3-, 4- and 5-grams (`_ign`, `igno`, `ignor`, …; shared
 * stems carry across the four languages: `instruc*`, `system*`, `prompt`), plus the word itself and each pair of
 * adjacent words. They are hashed (FNV-1a) into {@link NGRAM_DIMS} buckets, counted once per text, and the vector is
 * scaled to unit length, so a long text does not gather evidence by length alone. Scoring is one pass over the
 * characters and a few thousand array reads per kilobyte: far below the rules' cost. Texts longer than
 * {@link WINDOW} characters are scored in overlapping windows and the highest probability counts (the model learnt
 * from sentences and paragraphs, not pages).
 *
 * The detectors use it beside the rules, never alone at full strength: where it is confident a text is benign it
 * removes the rules' weak findings (a false positive's usual shape: one cue word in harmless text), and where it is
 * confident of an attack the rules missed it adds one finding over the text ({@link ngramGate}).
 */
import type { Finding } from '../../../../protocols/index.js';
import { countWords } from './letters.js';

/** Bits of the hashed feature space. */
export const NGRAM_BITS = 16;
/** Number of buckets. */
export const NGRAM_DIMS = 1 << NGRAM_BITS;
/** Longest text scored in one piece; longer texts are scored in windows of this size overlapping by half. */
export const WINDOW = 1200;

/** A trained model: bias and one weight per bucket (int8 in base64, times `scale`). */
export interface NgramModel {
  readonly bias: number;
  readonly scale: number;
  /** {@link NGRAM_DIMS} signed bytes, base64. */
  readonly weights: string;
}

/** A model ready to score: its weights decoded once. */
export interface LoadedNgram {
  readonly bias: number;
  readonly w: Float32Array;
  /**
   * The same weights, compact (a quarter of the memory a text's scattered reads touch): `w[i]` is `table[q[i] + 128]`.
   * Absent in a model built by hand, which is scored from `w`.
   */
  readonly q?: Int8Array;
  readonly table?: Float64Array;
}

/** Decodes a model's weights. */
export function loadNgram(model: NgramModel): LoadedNgram {
  const bytes = Buffer.from(model.weights, 'base64');
  if (bytes.length !== NGRAM_DIMS) throw new Error(`ngram model: ${bytes.length} weights, expected ${NGRAM_DIMS}`);
  const q = Int8Array.from(new Int8Array(bytes.buffer, bytes.byteOffset, bytes.length));
  const w = new Float32Array(NGRAM_DIMS);
  for (let i = 0; i < NGRAM_DIMS; i++) w[i] = q[i]! * model.scale;
  // each value as the Float32Array holds it
  const table = new Float64Array(256);
  for (let v = -128; v < 128; v++) table[v + 128] = Math.fround(v * model.scale);
  return { bias: model.bias, w, q, table };
}

const FNV_OFFSET = 0x811c9dc5;
const MASK = NGRAM_DIMS - 1;

function isWordUnit(c: number): boolean {
  if (c < 0x80) return (c >= 0x61 && c <= 0x7a) || (c >= 0x30 && c <= 0x39) || (c >= 0x41 && c <= 0x5a);
  return c >= 0xc0 && c !== 0xd7 && c !== 0xf7 && !(c >= 0x2000 && c <= 0x2bff) && !(c >= 0x3000 && c <= 0x303f) && c !== 0xfeff;
}

/** Per bucket, the last call (its generation, 1–255) that saw it; a byte each, so the table stays small in cache. */
const stamps = new Uint8Array(NGRAM_DIMS);
let generation = 0;

function mix(h: number, c: number): number {
  return Math.imul(h ^ c, 0x01000193) >>> 0;
}

/** The padded word being hashed (`_` + at most 39 units + `_`): reused by every call. */
const codes = new Int32Array(42);
/** The feature hashes of one word, in order (at most 3 per n-gram position and 2 more). */
const hashes = new Uint32Array(128);
/** What {@link walk} found: the number of distinct buckets, and the sum of their weights (when it was given some). */
let walked = 0;
let walkedSum = 0;

/**
 * Visits the distinct feature buckets of a normalised text in first-seen order: each is pushed to `out` when given, and
 * its weight in `w` added (in that order) when given; {@link walked} and {@link walkedSum} hold the count and the sum.
 */
function walk(text: string, out: number[] | undefined, model: LoadedNgram | undefined): void {
  // a bucket is seen in this call when its stamp is this call's generation (no set to build per call)
  if (++generation === 0x100) {
    stamps.fill(0);
    generation = 1;
  }
  const gen = generation;
  const q = model?.q;
  const table = model?.table;
  const w = q === undefined ? model?.w : undefined;
  let count = 0;
  let sum = 0;
  let prevWord = 0;
  let k = 0;
  const length = text.length;
  while (k < length) {
    if (!isWordUnit(text.charCodeAt(k))) {
      k++;
      continue;
    }
    let len = 0;
    codes[len++] = 0x5f;
    while (k < length && len < 40 && isWordUnit(text.charCodeAt(k))) codes[len++] = text.charCodeAt(k++);
    while (k < length && isWordUnit(text.charCodeAt(k))) k++;
    codes[len++] = 0x5f;
    // character 3-, 4- and 5-grams of the padded word, each seeded by its length; then the word, and the pair with the
    // word before it
    let m = 0;
    for (let i = 0; i + 3 <= len; i++) {
      let h = mix(mix(mix(mix(FNV_OFFSET, 3), codes[i]!), codes[i + 1]!), codes[i + 2]!);
      hashes[m++] = mix(h, 3);
      for (let n = 4; n <= 5 && i + n <= len; n++) hashes[m++] = mix((h = mix(h, codes[i + n - 1]!)), n);
    }
    let word = mix(FNV_OFFSET, 0x77);
    for (let i = 0; i < len; i++) word = mix(word, codes[i]!);
    hashes[m++] = word;
    if (prevWord !== 0) hashes[m++] = mix(mix(prevWord, 0x2b), word);
    for (let j = 0; j < m; j++) {
      const b = hashes[j]! & MASK;
      if (stamps[b] === gen) continue;
      stamps[b] = gen;
      count++;
      if (out !== undefined) out.push(b);
      if (q !== undefined) sum += table![q[b]! + 128]!;
      else if (w !== undefined) sum += w[b]!;
    }
    prevWord = word;
  }
  walked = count;
  walkedSum = sum;
}

/**
 * The distinct feature buckets of a normalised text (lower case, accents folded: normalize.ts), in first-seen order.
 * Exported for the trainer, which must build exactly these.
 */
export function ngramFeatures(text: string): number[] {
  const out: number[] = [];
  walk(text, out, undefined);
  return out;
}

/** The model's probability that a normalised text (one window) is not benign. */
function probabilityOf(model: LoadedNgram, text: string): number {
  walk(text, undefined, model);
  if (walked === 0) return 0;
  const z = model.bias + walkedSum / Math.sqrt(walked);
  return 1 / (1 + Math.exp(-z));
}

/** The model's probability that a normalised text is not benign: the highest over windows of {@link WINDOW} characters. */
export function ngramProbability(model: LoadedNgram, text: string): number {
  if (text.length <= WINDOW) return probabilityOf(model, text);
  let best = 0;
  for (let at = 0; at < text.length; at += WINDOW / 2) {
    best = Math.max(best, probabilityOf(model, text.slice(at, at + WINDOW)));
    if (at + WINDOW >= text.length) break;
  }
  return best;
}

/** Texts of fewer words than this never get a finding from the model alone (the rules still judge them). */
export const MIN_EVIDENCE_WORDS = 6;

/** Whether a text has at least {@link MIN_EVIDENCE_WORDS} words (runs of letters and digits); reads no further. */
export function enoughWords(input: string): boolean {
  return countWords(input, MIN_EVIDENCE_WORDS) >= MIN_EVIDENCE_WORDS;
}

/** How the n-gram layer joins the rules' findings. */
export interface NgramGate {
  /** At or below this probability the text counts as benign: findings scoring below `keep` are dropped. */
  readonly low: number;
  /** Rule findings at or above this score stand whatever the model says. */
  readonly keep: number;
  /** At or above this probability, a text without findings gets one (typed by `typeOf`). */
  readonly high: number;
}

/**
 * The findings after the n-gram layer: the rules' findings without the weak ones when the model is confident the text
 * is benign (`p ≤ low`), or, when there are none and the model is confident of an attack (`p ≥ high`), one finding of
 * `type` over the whole text (trimmed) with a score from 0.5 (at `high`) to 0.85, kept only if it reaches `threshold`
 * and the text has at least {@link MIN_EVIDENCE_WORDS} words. `damping` lowers that score as the detector's context rules
 * would a rule's (a question about assistants in general, a security note): the model reads words, not who is addressed.
 */
export function ngramGate(
  detector: string,
  input: string,
  findings: readonly Finding[],
  p: number,
  gate: NgramGate,
  type: () => string,
  threshold: (type: string) => number,
  damping: (type: string) => number = () => 1,
): Finding[] {
  if (p <= gate.low) return findings.filter((f) => f.score >= gate.keep);
  if (findings.length > 0 || p < gate.high) return [...findings];
  // A few words are too little evidence for the model alone ("and now?", "can you do it again?" read as attacks).
  if (!enoughWords(input)) return [];
  const t = type();
  return wholeTextFinding(detector, input, t, p, gate.high, threshold, damping(t));
}

/**
 * The one finding a learned layer adds over the whole input (trimmed of surrounding whitespace) when it is sure of an
 * attack: scored from 0.5 at `from` (its operating point) up to 0.85 at `p` = 1, times `damping`; none when that score
 * is below the type's threshold, or for a blank input.
 */
export function wholeTextFinding(
  detector: string,
  input: string,
  type: string,
  p: number,
  from: number,
  threshold: (type: string) => number,
  damping = 1,
): Finding[] {
  const score = Math.round((0.5 + ((p - from) / (1 - from)) * 0.35) * damping * 1000) / 1000;
  if (score < threshold(type)) return [];
  let start = 0;
  let end = input.length;
  while (start < end && /\s/.test(input[start]!)) start++;
  while (end > start && /\s/.test(input[end - 1]!)) end--;
  return end > start ? [{ detector, type, start, end, score }] : [];
}
