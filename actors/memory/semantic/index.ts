/** Semantic memory: the Embedder and VectorIndex contracts, the hnswlib index and its persistence. */
export type { Embedder, VectorHit, VectorIndex } from './types.js';
export { HnswIndex, DEFAULT_HNSW, IndexFormatError } from './hnsw-index.js';
export type { HnswParams } from './hnsw-index.js';
export { saveIndex, loadIndex, deleteIndex, vectorToBytes, bytesToVector, INDEX_CHUNK_BYTES } from './persist.js';
export type { IndexManifest, LoadedIndex, LoadIndexOptions } from './persist.js';
