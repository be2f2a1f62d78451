/**
 * Blobs (ADR 0043, ADR 0047): bytes stored once per tenant, content-addressed by their sha256, in the node's storage —
 * memory or lmdb in chunked KV entries, JetStream in its object store (jetstream-blobs.ts). A message, the run log and
 * thread state hold a {@link BlobRef} (`{blob, mime, size, sha256}`), never the bytes. Every read is checked against
 * the sha256.
 *
 * Chunked KV keys (bucket `blobs`): `[tenant, id, 'm']` the metadata, `[tenant, id, 'c', <seq>]` the chunks. Chunks are written
 * before the metadata, so a blob whose metadata is readable is whole. Storing bytes already stored writes nothing.
 */
import { createHash } from 'node:crypto';
import { NotFoundError, TooLargeError, TroupeError, ValidationError, type BlobRef } from '../../protocols/index.js';
import { seqKey, type KvBucket, type Storage } from './types.js';

/** The bucket blobs live in. */
export const BLOB_BUCKET = 'blobs';
/** Default chunk size: 256 KiB (JetStream's default payload limit is 1 MiB). */
export const BLOB_CHUNK_BYTES = 256 * 1024;

/** What is stored about a blob. */
export interface BlobMeta {
  readonly sha256: string;
  readonly mime: string;
  readonly size: number;
  readonly chunks: number;
  /** When it was first stored (epoch ms). */
  readonly created: number;
  readonly width?: number;
  readonly height?: number;
}

/** Options of {@link BlobStore}. */
export interface BlobStoreOptions {
  readonly chunkBytes?: number;
  /** Largest blob accepted (bytes); default 20 MiB. */
  readonly maxBytes?: number;
  readonly now?: () => number;
}

/** The hex sha256 of `bytes`. */
export function sha256Hex(bytes: Uint8Array): string {
  return createHash('sha256').update(bytes).digest('hex');
}

/** A blob reference for stored metadata. */
export function blobRef(meta: BlobMeta): BlobRef {
  return { blob: meta.sha256, mime: meta.mime, size: meta.size, sha256: meta.sha256 };
}

/**
 * Where a {@link BlobStore}'s bytes and metadata live: chunked KV entries ({@link KvBlobs}: memory, lmdb) or the
 * backend's own large-object store (JetStream's object store, runtime/storage/jetstream-blobs.ts). A backend stores
 * and reads; the BlobStore checks tenants, sizes and sha256s.
 */
export interface BlobBackend {
  /** The metadata of whole blob `id` of `tenant`, or undefined. */
  stat(tenant: string, id: string): Promise<BlobMeta | undefined>;
  /** Stores `bytes` as blob `meta.sha256` of `tenant`; its metadata is readable only once the bytes are whole. */
  write(tenant: string, bytes: Uint8Array, meta: Omit<BlobMeta, 'chunks'>): Promise<BlobMeta>;
  /** The bytes of blob `meta` as stored (the caller checks their sha256); a typed error when chunks are missing. */
  read(tenant: string, meta: BlobMeta): Promise<Uint8Array>;
  /** Removes blob `id` of `tenant`; true when it existed. */
  delete(tenant: string, id: string): Promise<boolean>;
  /** The metadata of every whole blob of `tenant` (for pruning: it may read the whole tenant). */
  list(tenant: string): Promise<BlobMeta[]>;
}

/** Blobs as chunked KV entries (module comment): the memory and lmdb backends, and any storage without an object store. */
export class KvBlobs implements BlobBackend {
  constructor(
    private readonly bucket: KvBucket,
    private readonly chunkBytes: number = BLOB_CHUNK_BYTES,
  ) {}

  stat(tenant: string, id: string): Promise<BlobMeta | undefined> {
    return this.bucket.get<BlobMeta>([tenant, id, 'm']);
  }

  async write(tenant: string, bytes: Uint8Array, base: Omit<BlobMeta, 'chunks'>): Promise<BlobMeta> {
    const chunks = Math.max(1, Math.ceil(bytes.byteLength / this.chunkBytes));
    const entries = [];
    for (let i = 0; i < chunks; i++) {
      // A copy per chunk: the codec must not hold a view into a caller's (pooled) buffer.
      const chunk = Uint8Array.prototype.slice.call(bytes, i * this.chunkBytes, Math.min(bytes.byteLength, (i + 1) * this.chunkBytes));
      entries.push({ key: [tenant, base.sha256, 'c', seqKey(i)], value: chunk });
    }
    const meta: BlobMeta = { ...base, chunks };
    // Chunks first, metadata last: readable metadata means a whole blob.
    for (let i = 0; i < entries.length; i += 8) await this.bucket.putMany(entries.slice(i, i + 8));
    await this.bucket.put([tenant, base.sha256, 'm'], meta);
    return meta;
  }

  async read(tenant: string, meta: BlobMeta): Promise<Uint8Array> {
    const id = meta.sha256;
    const entries = await this.bucket.list<Uint8Array>([tenant, id, 'c']);
    if (entries.length !== meta.chunks)
      throw new TroupeError('unavailable', `blob ${id}: ${entries.length} of ${meta.chunks} chunks readable`);
    const bytes = new Uint8Array(meta.size);
    let at = 0;
    for (const e of entries) {
      const c = e.value;
      if (!(c instanceof Uint8Array) || at + c.byteLength > meta.size) throw new TroupeError('internal', `blob ${id}: a chunk is corrupt`);
      bytes.set(c, at);
      at += c.byteLength;
    }
    if (at !== meta.size) throw new TroupeError('internal', `blob ${id}: ${at} of ${meta.size} bytes stored`);
    return bytes;
  }

  async delete(tenant: string, id: string): Promise<boolean> {
    return (await this.bucket.deletePrefix([tenant, id])) > 0;
  }

  async list(tenant: string): Promise<BlobMeta[]> {
    // The metadata entries of the tenant's blobs, by id (chunks are read past: a prefix list has no key filter).
    const out: BlobMeta[] = [];
    for (const e of await this.bucket.list<BlobMeta>([tenant])) if (e.key.length === 3 && e.key[2] === 'm') out.push(e.value);
    return out;
  }
}

/**
 * Content-addressed per-tenant blobs over a {@link Storage}: in its object store when it has one (JetStream, ADR 0047),
 * else in chunked KV entries. Stateless: one per storage is as good as many.
 */
export class BlobStore {
  private readonly backend: BlobBackend;
  readonly maxBytes: number;
  private readonly now: () => number;

  constructor(storage: Storage, options: BlobStoreOptions = {}) {
    const chunkBytes = options.chunkBytes ?? BLOB_CHUNK_BYTES;
    this.backend = storage.blobs?.({ chunkBytes }) ?? new KvBlobs(storage.bucket(BLOB_BUCKET), chunkBytes);
    this.maxBytes = options.maxBytes ?? 20 * 1024 * 1024;
    this.now = options.now ?? Date.now;
  }

  /**
   * Stores `bytes` for `tenant` (once: bytes already stored are not written again) and returns the reference.
   * `extra` adds measured facts (image dimensions) to the metadata.
   */
  async put(tenant: string, bytes: Uint8Array, mime: string, extra: { width?: number; height?: number } = {}): Promise<BlobRef> {
    assertTenant(tenant);
    if (bytes.byteLength > this.maxBytes)
      throw new TooLargeError(`blob of ${bytes.byteLength} bytes exceeds the ${this.maxBytes}-byte limit`, {
        details: { size: bytes.byteLength, limit: this.maxBytes },
      });
    const sha256 = sha256Hex(bytes);
    const existing = await this.stat(tenant, sha256);
    if (existing !== undefined) return { ...blobRef(existing), mime };
    return blobRef(await this.backend.write(tenant, bytes, { sha256, mime, size: bytes.byteLength, created: this.now(), ...extra }));
  }

  /** The metadata of blob `id` of `tenant`, or undefined. */
  async stat(tenant: string, id: string): Promise<BlobMeta | undefined> {
    assertTenant(tenant);
    if (!/^[0-9a-f]{64}$/.test(id)) return undefined;
    return this.backend.stat(tenant, id);
  }

  /**
   * The bytes and metadata of blob `id` of `tenant`, or undefined (another tenant's blob is undefined too). Bytes that
   * do not match their sha256 (corrupt or truncated) are an `internal` error, missing chunks `unavailable`.
   */
  async get(tenant: string, id: string): Promise<{ meta: BlobMeta; bytes: Uint8Array } | undefined> {
    const meta = await this.stat(tenant, id);
    if (meta === undefined) return undefined;
    const bytes = await this.backend.read(tenant, meta);
    if (bytes.byteLength !== meta.size || sha256Hex(bytes) !== id)
      throw new TroupeError('internal', `blob ${id}: stored bytes do not match their sha256`);
    return { meta, bytes };
  }

  /** The bytes of `ref` for `tenant`; a `not_found` error when the tenant holds no such blob. */
  async bytesOf(tenant: string, ref: { readonly blob: string }): Promise<Uint8Array> {
    const got = await this.get(tenant, ref.blob);
    if (got === undefined) throw new NotFoundError(`blob ${ref.blob} not found`);
    return got.bytes;
  }

  /** Removes blob `id` of `tenant`; true when it existed. */
  async delete(tenant: string, id: string): Promise<boolean> {
    assertTenant(tenant);
    if (!/^[0-9a-f]{64}$/.test(id)) return false;
    return this.backend.delete(tenant, id);
  }

  /**
   * Deletes the blobs of `tenant` first stored before `before` (epoch ms) and not in `keep` (ids still referenced,
   * when the caller knows them); returns the ids deleted. Blobs are not reference-counted: a message or run may still
   * name a pruned blob, and reading it is then `not_found` (docs/content-parts.md, “Pruning”).
   */
  async prune(tenant: string, before: number, keep: ReadonlySet<string> = new Set()): Promise<string[]> {
    assertTenant(tenant);
    const gone: string[] = [];
    for (const meta of await this.backend.list(tenant)) {
      if (meta.created >= before || keep.has(meta.sha256)) continue;
      if (await this.backend.delete(tenant, meta.sha256)) gone.push(meta.sha256);
    }
    return gone.sort();
  }
}

function assertTenant(tenant: string): void {
  if (typeof tenant !== 'string' || tenant.length === 0) throw new ValidationError('a blob belongs to a tenant');
}
