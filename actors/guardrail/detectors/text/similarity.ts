/**
 * A fast stand-in for a sentence embedder: hashed character n-grams (3 to 5, inside word boundaries) plus word
 * unigrams and bigrams, L2-normalised, compared by cosine against a bank of example sentences. On a 1 KB message it
 * costs well under a millisecond, where the offline USE-lite embedder costs several milliseconds per sentence on
 * these cores, so the guardrail detectors use this for their similarity layer and keep an embedder optional.
 */

/** Dimensions of the hashed space (a power of two). */
const DIMS = 1 << 15;

const FNV = 0x811c9dc5;
const step = (h: number, c: number): number => Math.imul(h ^ c, 0x01000193);

function hash(s: string, seed = FNV): number {
  let h = seed;
  for (let i = 0; i < s.length; i++) h = step(h, s.charCodeAt(i));
  return (h >>> 0) & (DIMS - 1);
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
  const words = text.split(/[^\p{L}\p{N}]+/u).filter((w) => w !== '');
  words.forEach((w, i) => {
    add(hash(w, 0x9e3779b9), 1);
    if (i > 0) add(hash(w, hash(words[i - 1]!, 0x85ebca6b)), 1);
    // character 3- to 5-grams of ` word `, hashed incrementally (no substrings)
    const len = w.length + 2;
    const at = (k: number): number => (k === 0 || k === len - 1 ? 32 : w.charCodeAt(k - 1));
    for (let k = 0; k + 3 <= len; k++) {
      let h = step(step(step(FNV, at(k)), at(k + 1)), at(k + 2));
      add(h, 0.5);
      for (let n = 4; n <= 5 && k + n <= len; n++) add((h = step(h, at(k + n - 1))), 0.5);
    }
  });
  let norm = 0;
  for (let j = 0; j < size; j++) norm += dense[touched[j]!]! * dense[touched[j]!]!;
  norm = Math.sqrt(norm) || 1;
  const idx = new Uint32Array(size);
  const val = new Float32Array(size);
  for (let j = 0; j < size; j++) {
    const k = touched[j]!;
    idx[j] = k;
    val[j] = dense[k]! / norm;
    dense[k] = 0;
  }
  return { idx, val };
}

/** A bank of labelled example sentences, searched by cosine through an inverted index. */
export class SimilarityBank {
  private readonly postings = new Map<number, { entry: number; w: number }[]>();
  private readonly labels: string[] = [];

  /** `examples`: normalised sentences with their finding type. */
  constructor(examples: readonly { readonly text: string; readonly type: string }[]) {
    examples.forEach((e, entry) => {
      this.labels.push(e.type);
      const v = vectorize(e.text);
      v.idx.forEach((k, i) => {
        const list = this.postings.get(k) ?? [];
        list.push({ entry, w: v.val[i]! });
        this.postings.set(k, list);
      });
    });
  }

  /** The most similar example's type and cosine, or undefined when nothing shares a feature. */
  nearest(text: string): { type: string; cosine: number } | undefined {
    const v = vectorize(text);
    const acc = new Float32Array(this.labels.length);
    v.idx.forEach((k, i) => {
      for (const p of this.postings.get(k) ?? []) acc[p.entry] = acc[p.entry]! + p.w * v.val[i]!;
    });
    let best = -1;
    for (let e = 0; e < acc.length; e++) if (best < 0 || acc[e]! > acc[best]!) best = e;
    return best < 0 || acc[best] === 0 ? undefined : { type: this.labels[best]!, cosine: acc[best]! };
  }
}
