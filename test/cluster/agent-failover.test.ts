/**
 * A run outlives the node that ran it: two `troupe node` processes host the config's agents on
 * NATS (runs, threads and logs in JetStream KV). A run waits for a human's approval on one node;
 * that node is SIGKILLed; the other takes the agent over, finds the interrupted run in storage,
 * and finishes it when the answer comes — also when the heir stalls past its lease right after taking the answer — one
 * gap-free log, the interrupt announced once.
 */
import { writeFileSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { RUN_CREATE, RUN_RESUME, runTopic, type RunEvent } from '../../protocols/index.js';
import { JetStreamStorage } from '../../runtime/jetstream/index.js';
import { RunStore } from '../../actors/agent/index.js';
import { NatsServer } from '../nats/server.js';
import { eventually } from '../transport/contract.js';
import { NodeProcess, meshClient, startNodes } from './nodes.js';

let server: NatsServer;
const nodes: NodeProcess[] = [];
const dir = mkdtempSync(join(tmpdir(), 'troupe-agent-failover-'));
const configFile = join(dir, 'troupe.json');

beforeAll(async () => {
  server = await NatsServer.start();
  writeFileSync(
    configFile,
    JSON.stringify({
      agents: [
        { name: 'clerk', instructions: 'Compute, with approval.', provider: 'offline', tools: ['calculator'], approvals: ['calculator'] },
      ],
    }),
  );
}, 30_000);

afterAll(async () => {
  await Promise.all(nodes.map((n) => n.signal('SIGKILL')));
  await server.stop();
  rmSync(dir, { recursive: true, force: true });
});

describe('agent failover', () => {
  it('an interrupted run on a SIGKILLed node is finished by the node that takes the agent over', async () => {
    const prefix = `af${process.pid}`;
    await startNodes(
      nodes,
      ['a1', 'a2'].map((id) => () => NodeProcess.start(id, [server.url], prefix, ['--kinds', 'agent,tool', '--config', configFile])),
    );
    const { system, placement } = await meshClient([server.url], prefix);
    const storage = await JetStreamStorage.connect({ servers: [server.url], prefix });
    try {
      const cluster = system.transport.cluster!;
      await eventually(
        () => ['a1', 'a2'].every((id) => cluster.membership.live().some((n) => n.id === id && n.kinds.includes('agent'))),
        20_000,
        'nodes',
      );
      const seen: RunEvent[] = [];
      system.subscribe(runTopic('run-f'), (env) => seen.push(env.payload as RunEvent));
      const agent = await placement.activate('agent/clerk');
      await agent.ask(
        RUN_CREATE,
        { run_id: 'run-f', input: { messages: [{ role: 'user', content: '/tool calculator {"expression":"6*7"}' }] } },
        { timeoutMs: 10_000 },
      );
      await eventually(
        () => seen.some((e) => e.event === 'status' && (e.data as { status: string }).status === 'interrupted'),
        20_000,
        'the run to wait for approval',
      );

      const owner = cluster.leases().find((l) => l.address === 'agent/clerk')?.node;
      expect(['a1', 'a2']).toContain(owner);
      const victim = nodes.find((n) => n.id === owner)!;
      const killedAt = Date.now();
      await victim.signal('SIGKILL');
      const heir = owner === 'a1' ? 'a2' : 'a1';
      await eventually(
        () => cluster.leases().some((l) => l.address === 'agent/clerk' && l.node === heir),
        30_000,
        `the agent to move to ${heir}`,
      );
      const movedMs = Date.now() - killedAt;

      // The answer goes to the agent's mailbox; the new activation restored the run before reading it.
      await eventually(
        async () => {
          const r = await agent
            .ask<{ status: string }>(RUN_RESUME, { run_id: 'run-f', resume: { approve: true } }, { timeoutMs: 5_000 })
            .catch(() => undefined);
          return r?.status === 'running';
        },
        30_000,
        'the heir to accept the answer',
      );
      const store = new RunStore(storage);
      // The heir stalls right after it took the answer, past its lease (3 s), as a loaded node does: its activation ends,
      // and the next one must not wait for the answer again (it did, for good: 'the run to finish' timed out at load ~10
      // even given 60 s). The answer was recorded before it was acknowledged; the run ends ~1-2 s after the stall.
      const heirNode = nodes.find((n) => n.id === heir)!;
      process.kill(heirNode.pid!, 'SIGSTOP');
      await new Promise((r) => setTimeout(r, 5_000));
      process.kill(heirNode.pid!, 'SIGCONT');
      await eventually(async () => (await store.getRun('default', 'run-f'))?.status === 'success', 30_000, 'the run to finish');
      const log = await store.events('default', 'run-f');
      expect(log.map((e) => e.seq)).toEqual(log.map((_, i) => i + 1));
      expect(log.filter((e) => e.event === 'interrupt')).toHaveLength(1);
      expect(log.at(-1)).toMatchObject({ event: 'status', data: { status: 'success' } });
      expect((log.at(-1)!.data as { output: string }).output).toContain('42');
      console.log(`agent failover: agent moved to ${heir} ${movedMs} ms after SIGKILL; run finished with ${log.length} events`);
    } finally {
      await storage.close();
      await system.shutdown().catch(() => undefined);
    }
  }, 180_000);
});
