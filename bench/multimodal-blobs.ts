/**
 * The blob part of `npm run bench -- multimodal`: a blob round trip (put → reference → get, content-addressed and
 * chunked, sha256 checked on read) beside a plain storage put/get of the same bytes, interleaved in one run.
 * `TROUPE_BENCH_BLOB_STORAGE=jetstream` runs it on a nats-server the bench starts (blobs in the object store, ADR
 * 0047; the plain put/get in a KV bucket), `lmdb` in a temporary directory; the default is memory.
 */
import { randomFillSync } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { BlobStore, MemoryStorage, type Storage } from '../runtime/index.js';
import { throughput, type BenchOptions, type Figure } from './harness.js';

/** The storage the blob part runs on (env `TROUPE_BENCH_BLOB_STORAGE`), and how to clean it up. */
async function benchStorage(): Promise<{ kind: string; storage: Storage; done: () => Promise<void> }> {
  const kind = process.env['TROUPE_BENCH_BLOB_STORAGE'] ?? 'memory';
  if (kind === 'jetstream') {
    const [{ NatsServer }, { JetStreamStorage }] = await Promise.all([
      import('../test/nats/server.js'),
      import('../runtime/jetstream/index.js'),
    ]);
    const server = await NatsServer.start();
    const storage = await JetStreamStorage.connect({ servers: [server.url], prefix: 'bench' });
    return { kind, storage, done: () => server.stop() };
  }
  if (kind === 'lmdb') {
    const { LmdbStorage } = await import('../runtime/lmdb/index.js');
    const dir = mkdtempSync(join(tmpdir(), 'troupe-bench-blobs-'));
    return { kind, storage: new LmdbStorage(dir), done: async () => rmSync(dir, { recursive: true, force: true }) };
  }
  if (kind !== 'memory') throw new Error(`TROUPE_BENCH_BLOB_STORAGE must be memory, lmdb or jetstream, not ${kind}`);
  return { kind, storage: new MemoryStorage(), done: async () => undefined };
}

/** Figures and notes of the blob round trip. */
export async function blobFigures(options: BenchOptions): Promise<{ figures: Figure[]; notes: string[] }> {
  const size = 256 * 1024;
  const { kind, storage, done } = await benchStorage();
  const blobs = new BlobStore(storage);
  const plain = storage.bucket('bench_plain');
  const bytes = new Uint8Array(size);
  const spec = options.quick ? { ops: 5, warmup: 1, runs: 2 } : { ops: kind === 'memory' ? 200 : 50, warmup: 1, runs: options.runs ?? 5 };
  let n = 0;
  options.log(`multimodal: blob round trip of ${size} bytes on ${kind}, ${spec.runs} runs of ${spec.ops}`);
  const r = await throughput(spec, [
    {
      name: 'blob',
      async once(ops: number) {
        for (let i = 0; i < ops; i++) {
          randomFillSync(bytes, 0, 32); // new content each time: a real store, not a dedup hit
          const ref = await blobs.put('bench', bytes, 'application/octet-stream');
          const got = await blobs.get('bench', ref.blob);
          if (got?.bytes.byteLength !== size) throw new Error('blob round trip lost bytes');
          await blobs.delete('bench', ref.blob);
        }
      },
    },
    {
      name: 'plain',
      async once(ops: number) {
        for (let i = 0; i < ops; i++) {
          const key = ['bench', String(++n)];
          await plain.put(key, bytes.slice());
          const got = await plain.get<Uint8Array>(key);
          if (got?.byteLength !== size) throw new Error('plain round trip lost bytes');
          await plain.delete(key);
        }
      },
    },
  ]);
  await storage.close();
  await done();
  return {
    figures: [
      {
        name: `blob round trip 256 KiB (${kind})`,
        value: r.blob.best,
        unit: 'ops/s',
        higherIsBetter: true,
        baselines: [{ name: 'storage put/get', value: r.plain.best, unit: 'ops/s' }],
      },
    ],
    notes: [
      `blob on ${kind}: sha256 on put and on get, 256 KiB chunks (${kind === 'jetstream' ? 'object store' : 'KV entries'}), ` +
        'metadata written last; plain: one put and one get of the same bytes',
    ],
  };
}
