/** Memory actors: semantic memory (embedders, hnswlib indexes) and RAG collections; the long-term store and thread memory. */
export * from './semantic/index.js';
export * from './embedders/index.js';
export * from './rag/index.js';
export * from './store/index.js';
export * from './threads/index.js';
export { FieldCipher, parseEncryptionKey, isSealed, DecryptionError, EncryptionKeyError, ENCRYPTION_KEY_ENV } from './crypto.js';
export type { Sealed } from './crypto.js';
