import { afterAll, beforeAll } from 'vitest';
import { type ActorSystem } from '../../runtime/index.js';
import { JetStreamTransport } from '../../runtime/jetstream/index.js';
import { createSystem } from '../../supervisors/index.js';
import { configSchema } from '../../config/index.js';
import { NatsServer } from '../nats/server.js';
import { transportContract } from './contract.js';

let server: NatsServer;
let meshNo = 0;
beforeAll(async () => {
  server = await NatsServer.start();
});
afterAll(async () => {
  await server?.stop();
});

transportContract({
  name: 'jetstream',
  async mesh(n, d = {}) {
    const prefix = `t${process.pid}x${meshNo++}`;
    const capacity = d.capacity ?? 1024;
    const config = configSchema.parse({
      mailbox: { capacity, maxDeliveries: d.maxDeliveries ?? 3, blockTimeoutMs: d.blockTimeoutMs ?? 5000 },
    });
    const nodes: ActorSystem[] = [];
    for (let i = 0; i < n; i++) {
      const transport = new JetStreamTransport({ servers: server.url, prefix, capacity, ackWaitMs: 2_000 });
      nodes.push(await createSystem({ config, node: `n${i}`, transport }));
    }
    return {
      nodes,
      // The nodes stop side by side: each shutdown waits about a second on its own (sequential, 2 s of every test).
      close: async () => {
        await Promise.all(nodes.map((s) => s.shutdown()));
      },
    };
  },
});
