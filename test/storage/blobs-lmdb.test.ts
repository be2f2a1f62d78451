/** Blobs on lmdb: chunked KV entries in the `blobs` bucket (runtime/storage/blobs.ts). */
import { LmdbStorage } from '../../runtime/lmdb/index.js';
import { blobContract, kvBlobCase } from './blobs-contract.js';
import { tempDir } from './tmp.js';

blobContract({ name: 'lmdb', open: () => Promise.resolve(new LmdbStorage(tempDir('blobs'))), ...kvBlobCase });
