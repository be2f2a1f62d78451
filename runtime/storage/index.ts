/** Persistence: one key/value interface, three backends (memory, lmdb, jetstream). */
export { MemoryStorage } from './memory.js';
export { seqKey, compareKeys, hasPrefix, assertKey, assertBucketName } from './types.js';
export type { Storage, KvBucket, StorageKey, StorageEntry } from './types.js';
