/**
 * `troupe node --kinds` limits what a node hosts, not what it reaches: on a real nats-server, an
 * agent-only node's agent calls a tool hosted by a tool-only node (the catalog knows every id and
 * activates `tool/calculator` where tools are hosted), a `--kinds memory` node hosts `memory/store`
 * and nothing else, and an unknown kind name fails naming the known ones.
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { RUN_CREATE, STORE_GET, STORE_PUT } from '../../protocols/index.js';
import { waitForRun } from '../../actors/agent/index.js';
import { NatsServer } from '../nats/server.js';
import { eventually } from '../transport/contract.js';
import { NodeProcess, meshClient } from '../cluster/nodes.js';

let server: NatsServer;
const nodes: NodeProcess[] = [];
const dir = mkdtempSync(join(tmpdir(), 'troupe-node-kinds-'));
const configFile = join(dir, 'troupe.json');

beforeAll(async () => {
  server = await NatsServer.start();
  writeFileSync(
    configFile,
    JSON.stringify({
      agents: [{ name: 'clerk', instructions: 'Compute.', provider: 'offline', tools: ['calculator'] }],
      memory: { store: { index: [] } },
    }),
  );
}, 30_000);

afterAll(async () => {
  await Promise.all(nodes.map((n) => n.signal('SIGKILL')));
  await server.stop();
  rmSync(dir, { recursive: true, force: true });
});

describe('troupe node --kinds', () => {
  it('an agent-only node runs an agent whose tool call is served by a tool-only node; a memory node hosts the store only', async () => {
    const prefix = `nk${process.pid}`;
    const start = async (id: string, kinds: string) =>
      nodes.push(await NodeProcess.start(id, [server.url], prefix, ['--kinds', kinds, '--config', configFile]));
    await Promise.all([start('ag', 'agent'), start('tl', 'tool'), start('mem', 'memory')]);
    const { system, placement } = await meshClient([server.url], prefix);
    try {
      const cluster = system.transport.cluster!;
      const kindsOf = (id: string) => cluster.membership.live().find((n) => n.id === id)?.kinds;
      await eventually(() => ['ag', 'tl', 'mem'].every((id) => kindsOf(id) !== undefined), 20_000, 'the nodes to join');
      // Thread owners, guardrails, feedback owners and context come along with agents (ADR 0018, ADR 0019): an agent node
      // always has somewhere to put a thread's owner, a guardrail to check its input with and feedback on its runs.
      expect(kindsOf('ag')).toEqual(['agent', 'thread', 'guardrail', 'trainer', 'context']);
      expect(kindsOf('tl')).toEqual(['tool']);
      expect(kindsOf('mem')).toEqual(['memory']);
      expect(nodes.find((n) => n.id === 'ag')?.output).toContain('hosting agent, thread, guardrail, trainer, context\n');

      const done = waitForRun(system, 'run-nk', 'acme', 30_000);
      const agent = await placement.activate('agent/clerk', 'acme');
      await agent.ask(
        RUN_CREATE,
        { run_id: 'run-nk', input: { messages: [{ role: 'user', content: '/tool calculator {"expression":"6*7"}' }] } },
        { timeoutMs: 10_000 },
      );
      const result = await done;
      expect(result.status).toBe('success');
      expect(result.output).toContain('42');
      expect(cluster.leases().find((l) => l.tenant === 'acme' && l.address === 'agent/clerk')?.node).toBe('ag');
      // The run's thread was written by its owner, placed on the only node hosting thread owners.
      const owner = cluster.leases().find((l) => l.tenant === 'acme' && l.address.startsWith('thread/'));
      expect(owner?.node).toBe('ag');
      // The tool ran in a pool of the tool node only: the agent node reached it without hosting it.
      const pool = cluster.pools().find((p) => p.tenant === 'acme' && p.address === 'tool/calculator');
      expect(pool?.members).toEqual(['tl']);

      const store = await placement.activate('memory/store', 'acme');
      await store.ask(STORE_PUT, { namespace: ['prefs'], key: 'k', value: { colour: 'green' } }, { timeoutMs: 10_000 });
      expect(await store.ask(STORE_GET, { namespace: ['prefs'], key: 'k' }, { timeoutMs: 10_000 })).toMatchObject({
        value: { colour: 'green' },
      });
      expect(cluster.leases().find((l) => l.tenant === 'acme' && l.address === 'memory/store')?.node).toBe('mem');
    } finally {
      await system.shutdown();
    }
  }, 120_000);

  it('refuses an unknown kind, naming the known ones', async () => {
    const failed = await NodeProcess.start('bad', [server.url], `nkbad${process.pid}`, ['--kinds', 'agent,bogus']).then(
      () => undefined,
      (e: unknown) => e as Error,
    );
    expect(failed?.message).toContain(
      'unknown kind(s) bogus: known kinds are agent, remote, tool, memory, collection, thread, guardrail, trainer, context, workflow, ' +
        'blueprint-agent, blueprint-workflow, blueprint-tool, blueprint-collection, ' +
        'counter, worker, tally (pass --module FILE to add kinds)',
    );
  }, 60_000);
});
