/**
 * On a real JetStream mesh (one nats-server, two in-process nodes with the real catalog, a gateway each), `run.created`
 * names the node that runs the agent, and `troupe eval --url A,B`'s spreader sends an agent's later cases to the
 * gateway on that node (cli/eval-case.ts), so their runs cross no node.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { expandCases, parseSuite, runCases } from '../../actors/index.js';
import { spreadCases } from '../../cli/eval-case.js';
import { composeCatalog } from '../../cli/kinds.js';
import { configSchema } from '../../config/index.js';
import { Gateway, allRoutes, catalogDeps } from '../../gateway/index.js';
import { TroupeClient } from '../../gateway/client/index.js';
import { MeshNode, type ActorSystem } from '../../runtime/index.js';
import { JetStreamStorage, JetStreamTransport } from '../../runtime/jetstream/index.js';
import { createSystem } from '../../supervisors/index.js';
import { NatsServer } from '../nats/server.js';
import { eventually } from '../transport/contract.js';

const AGENTS = ['a1', 'a2', 'a3', 'a4', 'a5', 'a6'];
const config = configSchema.parse({
  agents: AGENTS.map((name) => ({ name, description: name, instructions: 'Answer.', provider: 'offline' })),
});

let nats: NatsServer;
const nodes: { system: ActorSystem; mesh: MeshNode; gateway: Gateway; close(): Promise<void> }[] = [];

beforeAll(async () => {
  nats = await NatsServer.start();
  const prefix = `evm${process.pid}`;
  for (const id of ['m1', 'm2']) {
    const system = await createSystem({
      node: id,
      warn: () => undefined,
      transport: new JetStreamTransport({ servers: nats.url, prefix }),
      storage: await JetStreamStorage.connect({ servers: [nats.url], prefix }),
    });
    const mesh = new MeshNode(system);
    const catalog = await composeCatalog(config, mesh);
    await mesh.start();
    const deps = catalogDeps(system, catalog);
    const gateway = await Gateway.start({ deps, routes: allRoutes(deps), port: 0, auth: { keys: [] }, warn: () => undefined });
    nodes.push({
      system,
      mesh,
      gateway,
      async close() {
        await gateway.close();
        mesh.stop();
        await catalog.close();
        await system.shutdown();
      },
    });
  }
  const cluster = nodes[0]!.system.transport.cluster!;
  await eventually(
    () => ['m1', 'm2'].every((id) => cluster.membership.live().some((n) => n.id === id && n.kinds.includes('agent'))),
    30_000,
    'the mesh',
  );
}, 60_000);

afterAll(async () => {
  for (const n of nodes.reverse()) await n.close();
  await nats?.stop();
});

describe('eval spread on a mesh', () => {
  it("run.created names the agent's node; later cases of an agent go to the gateway on that node", async () => {
    const clients = await Promise.all(nodes.map((n) => TroupeClient.connect({ url: `http://127.0.0.1:${n.gateway.port}` })));
    try {
      expect(clients.map((c) => c.welcome?.node)).toEqual(['m1', 'm2']);
      // The node a run reports is the one holding its agent's lease, whichever gateway took it.
      const conv = await clients[0]!.start('a1', 'hello');
      await conv.result();
      const holder = nodes[0]!.system.transport.cluster!.leases().find((l) => l.address === 'agent/a1')?.node;
      expect(['m1', 'm2']).toContain(holder);
      expect(conv.node).toBe(holder);

      const tests = Array.from({ length: 4 }, (_, i) => `  - vars: {input: "question ${i}"}`);
      const cases = expandCases(parseSuite(`providers: [${AGENTS.join(', ')}]\ntests:\n${tests.join('\n')}\n`));
      const spread = spreadCases(clients);
      const result = await runCases('mesh', cases, {
        concurrency: 2,
        runCase: (c) => spread.runCase(c),
      });
      expect(result.failed, JSON.stringify(result.cases.filter((c) => !c.pass))).toBe(0);
      // Each agent's first case teaches the spreader where it lives; at most `concurrency` more are in flight meanwhile.
      expect(spread.local()).toBeGreaterThanOrEqual(cases.length - AGENTS.length * 2);
      // Cases per gateway follow where the agents live (give or take the cases before each agent's node was known).
      const leases = nodes[0]!.system.transport.cluster!.leases().filter((l) => l.address.startsWith('agent/'));
      const onM1 = leases.filter((l) => l.node === 'm1').length * 4;
      expect(Math.abs((spread.ran[0] as number) - onM1)).toBeLessThanOrEqual(cases.length - spread.local());
    } finally {
      await Promise.all(clients.map((c) => c.close()));
    }
  });
});
