/** Blobs on the memory backend: chunked KV entries, as on lmdb. */
import { MemoryStorage } from '../../runtime/index.js';
import { blobContract, kvBlobCase } from './blobs-contract.js';

blobContract({ name: 'memory', open: () => Promise.resolve(new MemoryStorage()), ...kvBlobCase });
