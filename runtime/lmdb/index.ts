/** The lmdb storage backend, an entry point of its own so the embedded kernel does not load lmdb (ADR 0014). */
export { LmdbStorage, encodeLmdbKey, decodeLmdbKey } from '../storage/lmdb.js';
