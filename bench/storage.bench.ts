/**
 * The storage suite: the lmdb and JetStream KV backends (runtime/storage) beside the raw
 * libraries doing the same work in the same run — lmdb-js with its own msgpack encoding and
 * array keys, and @nats-io/kv v3 — on a temp directory and a nats-server it starts itself.
 * Figures: sequential durable puts, a 1000-entry batch, gets, and a 1000-key prefix listing.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { open } from 'lmdb';
import { connect } from '@nats-io/transport-node';
import { Kvm, type KV } from '@nats-io/kv';
import { codec } from '../protocols/index.js';
import { seqKey, type KvBucket } from '../runtime/index.js';
import { JetStreamStorage } from '../runtime/jetstream/index.js';
import { LmdbStorage } from '../runtime/lmdb/index.js';
import { NatsServer } from '../test/nats/server.js';
import { throughput, type BenchOptions, type Figure, type Goal, type Suite, type SuiteResult } from './harness.js';

const value = (i: number): Record<string, unknown> => ({
  run: 'r-4f2a',
  seq: i,
  type: 'token',
  text: 'lorem ipsum '.repeat(8),
  at: new Date(1_700_000_000_000 + i),
});
const LIST = 1000;

/** Sequential awaited ops (`op(i)` for i in 0..n-1). */
function serial(op: (i: number) => Promise<unknown>): (n: number) => Promise<void> {
  let k = 0;
  return async (n) => {
    for (let i = 0; i < n; i++) await op(k++);
  };
}

/** One timed call whose result is dropped. */
const once =
  (f: () => unknown): (() => Promise<void>) =>
  async () => {
    await f();
  };

const fig = (name: string, unit: string, ours: number, baselines: [string, number][]): Figure => ({
  name,
  value: ours,
  unit,
  higherIsBetter: true,
  baselines: baselines.map(([n, v]) => ({ name: n, value: v, unit })),
});

async function lmdbFigures(o: BenchOptions, spec: { ops: number; runs: number }): Promise<Figure[]> {
  const dir = mkdtempSync(join(tmpdir(), 'troupe-bench-'));
  const storage = new LmdbStorage(join(dir, 'ours'));
  const raw = open<unknown, (string | number)[]>({ path: join(dir, 'raw', 'raw.lmdb') });
  try {
    const b: KvBucket = storage.bucket('bench');
    const spec1 = { ops: spec.ops, warmup: 1, warmupOps: 50, runs: spec.runs };
    o.log(`storage: lmdb put x${spec.ops} (sequential, awaited)`);
    const put = await throughput(spec1, [
      { name: 'ours', once: serial((i) => b.put(['put', seqKey(i)], value(i))) },
      { name: 'rawFlushed', once: serial(async (i) => (await raw.put(['put', i], value(i)), await raw.flushed)) },
      { name: 'rawCommitted', once: serial((i) => raw.put(['put', i], value(i))) },
    ]);
    o.log(`storage: lmdb putMany of ${LIST}`);
    const batch = Array.from({ length: LIST }, (_, i) => value(i));
    const many = await throughput({ ops: 1, warmup: 1, runs: spec.runs * 3 }, [
      { name: 'ours', once: once(() => b.putMany(batch.map((v, i) => ({ key: ['many', seqKey(i)], value: v })))) },
      {
        name: 'raw',
        once: once(async () => (await raw.transaction(() => batch.forEach((v, i) => void raw.put(['many', i], v))), await raw.flushed)),
      },
    ]);
    await b.putMany(batch.map((v, i) => ({ key: ['list', seqKey(i)], value: v })));
    await raw.transaction(() => batch.forEach((v, i) => void raw.put(['list', i], v)));
    o.log('storage: lmdb get, list');
    const get = await throughput({ ops: spec.ops * 10, warmup: 1, warmupOps: 1000, runs: spec.runs }, [
      { name: 'ours', once: serial((i) => b.get(['list', seqKey(i % LIST)])) },
      { name: 'raw', once: serial((i) => Promise.resolve(raw.get(['list', i % LIST]))) },
    ]);
    const rawList = (): unknown[] => [...raw.getRange({ start: ['list'], end: ['list', Number.MAX_SAFE_INTEGER] })];
    if (rawList().length !== LIST || (await b.list(['list'])).length !== LIST)
      throw new Error('lmdb list baseline does not cover the prefix');
    const list = await throughput({ ops: 1, warmup: 2, runs: spec.runs * 3 }, [
      { name: 'ours', once: once(() => b.list(['list'])) },
      { name: 'raw', once: once(rawList) },
    ]);
    return [
      fig('lmdb put (durable)', 'ops/s', put.ours.best, [
        ['raw put+flushed', put.rawFlushed.best],
        ['raw put (commit only)', put.rawCommitted.best],
      ]),
      fig(`lmdb putMany ${LIST}`, 'batches/s', many.ours.best, [['raw txn+flushed', many.raw.best]]),
      fig('lmdb get', 'ops/s', get.ours.best, [['raw get', get.raw.best]]),
      fig(`lmdb list ${LIST}`, 'lists/s', list.ours.best, [['raw getRange', list.raw.best]]),
    ];
  } finally {
    await storage.close();
    await raw.close();
    rmSync(dir, { recursive: true, force: true });
  }
}

/** Raw one-pass listing with @nats-io/kv: a watch on `filter` read until the initial values are in. */
async function watchList(kv: KV, filter: string, count: number): Promise<unknown[]> {
  const out: unknown[] = [];
  const it = await kv.watch({ key: filter });
  for await (const e of it) {
    if (e.operation === 'PUT') out.push(codec.decodeValue(Buffer.from(e.value)));
    if (e.delta === 0 || out.length === count) break;
  }
  it.stop();
  return out;
}

async function jetstreamFigures(o: BenchOptions, spec: { ops: number; runs: number }): Promise<Figure[]> {
  const server = await NatsServer.start();
  const storage = await JetStreamStorage.connect({ servers: [server.url], prefix: 'bench' });
  const nc = await connect({ servers: server.url });
  try {
    const kv = await new Kvm(nc).create('raw', { history: 1 });
    const b = storage.bucket('bench');
    await b.put(['warm'], 1);
    const spec1 = { ops: spec.ops, warmup: 1, warmupOps: 50, runs: spec.runs };
    o.log(`storage: jetstream put x${spec.ops} (sequential, awaited)`);
    const put = await throughput(spec1, [
      { name: 'ours', once: serial((i) => b.put(['put', seqKey(i)], value(i))) },
      { name: 'raw', once: serial((i) => kv.put(`put.${i}`, codec.encodeValue(value(i)))) },
    ]);
    await b.putMany(Array.from({ length: LIST }, (_, i) => ({ key: ['list', seqKey(i)], value: value(i) })));
    for (let i = 0; i < LIST; i++) await kv.put(`list.${seqKey(i)}`, codec.encodeValue(value(i)));
    o.log('storage: jetstream get, list');
    const get = await throughput(spec1, [
      { name: 'ours', once: serial((i) => b.get(['list', seqKey(i % LIST)])) },
      { name: 'raw', once: serial(async (i) => codec.decodeValue(Buffer.from((await kv.get(`list.${seqKey(i % LIST)}`))?.value ?? []))) },
    ]);
    const nGets = async (): Promise<unknown[]> => {
      const keys: string[] = [];
      for await (const k of await kv.keys('list.>')) keys.push(k);
      return Promise.all(keys.sort().map(async (k) => codec.decodeValue(Buffer.from((await kv.get(k))?.value ?? []))));
    };
    if (
      (await nGets()).length !== LIST ||
      (await watchList(kv, 'list.>', LIST)).length !== LIST ||
      (await b.list(['list'])).length !== LIST
    )
      throw new Error('jetstream list baselines do not cover the prefix');
    const list = await throughput({ ops: 1, warmup: 1, runs: spec.runs * 2 }, [
      { name: 'ours', once: once(() => b.list(['list'])) },
      { name: 'watch', once: once(() => watchList(kv, 'list.>', LIST)) },
      { name: 'nGets', once: once(nGets) },
    ]);
    return [
      fig('kv put', 'ops/s', put.ours.best, [['raw kv.put', put.raw.best]]),
      fig('kv get', 'ops/s', get.ours.best, [['raw kv.get (direct)', get.raw.best]]),
      fig(`kv list ${LIST}`, 'lists/s', list.ours.best, [
        ['raw kv.watch pass', list.watch.best],
        ['raw keys + N gets', list.nGets.best],
      ]),
    ];
  } finally {
    await storage.close();
    await nc.close();
    await server.stop();
  }
}

/** The storage suite for `npm run bench -- storage`. */
export const storageSuite: Suite = {
  name: 'storage',
  description: 'lmdb and JetStream KV storage vs raw lmdb-js and @nats-io/kv',
  async run(options: BenchOptions): Promise<SuiteResult> {
    const spec = options.quick ? { ops: 200, runs: 1 } : { ops: 2000, runs: options.runs ?? 3 };
    const figures = [...(await lmdbFigures(options, spec)), ...(await jetstreamFigures(options, spec))];
    const byName = (n: string): Figure | undefined => figures.find((f) => f.name === n);
    const kvList = byName(`kv list ${LIST}`);
    const nGets = kvList?.baselines[1]?.value ?? 0;
    const goals: Goal[] = [
      {
        name: 'JetStream list is one pass',
        met: (kvList?.value ?? 0) > nGets,
        detail: `${(kvList?.value ?? 0).toFixed(1)} lists/s vs ${nGets.toFixed(1)} for keys + N gets`,
      },
    ];
    const notes = [
      'ours encodes with the wire codec (bigint, -0, Dates, bytes) and waits for the flush; ' +
        'raw lmdb-js uses its own msgpack and array keys',
      'raw kv.get uses direct get (any replica); ours reads from the stream leader so a read sees every resolved write',
    ];
    return { suite: 'storage', figures, goals, notes };
  },
};
