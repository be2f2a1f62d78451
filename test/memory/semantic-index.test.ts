/**
 * HnswIndex: string ids over hnswlib labels. Property test against exact brute force on small
 * sets (where HNSW with ef ≥ n is exact), upsert/remove/reuse of labels, growth past the initial
 * capacity, filters, serialize round trips, and clear errors for bad vectors and bad bytes.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { cosine } from '../../actors/memory/embedders/index.js';
import { HnswIndex, IndexFormatError } from '../../actors/memory/semantic/index.js';
import { ValidationError } from '../../protocols/index.js';

const DIMS = 6;
const vec = fc
  .array(fc.float({ min: -1, max: 1, noNaN: true }), { minLength: DIMS, maxLength: DIMS })
  .filter((a) => a.some((x) => Math.abs(x) > 1e-3))
  .map((a) => Float32Array.from(a));

type Op = { kind: 'upsert'; id: string; v: Float32Array } | { kind: 'remove'; id: string };
const ids = fc.constantFrom(...'abcdefghijklmnop'.split(''));
const op: fc.Arbitrary<Op> = fc.oneof(
  { weight: 3, arbitrary: fc.record({ kind: fc.constant('upsert' as const), id: ids, v: vec }) },
  { weight: 1, arbitrary: fc.record({ kind: fc.constant('remove' as const), id: ids }) },
);

function bruteForce(model: Map<string, Float32Array>, q: Float32Array, k: number): { id: string; score: number }[] {
  return [...model]
    .map(([id, v]) => ({ id, score: cosine(q, v) }))
    .sort((a, b) => b.score - a.score)
    .slice(0, k);
}

describe('HnswIndex', () => {
  it('matches brute-force cosine search after any sequence of upserts and removes (and after a round trip)', async () => {
    await fc.assert(
      fc.asyncProperty(fc.array(op, { maxLength: 40 }), vec, fc.integer({ min: 1, max: 8 }), async (ops, q, k) => {
        const index = HnswIndex.create(DIMS, { initialCapacity: 2, efSearch: 64 });
        const model = new Map<string, Float32Array>();
        for (const o of ops) {
          if (o.kind === 'upsert') {
            index.upsert(o.id, o.v);
            model.set(o.id, o.v);
          } else expect(index.remove(o.id)).toBe(model.delete(o.id));
        }
        expect(index.size).toBe(model.size);
        const want = bruteForce(model, q, k);
        for (const ix of [index, await HnswIndex.deserialize(await index.serialize())]) {
          const got = ix.search(q, k);
          expect(got.map((h) => h.score)).toEqual(want.map((h) => expect.closeTo(h.score, 4)) as unknown as number[]);
          expect(new Set(got.map((h) => h.id)).size).toBe(got.length);
        }
      }),
      { numRuns: 60 },
    );
  });

  it('grows past its initial capacity and reuses the labels of removed ids', () => {
    const index = HnswIndex.create(3, { initialCapacity: 4 });
    for (let i = 0; i < 100; i++) index.upsert(`v${i}`, Float32Array.from([Math.cos(i), Math.sin(i), 0.5]));
    expect(index.size).toBe(100);
    for (let i = 0; i < 50; i++) expect(index.remove(`v${i}`)).toBe(true);
    expect(index.remove('v0')).toBe(false);
    for (let i = 0; i < 50; i++) index.upsert(`w${i}`, Float32Array.from([Math.sin(i), -1, i / 10]));
    expect(index.size).toBe(100);
    const hits = index.search(Float32Array.from([Math.cos(60), Math.sin(60), 0.5]), 1);
    expect(hits[0]?.id).toBe('v60');
    expect(hits[0]?.score).toBeCloseTo(1, 5);
    // Asking for more than the index holds gives (about) everything: HNSW is approximate, so not a strict 100.
    expect(index.search(Float32Array.from([1, 0, 0]), 200).length).toBeGreaterThanOrEqual(95);
  });

  it('applies a filter inside the search', () => {
    const index = HnswIndex.create(2);
    for (let i = 0; i < 30; i++) index.upsert(`${i % 2 === 0 ? 'even' : 'odd'}-${i}`, Float32Array.from([1, i / 30]));
    const hits = index.search(Float32Array.from([1, 0]), 5, (id) => id.startsWith('odd'));
    expect(hits).toHaveLength(5);
    expect(hits.every((h) => h.id.startsWith('odd'))).toBe(true);
    expect(hits[0]?.id).toBe('odd-1');
    expect(index.search(Float32Array.from([1, 0]), 5, () => false)).toEqual([]);
  });

  it('refuses vectors of the wrong size or with NaN, and bytes that are not an index', async () => {
    const index = HnswIndex.create(3);
    expect(() => index.upsert('a', Float32Array.from([1, 2]))).toThrow(/2 dims, the index 3/);
    expect(() => index.upsert('a', Float32Array.from([1, NaN, 0]))).toThrow(/non-finite/);
    expect(() => index.search(Float32Array.from([1]), 1)).toThrow(/1 dims/);
    expect(() => HnswIndex.create(0)).toThrow(ValidationError);
    expect(index.search(Float32Array.from([1, 0, 0]), 3)).toEqual([]);
    index.upsert('a', Float32Array.from([1, 0, 0]));
    const bytes = await index.serialize();
    await expect(HnswIndex.deserialize(bytes.subarray(0, 8))).rejects.toBeInstanceOf(IndexFormatError);
    await expect(HnswIndex.deserialize(bytes.subarray(0, bytes.length - 10))).rejects.toThrow(/hnswlib could not read/);
    const wrongMagic = bytes.slice();
    wrongMagic[0] = 0;
    await expect(HnswIndex.deserialize(wrongMagic)).rejects.toThrow(/bad magic/);
  });
});
