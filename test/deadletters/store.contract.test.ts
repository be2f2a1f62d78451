/** The dead-letter store contract against every store: memory ring, storage (memory and lmdb), JetStream (a real nats-server). */
import { afterAll, beforeAll } from 'vitest';
import { MemoryDeadLetterStore, MemoryStorage, StorageDeadLetterStore, systemClock } from '../../runtime/index.js';
import { LmdbStorage } from '../../runtime/lmdb/index.js';
import { JetStreamTransport } from '../../runtime/jetstream/index.js';
import { NatsServer } from '../nats/server.js';
import { tempDir } from '../storage/tmp.js';
import { deadLetterStoreContract } from './store-contract.js';

deadLetterStoreContract({
  name: 'memory ring',
  open: () => Promise.resolve({ store: new MemoryDeadLetterStore(), close: () => Promise.resolve() }),
});

deadLetterStoreContract({
  name: 'storage (memory backend)',
  open: () => Promise.resolve({ store: new StorageDeadLetterStore(new MemoryStorage()), close: () => Promise.resolve() }),
});

deadLetterStoreContract({
  name: 'storage (lmdb data directory)',
  open: () => {
    const storage = new LmdbStorage(tempDir('dlq'));
    return Promise.resolve({ store: new StorageDeadLetterStore(storage), close: () => storage.close() });
  },
});

let server: NatsServer;
let meshNo = 0;
beforeAll(async () => {
  server = await NatsServer.start();
});
afterAll(async () => {
  await server?.stop();
});

deadLetterStoreContract({
  name: 'jetstream',
  async open() {
    const transport = new JetStreamTransport({ servers: server.url, prefix: `dlq${process.pid}x${meshNo++}` });
    await transport.start({ node: 'dlq-test', clock: systemClock, onReply: () => undefined });
    return { store: transport.deadLetters, close: () => transport.close() };
  },
});
