/**
 * Index persistence through `system.storage`: the serialized index is split into chunks
 * (512 KiB by default, under JetStream's 1 MB payload limit) under `[...prefix, 'chunk', seqKey(i)]`
 * with a manifest (count, length, sha256, dims, params, embedder) written last. Loading checks
 * everything; a missing, stale, truncated or corrupt index is rebuilt from the stored vectors,
 * never a crash (corrupt bytes are never handed to the native reader: the checksum goes first).
 */
import { createHash } from 'node:crypto';
import { DecodeError } from '../../../protocols/index.js';
import { seqKey, type KvBucket, type StorageKey } from '../../../runtime/index.js';
import { HnswIndex, type HnswParams } from './hnsw-index.js';

/** Default chunk size of stored index bytes. */
export const INDEX_CHUNK_BYTES = 512 * 1024;

/** What sits under `[...prefix, 'manifest']`. */
export interface IndexManifest {
  readonly version: 1;
  readonly chunks: number;
  readonly bytes: number;
  readonly sha256: string;
  readonly dims: number;
  readonly size: number;
  readonly params: HnswParams;
  readonly embedder: string;
  readonly savedAt: number;
}

/** How {@link loadIndex} got its index, and why it rebuilt. */
export interface LoadedIndex {
  readonly index: HnswIndex;
  readonly source: 'loaded' | 'rebuilt';
  readonly reason?: 'missing' | 'corrupt' | 'stale' | 'mismatch';
  readonly detail?: string;
}

/** Options of {@link loadIndex}. */
export interface LoadIndexOptions {
  readonly dims: number;
  readonly params?: Partial<HnswParams>;
  /** Embedder id the index must have been built with (a model change forces a rebuild). */
  readonly embedder: string;
  /** Vectors the index should hold; when given and the stored index holds a different count it is rebuilt. */
  readonly expectedSize?: number;
  /** The stored vectors, for a rebuild. */
  rebuild(): AsyncIterable<readonly [string, Float32Array]> | Iterable<readonly [string, Float32Array]>;
}

/** Writes `index` under `prefix`: chunks first, then the manifest, then stale chunks of a larger previous save are removed. */
export async function saveIndex(
  bucket: KvBucket,
  prefix: StorageKey,
  index: HnswIndex,
  embedder: string,
  chunkBytes = INDEX_CHUNK_BYTES,
): Promise<IndexManifest> {
  const bytes = await index.serialize();
  const chunks = Math.max(1, Math.ceil(bytes.byteLength / chunkBytes));
  const manifest: IndexManifest = {
    version: 1,
    chunks,
    bytes: bytes.byteLength,
    sha256: createHash('sha256').update(bytes).digest('hex'),
    dims: index.dims,
    size: index.size,
    params: index.params,
    embedder,
    savedAt: Date.now(),
  };
  const previous = await bucket.get<IndexManifest>([...prefix, 'manifest']);
  for (let i = 0; i < chunks; i++) await bucket.put([...prefix, 'chunk', seqKey(i)], bytes.slice(i * chunkBytes, (i + 1) * chunkBytes));
  await bucket.put([...prefix, 'manifest'], manifest);
  for (let i = chunks; i < (previous?.chunks ?? 0); i++) await bucket.delete([...prefix, 'chunk', seqKey(i)]);
  return manifest;
}

/** Removes a stored index (manifest and chunks). */
export async function deleteIndex(bucket: KvBucket, prefix: StorageKey): Promise<void> {
  await bucket.delete([...prefix, 'manifest']);
  await bucket.deletePrefix([...prefix, 'chunk']);
}

/** Reads the index under `prefix`, or rebuilds it from `options.rebuild()` when it is missing, stale or corrupt. */
export async function loadIndex(bucket: KvBucket, prefix: StorageKey, options: LoadIndexOptions): Promise<LoadedIndex> {
  const problem = await readStored(bucket, prefix, options);
  if ('index' in problem) return { index: problem.index, source: 'loaded' };
  const index = HnswIndex.create(options.dims, options.params);
  for await (const [id, v] of options.rebuild()) index.upsert(id, v);
  return { index, source: 'rebuilt', reason: problem.reason, detail: problem.detail };
}

type Outcome = { index: HnswIndex } | { reason: NonNullable<LoadedIndex['reason']>; detail: string };

async function readStored(bucket: KvBucket, prefix: StorageKey, options: LoadIndexOptions): Promise<Outcome> {
  let manifest: IndexManifest | undefined;
  try {
    manifest = await bucket.get<IndexManifest>([...prefix, 'manifest']);
  } catch (e) {
    return { reason: 'corrupt', detail: `manifest unreadable: ${(e as Error).message}` };
  }
  if (manifest === undefined) return { reason: 'missing', detail: 'no manifest' };
  if (typeof manifest !== 'object' || manifest === null || manifest.version !== 1 || typeof manifest.sha256 !== 'string')
    return { reason: 'corrupt', detail: 'manifest malformed' };
  if (manifest.dims !== options.dims || manifest.embedder !== options.embedder)
    return {
      reason: 'mismatch',
      detail: `stored ${manifest.dims} dims by ${manifest.embedder}, wanted ${options.dims} by ${options.embedder}`,
    };
  if (options.expectedSize !== undefined && manifest.size !== options.expectedSize)
    return { reason: 'stale', detail: `index holds ${manifest.size} vectors, store ${options.expectedSize}` };
  const parts: Uint8Array[] = [];
  for (let i = 0; i < manifest.chunks; i++) {
    const part = await bucket.get<unknown>([...prefix, 'chunk', seqKey(i)]);
    if (!(part instanceof Uint8Array)) return { reason: 'corrupt', detail: `chunk ${i} of ${manifest.chunks} missing` };
    parts.push(part);
  }
  const bytes = Buffer.concat(parts);
  if (bytes.byteLength !== manifest.bytes)
    return { reason: 'corrupt', detail: `index is ${bytes.byteLength} bytes, manifest says ${manifest.bytes}` };
  if (createHash('sha256').update(bytes).digest('hex') !== manifest.sha256) return { reason: 'corrupt', detail: 'checksum mismatch' };
  try {
    const index = await HnswIndex.deserialize(bytes);
    if (index.size !== manifest.size) return { reason: 'corrupt', detail: `index holds ${index.size}, manifest ${manifest.size}` };
    return { index };
  } catch (e) {
    return { reason: 'corrupt', detail: (e as Error).message };
  }
}

/** A vector as bytes (storage values carry Uint8Array, not Float32Array). */
export function vectorToBytes(v: Float32Array): Uint8Array {
  return new Uint8Array(v.buffer.slice(v.byteOffset, v.byteOffset + v.byteLength));
}

/** The inverse of {@link vectorToBytes}; throws when the length is not a multiple of 4. */
export function bytesToVector(b: Uint8Array): Float32Array {
  if (b.byteLength % 4 !== 0) throw new DecodeError(`vector bytes length ${b.byteLength} is not a multiple of 4`);
  return new Float32Array(b.buffer.slice(b.byteOffset, b.byteOffset + b.byteLength));
}
