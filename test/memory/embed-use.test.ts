/**
 * The offline default embedder, Universal Sentence Encoder lite: it loads from the npm package
 * with the network blocked (both engines), its vectors carry meaning, the worker pool gives the
 * same vectors, and embedding in the pool leaves the event loop responsive where embedding on
 * the main thread stalls it. One model load per thread for the whole file.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  cosine,
  createEmbedder,
  USE_LITE_DIMS,
  UseLiteEmbedder,
  loadUseLite,
  loadUseLiteOnnx,
} from '../../actors/memory/embedders/index.js';
import type { Embedder } from '../../actors/memory/semantic/index.js';

const local = new UseLiteEmbedder(16);
let pool: Embedder;

beforeAll(async () => {
  const realFetch = globalThis.fetch;
  let fetched = 0;
  globalThis.fetch = (() => {
    fetched++;
    return Promise.reject(new Error('network blocked in this test'));
  }) as typeof fetch;
  try {
    await Promise.all([loadUseLite(), loadUseLiteOnnx()]);
  } finally {
    globalThis.fetch = realFetch;
  }
  expect(fetched).toBe(0);
  pool = await createEmbedder({ kind: 'use-lite' }, { threads: 1, batchSize: 16 });
}, 60_000);
afterAll(async () => {
  await pool.close();
});

/** Runs `work` while a 5 ms interval measures the worst timer lag (ms). */
async function maxLag(work: () => Promise<unknown>): Promise<number> {
  let worst = 0;
  let last = performance.now();
  const timer = setInterval(() => {
    const now = performance.now();
    worst = Math.max(worst, now - last - 5);
    last = now;
  }, 5);
  try {
    await work();
  } finally {
    clearInterval(timer);
  }
  // A loop blocked until the end never ran the timer: count the final gap too.
  return Math.max(worst, performance.now() - last - 5);
}

describe('USE-lite embedder', () => {
  it('embeds offline into 512 unit-length dims that carry meaning', async () => {
    const [cat, kitten, market, empty] = await local.embed([
      'The cat sits on the mat.',
      'A kitten is resting on a rug.',
      'Stock markets fell sharply today.',
      '',
    ]);
    expect(local.dims).toBe(USE_LITE_DIMS);
    for (const v of [cat, kitten, market, empty]) expect(v).toHaveLength(512);
    expect(Math.hypot(...(cat as Float32Array))).toBeCloseTo(1, 4);
    expect(cosine(cat as Float32Array, kitten as Float32Array)).toBeGreaterThan(cosine(cat as Float32Array, market as Float32Array) + 0.15);
  });

  it('gives the same vectors in a worker thread as on the main thread', async () => {
    const texts = ['Mars is the fourth planet from the Sun.', 'Iron is a chemical element.', 'Paris is the capital of France.'];
    const [a, b] = [await local.embed(texts), await pool.embed(texts)];
    expect(pool.id).toBe(local.id);
    a.forEach((v, i) => expect(cosine(v, b[i] as Float32Array)).toBeGreaterThan(0.9999));
  }, 60_000); // the pool's worker loads the model on this first call (21 s once at load 20)

  it('keeps the event loop responsive while a big batch embeds in the pool (and not on the main thread)', async () => {
    // Texts of equal length, embedded on this thread in one model call: onnxruntime runs a call without yielding.
    const texts = Array.from({ length: 48 }, (_, i) =>
      `Sentence number ${i} talks about planets, elements, animals and cities of the world. `.repeat(6),
    );
    let inPool: Float32Array[] = [];
    const poolLag = await maxLag(async () => (inPool = await pool.embed(texts)));
    const mainLag = await maxLag(() => new UseLiteEmbedder(48).embed(texts));
    console.log(`timer lag while embedding 48 texts: worker pool ${poolLag.toFixed(1)} ms, main thread ${mainLag.toFixed(1)} ms`);
    expect(inPool).toHaveLength(48);
    expect(mainLag).toBeGreaterThan(100); // the model really blocks a thread…
    // …but not the event loop when it runs in the pool: compared with the same batch on this thread, measured in the same
    // test (a fixed bound failed on a loaded machine: 101.8 ms at load 13)
    expect(poolLag).toBeLessThan(mainLag / 2);
  }, 60_000);

  it('rejects work after close and when the signal is aborted', async () => {
    const ac = new AbortController();
    ac.abort();
    await expect(pool.embed(['x'], ac.signal)).rejects.toThrow();
    const other = await createEmbedder({ kind: 'use-lite' }, { threads: 1 });
    await other.close();
    await expect(other.embed(['x'])).rejects.toThrow(/closed/);
  }, 60_000);
});
