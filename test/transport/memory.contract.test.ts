import { MemoryHub, MemoryTransport, type ActorSystem } from '../../runtime/index.js';
import { createSystem } from '../../supervisors/index.js';
import { configSchema } from '../../config/index.js';
import { transportContract } from './contract.js';

transportContract({
  name: 'memory',
  async mesh(n, d = {}) {
    const hub = new MemoryHub();
    const config = configSchema.parse({
      mailbox: { capacity: d.capacity ?? 1024, maxDeliveries: d.maxDeliveries ?? 3, blockTimeoutMs: d.blockTimeoutMs ?? 5000 },
    });
    const nodes: ActorSystem[] = [];
    for (let i = 0; i < n; i++) nodes.push(await createSystem({ config, node: `n${i}`, transport: new MemoryTransport({ hub }) }));
    return {
      nodes,
      close: async () => {
        for (const s of nodes.reverse()) await s.shutdown();
      },
    };
  },
});
