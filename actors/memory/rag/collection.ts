/**
 * A RAG collection: documents chunked, embedded and indexed twice (BM25 and hnswlib), kept in
 * `system.storage` so any activation on any node reopens it. Identical chunk content is indexed
 * once (the chunk with the smallest key owns it; the others are stored and take over when it
 * goes). Search fuses both rankings by reciprocal rank fusion, filters on metadata and can rerank.
 */
import { createHash } from 'node:crypto';
import { ValidationError } from '../../../protocols/index.js';
import { seqKey, type KvBucket, type StorageKey } from '../../../runtime/index.js';
import type { Embedder } from '../semantic/types.js';
import { HnswIndex, type HnswParams } from '../semantic/hnsw-index.js';
import { bytesToVector, loadIndex, saveIndex, vectorToBytes, type LoadedIndex } from '../semantic/persist.js';
import { Bm25Index } from './bm25.js';
import { chunkBlocks, type ChunkOptions, type TextChunk } from './chunker.js';
import { parseDocument, type DocumentFormat } from './documents.js';
import { matchesFilter, reciprocalRankFusion, type Metadata } from './filter.js';
import {
  searchSchema,
  type CollectionStats,
  type DocumentInfo,
  type DocumentReply,
  type DocumentsReply,
  type IngestedDocument,
  type RagDocument,
  type RagHit,
  type SearchRequest,
} from './messages.js';

/** Reorders (and may cut) fused hits, e.g. with a cross-encoder or an LLM. */
export type RerankHook = (query: string, hits: readonly RagHit[], signal?: AbortSignal) => readonly RagHit[] | Promise<readonly RagHit[]>;

/** Options of {@link RagCollection.open}. */
export interface CollectionOptions {
  readonly name: string;
  /** Tenant the collection belongs to (its storage keys start with it; default `default`). */
  readonly tenant?: string;
  readonly embedder: Embedder;
  readonly bucket: KvBucket;
  readonly hnsw?: Partial<HnswParams>;
  readonly chunking?: Partial<ChunkOptions>;
  readonly rerank?: RerankHook;
  /** RRF constant (default 60). */
  readonly rrfK?: number;
}

/** Collection names: also the actor address suffix `collection/<name>`. */
export const COLLECTION_NAME = /^[a-z0-9][a-z0-9_-]{0,63}$/;

interface DocRecord {
  readonly id: string;
  readonly hash: string;
  readonly format: DocumentFormat;
  readonly metadata: Metadata;
  readonly chunks: number;
  readonly length: number;
}

interface ChunkRecord {
  readonly docId: string;
  readonly index: number;
  readonly text: string;
  readonly headings: readonly string[];
  readonly start: number;
  readonly end: number;
  readonly hash: string;
  readonly vector: Uint8Array;
}

interface LiveChunk extends Omit<ChunkRecord, 'vector'> {
  readonly id: string;
  /** Sorts like its storage key; the smallest key of a content hash owns it. */
  readonly order: string;
}

const docInfo = (d: DocRecord): DocumentInfo => ({ id: d.id, format: d.format, metadata: d.metadata, chunks: d.chunks, length: d.length });

const sha = (s: string): string => createHash('sha256').update(s).digest('hex');
/** Document ids as key segments: base64url, safe on every backend. */
const seg = (docId: string): string => Buffer.from(docId, 'utf8').toString('base64url') || '-';

/** One collection (see the module comment); create with {@link RagCollection.open}. */
export class RagCollection {
  private readonly docs = new Map<string, DocRecord>();
  private readonly chunks = new Map<string, LiveChunk>();
  /** Chunk ids by document and by content hash, so replacing a document never scans the collection. */
  private readonly byDoc = new Map<string, Set<string>>();
  private readonly byHash = new Map<string, Set<string>>();
  private readonly owners = new Map<string, string>();
  private readonly bm25 = new Bm25Index();
  private readonly prefix: StorageKey;
  private index!: HnswIndex;
  private indexState: CollectionStats['index'] = { source: 'rebuilt' };

  private constructor(private readonly options: CollectionOptions) {
    if (!COLLECTION_NAME.test(options.name))
      throw new ValidationError(`collection name ${JSON.stringify(options.name)} is not [a-z0-9][a-z0-9_-]{0,63}`);
    // Tenant first: collections of the same name in two tenants never share a key.
    this.prefix = ['rag', options.tenant ?? 'default', options.name];
  }

  /** Opens (or creates) the collection: reads documents and chunks, loads the vector index or rebuilds it. */
  static async open(options: CollectionOptions): Promise<RagCollection> {
    const c = new RagCollection(options);
    await c.load();
    return c;
  }

  private async load(): Promise<void> {
    const { bucket, embedder } = this.options;
    for (const e of await bucket.list<DocRecord>([...this.prefix, 'doc'])) this.docs.set(e.value.id, e.value);
    const vectors = new Map<string, Uint8Array>();
    for (const e of await bucket.list<ChunkRecord>([...this.prefix, 'chunk'])) {
      const { vector, ...rest } = e.value;
      if (!this.docs.has(rest.docId)) continue; // chunks of a document whose record was never written
      const chunk: LiveChunk = { ...rest, id: `${rest.docId}#${rest.index}`, order: `${seg(rest.docId)}\u0000${seqKey(rest.index)}` };
      this.addChunk(chunk);
      vectors.set(chunk.id, vector);
      const owner = this.owners.get(chunk.hash);
      if (owner === undefined || chunk.order < (this.chunks.get(owner) as LiveChunk).order) this.owners.set(chunk.hash, chunk.id);
    }
    // A document whose stored chunks do not match its record was cut short mid-write: serve what is
    // there, and forget its content hash so that re-ingesting the same content repairs it.
    for (const d of this.docs.values()) if ((this.byDoc.get(d.id)?.size ?? 0) !== d.chunks) this.docs.set(d.id, { ...d, hash: '' });
    const live = [...this.owners.values()];
    for (const id of live) this.bm25.add(id, this.searchText(this.chunks.get(id) as LiveChunk));
    const rebuild = function* (): Iterable<readonly [string, Float32Array]> {
      for (const id of live) yield [id, bytesToVector(vectors.get(id) as Uint8Array)];
    };
    let loaded: LoadedIndex = await loadIndex(bucket, [...this.prefix, 'index'], {
      dims: embedder.dims,
      embedder: embedder.id,
      expectedSize: live.length,
      ...(this.options.hnsw ? { params: this.options.hnsw } : {}),
      rebuild,
    });
    if (loaded.source === 'loaded' && !live.every((id) => loaded.index.has(id))) {
      const index = HnswIndex.create(embedder.dims, this.options.hnsw);
      for (const [id, v] of rebuild()) index.upsert(id, v);
      loaded = { index, source: 'rebuilt', reason: 'stale', detail: 'index ids differ from the stored chunks' };
    }
    this.index = loaded.index;
    // A query-time setting: config wins over the stored one.
    if (this.options.hnsw?.efSearch !== undefined) this.index.efSearch = this.options.hnsw.efSearch;
    this.indexState = { source: loaded.source, ...(loaded.reason === undefined ? {} : { reason: loaded.reason }) };
    if (loaded.source === 'rebuilt' && live.length > 0) await this.saveIndex();
  }

  get name(): string {
    return this.options.name;
  }

  /** Ingests documents in order; re-ingesting an id replaces its chunks (unchanged content is a no-op). */
  async ingest(documents: readonly RagDocument[], signal?: AbortSignal): Promise<IngestedDocument[]> {
    // Parse everything first: a bad document refuses the whole message before anything changes.
    const prepared = documents.map((doc) => {
      const format = doc.format ?? 'text';
      try {
        return { doc, format, pieces: chunkBlocks(parseDocument(doc.content, format), this.options.chunking) };
      } catch (e) {
        throw new ValidationError(`document ${JSON.stringify(doc.id.slice(0, 200))} is not valid ${format}: ${(e as Error).message}`);
      }
    });
    const out: IngestedDocument[] = [];
    try {
      for (const p of prepared) out.push(await this.ingestOne(p.doc, p.format, p.pieces, signal));
    } finally {
      // One index save per message; if the process dies before it, the next load sees a stale index and rebuilds.
      if (out.some((d) => d.status !== 'unchanged')) await this.saveIndex();
    }
    return out;
  }

  private async ingestOne(
    doc: RagDocument,
    format: DocumentFormat,
    pieces: readonly TextChunk[],
    signal?: AbortSignal,
  ): Promise<IngestedDocument> {
    const { bucket, embedder } = this.options;
    const metadata = doc.metadata ?? {};
    const hash = sha(`${format}\u0000${JSON.stringify(metadata)}\u0000${doc.content}`);
    const previous = this.docs.get(doc.id);
    if (previous?.hash === hash) return { id: doc.id, status: 'unchanged', chunks: previous.chunks, duplicates: 0, embedded: 0 };
    // Reuse stored vectors for content the collection already has; embed the rest in one call.
    const known = new Map<string, Uint8Array>();
    const hashes = pieces.map((p) => sha(this.searchText(p)));
    for (const h of new Set(hashes)) {
      const holder = this.owners.get(h);
      if (holder === undefined) continue;
      const c = this.chunks.get(holder) as LiveChunk;
      const rec = await bucket.get<ChunkRecord>([...this.prefix, 'chunk', seg(c.docId), seqKey(c.index)]);
      if (rec !== undefined) known.set(h, rec.vector);
    }
    const todo = pieces.filter((_, i) => !known.has(hashes[i] as string));
    const fresh = await embedder.embed(
      todo.map((p) => this.searchText({ text: p.text, headings: p.headings })),
      signal,
    );
    let n = 0;
    const records: ChunkRecord[] = pieces.map((p, i) => {
      const h = hashes[i] as string;
      let vector = known.get(h);
      if (vector === undefined) known.set(h, (vector = vectorToBytes(fresh[n++] as Float32Array)));
      return { docId: doc.id, index: p.index, text: p.text, headings: p.headings, start: p.start, end: p.end, hash: h, vector };
    });
    // Write first, then change what search sees: a failed write leaves the old version served.
    const record: DocRecord = { id: doc.id, hash, format, metadata, chunks: records.length, length: doc.content.length };
    // New chunks overwrite the old ones' keys, the document record comes last, then chunks past the new count go.
    await bucket.putMany([
      ...records.map((r) => ({ key: [...this.prefix, 'chunk', seg(doc.id), seqKey(r.index)], value: r })),
      { key: [...this.prefix, 'doc', seg(doc.id)], value: record },
    ]);
    for (let i = records.length; i < (previous?.chunks ?? 0); i++) await bucket.delete([...this.prefix, 'chunk', seg(doc.id), seqKey(i)]);
    const vectors = new Map(records.map((r) => [r.hash, r.vector] as const));
    await this.unindexDocument(doc.id, vectors);
    this.docs.set(doc.id, record);
    let duplicates = 0;
    for (const r of records) {
      const { vector: _v, ...rest } = r;
      const chunk: LiveChunk = { ...rest, id: `${r.docId}#${r.index}`, order: `${seg(r.docId)}\u0000${seqKey(r.index)}` };
      this.addChunk(chunk);
      const owner = this.owners.get(r.hash);
      if (owner !== undefined && (this.chunks.get(owner) as LiveChunk).order < chunk.order) duplicates++;
      else {
        if (owner !== undefined) this.unindex(owner);
        this.indexChunk(chunk, bytesToVector(r.vector));
      }
    }
    return { id: doc.id, status: previous === undefined ? 'added' : 'replaced', chunks: records.length, duplicates, embedded: todo.length };
  }

  /** Removes documents; returns how many existed. */
  async delete(ids: readonly string[]): Promise<number> {
    let removed = 0;
    for (const id of ids) {
      if (!this.docs.has(id)) continue;
      await this.options.bucket.delete([...this.prefix, 'doc', seg(id)]);
      const vectors = new Map<string, Uint8Array>();
      for (const e of await this.options.bucket.list<ChunkRecord>([...this.prefix, 'chunk', seg(id)]))
        vectors.set(e.value.hash, e.value.vector);
      await this.options.bucket.deletePrefix([...this.prefix, 'chunk', seg(id)]);
      await this.unindexDocument(id, vectors);
      this.docs.delete(id);
      removed++;
    }
    if (removed > 0) await this.saveIndex();
    return removed;
  }

  /** Drops a document's chunks from memory and the indexes; content they owned passes to a remaining duplicate. */
  private async unindexDocument(docId: string, vectors: ReadonlyMap<string, Uint8Array>): Promise<void> {
    const old = [...(this.byDoc.get(docId) ?? [])].map((id) => this.chunks.get(id) as LiveChunk);
    const orphaned = new Set<string>();
    for (const c of old) {
      if (this.owners.get(c.hash) === c.id) {
        this.unindex(c.id);
        orphaned.add(c.hash);
      }
      this.dropChunk(c);
    }
    for (const h of orphaned) {
      const heir = [...(this.byHash.get(h) ?? [])]
        .map((id) => this.chunks.get(id) as LiveChunk)
        .sort((a, b) => (a.order < b.order ? -1 : 1))[0];
      if (heir === undefined) continue;
      let v = vectors.get(h);
      if (v === undefined)
        v = (await this.options.bucket.get<ChunkRecord>([...this.prefix, 'chunk', seg(heir.docId), seqKey(heir.index)]))?.vector;
      if (v !== undefined) this.indexChunk(heir, bytesToVector(v));
    }
  }

  private addChunk(c: LiveChunk): void {
    this.chunks.set(c.id, c);
    for (const [map, key] of [
      [this.byDoc, c.docId],
      [this.byHash, c.hash],
    ] as const) {
      let set = map.get(key);
      if (set === undefined) map.set(key, (set = new Set()));
      set.add(c.id);
    }
  }

  private dropChunk(c: LiveChunk): void {
    this.chunks.delete(c.id);
    for (const [map, key] of [
      [this.byDoc, c.docId],
      [this.byHash, c.hash],
    ] as const) {
      const set = map.get(key);
      set?.delete(c.id);
      if (set?.size === 0) map.delete(key);
    }
  }

  private indexChunk(c: LiveChunk, v: Float32Array): void {
    this.owners.set(c.hash, c.id);
    this.bm25.add(c.id, this.searchText(c));
    this.index.upsert(c.id, v);
  }

  private unindex(id: string): void {
    const c = this.chunks.get(id);
    if (c !== undefined && this.owners.get(c.hash) === id) this.owners.delete(c.hash);
    this.bm25.remove(id);
    this.index.remove(id);
  }

  private searchText(c: { readonly text: string; readonly headings: readonly string[] }): string {
    return c.headings.length > 0 ? `${c.headings.join(' > ')}\n${c.text}` : c.text;
  }

  private saveIndex(): Promise<unknown> {
    return saveIndex(this.options.bucket, [...this.prefix, 'index'], this.index, this.options.embedder.id);
  }

  /** Metadata a filter sees for a chunk: the document's, plus `documentId`, `format`, `section`. */
  private metadataOf(c: LiveChunk): Metadata {
    const d = this.docs.get(c.docId);
    return { ...(d?.metadata ?? {}), documentId: c.docId, format: d?.format ?? 'text', section: c.headings.join(' > ') };
  }

  /** Retrieves the `k` best chunks for a query (see {@link searchSchema} for the fields). */
  async search(request: SearchRequest, signal?: AbortSignal): Promise<RagHit[]> {
    const req = searchSchema.parse(request);
    const accept = (id: string): boolean => {
      const c = this.chunks.get(id);
      return c !== undefined && matchesFilter(this.metadataOf(c), req.filter);
    };
    const depth = Math.max(req.k * 4, 50);
    const vector =
      req.mode === 'keyword'
        ? []
        : this.index.search(
            (await this.options.embedder.embed([req.query], signal))[0] as Float32Array,
            depth,
            req.filter === undefined ? undefined : accept,
          );
    const keyword = req.mode === 'vector' ? [] : this.bm25.search(req.query, depth, req.filter === undefined ? undefined : accept);
    const ranked =
      req.mode === 'vector' ? vector : req.mode === 'keyword' ? keyword : reciprocalRankFusion([vector, keyword], this.options.rrfK ?? 60);
    const vScore = new Map(vector.map((h) => [h.id, h.score]));
    const kScore = new Map(keyword.map((h) => [h.id, h.score]));
    const rerank = req.rerank ? this.options.rerank : undefined;
    let hits: readonly RagHit[] = ranked.slice(0, rerank === undefined ? req.k : Math.max(req.k * 3, 20)).map((h) => {
      const c = this.chunks.get(h.id) as LiveChunk;
      const vs = vScore.get(h.id);
      const ks = kScore.get(h.id);
      return {
        id: h.id,
        score: h.score,
        text: c.text,
        headings: c.headings,
        metadata: this.metadataOf(c),
        citation: { documentId: c.docId, chunk: c.index, start: c.start, end: c.end },
        ...(vs === undefined ? {} : { vectorScore: vs }),
        ...(ks === undefined ? {} : { keywordScore: ks }),
      };
    });
    if (rerank !== undefined) hits = await rerank(req.query, hits, signal);
    return hits.slice(0, req.k);
  }

  /** Counts and how the index came up. */
  /** True when the collection holds document `id`. */
  hasDocument(id: string): boolean {
    return this.docs.has(id);
  }

  /** A page of documents in id order. */
  documents(offset: number, limit: number): DocumentsReply {
    const ids = [...this.docs.keys()].sort();
    const documents = ids.slice(offset, offset + limit).map((id) => docInfo(this.docs.get(id) as DocRecord));
    return { documents, total: ids.length };
  }

  /** Document `id` with its stored chunks, in order; undefined when there is none. */
  async document(id: string): Promise<DocumentReply | undefined> {
    const doc = this.docs.get(id);
    if (doc === undefined) return undefined;
    const chunks = await this.options.bucket.list<ChunkRecord>([...this.prefix, 'chunk', seg(id)]);
    const chunkTexts = chunks
      .map((e) => e.value)
      .filter((c) => c.index < doc.chunks)
      .sort((a, b) => a.index - b.index)
      .map(({ index, text, headings, start, end }) => ({ index, text, headings, start, end }));
    return { ...docInfo(doc), chunkTexts };
  }

  stats(): CollectionStats {
    return {
      name: this.name,
      documents: this.docs.size,
      chunks: this.chunks.size,
      indexed: this.index.size,
      dims: this.options.embedder.dims,
      embedder: this.options.embedder.id,
      index: this.indexState,
    };
  }
}
