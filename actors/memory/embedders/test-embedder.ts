/**
 * A deterministic bag-of-words embedder FOR TESTS ONLY: each lower-cased word (and its
 * 3-letter prefix) is hashed into one of `dims` buckets. Texts sharing words are similar; it
 * knows nothing of meaning. Used to test plumbing (indexes, persistence, actors) quickly; the
 * default embedder is USE-lite.
 */
import type { Embedder } from '../semantic/types.js';
import { normalize, throwIfAborted } from './vectors.js';

/** Id prefix of the test embedder. */
export const HASHING_TEST_ID = 'hashing-test';

function fnv1a(s: string): number {
  let h = 0x811c9dc5;
  for (let i = 0; i < s.length; i++) h = Math.imul(h ^ s.charCodeAt(i), 0x01000193);
  return h >>> 0;
}

/** Feature-hashing embedder for unit tests of the plumbing (not a language model). */
export class HashingTestEmbedder implements Embedder {
  readonly id: string;
  constructor(readonly dims = 64) {
    this.id = `${HASHING_TEST_ID}/${dims}`;
  }

  async embed(texts: readonly string[], signal?: AbortSignal): Promise<Float32Array[]> {
    throwIfAborted(signal);
    return Promise.resolve(texts.map((t) => this.one(t)));
  }

  private one(text: string): Float32Array {
    const v = new Float32Array(this.dims);
    for (const w of text.toLowerCase().match(/[\p{L}\p{N}]+/gu) ?? []) {
      const h = fnv1a(w);
      v[h % this.dims] = (v[h % this.dims] as number) + ((h >>> 16) & 1 ? 1 : -1);
      if (w.length > 3) v[fnv1a(w.slice(0, 3)) % this.dims] = (v[fnv1a(w.slice(0, 3)) % this.dims] as number) + 0.5;
    }
    return normalize(v);
  }

  close(): Promise<void> {
    return Promise.resolve();
  }
}
