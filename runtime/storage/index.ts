/**
 * Persistence: one key/value interface, three backends (memory, lmdb, jetstream), chosen by `openStorage`.
 * Only the memory backend is loaded here; lmdb is `runtime/lmdb/index.ts`, JetStream KV `runtime/jetstream/index.ts`.
 */
export { MemoryStorage } from './memory.js';
export { openStorage, storageKindFor } from './open.js';
export type { StorageConfig, StorageKind, OpenStorageOptions } from './open.js';
export { seqKey, compareKeys, hasPrefix, assertKey, assertBucketName, fenceEpoch, sameKey } from './types.js';
export type { Storage, KvBucket, StorageKey, StorageEntry } from './types.js';
