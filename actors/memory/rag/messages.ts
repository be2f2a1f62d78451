/**
 * Messages of a RAG collection actor (`collection/<name>`): ingest, search, delete, stats, with
 * their zod schemas (the actor refuses anything else with `bad_request`) and reply shapes.
 */
import { z } from 'zod';
import { DOCUMENT_FORMATS } from './documents.js';
import { filterSchema, metadataSchema, type Metadata } from './filter.js';

/** Ingest documents; re-ingesting an id replaces its chunks (reply {@link IngestReply}). */
export const RAG_INGEST = 'rag.ingest';
/** Retrieve chunks for a query (reply {@link SearchReply}). */
export const RAG_SEARCH = 'rag.search';
/** Remove documents (reply `{ removed }`). */
export const RAG_DELETE = 'rag.delete';
/** Counts (reply {@link CollectionStats}). */
export const RAG_STATS = 'rag.stats';
/** A page of the collection's documents, by id (reply {@link DocumentsReply}). */
export const RAG_DOCUMENTS = 'rag.documents';
/** One document with its chunks (reply {@link DocumentReply}; `not_found` when the collection has no such id). */
export const RAG_DOCUMENT = 'rag.document';
/**
 * Topic (in the tenant) a collection publishes a {@link CollectionChange} on after an ingest that changed documents
 * or a delete that removed some, on whichever node it runs (the gateway's MCP resource subscriptions watch it).
 */
export const COLLECTION_CHANGED_TOPIC = 'memory.collection.changed';

/** Largest document accepted (characters). */
export const MAX_DOCUMENT_CHARS = 2_000_000;

/** One document to ingest. */
export const documentSchema = z.strictObject({
  id: z.string().min(1).max(512),
  content: z.string().max(MAX_DOCUMENT_CHARS),
  /** Default: text. */
  format: z.enum(DOCUMENT_FORMATS).optional(),
  metadata: metadataSchema.optional(),
});
/** A document to ingest. */
export type RagDocument = z.infer<typeof documentSchema>;

/** Payload of {@link RAG_INGEST}. */
export const ingestSchema = z.strictObject({ documents: z.array(documentSchema).min(1).max(1000) });

/** Retrieval modes: both fused (default), embeddings only, BM25 only. */
export const SEARCH_MODES = ['hybrid', 'vector', 'keyword'] as const;

/** Payload of {@link RAG_SEARCH}. */
export const searchSchema = z.strictObject({
  query: z.string().min(1).max(10_000),
  k: z.int().min(1).max(100).default(5),
  mode: z.enum(SEARCH_MODES).default('hybrid'),
  /** Metadata filter over document metadata plus `documentId`, `format` and `section`. */
  filter: filterSchema.optional(),
  /** Run the collection's rerank hook when it has one. */
  rerank: z.boolean().default(true),
});
/** A search request (input form: defaults optional). */
export type SearchRequest = z.input<typeof searchSchema>;

/** Payload of {@link RAG_DELETE}. */
export const deleteSchema = z.strictObject({ documentIds: z.array(z.string().min(1).max(512)).min(1).max(10_000) });

/** Payload of {@link RAG_DOCUMENTS}: documents in id order, `limit` from `offset`. */
export const documentsSchema = z.strictObject({
  offset: z.int().min(0).default(0),
  limit: z.int().min(1).max(1000).default(100),
});

/** Payload of {@link RAG_DOCUMENT}. */
export const documentGetSchema = z.strictObject({ id: z.string().min(1).max(512) });

/** Payload of {@link RAG_STATS}: nothing (or an empty object). */
export const statsSchema = z.strictObject({}).optional();

/** Where a hit came from. */
export interface Citation {
  readonly documentId: string;
  /** Chunk position in the document, from 0. */
  readonly chunk: number;
  /** Character offsets `[start, end)` into the ingested source. */
  readonly start: number;
  readonly end: number;
}

/** One retrieved chunk. */
export interface RagHit {
  /** Chunk id: `<documentId>#<chunk>`. */
  readonly id: string;
  /** Fused (hybrid), cosine (vector) or BM25 (keyword) score; higher is better. */
  readonly score: number;
  readonly text: string;
  readonly headings: readonly string[];
  readonly metadata: Metadata;
  readonly citation: Citation;
  /** Cosine similarity and BM25 score when the chunk was in that list. */
  readonly vectorScore?: number;
  readonly keywordScore?: number;
}

/** Outcome of one ingested document. */
export interface IngestedDocument {
  readonly id: string;
  readonly status: 'added' | 'replaced' | 'unchanged';
  readonly chunks: number;
  /** Chunks whose content another chunk in the collection already has (stored, not indexed twice). */
  readonly duplicates: number;
  /** Chunks that needed the embedder (the rest reused stored vectors). */
  readonly embedded: number;
}

/** Reply of {@link RAG_INGEST}. */
export interface IngestReply {
  readonly documents: readonly IngestedDocument[];
}

/** Reply of {@link RAG_SEARCH}. */
export interface SearchReply {
  readonly hits: readonly RagHit[];
}

/** Reply of {@link RAG_STATS}. */
export interface CollectionStats {
  readonly name: string;
  readonly documents: number;
  readonly chunks: number;
  readonly indexed: number;
  readonly dims: number;
  readonly embedder: string;
  /** How the vector index came up on activation. */
  readonly index: { readonly source: 'loaded' | 'rebuilt'; readonly reason?: string };
}

/** A document as the collection keeps it (its source is not kept whole: its chunks are). */
export interface DocumentInfo {
  readonly id: string;
  readonly format: string;
  readonly metadata: Metadata;
  readonly chunks: number;
  /** Characters of the ingested source. */
  readonly length: number;
}

/** Reply of {@link RAG_DOCUMENTS}. */
export interface DocumentsReply {
  readonly documents: readonly DocumentInfo[];
  readonly total: number;
}

/** One stored chunk of a document. */
export interface DocumentChunk {
  readonly index: number;
  readonly text: string;
  readonly headings: readonly string[];
  /** Source offsets `[start, end)`. */
  readonly start: number;
  readonly end: number;
}

/** Reply of {@link RAG_DOCUMENT}. */
export interface DocumentReply extends DocumentInfo {
  readonly chunkTexts: readonly DocumentChunk[];
}

/** What {@link COLLECTION_CHANGED_TOPIC} carries. */
export interface CollectionChange {
  readonly collection: string;
  readonly documentIds: readonly string[];
}
