/**
 * BM25 keyword retrieval: a tokenizer (lower-case, accents folded, English stop words dropped,
 * a light suffix stemmer) and an in-memory inverted index with add/remove, scored with Okapi
 * BM25 (k1 = 1.2, b = 0.75 by default).
 */

const STOP = new Set(
  [
    'a an and are as at be but by for from had has have he her his i in into is it its of on or she that the their them they',
    'this to was were which who will with what when where why how do does did not no yes than then there these those so such',
    'can could would should you your we our us me my',
  ]
    .join(' ')
    .split(' '),
);

/** Folds a word to its stem: plural and common verb suffixes off (a light Porter-like step). */
export function stem(w: string): string {
  if (w.length <= 3) return w;
  if (w.endsWith('ies') && w.length > 4) return `${w.slice(0, -3)}y`;
  if (w.endsWith('sses')) return w.slice(0, -2);
  if (w.endsWith('ing') && w.length > 5) return w.slice(0, -3);
  if (w.endsWith('ed') && w.length > 4) return w.slice(0, -2);
  if (w.endsWith('es') && /(sh|ch|x|z)es$/.test(w)) return w.slice(0, -2);
  if (w.endsWith('s') && !w.endsWith('ss') && !w.endsWith('us') && !w.endsWith('is')) return w.slice(0, -1);
  return w;
}

/** Terms of `text` for BM25: lower-cased, accents folded, stop words dropped, stemmed. */
export function tokenize(text: string): string[] {
  const words =
    text
      .toLowerCase()
      .normalize('NFKD')
      .replace(/\p{Mn}/gu, '')
      .match(/[\p{L}\p{N}]+/gu) ?? [];
  return words.filter((w) => !STOP.has(w)).map(stem);
}

/** One keyword hit. */
export interface KeywordHit {
  readonly id: string;
  readonly score: number;
}

/** Okapi BM25 over string ids. */
export class Bm25Index {
  private readonly postings = new Map<string, Map<string, number>>();
  private readonly lengths = new Map<string, number>();
  private readonly terms = new Map<string, string[]>();
  private totalLength = 0;

  constructor(
    private readonly k1 = 1.2,
    private readonly b = 0.75,
  ) {}

  get size(): number {
    return this.lengths.size;
  }

  /** Indexes `text` under `id` (replacing what `id` had). */
  add(id: string, text: string): void {
    this.remove(id);
    const toks = tokenize(text);
    const tf = new Map<string, number>();
    for (const t of toks) tf.set(t, (tf.get(t) ?? 0) + 1);
    for (const [t, n] of tf) {
      let p = this.postings.get(t);
      if (p === undefined) this.postings.set(t, (p = new Map()));
      p.set(id, n);
    }
    this.terms.set(id, [...tf.keys()]);
    this.lengths.set(id, toks.length);
    this.totalLength += toks.length;
  }

  /** Forgets `id`; false when it was absent. */
  remove(id: string): boolean {
    const terms = this.terms.get(id);
    if (terms === undefined) return false;
    for (const t of terms) {
      const p = this.postings.get(t);
      p?.delete(id);
      if (p?.size === 0) this.postings.delete(t);
    }
    this.totalLength -= this.lengths.get(id) ?? 0;
    this.lengths.delete(id);
    this.terms.delete(id);
    return true;
  }

  /** The `k` best ids for `query`, best first; `filter` keeps only ids it accepts. */
  search(query: string, k: number, filter?: (id: string) => boolean): KeywordHit[] {
    const n = this.lengths.size;
    if (n === 0 || k <= 0) return [];
    const avg = this.totalLength / n || 1;
    const scores = new Map<string, number>();
    for (const t of new Set(tokenize(query))) {
      const p = this.postings.get(t);
      if (p === undefined) continue;
      const idf = Math.log(1 + (n - p.size + 0.5) / (p.size + 0.5));
      for (const [id, f] of p) {
        if (filter !== undefined && !filter(id)) continue;
        const dl = this.lengths.get(id) ?? 0;
        scores.set(id, (scores.get(id) ?? 0) + (idf * f * (this.k1 + 1)) / (f + this.k1 * (1 - this.b + (this.b * dl) / avg)));
      }
    }
    return [...scores]
      .map(([id, score]) => ({ id, score }))
      .sort((a, b) => b.score - a.score || (a.id < b.id ? -1 : 1))
      .slice(0, k);
  }
}
