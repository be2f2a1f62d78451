/**
 * A schedule trigger on a real NATS mesh (docs/workflows.md, "Triggers"): two nodes host the workflow kind on one
 * nats-server (JetStream transport and storage); an every-second schedule starts one run per tick in the whole mesh
 * (run ids distinct and increasing), and the ticks go on from the other node after the first node left.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { configSchema } from '../../config/index.js';
import { MeshNode, type ActorSystem } from '../../runtime/index.js';
import { createSystem } from '../../supervisors/index.js';
import { composeCatalog } from '../../cli/kinds.js';
import { OfflineProvider } from '../../actors/llm/offline.js';
import type { WorkflowRunRecord } from '../../actors/workflow/index.js';
import { NatsServer } from '../nats/server.js';
import { eventually } from '../transport/contract.js';

let nats: NatsServer;
beforeAll(async () => {
  nats = await NatsServer.start();
}, 30_000);
afterAll(async () => {
  await nats?.stop();
});

async function node(id: string, prefix: string) {
  const config = configSchema.parse({
    workflows: [{ name: 'every-sec', steps: { a: { tool: 'clock' } }, triggers: [{ schedule: '* * * * * *' }] }],
    node: { id },
    transport: { kind: 'jetstream', servers: [nats.url], prefix, heartbeatMs: 200, deadAfterMs: 1_000, leaseTtlMs: 1_000 },
    storage: { kind: 'jetstream' },
  });
  const system: ActorSystem = await createSystem({ config, warn: () => undefined });
  const mesh = new MeshNode(system);
  const catalog = await composeCatalog(config, mesh, { provider: () => ({ provider: new OfflineProvider(), model: 'offline' }) });
  await mesh.start();
  await catalog.start();
  return {
    system,
    async stop() {
      mesh.stop();
      await catalog.close();
      await system.shutdown();
    },
  };
}

/** The ticks of the runs stored, by run id (a KV listing taken while records are rewritten may list a key twice). */
const ticks = async (system: ActorSystem) => {
  const runs = new Map<string, number>();
  for (const e of await system.storage.bucket('workflows').list<WorkflowRunRecord>(['default']))
    if (e.key[2] === 'run' && e.value.workflow === 'every-sec') runs.set(e.value.run_id, Date.parse(String(e.value.metadata.tick)));
  const out = [...runs.values()].sort((x, y) => x - y);
  // One run per tick: no two run ids carry the same tick.
  expect(new Set(out).size).toBe(out.length);
  return out;
};

describe('schedule trigger on a NATS mesh', () => {
  it('fires one run per tick across two nodes, and goes on from the other node when the first leaves', async () => {
    const prefix = `wfs${process.pid}`;
    const a = await node('wa', prefix);
    const b = await node('wb', prefix);
    try {
      await eventually(async () => (await ticks(b.system)).length >= 3, 30_000, 'three ticks');
      const before = await ticks(b.system);
      expect(before.every((t) => t % 1_000 === 0)).toBe(true);
      // The node holding the workflow stops (no handover): the other activates it and fires the later ticks.
      const holds = (n: typeof a) => n.system.ref('workflow/every-sec', 'default').state !== undefined;
      expect([holds(a), holds(b)].filter(Boolean)).toHaveLength(1);
      const [holder, other] = holds(a) ? [a, b] : [b, a];
      // The holder may fire a tick while it shuts down (it holds the workflow until it has stopped): only ticks after
      // it is gone show the other node went on.
      await holder.stop();
      const left = Date.now();
      await eventually(async () => (await ticks(other.system)).some((t) => t > left + 1_000), 30_000, 'a tick after the holder left');
      // It holds the workflow now (a tick it fired may be read a moment before its activation shows here).
      await eventually(() => Promise.resolve(holds(other)), 10_000, 'the other node holding the workflow');
      const after = await ticks(other.system);
      expect(after.slice(0, before.length)).toEqual(before);
    } finally {
      await a.stop().catch(() => undefined);
      await b.stop().catch(() => undefined);
    }
  }, 90_000);
});
