/**
 * USE-lite's latency path (actors/memory/embedders/latency.ts): one short text at a time is embedded on the calling
 * thread, by a session with two onnxruntime threads, and gets the worker pool's vectors — the fixture's vectors, and
 * the pool's for any string. Several texts, long texts, a call made while another runs here, and every call before
 * the session has loaded go to the pool.
 */
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  createEmbedder,
  loadUseLiteLatency,
  ShortTextEmbedder,
  SHORT_TEXT_PIECES,
  useLitePieces,
  WorkerPoolEmbedder,
} from '../../actors/memory/embedders/index.js';
import type { Embedder } from '../../actors/memory/semantic/index.js';
import { expected, fixture } from './use-lite-fixture.js';

/** Largest per-dimension difference between two vectors. */
function maxDiff(a: Float32Array, b: Float32Array): number {
  expect(a).toHaveLength(b.length);
  let worst = 0;
  for (let i = 0; i < a.length; i++) worst = Math.max(worst, Math.abs((a[i] as number) - (b[i] as number)));
  return worst;
}

/** The pool's calls, counted: a call the latency path takes never reaches it. */
class CountingPool implements Embedder {
  calls: string[][] = [];
  constructor(private readonly inner: Embedder) {}
  get id(): string {
    return this.inner.id;
  }
  get dims(): number {
    return this.inner.dims;
  }
  embed(texts: readonly string[], signal?: AbortSignal): Promise<Float32Array[]> {
    this.calls.push([...texts]);
    return this.inner.embed(texts, signal);
  }
  close(): Promise<void> {
    return this.inner.close();
  }
}

let pool: CountingPool;
let fast: ShortTextEmbedder;

beforeAll(async () => {
  pool = new CountingPool(await WorkerPoolEmbedder.start({ kind: 'use-lite' }, { threads: 1 }));
  fast = new ShortTextEmbedder(pool);
  await fast.ready();
}, 120_000);
afterAll(async () => {
  await fast.close();
});

describe('USE-lite latency path', () => {
  it('embeds one short text on this thread with the fixture vectors', async () => {
    const model = await loadUseLiteLatency();
    const short = fixture.texts.filter((t) => useLitePieces(model, t).length <= SHORT_TEXT_PIECES);
    expect(short.length).toBeGreaterThanOrEqual(5); // empty, blank, unicode and short texts
    pool.calls = [];
    const before = fast.local;
    for (const t of short) {
      const [v] = await fast.embed([t]);
      expect({ t, diff: maxDiff(v as Float32Array, expected[fixture.texts.indexOf(t)] as Float32Array) <= 1e-4 }).toEqual({
        t,
        diff: true,
      });
    }
    expect(fast.local - before).toBe(short.length);
    expect(pool.calls).toEqual([]);
  }, 60_000);

  it('gives the pool’s vectors for any string', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.oneof(fc.string({ maxLength: 60 }), fc.string({ unit: 'binary', maxLength: 30 }), fc.lorem({ maxCount: 12 })),
        async (t) => {
          const before = fast.local;
          const [here] = await fast.embed([t]);
          const [there] = await pool.embed([t]);
          // Taken here unless too long for the path (long unicode strings are many pieces).
          const model = await loadUseLiteLatency();
          expect(fast.local - before).toBe(useLitePieces(model, t).length <= SHORT_TEXT_PIECES ? 1 : 0);
          expect(maxDiff(here as Float32Array, there as Float32Array)).toBeLessThanOrEqual(1e-5);
        },
      ),
      { numRuns: 60 },
    );
  }, 120_000);

  it('sends several texts, long texts and a call made while another runs here to the pool', async () => {
    const long = 'The quick brown fox jumps over the lazy dog near the river bank. '.repeat(6);
    pool.calls = [];
    const before = fast.local;
    await fast.embed(['one', 'two']);
    await fast.embed([long]);
    // Two calls at once: the first runs here, the second does not wait for it.
    const [a, b] = await Promise.all([fast.embed(['first of two']), fast.embed(['second of two'])]);
    expect(fast.local - before).toBe(1);
    expect(pool.calls).toEqual([['one', 'two'], [long], ['second of two']]);
    const [wantA, wantB] = await pool.embed(['first of two', 'second of two']);
    expect(maxDiff(a?.[0] as Float32Array, wantA as Float32Array)).toBeLessThanOrEqual(1e-5);
    expect(maxDiff(b?.[0] as Float32Array, wantB as Float32Array)).toBeLessThanOrEqual(1e-5);
  }, 60_000);

  it('serves from the pool while its session loads, and for good when it cannot load', async () => {
    let release: (() => void) | undefined;
    const gate = new Promise<void>((r) => (release = r));
    const slow = new ShortTextEmbedder(pool, {
      load: async () => {
        await gate;
        return loadUseLiteLatency();
      },
    });
    pool.calls = [];
    await slow.embed(['before the session loads']);
    expect([slow.local, pool.calls]).toEqual([0, [['before the session loads']]]);
    release?.();
    await slow.ready();
    await slow.embed(['after it loaded']);
    expect(slow.local).toBe(1);

    const broken = new ShortTextEmbedder(pool, { load: () => Promise.reject(new Error('no model')) });
    await broken.ready();
    const [v] = await broken.embed(['still answered']);
    expect([broken.local, v?.length]).toEqual([0, 512]);
  }, 60_000);

  it('rejects an aborted call', async () => {
    const ac = new AbortController();
    ac.abort();
    await expect(fast.embed(['aborted'], ac.signal)).rejects.toThrow();
  });

  it('is what createEmbedder gives for USE-lite in a pool, unless turned off', async () => {
    const made = await createEmbedder({ kind: 'use-lite' }, { threads: 1 });
    const off = await createEmbedder({ kind: 'use-lite' }, { threads: 1, shortTextsHere: false });
    try {
      await Promise.all([made.embed(['start']), off.embed(['start'])]);
      const inner = async (e: Embedder): Promise<Embedder> => (e as unknown as { started: Promise<Embedder> }).started;
      expect(await inner(made)).toBeInstanceOf(ShortTextEmbedder);
      expect(await inner(off)).toBeInstanceOf(WorkerPoolEmbedder);
    } finally {
      await Promise.all([made.close(), off.close()]);
    }
  }, 120_000);
});
