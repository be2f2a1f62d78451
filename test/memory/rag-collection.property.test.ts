/**
 * Collection bookkeeping against a reference model, under random ingests, re-ingests and
 * deletes of small documents that often share chunks: every live document's chunks are stored,
 * each distinct content is indexed exactly once (by its smallest-key copy), keyword search
 * finds every distinct content, and reopening from storage loads the same state without a rebuild.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { HashingTestEmbedder } from '../../actors/memory/embedders/index.js';
import { RagCollection, type RagDocument } from '../../actors/memory/rag/index.js';
import { MemoryStorage } from '../../runtime/index.js';

const embedder = new HashingTestEmbedder(16);
const PARAS = [
  'Alpha particles are helium nuclei.',
  'Beta decay emits electrons.',
  'Gamma rays are energetic photons.',
  'Delta wings suit fast jet aircraft.',
]; // any two exceed one chunk
type Op = { kind: 'ingest'; id: string; paras: number[] } | { kind: 'delete'; id: string };
const docId = fc.constantFrom('d1', 'd2', 'd3', 'd4');
const op: fc.Arbitrary<Op> = fc.oneof(
  {
    weight: 3,
    arbitrary: fc.record({
      kind: fc.constant('ingest' as const),
      id: docId,
      paras: fc.array(fc.integer({ min: 0, max: 3 }), { minLength: 1, maxLength: 3 }),
    }),
  },
  { weight: 1, arbitrary: fc.record({ kind: fc.constant('delete' as const), id: docId }) },
);

describe('RagCollection (property)', () => {
  it('indexes each distinct live content once and survives a reopen unchanged', async () => {
    await fc.assert(
      fc.asyncProperty(fc.array(op, { minLength: 1, maxLength: 12 }), async (ops) => {
        const storage = new MemoryStorage();
        const open = () =>
          RagCollection.open({ name: 'p', embedder, bucket: storage.bucket('memory'), chunking: { maxChars: 50, overlapChars: 0 } });
        const c = await open();
        const model = new Map<string, number[]>();
        for (const o of ops) {
          if (o.kind === 'ingest') {
            const doc: RagDocument = { id: o.id, content: o.paras.map((i) => PARAS[i]).join('\n\n') };
            await c.ingest([doc]);
            model.set(o.id, o.paras);
          } else {
            expect(await c.delete([o.id])).toBe(model.delete(o.id) ? 1 : 0);
          }
        }
        const chunks = [...model.values()].reduce((n, p) => n + p.length, 0);
        const distinct = new Set([...model.values()].flat());
        const stats = c.stats();
        expect(stats).toMatchObject({ documents: model.size, chunks, indexed: distinct.size });
        for (const i of distinct) {
          const hits = await c.search({ query: PARAS[i] as string, k: 10, mode: 'keyword' });
          const same = hits.filter((h) => h.text === PARAS[i]);
          expect(same).toHaveLength(1); // indexed once…
          const owners = [...model]
            .flatMap(([id, p]) => p.flatMap((x, j) => (x === i ? [`${Buffer.from(id).toString('base64url')}\u0000${j}`] : [])))
            .sort();
          const [id, j] = [same[0]?.citation.documentId as string, same[0]?.citation.chunk as number];
          expect(`${Buffer.from(id).toString('base64url')}\u0000${j}`).toBe(owners[0]); // …by the smallest key
        }
        const again = await open();
        expect(again.stats()).toEqual({ ...stats, index: chunks === 0 ? again.stats().index : { source: 'loaded' } });
      }),
      { numRuns: 40 },
    );
  }, 60_000);
});
