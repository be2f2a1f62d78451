/**
 * Semantic-memory contracts: an embedder turns text into vectors, a vector index finds the
 * nearest stored vectors. The long-term store and RAG collections both sit on these.
 */

/** Turns texts into unit-length vectors of `dims` floats; one vector per input, same order. */
export interface Embedder {
  /** Stable identity of the model (kind + model name); part of an index manifest so a model change forces a rebuild. */
  readonly id: string;
  /** Vector length every call returns. */
  readonly dims: number;
  /** Embeds a batch; rejects with an AbortError-like error when `signal` aborts. */
  embed(texts: readonly string[], signal?: AbortSignal): Promise<Float32Array[]>;
  /** Releases workers, sessions, sockets. Idempotent. */
  close(): Promise<void>;
}

/** One search result: the stored id and its cosine similarity to the query (higher is better, ≤ 1). */
export interface VectorHit {
  readonly id: string;
  readonly score: number;
}

/** Approximate nearest-neighbour index over string ids (cosine similarity). */
export interface VectorIndex {
  readonly dims: number;
  /** Live (non-deleted) vectors. */
  readonly size: number;
  /** Inserts or replaces the vector under `id`. Throws on a dimension mismatch. */
  upsert(id: string, v: Float32Array): void;
  /** Removes `id`; false when it was absent. */
  remove(id: string): boolean;
  /** Up to `k` nearest live vectors, best first; `filter` keeps only ids it accepts. */
  search(v: Float32Array, k: number, filter?: (id: string) => boolean): VectorHit[];
  /** The index as bytes (hnsw graph + id map) for persistence. */
  serialize(): Promise<Uint8Array>;
}
