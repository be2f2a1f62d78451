/**
 * The collection actor: `collection/<name>`, stateful (one activation in the cluster). Its
 * state is a {@link RagCollection} opened from `system.storage` on every activation, so a
 * re-activation on another node finds the documents and the index. Handles ingest, search,
 * delete and stats; payloads are checked by the schemas in messages.ts.
 */
import { NotFoundError } from '../../../protocols/index.js';
import { startSpan, type ActorContext, type ActorRef, type Behavior, type TraceSpan } from '../../../runtime/index.js';
import { tracedEmbedder } from '../embedders/traced.js';
import type { ActorSystem } from '../../../runtime/index.js';
import type { Embedder } from '../semantic/types.js';
import type { HnswParams } from '../semantic/hnsw-index.js';
import type { ChunkOptions } from './chunker.js';
import { RagCollection, type RerankHook } from './collection.js';
import {
  COLLECTION_CHANGED_TOPIC,
  deleteSchema,
  documentGetSchema,
  documentsSchema,
  ingestSchema,
  RAG_DELETE,
  RAG_DOCUMENT,
  RAG_DOCUMENTS,
  RAG_INGEST,
  RAG_SEARCH,
  RAG_STATS,
  searchSchema,
  statsSchema,
  type CollectionChange,
  type IngestReply,
  type SearchReply,
} from './messages.js';

/** Storage bucket of RAG collections (and semantic memory) unless configured otherwise. */
export const MEMORY_BUCKET = 'memory';

/** Options of a collection actor. */
export interface CollectionActorOptions {
  readonly embedder: Embedder;
  /** Storage bucket (default {@link MEMORY_BUCKET}). */
  readonly bucket?: string;
  readonly hnsw?: Partial<HnswParams>;
  readonly chunking?: Partial<ChunkOptions>;
  readonly rerank?: RerankHook;
}

/** Address of collection `name`. */
export function collectionAddress(name: string): string {
  return `collection/${name}`;
}

/** Tells watchers (MCP resource subscriptions, on any node) which documents changed; a lost announcement only warns. */
function announce(ctx: ActorContext<RagCollection>, collection: string, documentIds: readonly string[]): void {
  if (documentIds.length === 0) return;
  const { system, self } = ctx;
  const change: CollectionChange = { collection, documentIds };
  system
    .publish(COLLECTION_CHANGED_TOPIC, change, { tenant: self.tenant })
    .catch((e: unknown) => system.warn(`${self.address} (${self.tenant}): change not announced: ${(e as Error).message}`));
}

/** The `retrieval {collection}` span of one search, a child of the message that asked for it. */
function retrievalSpan(name: string, k: number, mode: string, traceparent: string | undefined): TraceSpan {
  return startSpan(`retrieval ${name}`, {
    parent: traceparent,
    kind: 'internal',
    attributes: {
      'gen_ai.operation.name': 'retrieval',
      'gen_ai.data_source.id': name,
      'gen_ai.request.top_k': k,
      'troupe.retrieval.mode': mode,
    },
  });
}

/** The Behavior of collection `name` (see the module comment). */
export function collectionBehavior(name: string, options: CollectionActorOptions): Behavior<RagCollection> {
  // Messages are handled one at a time: the trace context of the one being handled is the parent of its embeddings.
  let parent: string | undefined;
  const embedder = tracedEmbedder(options.embedder, () => parent);
  return {
    schemas: {
      [RAG_INGEST]: ingestSchema,
      [RAG_SEARCH]: searchSchema,
      [RAG_DELETE]: deleteSchema,
      [RAG_STATS]: statsSchema,
      [RAG_DOCUMENTS]: documentsSchema,
      [RAG_DOCUMENT]: documentGetSchema,
    },
    init: (ctx) =>
      RagCollection.open({
        name,
        tenant: ctx.self.tenant,
        embedder,
        bucket: ctx.system.storage.bucket(options.bucket ?? MEMORY_BUCKET),
        ...(options.hnsw ? { hnsw: options.hnsw } : {}),
        ...(options.chunking ? { chunking: options.chunking } : {}),
        ...(options.rerank ? { rerank: options.rerank } : {}),
      }),
    async receive(message, ctx) {
      const c = ctx.state;
      parent = message.traceparent;
      switch (message.type) {
        case RAG_INGEST: {
          const documents = await c.ingest(ingestSchema.parse(message.payload).documents, ctx.signal);
          announce(
            ctx,
            name,
            documents.filter((d) => d.status !== 'unchanged').map((d) => d.id),
          );
          return { documents } satisfies IngestReply;
        }
        case RAG_SEARCH: {
          const request = searchSchema.parse(message.payload);
          const span = retrievalSpan(name, request.k, request.mode, message.traceparent);
          span.capture('gen_ai.retrieval.query.text', () => request.query);
          parent = span.traceparent ?? parent;
          try {
            const hits = await c.search(request, ctx.signal);
            span.set({ 'troupe.retrieval.hits': hits.length });
            return { hits } satisfies SearchReply;
          } catch (e) {
            span.fail(e);
            throw e;
          } finally {
            span.end();
          }
        }
        case RAG_DELETE: {
          const ids = deleteSchema.parse(message.payload).documentIds;
          const present = ids.filter((id) => c.hasDocument(id));
          const removed = await c.delete(ids);
          announce(ctx, name, present);
          return { removed };
        }
        case RAG_DOCUMENTS: {
          const { offset, limit } = documentsSchema.parse(message.payload);
          return c.documents(offset, limit);
        }
        case RAG_DOCUMENT: {
          const { id } = documentGetSchema.parse(message.payload);
          const doc = await c.document(id);
          if (doc === undefined) throw new NotFoundError(`collection ${name} has no document ${JSON.stringify(id.slice(0, 200))}`);
          return doc;
        }
        case RAG_STATS:
          return c.stats();
        default:
          return undefined;
      }
    },
  };
}

/**
 * Spawns collection `name` on `system` (single activation). An ingest embeds inside one handler:
 * raise `handlerTimeoutMs` (default from config, 30 s) for large documents on a slow embedder.
 */
export function spawnCollection(
  system: ActorSystem,
  name: string,
  options: CollectionActorOptions & { readonly tenant?: string; readonly handlerTimeoutMs?: number },
): Promise<ActorRef> {
  const { tenant, handlerTimeoutMs, ...rest } = options;
  return system.spawn(collectionAddress(name), collectionBehavior(name, rest), {
    ...(tenant === undefined ? {} : { tenant }),
    ...(handlerTimeoutMs === undefined ? {} : { handlerTimeoutMs }),
  });
}
