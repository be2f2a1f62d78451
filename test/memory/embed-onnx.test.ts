/**
 * The ONNX embedder on a model this test writes (protobuf by hand): WordPiece tokenisation from
 * vocab.txt and tokenizer.json, mean pooling + normalisation checked against the embedding
 * table, batching with padding, the worker pool giving the same vectors, and clear errors for
 * a folder without a model or tokenizer.
 */
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { availableParallelism, tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createEmbedder, embedderFromConfig, OnnxEmbedder, WordPieceTokenizer } from '../../actors/memory/embedders/index.js';
import { configSchema } from '../../config/index.js';
import { TINY_VOCAB, writeTinyModel } from './onnx-model.js';

let dir: string;
let table: Float32Array;
const DIMS = 8;

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'troupe-onnx-'));
  ({ table } = await writeTinyModel(join(dir, 'vocab-model'), { dims: DIMS }));
  await writeTinyModel(join(dir, 'json-model'), { dims: DIMS, json: true });
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

const id = (t: string): number => TINY_VOCAB.indexOf(t);

/** normalize(mean of table rows `ids`). */
function expected(ids: number[]): number[] {
  const v = new Array<number>(DIMS).fill(0);
  for (const i of ids) for (let j = 0; j < DIMS; j++) v[j] = (v[j] as number) + (table[i * DIMS + j] as number) / ids.length;
  const n = Math.hypot(...v);
  return v.map((x) => x / n);
}

describe('WordPiece tokenizer', () => {
  it('lower-cases, strips accents, splits punctuation and sub-words, wraps in [CLS] [SEP]', async () => {
    const tok = await WordPieceTokenizer.fromDirectory(join(dir, 'vocab-model'));
    expect(tok.encode('The CAT, runs.').ids).toEqual([
      id('[CLS]'),
      id('the'),
      id('cat'),
      id(','),
      id('run'),
      id('##s'),
      id('.'),
      id('[SEP]'),
    ]);
    expect(tok.encode('Café running zebra').ids).toEqual([id('[CLS]'), id('cafe'), id('run'), id('##ning'), id('[UNK]'), id('[SEP]')]);
    expect(tok.encode('').ids).toEqual([id('[CLS]'), id('[SEP]')]);
  });

  it('reads tokenizer.json the same way as vocab.txt and truncates to maxLength', async () => {
    const a = await WordPieceTokenizer.fromDirectory(join(dir, 'vocab-model'), { maxLength: 5 });
    const b = await WordPieceTokenizer.fromDirectory(join(dir, 'json-model'), { maxLength: 5 });
    const text = 'the cat sat on the mat';
    expect(b.encode(text).ids).toEqual(a.encode(text).ids);
    expect(a.encode(text).ids).toEqual([id('[CLS]'), id('the'), id('cat'), id('sat'), id('[SEP]')]);
  });

  it('refuses a tokenizer.json that is not WordPiece, and a folder without a tokenizer', async () => {
    expect(() => WordPieceTokenizer.fromTokenizerJson(JSON.stringify({ model: { type: 'BPE', vocab: {} } }))).toThrow(/only WordPiece/);
    const empty = join(dir, 'empty');
    await writeTinyModel(empty);
    await rm(join(empty, 'vocab.txt'));
    await expect(WordPieceTokenizer.fromDirectory(empty)).rejects.toThrow(/expected tokenizer.json \(WordPiece\) or vocab.txt/);
  });
});

describe('OnnxEmbedder', () => {
  it('mean-pools the token vectors of the model output and normalises', async () => {
    const e = await OnnxEmbedder.load({ modelDir: join(dir, 'vocab-model') });
    try {
      expect(e.dims).toBe(DIMS);
      expect(e.id).toBe('onnx/vocab-model');
      // Two texts of different lengths in one batch: padding must not leak into the shorter one.
      const [a, b] = await e.embed(['the cat', 'the dog sat on the mat']);
      const ea = expected([id('[CLS]'), id('the'), id('cat'), id('[SEP]')]);
      const eb = expected([id('[CLS]'), id('the'), id('dog'), id('sat'), id('on'), id('the'), id('mat'), id('[SEP]')]);
      ea.forEach((x, j) => expect(a?.[j]).toBeCloseTo(x, 5));
      eb.forEach((x, j) => expect(b?.[j]).toBeCloseTo(x, 5));
      // Batches of 2 give the same vectors as one call.
      const small = await OnnxEmbedder.load({ modelDir: join(dir, 'json-model'), batchSize: 2 });
      const texts = ['the cat', 'the dog sat on the mat', 'red planet mars', 'cat'];
      const [one, many] = [await e.embed(texts), await small.embed(texts)];
      one.forEach((v, i) => v.forEach((x, j) => expect(many[i]?.[j]).toBeCloseTo(x, 6)));
      await small.close();
    } finally {
      await e.close();
    }
    await expect(e.embed(['x'])).rejects.toThrow(/closed/);
  });

  it('feeds token_type_ids when declared and takes a pooled [batch, dims] output as is', async () => {
    await writeTinyModel(join(dir, 'pooled'), { dims: DIMS, model: { pooled: true, withTokenTypes: true } });
    const e = await OnnxEmbedder.load({ modelDir: join(dir, 'pooled') });
    try {
      expect(e.dims).toBe(DIMS);
      const [v] = await e.embed(['red planet mars']);
      // The graph averages every position itself: one text, so no padding enters the mean.
      expected([id('[CLS]'), id('red'), id('planet'), id('mars'), id('[SEP]')]).forEach((x, j) => expect(v?.[j]).toBeCloseTo(x, 5));
    } finally {
      await e.close();
    }
  });

  it('runs in the worker pool with the same results', async () => {
    const local = await OnnxEmbedder.load({ modelDir: join(dir, 'vocab-model') });
    const pool = await createEmbedder({ kind: 'onnx', modelDir: join(dir, 'vocab-model') }, { threads: 2, batchSize: 3 });
    try {
      expect(pool.dims).toBe(DIMS);
      const texts = Array.from({ length: 10 }, (_, i) => `the cat ${'sat '.repeat(i)}on the mat`);
      const [a, b] = [await local.embed(texts), await pool.embed(texts)];
      expect(b).toHaveLength(10);
      a.forEach((v, i) => v.forEach((x, j) => expect(b[i]?.[j]).toBeCloseTo(x, 6)));
    } finally {
      await Promise.all([local.close(), pool.close()]);
    }
  });

  it('fails clearly for a folder without a model, or a file that is not ONNX', async () => {
    const bad = join(dir, 'bad');
    await writeTinyModel(bad);
    await rm(join(bad, 'model.onnx'));
    await expect(OnnxEmbedder.load({ modelDir: bad })).rejects.toThrow(/no ONNX model in .*model.onnx/);
    await expect(createEmbedder({ kind: 'onnx', modelDir: bad }, { threads: 1 })).rejects.toThrow(/failed to load: no ONNX model/);
    await writeFile(join(bad, 'model.onnx'), 'not a protobuf');
    await expect(OnnxEmbedder.load({ modelDir: bad })).rejects.toThrow();
  });
});

describe('config memory.embedder', () => {
  it('defaults to USE-lite with a worker per core (at most two) and hnsw M=16/efConstruction=200/efSearch=64', () => {
    const m = configSchema.parse({}).memory;
    expect(m).toMatchObject({
      embedder: { kind: 'use-lite' },
      embedThreads: Math.min(2, availableParallelism()),
      embedBatch: 32,
      hnsw: { m: 16, efConstruction: 200, efSearch: 64 },
      chunking: { maxChars: 800, overlapChars: 120 },
    });
  });

  it('builds the ONNX embedder a config names, and refuses bad settings clearly', async () => {
    const m = configSchema.parse({
      memory: { embedder: { kind: 'onnx', modelDir: join(dir, 'vocab-model') }, embedThreads: 0, embedBatch: 4 },
    }).memory;
    const e = await embedderFromConfig(m);
    try {
      expect(e).toBeInstanceOf(OnnxEmbedder);
      expect((await e.embed(['the cat']))[0]).toHaveLength(DIMS);
    } finally {
      await e.close();
    }
    expect(configSchema.safeParse({ memory: { embedder: { kind: 'onnx' } } }).success).toBe(false);
    expect(configSchema.safeParse({ memory: { embedder: { kind: 'bert' } } }).success).toBe(false);
    expect(configSchema.safeParse({ memory: { chunking: { maxChars: 100, overlapChars: 60 } } }).success).toBe(false);
    expect(configSchema.safeParse({ memory: { hnsw: { m: 1 } } }).success).toBe(false);
  });
});
