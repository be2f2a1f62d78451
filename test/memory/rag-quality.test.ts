/**
 * Retrieval quality on the public-domain corpus in test/fixtures/corpus with the real offline
 * model (USE-lite): recall@5 of hybrid (BM25 + vectors, RRF), vector-only and keyword-only
 * retrieval over the same chunks. A question counts as recalled when one of the top 5 chunks
 * comes from its article and contains the answer phrase. Hybrid must be at least as good as both.
 */
import { describe, expect, it } from 'vitest';
import { UseLiteEmbedder } from '../../actors/memory/embedders/index.js';
import type { Embedder } from '../../actors/memory/semantic/index.js';
import { RagCollection, SEARCH_MODES } from '../../actors/memory/rag/index.js';
import { MemoryStorage } from '../../runtime/index.js';
import { corpusDocuments, corpusQuestions } from './corpus.js';

/** Answers texts it has seen from a cache: the questions are embedded in one batch, not one model call each. */
class Prefetched implements Embedder {
  private readonly cache = new Map<string, Float32Array>();
  constructor(private readonly inner: Embedder) {}
  get id(): string {
    return this.inner.id;
  }
  get dims(): number {
    return this.inner.dims;
  }
  async prefetch(texts: readonly string[]): Promise<void> {
    (await this.inner.embed(texts)).forEach((v, i) => this.cache.set(texts[i] as string, v));
  }
  async embed(texts: readonly string[]): Promise<Float32Array[]> {
    const missing = texts.filter((t) => !this.cache.has(t));
    if (missing.length > 0) await this.prefetch(missing);
    return texts.map((t) => this.cache.get(t) as Float32Array);
  }
  close(): Promise<void> {
    return this.inner.close();
  }
}

describe('retrieval quality (USE-lite, fixtures corpus)', () => {
  it('hybrid recall@5 is at least that of vector-only and keyword-only', async () => {
    const embedder = new Prefetched(new UseLiteEmbedder(32));
    const collection = await RagCollection.open({
      name: 'corpus',
      embedder,
      bucket: new MemoryStorage().bucket('memory'),
      chunking: { maxChars: 300, overlapChars: 60 },
    });
    const docs = await corpusDocuments();
    await collection.ingest(docs);
    const questions = await corpusQuestions();
    await embedder.prefetch(questions.map((q) => q.q));
    expect(docs.length).toBeGreaterThanOrEqual(30);
    expect(questions.length).toBeGreaterThanOrEqual(60);
    const recall: Record<string, number> = {};
    for (const mode of SEARCH_MODES) {
      let found = 0;
      for (const q of questions) {
        const hits = await collection.search({ query: q.q, k: 5, mode });
        if (hits.some((h) => h.citation.documentId === q.doc && h.text.includes(q.answer))) found++;
      }
      recall[mode] = found / questions.length;
    }
    const stats = collection.stats();
    console.log(
      `recall@5 over ${questions.length} questions, ${stats.chunks} chunks of ${stats.documents} articles: ` +
        `hybrid ${recall['hybrid']?.toFixed(3)}, vector ${recall['vector']?.toFixed(3)}, keyword ${recall['keyword']?.toFixed(3)}`,
    );
    expect(recall['hybrid']).toBeGreaterThanOrEqual(recall['vector'] as number);
    expect(recall['hybrid']).toBeGreaterThanOrEqual(recall['keyword'] as number);
    expect(recall['hybrid']).toBeGreaterThan(0.8);
  }, 120_000);
});
