/**
 * The blob part of `npm run bench -- multimodal`: a blob round trip (put → reference → get, content-addressed and
 * chunked, sha256 checked on read) beside a plain storage put/get of the same bytes, interleaved in one run.
 */
import { randomFillSync } from 'node:crypto';
import { BlobStore, MemoryStorage } from '../runtime/index.js';
import { throughput, type BenchOptions, type Figure } from './harness.js';

/** Figures and notes of the blob round trip. */
export async function blobFigures(options: BenchOptions): Promise<{ figures: Figure[]; notes: string[] }> {
  const size = 256 * 1024;
  const storage = new MemoryStorage();
  const blobs = new BlobStore(storage);
  const plain = storage.bucket('bench_plain');
  const bytes = new Uint8Array(size);
  const spec = options.quick ? { ops: 5, warmup: 1, runs: 2 } : { ops: 200, warmup: 1, runs: options.runs ?? 5 };
  let n = 0;
  options.log(`multimodal: blob round trip of ${size} bytes, ${spec.runs} runs of ${spec.ops}`);
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
  return {
    figures: [
      {
        name: 'blob round trip 256 KiB (memory)',
        value: r.blob.best,
        unit: 'ops/s',
        higherIsBetter: true,
        baselines: [{ name: 'storage put/get', value: r.plain.best, unit: 'ops/s' }],
      },
    ],
    notes: ['blob: sha256 on put and on get, 256 KiB chunks, metadata written last; plain: one put and one get of the same bytes'],
  };
}
