import { afterAll, beforeAll } from 'vitest';
import { JetStreamStorage } from '../../runtime/jetstream/index.js';
import { NatsServer } from '../nats/server.js';
import { storageContract } from './contract.js';

let server: NatsServer;
beforeAll(async () => {
  server = await NatsServer.start();
});
afterAll(async () => {
  await server?.stop();
});

let n = 0;
storageContract({
  name: 'jetstream',
  runs: 40,
  open: () => JetStreamStorage.connect({ servers: [server.url], prefix: `c${process.pid}x${n++}` }),
});
