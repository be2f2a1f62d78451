/**
 * The semantic cache's embedder. On the offline default (USE-lite) the cache embeds with USE-lite's int8 variant:
 * a lookup embeds the prompt on the calling thread, and int8 layers take about a third of float32's model time, which
 * is what brings a hit under 2 ms. Its vectors are close to USE-lite's (cosine ≈ 0.9995; the same hits and no false
 * hits on test/fixtures/cache) but not equal, so only the cache uses it — its entries are written and looked up with
 * this one model — while recall and collections keep float32 USE-lite. Any other embedder is the cache's as it is.
 */
import { createEmbedder, USE_LITE_ID } from '../../memory/embedders/index.js';
import type { Embedder } from '../../memory/semantic/types.js';

let int8: Promise<Embedder> | undefined;

/** The cache's embedder for the node's `embedder`: int8 USE-lite (one per thread, started lazily) in place of USE-lite. */
export function cacheEmbedder(embedder: () => Promise<Embedder>): () => Promise<Embedder> {
  return async () => {
    const e = await embedder();
    if (e.id !== USE_LITE_ID) return e;
    int8 ??= createEmbedder({ kind: 'use-lite', precision: 'int8' }, { threads: 1 });
    int8.catch(() => (int8 = undefined));
    return int8;
  };
}
