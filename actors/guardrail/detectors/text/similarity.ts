/**
 * A fast stand-in for a sentence embedder: hashed character n-grams (3 to 5, inside word boundaries) plus word
 * unigrams and bigrams, L2-normalised, compared by cosine against a bank of example sentences. On a 1 KB message it
 * costs well under a millisecond, where the offline USE-lite embedder costs several milliseconds per sentence on
 * these cores, so the guardrail detectors use this for their similarity layer and keep an embedder optional.
 */
import { letterOrDigitAt } from './letters.js';

/** Dimensions of the hashed space (a power of two). */
const DIMS = 1 << 15;

const FNV = 0x811c9dc5;
const step = (h: number, c: number): number => Math.imul(h ^ c, 0x01000193);

/** The hash of `text[start … end)` (FNV-1a from `seed`), as a bucket. */
function hashRange(text: string, start: number, end: number, seed = FNV): number {
  let h = seed;
  for (let i = start; i < end; i++) h = step(h, text.charCodeAt(i));
  return (h >>> 0) & (DIMS - 1);
}

/** Unit `j` of the word at `start` padded with a space each side (`len` units in all). */
function padded(text: string, start: number, len: number, j: number): number {
  return j === 0 || j === len - 1 ? 32 : text.charCodeAt(start + j - 1);
}

/** A sparse unit vector: parallel index and weight arrays. */
export interface SparseVector {
  readonly idx: Uint32Array;
  readonly val: Float32Array;
}

/** Dense weights per hashed feature and the features touched, in first-touch order: reused by every call. */
const dense = new Float64Array(DIMS);
let touched = new Int32Array(1024);

/** The hashed n-gram vector of a normalised text. */
export function vectorize(text: string): SparseVector {
  const size = vectorizeInto(text);
  return { idx: Uint32Array.from(vecIdx.subarray(0, size)), val: vecVal.slice(0, size) };
}

/** The last {@link vectorizeInto} vector: its first `size` entries (reused by every call). */
let vecIdx = new Uint32Array(1024);
let vecVal = new Float32Array(1024);

/** Computes the vector of `text` into {@link vecIdx} and {@link vecVal}; returns its size. */
function vectorizeInto(text: string): number {
  let size = 0;
  const add = (h: number, w: number): void => {
    const k = (h >>> 0) & (DIMS - 1);
    if (dense[k] === 0) {
      if (size === touched.length) {
        const grown = new Int32Array(size * 2);
        grown.set(touched);
        touched = grown;
      }
      touched[size++] = k;
    }
    dense[k] = dense[k]! + w;
  };
  // the words (runs of letters and digits), each hashed from the text in place
  let prevStart = -1;
  let prevEnd = -1;
  for (let k = 0; k < text.length;) {
    let u = letterOrDigitAt(text, k);
    if (u === 0) {
      k++;
      continue;
    }
    const start = k;
    while (u > 0) {
      k += u;
      u = k < text.length ? letterOrDigitAt(text, k) : 0;
    }
    add(hashRange(text, start, k, 0x9e3779b9), 1);
    if (prevStart >= 0) add(hashRange(text, start, k, hashRange(text, prevStart, prevEnd, 0x85ebca6b)), 1);
    // character 3- to 5-grams of ` word `, hashed incrementally (no substrings)
    const len = k - start + 2;
    for (let j = 0; j + 3 <= len; j++) {
      let h = step(step(step(FNV, padded(text, start, len, j)), padded(text, start, len, j + 1)), padded(text, start, len, j + 2));
      add(h, 0.5);
      for (let n = 4; n <= 5 && j + n <= len; n++) add((h = step(h, padded(text, start, len, j + n - 1))), 0.5);
    }
    prevStart = start;
    prevEnd = k;
  }
  let norm = 0;
  for (let j = 0; j < size; j++) norm += dense[touched[j]!]! * dense[touched[j]!]!;
  norm = Math.sqrt(norm) || 1;
  if (vecIdx.length < size) {
    vecIdx = new Uint32Array(touched.length);
    vecVal = new Float32Array(touched.length);
  }
  for (let j = 0; j < size; j++) {
    const k = touched[j]!;
    vecIdx[j] = k;
    vecVal[j] = dense[k]! / norm;
    dense[k] = 0;
  }
  return size;
}

/**
 * A bank of labelled example sentences, searched by cosine through an inverted index: per hashed feature, the examples
 * that have it and their weights (`entries`/`weights[first[k] … first[k + 1])`, in example order).
 */
export class SimilarityBank {
  private readonly first = new Int32Array(DIMS + 1);
  private readonly entries: Int32Array;
  private readonly weights: Float32Array;
  private readonly labels: string[] = [];
  private readonly acc: Float32Array;

  /** `examples`: normalised sentences with their finding type. */
  constructor(examples: readonly { readonly text: string; readonly type: string }[]) {
    const vectors = examples.map((e) => {
      this.labels.push(e.type);
      return vectorize(e.text);
    });
    for (const v of vectors) for (const k of v.idx) this.first[k + 1]!++;
    for (let k = 0; k < DIMS; k++) this.first[k + 1]! += this.first[k]!;
    const fill = this.first.slice(0, DIMS);
    this.entries = new Int32Array(this.first[DIMS]!);
    this.weights = new Float32Array(this.first[DIMS]!);
    vectors.forEach((v, entry) =>
      v.idx.forEach((k, i) => {
        const at = fill[k]!++;
        this.entries[at] = entry;
        this.weights[at] = v.val[i]!;
      }),
    );
    this.acc = new Float32Array(this.labels.length);
  }

  /** The most similar example's type and cosine, or undefined when nothing shares a feature. */
  nearest(text: string): { type: string; cosine: number } | undefined {
    const size = vectorizeInto(text);
    const { acc, first, entries, weights } = this;
    acc.fill(0);
    for (let i = 0; i < size; i++) {
      const k = vecIdx[i]!;
      const x = vecVal[i]!;
      for (let o = first[k]!, end = first[k + 1]!; o < end; o++) acc[entries[o]!] = acc[entries[o]!]! + weights[o]! * x;
    }
    let best = -1;
    for (let e = 0; e < acc.length; e++) if (best < 0 || acc[e]! > acc[best]!) best = e;
    return best < 0 || acc[best] === 0 ? undefined : { type: this.labels[best]!, cosine: acc[best]! };
  }
}
