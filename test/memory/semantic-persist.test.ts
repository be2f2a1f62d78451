/**
 * Index persistence through the Storage interface: chunked under the 1 MB payload limit with a
 * manifest; a stored index loads back identical; a corrupt chunk (checksum), a truncated index, a
 * missing chunk or manifest, a model change or a stale count all rebuild from the stored
 * vectors instead of crashing; a smaller re-save leaves no stale chunks behind.
 */
import { describe, expect, it } from 'vitest';
import { MemoryStorage, seqKey, type KvBucket } from '../../runtime/storage/index.js';
import { HnswIndex, loadIndex, saveIndex, type IndexManifest, bytesToVector, vectorToBytes } from '../../actors/memory/semantic/index.js';

const DIMS = 32;
const PREFIX = ['sem', 'notes', 'index'];

function vectors(n: number): [string, Float32Array][] {
  let s = 7;
  const rnd = (): number => ((s = (Math.imul(s, 1103515245) + 12345) >>> 0) / 2 ** 32) * 2 - 1;
  return Array.from({ length: n }, (_, i) => [`item-${i}`, Float32Array.from({ length: DIMS }, rnd)]);
}

async function stored(
  n: number,
  chunkBytes = 16 * 1024,
): Promise<{ bucket: KvBucket; data: [string, Float32Array][]; index: HnswIndex; manifest: IndexManifest }> {
  const bucket = new MemoryStorage().bucket('memory');
  const data = vectors(n);
  const index = HnswIndex.create(DIMS, { m: 8, efConstruction: 64 });
  for (const [id, v] of data) index.upsert(id, v);
  const manifest = await saveIndex(bucket, PREFIX, index, 'test-model', chunkBytes);
  return { bucket, data, index, manifest };
}

const load = (bucket: KvBucket, data: [string, Float32Array][], over: { embedder?: string; expectedSize?: number } = {}) =>
  loadIndex(bucket, PREFIX, {
    dims: DIMS,
    embedder: over.embedder ?? 'test-model',
    ...(over.expectedSize === undefined ? {} : { expectedSize: over.expectedSize }),
    rebuild: () => data,
  });

describe('index persistence', () => {
  it('stores the index in chunks under a manifest and loads it back identical', async () => {
    const { bucket, data, index, manifest } = await stored(600);
    expect(manifest.chunks).toBeGreaterThan(3);
    expect(manifest).toMatchObject({ version: 1, dims: DIMS, size: 600, embedder: 'test-model' });
    const chunks = await bucket.list<Uint8Array>([...PREFIX, 'chunk']);
    expect(chunks).toHaveLength(manifest.chunks);
    expect(chunks.every((c) => c.value.byteLength <= 16 * 1024)).toBe(true);
    const r = await load(bucket, data, { expectedSize: 600 });
    expect(r.source).toBe('loaded');
    const q = data[17]?.[1] as Float32Array;
    expect(r.index.search(q, 10)).toEqual(index.search(q, 10));
    expect(r.index.search(q, 1)[0]?.id).toBe('item-17');
  });

  it('keeps stored values under the 1 MB JetStream payload limit with the default chunk size', async () => {
    const bucket = new MemoryStorage().bucket('memory');
    const index = HnswIndex.create(384, { m: 8, efConstruction: 32 });
    const data = Array.from({ length: 1500 }, (_, i) => Float32Array.from({ length: 384 }, (_, j) => Math.sin(i * 31 + j)));
    data.forEach((v, i) => index.upsert(`x${i}`, v));
    const manifest = await saveIndex(bucket, PREFIX, index, 'm');
    expect(manifest.bytes).toBeGreaterThan(2 * 1024 * 1024);
    for (const c of await bucket.list<Uint8Array>([...PREFIX, 'chunk'])) expect(c.value.byteLength).toBeLessThanOrEqual(512 * 1024);
  });

  it('rebuilds from the stored vectors when a chunk is corrupt (checksum mismatch)', async () => {
    const { bucket, data } = await stored(300);
    const key = [...PREFIX, 'chunk', seqKey(1)];
    const bytes = ((await bucket.get<Uint8Array>(key)) as Uint8Array).slice();
    bytes[100] = (bytes[100] as number) ^ 0xff;
    await bucket.put(key, bytes);
    const r = await load(bucket, data);
    expect(r).toMatchObject({ source: 'rebuilt', reason: 'corrupt', detail: 'checksum mismatch' });
    expect(r.index.size).toBe(300);
    expect(r.index.search(data[5]?.[1] as Float32Array, 1)[0]?.id).toBe('item-5');
  });

  it('rebuilds when a chunk is missing, the index is truncated, or the manifest is gone or garbage', async () => {
    const { bucket, data, manifest } = await stored(300);
    await bucket.delete([...PREFIX, 'chunk', seqKey(manifest.chunks - 1)]);
    expect(await load(bucket, data)).toMatchObject({
      source: 'rebuilt',
      reason: 'corrupt',
      detail: `chunk ${manifest.chunks - 1} of ${manifest.chunks} missing`,
    });

    // Truncated bytes whose manifest agrees with them: the checksum passes, hnswlib refuses, we rebuild.
    const t = await stored(300);
    const all = Buffer.concat((await t.bucket.list<Uint8Array>([...PREFIX, 'chunk'])).map((e) => e.value));
    const cut = all.subarray(0, all.byteLength - 500);
    await t.bucket.deletePrefix([...PREFIX, 'chunk']);
    await t.bucket.put([...PREFIX, 'chunk', seqKey(0)], new Uint8Array(cut));
    const { createHash } = await import('node:crypto');
    await t.bucket.put([...PREFIX, 'manifest'], {
      ...t.manifest,
      chunks: 1,
      bytes: cut.byteLength,
      sha256: createHash('sha256').update(cut).digest('hex'),
    });
    const r = await load(t.bucket, t.data);
    expect(r).toMatchObject({ source: 'rebuilt', reason: 'corrupt' });
    expect(r.detail).toMatch(/hnswlib could not read/);

    await bucket.put([...PREFIX, 'manifest'], 'garbage');
    expect(await load(bucket, data)).toMatchObject({ source: 'rebuilt', reason: 'corrupt', detail: 'manifest malformed' });
    await bucket.delete([...PREFIX, 'manifest']);
    expect(await load(bucket, data)).toMatchObject({ source: 'rebuilt', reason: 'missing' });
  });

  it('rebuilds when the embedder changed or the index lags the stored items', async () => {
    const { bucket, data } = await stored(50);
    expect(await load(bucket, data, { embedder: 'other-model' })).toMatchObject({ source: 'rebuilt', reason: 'mismatch' });
    const more = [...data, ...vectors(60).slice(50)];
    const r = await load(bucket, more, { expectedSize: 60 });
    expect(r).toMatchObject({ source: 'rebuilt', reason: 'stale' });
    expect(r.index.size).toBe(60);
  });

  it('removes the chunks of a larger previous save', async () => {
    const { bucket, data, manifest } = await stored(600);
    const small = HnswIndex.create(DIMS);
    for (const [id, v] of data.slice(0, 10)) small.upsert(id, v);
    const m2 = await saveIndex(bucket, PREFIX, small, 'test-model', 16 * 1024);
    expect(m2.chunks).toBeLessThan(manifest.chunks);
    expect(await bucket.list([...PREFIX, 'chunk'])).toHaveLength(m2.chunks);
    expect((await load(bucket, data.slice(0, 10))).source).toBe('loaded');
  });

  it('turns vectors into bytes and back', () => {
    const v = Float32Array.from([1.5, -2, 0.25]);
    expect(bytesToVector(vectorToBytes(v))).toEqual(v);
    expect(bytesToVector(vectorToBytes(v.subarray(1)))).toEqual(Float32Array.from([-2, 0.25]));
    expect(() => bytesToVector(new Uint8Array(5))).toThrow(/multiple of 4/);
  });
});
