/**
 * USE-lite with int8 layers (the semantic cache's embedder): weights quantised per column within half a step, its
 * own id, vectors close to float32 USE-lite's (the fixture's) but not equal, a text's vector independent of the texts
 * embedded with it, and the same vectors on the calling thread's latency path as in the worker pool.
 */
import fc from 'fast-check';
import { afterAll, describe, expect, it } from 'vitest';
import {
  createEmbedder,
  loadUseLiteLatency,
  quantizeColumns,
  QUANT_MAX,
  SHORT_TEXT_PIECES,
  SHORT_TEXT_PIECES_INT8,
  UseLiteEmbedder,
  USE_LITE_ID,
  USE_LITE_INT8_ID,
  useLitePieces,
  type ShortTextEmbedder,
} from '../../actors/memory/embedders/index.js';
import type { Embedder } from '../../actors/memory/semantic/index.js';
import { expected, fixture } from './use-lite-fixture.js';

const int8 = new UseLiteEmbedder(32, 'onnxruntime', 'int8');
const closing: Embedder[] = [];
afterAll(async () => {
  await Promise.all(closing.map((e) => e.close()));
});

function cosine(a: Float32Array, b: Float32Array): number {
  let s = 0;
  for (let i = 0; i < a.length; i++) s += (a[i] as number) * (b[i] as number);
  return s;
}

function maxDiff(a: Float32Array, b: Float32Array): number {
  let worst = 0;
  for (let i = 0; i < a.length; i++) worst = Math.max(worst, Math.abs((a[i] as number) - (b[i] as number)));
  return worst;
}

describe('quantizeColumns', () => {
  it('keeps every weight within half a step of its column and maps each column’s largest |w| to ±QUANT_MAX (63)', () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 1, max: 6 }),
        fc.integer({ min: 1, max: 6 }),
        // Weights as models have them: no subnormal magnitudes (their 1/127 is no float32).
        fc.array(
          fc.float({ min: -4, max: 4, noNaN: true }).map((w) => (Math.abs(w) < 1e-30 ? 0 : w)),
          { minLength: 36, maxLength: 36 },
        ),
        (rows, cols, values) => {
          const m = Float32Array.from(values.slice(0, rows * cols));
          const { q, scale } = quantizeColumns(m, rows);
          expect(scale).toHaveLength(cols);
          for (let c = 0; c < cols; c++) {
            let largest = 0;
            for (let r = 0; r < rows; r++) {
              const w = m[r * cols + c] as number;
              const back = (q[r * cols + c] as number) * (scale[c] as number);
              expect(Math.abs(back - w)).toBeLessThanOrEqual((scale[c] as number) / 2 + 1e-6);
              largest = Math.max(largest, Math.abs(q[r * cols + c] as number));
            }
            // An all-zero column has nothing to scale.
            if (Array.from({ length: rows }, (_, r) => m[r * cols + c]).some((w) => w !== 0)) expect(largest).toBe(QUANT_MAX);
          }
        },
      ),
    );
  });
});

describe('USE-lite int8', () => {
  it('has its own id, so its vectors never meet float32 USE-lite’s in one index or cache', () => {
    expect(int8.id).toBe(USE_LITE_INT8_ID);
    expect(int8.id).not.toBe(USE_LITE_ID);
    expect(new UseLiteEmbedder().id).toBe(USE_LITE_ID);
    expect(() => new UseLiteEmbedder(32, 'tfjs', 'int8')).toThrow(/float32 only/);
  });

  it('gives unit vectors close to float32 USE-lite’s, and not equal to them', async () => {
    const got = await int8.embed(fixture.texts);
    let worstCosine = 1;
    let largestDiff = 0;
    got.forEach((v, i) => {
      const want = expected[i] as Float32Array;
      expect(Math.abs(cosine(v, v) - 1)).toBeLessThan(1e-5);
      worstCosine = Math.min(worstCosine, cosine(v, want));
      largestDiff = Math.max(largestDiff, maxDiff(v, want));
    });
    expect(worstCosine).toBeGreaterThan(0.995);
    // Really the int8 model: float32 stays within 1e-4 of the fixture.
    expect(largestDiff).toBeGreaterThan(1e-3);
  }, 60_000);

  it('gives a text the same vector alone as among other texts', async () => {
    // Of one length, so a batching embedder would put them in one model call.
    const texts = ['how do I reset my password', 'please cancel my last order', 'WHY IS MY BILL SO HIGH ?!', 'où est mon colis'];
    const together = await int8.embed(texts);
    for (const [i, t] of texts.entries()) {
      const [alone] = await int8.embed([t]);
      expect(maxDiff(alone as Float32Array, together[i] as Float32Array)).toBeLessThanOrEqual(1e-6);
    }
  }, 60_000);

  it('gives the pool’s vectors on the calling thread’s latency path, which takes texts of up to 64 pieces', async () => {
    const made = await createEmbedder({ kind: 'use-lite', precision: 'int8' }, { threads: 1 });
    closing.push(made);
    expect(made.id).toBe(USE_LITE_INT8_ID);
    const medium = 'I forgot my password, how can I reset it and log in to my account again? '.repeat(3);
    const model = await loadUseLiteLatency('int8');
    const n = useLitePieces(model, medium).length;
    expect(n > SHORT_TEXT_PIECES && n <= SHORT_TEXT_PIECES_INT8).toBe(true);
    const texts = ['I forgot my password, how can I reset it', 'cancel my order', 'où est ma commande ?', medium];
    // The first call starts the pool and the session; after it the short texts run here.
    await made.embed(['warm up']);
    const here = (made as unknown as { started: Promise<ShortTextEmbedder> }).started;
    const fast = await here;
    await fast.ready();
    const before = fast.local;
    for (const t of texts) {
      const [v] = await made.embed([t]);
      const [want] = await int8.embed([t]);
      expect(maxDiff(v as Float32Array, want as Float32Array)).toBeLessThanOrEqual(1e-5);
    }
    expect(fast.local - before).toBe(texts.length);
    // Past the bound, the pool.
    await made.embed([medium.repeat(2)]);
    expect(fast.local - before).toBe(texts.length);
  }, 60_000);
});
