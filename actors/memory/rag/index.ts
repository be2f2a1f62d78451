/** RAG: document parsing and chunking, BM25, hybrid retrieval with citations, the collection actor and its tools. */
export { DOCUMENT_FORMATS, guessFormat, parseDocument, sourceOffset, sourceEnd } from './documents.js';
export type { DocumentFormat, Block } from './documents.js';
export { chunkBlocks, sentences, DEFAULT_CHUNKING } from './chunker.js';
export type { ChunkOptions, TextChunk } from './chunker.js';
export { Bm25Index, tokenize, stem } from './bm25.js';
export type { KeywordHit } from './bm25.js';
export { matchesFilter, reciprocalRankFusion, filterSchema, metadataSchema, metadataValueSchema } from './filter.js';
export type { Metadata, MetadataValue, MetadataFilter } from './filter.js';
export { RagCollection, COLLECTION_NAME } from './collection.js';
export type { CollectionOptions, RerankHook } from './collection.js';
export * from './messages.js';
export { collectionBehavior, collectionAddress, spawnCollection, MEMORY_BUCKET } from './actor.js';
export type { CollectionActorOptions } from './actor.js';
export { collectionSearchTool, rememberTool } from './tools.js';
export type { CollectionToolOptions } from './tools.js';
export { collectionKind } from './kind.js';
export { recallHook, RECALL_HEADING } from './recall.js';
export type { RecallSpec } from './recall.js';
