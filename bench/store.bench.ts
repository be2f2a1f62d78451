/**
 * The long-term store suite: the `memory/store` actor (asked through the kernel, memory storage)
 * beside the raw work in the same run — a bucket put/get, an ask to an actor that does nothing,
 * a prefix listing filtered and sorted by hand — plus an activation that rebuilds the semantic
 * index from stored vectors beside inserting the same vectors into a bare hnswlib index.
 */
import { STORE_ADDRESS, STORE_GET, STORE_PUT, STORE_SEARCH } from '../protocols/index.js';
import { MemoryStorage, seqKey, type ActorSystem } from '../runtime/index.js';
import { createSystem } from '../supervisors/index.js';
import { StoreEngine, STORE_BUCKET } from '../actors/memory/store/index.js';
import { HnswIndex } from '../actors/memory/semantic/hnsw-index.js';
import { vectorToBytes } from '../actors/memory/semantic/persist.js';
import type { Embedder } from '../actors/memory/semantic/types.js';
import { storeBehavior } from '../actors/memory/store/index.js';
import { throughput, type BenchOptions, type Figure, type Suite, type SuiteResult } from './harness.js';

const value = (i: number): Record<string, unknown> => ({
  text: `memory number ${i} about the user`,
  n: i % 10,
  tier: i % 3 === 0 ? 'gold' : 'basic',
});
const ITEMS = 1000;
const DIMS = 384;

const fig = (name: string, unit: string, ours: number, baselines: [string, number][]): Figure => ({
  name,
  value: ours,
  unit,
  higherIsBetter: true,
  baselines: baselines.map(([n, v]) => ({ name: n, value: v, unit })),
});

function serial(op: (i: number) => Promise<unknown>): (n: number) => Promise<void> {
  let k = 0;
  return async (n) => {
    for (let i = 0; i < n; i++) await op(k++);
  };
}

/** Deterministic unit vectors (an LCG), so runs are comparable. */
function vectors(n: number, dims: number): Float32Array[] {
  let s = 42;
  const rnd = () => ((s = (s * 1664525 + 1013904223) >>> 0) / 2 ** 32) * 2 - 1;
  return Array.from({ length: n }, () => {
    const v = Float32Array.from({ length: dims }, rnd);
    const norm = Math.hypot(...v);
    return v.map((x) => x / norm);
  });
}

async function actorFigures(o: BenchOptions, spec: { ops: number; runs: number }): Promise<Figure[]> {
  const storage = new MemoryStorage();
  const system: ActorSystem = await createSystem({ storage });
  try {
    const store = await system.spawn(STORE_ADDRESS, storeBehavior(), { tenant: 'bench' });
    const noop = await system.spawn('bench/noop', { receive: () => ({ ok: true }) }, { tenant: 'bench' });
    const raw = storage.bucket('raw');
    const run = { ops: spec.ops, warmup: 1, warmupOps: 200, runs: spec.runs };
    o.log(`store: put x${spec.ops}`);
    const put = await throughput(run, [
      { name: 'ours', once: serial((i) => store.ask(STORE_PUT, { namespace: ['mem', `u${i % 10}`], key: `k${i}`, value: value(i) })) },
      { name: 'bucket', once: serial((i) => raw.put(['bench', 'i', `mem.u${i % 10}`, `k${i}`], value(i))) },
      { name: 'ask', once: serial((i) => noop.ask('bench.noop', value(i))) },
    ]);
    o.log(`store: get x${spec.ops}`);
    const get = await throughput(run, [
      {
        name: 'ours',
        once: serial((i) => store.ask(STORE_GET, { namespace: ['mem', `u${i % 10}`], key: `k${i % spec.ops}`, refresh_ttl: false })),
      },
      { name: 'bucket', once: serial((i) => raw.get(['bench', 'i', `mem.u${i % 10}`, `k${i % spec.ops}`])) },
      { name: 'ask', once: serial((i) => noop.ask('bench.noop', { i })) },
    ]);
    for (let i = 0; i < ITEMS; i++) await store.ask(STORE_PUT, { namespace: ['big'], key: seqKey(i), value: value(i) });
    await raw.putMany(Array.from({ length: ITEMS }, (_, i) => ({ key: ['big', seqKey(i)], value: { value: value(i), updated: i } })));
    o.log(`store: search ${ITEMS} items with a filter`);
    const filter = { tier: 'gold', n: { $gte: 3 } };
    const search = await throughput({ ops: spec.runs > 1 ? 20 : 3, warmup: 1, runs: spec.runs }, [
      { name: 'ours', once: serial(() => store.ask(STORE_SEARCH, { namespace_prefix: ['big'], filter, limit: 10 })) },
      {
        name: 'byHand',
        once: serial(async () => {
          const all = await raw.list<{ value: Record<string, unknown>; updated: number }>(['big']);
          return all
            .filter((e) => e.value.value.tier === 'gold' && (e.value.value.n as number) >= 3)
            .sort((a, b) => b.value.updated - a.value.updated)
            .slice(0, 10);
        }),
      },
    ]);
    return [
      fig('store put (ask)', 'ops/s', put.ours.best, [
        ['bucket.put', put.bucket.best],
        ['ask to a no-op actor', put.ask.best],
      ]),
      fig('store get (ask)', 'ops/s', get.ours.best, [
        ['bucket.get', get.bucket.best],
        ['ask to a no-op actor', get.ask.best],
      ]),
      fig(`store search ${ITEMS}, filter`, 'searches/s', search.ours.best, [['list + filter + sort by hand', search.byHand.best]]),
    ];
  } finally {
    await system.shutdown();
  }
}

async function activationFigure(o: BenchOptions, n: number, runs: number): Promise<Figure> {
  const vs = vectors(n, DIMS);
  const storage = new MemoryStorage();
  const bucket = storage.bucket(STORE_BUCKET);
  await bucket.putMany(vs.map((v, i) => ({ key: ['t', 'v', 'mem', seqKey(i)], value: { model: 'bench', vectors: [vectorToBytes(v)] } })));
  const embedder: Embedder = {
    id: 'bench',
    dims: DIMS,
    embed: () => Promise.reject(new Error('no embedding on activation')),
    close: () => Promise.resolve(),
  };
  const clock = { now: () => Date.now(), setTimer: () => ({}), clearTimer: () => undefined };
  o.log(`store: activation with ${n} stored vectors (${DIMS} dims)`);
  const r = await throughput({ ops: n, warmup: 0, runs }, [
    {
      name: 'ours',
      once: async () => {
        const engine = new StoreEngine({ bucket, tenant: 't', clock, index: { embedder, rules: [] } });
        await engine.open();
        if (engine.indexedVectors !== n) throw new Error(`activation loaded ${engine.indexedVectors} of ${n} vectors`);
      },
    },
    {
      name: 'hnsw',
      once: () => {
        const index = HnswIndex.create(DIMS);
        vs.forEach((v, i) => index.upsert(String(i), v));
        return Promise.resolve();
      },
    },
  ]);
  return fig(`store activation, ${n} vectors`, 'vectors/s', r.ours.best, [['bare HnswIndex inserts', r.hnsw.best]]);
}

/** The long-term store suite for `npm run bench -- store`. */
export const storeSuite: Suite = {
  name: 'store',
  description: 'the long-term store actor vs raw bucket work and a no-op ask; index rebuild on activation vs bare hnswlib',
  async run(options: BenchOptions): Promise<SuiteResult> {
    const spec = options.quick ? { ops: 200, runs: 1 } : { ops: 3000, runs: options.runs ?? 3 };
    const figures = [
      ...(await actorFigures(options, spec)),
      await activationFigure(options, options.quick ? 500 : 5_000, options.quick ? 1 : 2),
    ];
    const notes = [
      'memory storage, so the figures are the store engine + kernel cost, not disk; the storage suite measures lmdb and JetStream KV',
      `activation: listing the stored vectors (${DIMS} dims, one per item) ` +
        'and inserting them into a fresh hnswlib index (M 16, efConstruction 200)',
    ];
    return { suite: 'store', figures, goals: [], notes };
  },
};
