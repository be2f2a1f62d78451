/**
 * The store's semantic index: every indexed item's texts embedded once at put time, the vectors
 * kept in storage beside the item (so a re-activation on any node rebuilds the in-memory
 * {@link VectorIndex} without re-embedding) and one index entry per text.
 */
import { bytesToVector, vectorToBytes } from '../semantic/persist.js';
import type { Embedder, VectorIndex } from '../semantic/types.js';
import type { StorageEntry } from '../../../runtime/index.js';
import type { StoredVectors } from './records.js';

/** Id of an item in the index bookkeeping. */
const itemId = (ns: string, key: string): string => JSON.stringify([ns, key]);

/**
 * Longest text embedded per field (characters). Sentence embedders read a few hundred tokens at
 * most; embedding the head of a large value keeps a put's latency bounded whatever its size.
 */
export const EMBED_TEXT_CHARS = 8192;

/** The head of `text` an embedder is given (never ending in half a surrogate pair). */
function embeddable(text: string): string {
  if (text.length <= EMBED_TEXT_CHARS) return text;
  const cut =
    text.charCodeAt(EMBED_TEXT_CHARS - 1) >= 0xd800 && text.charCodeAt(EMBED_TEXT_CHARS - 1) <= 0xdbff
      ? EMBED_TEXT_CHARS - 1
      : EMBED_TEXT_CHARS;
  return text.slice(0, cut);
}
/** Id of one of an item's vectors in the {@link VectorIndex}. */
const vectorId = (ns: string, key: string, i: number): string => JSON.stringify([ns, key, i]);

/** Embeddings ready to be written and, once written, applied to the index. */
export interface PreparedVectors {
  readonly stored: StoredVectors;
  readonly vectors: Float32Array[];
}

/** Embedder + index + bookkeeping of how many vectors each item has. */
export class StoreVectors {
  private readonly counts = new Map<string, number>();

  constructor(
    readonly embedder: Embedder,
    private readonly index: VectorIndex,
  ) {}

  /** Vectors in the index. */
  get size(): number {
    return this.index.size;
  }

  /** Embeds an item's texts (not yet applied). */
  async prepare(texts: readonly string[], signal?: AbortSignal): Promise<PreparedVectors> {
    const vectors = await this.embedder.embed(texts.map(embeddable), signal);
    return { vectors, stored: { model: this.embedder.id, vectors: vectors.map(vectorToBytes) } };
  }

  /** True when stored vectors were made by this store's embedder (else they must be re-embedded). */
  current(stored: StoredVectors): boolean {
    return stored.model === this.embedder.id && stored.vectors.every((b) => b.byteLength === this.embedder.dims * 4);
  }

  /** Puts an item's vectors in the index, replacing what it had. */
  apply(ns: string, key: string, vectors: readonly Float32Array[]): void {
    this.drop(ns, key);
    vectors.forEach((v, i) => this.index.upsert(vectorId(ns, key, i), v));
    if (vectors.length > 0) this.counts.set(itemId(ns, key), vectors.length);
  }

  /** Loads stored vectors (at activation). */
  load(entry: StorageEntry<StoredVectors>): void {
    const [, , ns, key] = entry.key as [string, string, string, string];
    this.apply(ns, key, entry.value.vectors.map(bytesToVector));
  }

  /** Removes an item's vectors from the index; true when it had any. */
  drop(ns: string, key: string): boolean {
    const id = itemId(ns, key);
    const n = this.counts.get(id);
    if (n === undefined) return false;
    for (let i = 0; i < n; i++) this.index.remove(vectorId(ns, key, i));
    this.counts.delete(id);
    return true;
  }

  /** True when the item has vectors in the index. */
  has(ns: string, key: string): boolean {
    return this.counts.has(itemId(ns, key));
  }

  /**
   * Similarity of `query` to each candidate that has vectors (an item scores its best text).
   * Asks the index for enough nearest vectors to cover the best `needed` items among the candidates.
   */
  async rank(
    query: string,
    candidates: readonly { ns: string; key: string }[],
    needed: number,
    signal?: AbortSignal,
  ): Promise<Map<string, number>> {
    const scores = new Map<string, number>();
    let total = 0;
    let widest = 0;
    const allowed = new Set<string>();
    for (const c of candidates) {
      const n = this.counts.get(itemId(c.ns, c.key));
      if (n === undefined) continue;
      for (let i = 0; i < n; i++) allowed.add(vectorId(c.ns, c.key, i));
      total += n;
      widest = Math.max(widest, n);
    }
    if (total === 0) return scores;
    const [q] = await this.embedder.embed([query], signal);
    if (q === undefined) return scores;
    // Among the top needed×widest vectors there are at least `needed` distinct items, the best ones.
    const k = Math.min(total, Math.max(1, needed) * widest);
    for (const hit of this.index.search(q, k, (id) => allowed.has(id))) {
      const [ns, key] = JSON.parse(hit.id) as [string, string, number];
      const id = itemId(ns, key);
      const prev = scores.get(id);
      if (prev === undefined || hit.score > prev) scores.set(id, hit.score);
    }
    return scores;
  }

  /** The key {@link rank}'s map uses for an item. */
  static id(ns: string, key: string): string {
    return itemId(ns, key);
  }
}
