import { MemoryStorage } from '../../runtime/index.js';
import { storageContract } from './contract.js';

storageContract({ name: 'memory', open: () => Promise.resolve(new MemoryStorage()) });
