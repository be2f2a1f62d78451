/**
 * Recovery does not wait for traffic, on a mesh too (issue 12): a run in the middle of a model call on a `troupe
 * node` that is SIGKILLed is resumed by the node that takes its agent over — nobody calls the agent again; the
 * surviving node's recovery pass (after it sees the node gone) activates the agent, whose restore asks the model
 * again. The run ends `success` with one gap-free log and leaves no active marker behind.
 */
import { writeFileSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { RUN_CREATE } from '../../protocols/index.js';
import { JetStreamStorage } from '../../runtime/jetstream/index.js';
import { RunStore } from '../../actors/agent/index.js';
import { NatsServer } from '../nats/server.js';
import { eventually } from '../transport/contract.js';
import { oaiText, sse, startServer, type FakeServer } from '../llm/fake-servers.js';
import { NodeProcess, meshClient, startNodes } from './nodes.js';

let server: NatsServer;
let model: FakeServer;
const nodes: NodeProcess[] = [];
const dir = mkdtempSync(join(tmpdir(), 'troupe-run-recovery-'));
const configFile = join(dir, 'troupe.json');

beforeAll(async () => {
  server = await NatsServer.start();
  model = await startServer();
  writeFileSync(
    configFile,
    JSON.stringify({
      agents: [{ name: 'writer', instructions: 'Write.', provider: 'openai', baseUrl: `${model.url}/v1`, apiKeyEnv: 'FAKE_KEY' }],
    }),
  );
}, 30_000);

afterAll(async () => {
  await Promise.all(nodes.map((n) => n.signal('SIGKILL')));
  await model.close();
  await server.stop();
  rmSync(dir, { recursive: true, force: true });
});

describe('run recovery on a mesh', () => {
  it('a run mid-model-call on a SIGKILLed node is resumed by the heir with no traffic', async () => {
    // The first answer streams slowly (its node is killed mid-stream); the resumed call gets a complete one.
    model.script(sse(oaiText(Array.from({ length: 80 }, (_, i) => `w${i} `)), { gapMs: 150 }), sse(oaiText(['Recovered ', 'story.'])));
    const prefix = `rr${process.pid}`;
    await startNodes(
      nodes,
      ['r1', 'r2'].map(
        (id) => () => NodeProcess.start(id, [server.url], prefix, ['--kinds', 'agent,tool', '--config', configFile], { FAKE_KEY: 'sk-x' }),
      ),
    );
    const { system, placement } = await meshClient([server.url], prefix);
    const storage = await JetStreamStorage.connect({ servers: [server.url], prefix });
    try {
      const cluster = system.transport.cluster!;
      await eventually(() => ['r1', 'r2'].every((id) => cluster.membership.live().some((n) => n.id === id)), 20_000, 'nodes');
      const agent = await placement.activate('agent/writer');
      await agent.ask(
        RUN_CREATE,
        { run_id: 'run-rr', input: { messages: [{ role: 'user', content: 'a long story' }] } },
        { timeoutMs: 10_000 },
      );
      await eventually(() => model.requests.length >= 1, 20_000, 'the model call');
      const store = new RunStore(storage);
      await eventually(async () => (await store.events('default', 'run-rr')).some((e) => e.event === 'token'), 20_000, 'tokens logged');

      const owner = cluster.leases().find((l) => l.address === 'agent/writer')?.node;
      expect(['r1', 'r2']).toContain(owner);
      const killedAt = Date.now();
      await nodes.find((n) => n.id === owner)!.signal('SIGKILL');
      // No message is sent to the agent from here on.
      await eventually(() => model.requests.length >= 2, 30_000, 'the heir to ask the model again');
      const askedMs = Date.now() - killedAt;
      await eventually(async () => (await store.getRun('default', 'run-rr'))?.status === 'success', 30_000, 'the run to end');
      const endedMs = Date.now() - killedAt;
      const heir = owner === 'r1' ? 'r2' : 'r1';
      expect(cluster.leases().find((l) => l.address === 'agent/writer')?.node).toBe(heir);
      const log = await store.events('default', 'run-rr');
      expect(log.map((e) => e.seq)).toEqual(log.map((_, i) => i + 1));
      expect(log.at(-1)).toMatchObject({ event: 'status', data: { status: 'success', output: 'Recovered story.' } });
      expect(log.some((e) => e.event === 'status' && (e.data as { resumed?: number }).resumed === 1)).toBe(true);
      await eventually(async () => (await store.indexedRuns()).length === 0, 10_000, 'the active index to empty');
      console.log(`run recovery on a mesh: model asked again ${askedMs} ms, run ended ${endedMs} ms after the SIGKILL`);
    } finally {
      await storage.close();
      await system.shutdown().catch(() => undefined);
    }
  }, 120_000);
});
