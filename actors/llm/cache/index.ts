/** The response cache (exact and semantic, per tenant) as a model provider decorator (docs/context-and-caching.md). */
export { cachedProvider, scopedProvider, bestEntry, entryThreshold, LLM_CACHE_METER } from './provider.js';
export type { CacheOptions } from './provider.js';
export { StorageCacheBackend, CACHE_BUCKET } from './store.js';
export type { CacheBackend, CachedReply, SemanticEntry, LoadedEntry } from './store.js';
export { exactKey, semanticKey, embedderPartition } from './key.js';
export { promptTraits, gateReason, sameIntent } from './gate.js';
export type { PromptTraits } from './gate.js';
export { cacheEmbedder } from './embedder.js';
