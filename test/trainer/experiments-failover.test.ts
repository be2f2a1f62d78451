/**
 * An experiment outlives the node it runs on: two `troupe node` processes host the trainer kind on one nats-server
 * (records, rewards and events in JetStream KV). Rewards reach the experiment on one node; that node is SIGKILLed;
 * the other takes the experiment over, rebuilds its posteriors from the stored rewards (a redelivered reward is not
 * counted again), and goes on to promote the better version — moving `production` in the mesh's storage.
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { PromptLibrary } from '../../actors/index.js';
import { configSchema } from '../../config/index.js';
import {
  EXPERIMENT_CREATE,
  EXPERIMENT_GET,
  EXPERIMENT_REWARD,
  experimentCreateMessageSchema,
  type ExperimentRecord,
} from '../../protocols/index.js';
import { JetStreamStorage } from '../../runtime/jetstream/index.js';
import { NodeProcess, meshClient, startNodes } from '../cluster/nodes.js';
import { NatsServer } from '../nats/server.js';
import { eventually } from '../transport/contract.js';

let server: NatsServer;
const nodes: NodeProcess[] = [];
const dir = mkdtempSync(join(tmpdir(), 'troupe-exp-failover-'));
const configFile = join(dir, 'troupe.json');
const raw = {
  prompts: [{ name: 'greet', versions: [{ template: 'One.', labels: ['production'] }, { template: 'Two.' }] }],
  agents: [{ name: 'helper', instructions: 'Help.', provider: 'offline', prompt: 'greet@production' }],
};

beforeAll(async () => {
  server = await NatsServer.start();
  writeFileSync(configFile, JSON.stringify(raw));
}, 30_000);

afterAll(async () => {
  await Promise.all(nodes.map((n) => n.signal('SIGKILL')));
  await server.stop();
  rmSync(dir, { recursive: true, force: true });
});

describe('experiment failover', () => {
  it('a SIGKILLed node loses no reward and the heir goes on to promote', async () => {
    const prefix = `ef${process.pid}`;
    await startNodes(
      nodes,
      ['e1', 'e2'].map((id) => () => NodeProcess.start(id, [server.url], prefix, ['--kinds', 'trainer', '--config', configFile])),
    );
    const { system, placement } = await meshClient([server.url], prefix);
    const storage = await JetStreamStorage.connect({ servers: [server.url], prefix });
    try {
      const cluster = system.transport.cluster!;
      await eventually(
        () => ['e1', 'e2'].every((id) => cluster.membership.live().some((n) => n.id === id && n.kinds.includes('trainer'))),
        30_000,
        'nodes',
      );
      const exp = await placement.activate('trainer/exp-fo');
      const create = experimentCreateMessageSchema.parse({ id: 'fo', agent: 'helper', versions: [1, 2], min_samples: 6 });
      const made = await exp.ask<ExperimentRecord>(EXPERIMENT_CREATE, create, { timeoutMs: 15_000 });
      expect(made).toMatchObject({ status: 'running', control: 1, template: 'greet' });
      const reward = (n: number, version: number, score: number) =>
        exp.tell(EXPERIMENT_REWARD, { feedback_id: `f${n}`, run_id: `r${n}`, version, key: 'quality', score });
      for (let n = 1; n <= 8; n++) await reward(n, n % 2 === 0 ? 2 : 1, n % 2 === 0 ? 1 : 0);
      const get = () => exp.ask<ExperimentRecord>(EXPERIMENT_GET, {}, { timeoutMs: 5_000 });
      await eventually(async () => (await get()).arms.every((a) => a.rewards === 4), 20_000, 'the first rewards');

      const owner = cluster.leases().find((l) => l.address === 'trainer/exp-fo')?.node;
      expect(['e1', 'e2']).toContain(owner);
      const victim = nodes.find((n) => n.id === owner)!;
      await victim.signal('SIGKILL');
      const heir = owner === 'e1' ? 'e2' : 'e1';
      // The heir rebuilds the posteriors from storage; a reward delivered again (same feedback id) counts once.
      await eventually(
        async () => {
          const r = await get().catch(() => undefined);
          return r !== undefined && r.arms.every((a) => a.rewards === 4);
        },
        45_000,
        `the experiment to answer from ${heir}`,
      );
      expect(cluster.leases().find((l) => l.address === 'trainer/exp-fo')?.node).toBe(heir);
      await reward(8, 2, 1);
      for (let n = 9; n <= 12; n++) await reward(n, n % 2 === 0 ? 2 : 1, n % 2 === 0 ? 1 : 0);
      await eventually(async () => (await get()).status === 'monitoring', 20_000, 'the promotion');
      const after = await get();
      expect(after).toMatchObject({ promoted: 2, previous: 1 });
      expect(after.arms.map((a) => a.rewards)).toEqual([6, 6]);
      const lib = new PromptLibrary(storage, configSchema.parse(raw));
      expect((await lib.labels(after.tenant, 'greet'))['production']).toBe(2);
    } finally {
      await storage.close();
      await system.shutdown().catch(() => undefined);
    }
  }, 150_000);
});
