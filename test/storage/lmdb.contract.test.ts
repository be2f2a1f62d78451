import { LmdbStorage } from '../../runtime/lmdb/index.js';
import { storageContract } from './contract.js';
import { tempDir } from './tmp.js';

storageContract({ name: 'lmdb', open: () => Promise.resolve(new LmdbStorage(tempDir('lmdb'))) });
