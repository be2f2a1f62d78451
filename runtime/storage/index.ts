/** Persistence: one key/value interface, three backends (memory, lmdb, jetstream), chosen by `openStorage`. */
export { MemoryStorage } from './memory.js';
export { LmdbStorage, encodeLmdbKey, decodeLmdbKey } from './lmdb.js';
export { JetStreamStorage, encodeKvKey, decodeKvKey } from './jetstream.js';
export type { JetStreamStorageOptions } from './jetstream.js';
export { openStorage, storageKindFor } from './open.js';
export type { StorageConfig, StorageKind, OpenStorageOptions } from './open.js';
export { seqKey, compareKeys, hasPrefix, assertKey, assertBucketName } from './types.js';
export type { Storage, KvBucket, StorageKey, StorageEntry } from './types.js';
