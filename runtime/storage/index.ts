/**
 * Persistence: one key/value interface, three backends (memory, lmdb, jetstream), chosen by `openStorage`.
 * Only the memory backend is loaded here; lmdb is `runtime/lmdb/index.ts`, JetStream KV `runtime/jetstream/index.ts`.
 */
export { MemoryStorage } from './memory.js';
export { openStorage, storageKindFor } from './open.js';
export type { StorageConfig, StorageKind, OpenStorageOptions } from './open.js';
export { seqKey, compareKeys, hasPrefix, assertKey, assertBucketName, fenceEpoch, sameKey } from './types.js';
export type { Storage, KvBucket, StorageKey, StorageEntry } from './types.js';
export { BlobStore, KvBlobs, BLOB_BUCKET, BLOB_CHUNK_BYTES, sha256Hex, blobRef } from './blobs.js';
export type { BlobMeta, BlobStoreOptions, BlobBackend } from './blobs.js';
export { DEFAULT_MEDIA_POLICY, admitParts, inspectMedia, mimeAllowed, normalMime } from './media.js';
export type { MediaPolicy, MediaFacts } from './media.js';
