/**
 * Recovery does not wait for traffic on a mesh (docs/workflows.md, "Durable"): two in-process nodes host the workflow
 * kind on a real nats-server. The node holding a workflow with a step in flight stops without a handover (its lease
 * goes with it, so no takeover follows): the other node, seeing it leave, activates the workflow, whose run goes on
 * with nobody calling it and ends `success`.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { z } from 'zod';
import { configSchema } from '../../config/index.js';
import { RUN_CREATE } from '../../protocols/index.js';
import { MeshNode, type ActorSystem } from '../../runtime/index.js';
import { createSystem } from '../../supervisors/index.js';
import { composeCatalog } from '../../cli/kinds.js';
import { OfflineProvider } from '../../actors/llm/offline.js';
import { defineTool, type Catalog } from '../../actors/index.js';
import { WorkflowJournal } from '../../actors/workflow/index.js';
import { NatsServer } from '../nats/server.js';
import { until } from '../gateway/cli-fixture.js';

let nats: NatsServer;
const stops: (() => Promise<void>)[] = [];
beforeAll(async () => {
  nats = await NatsServer.start();
}, 30_000);
afterAll(async () => {
  for (const stop of stops) await stop().catch(() => undefined);
  await nats?.stop();
});

/** A tool whose calls wait until the test opens it (every call, before or after). */
const gate = { calls: 0, open: (): void => undefined, opened: new Promise<void>(() => undefined) };
gate.opened = new Promise<void>((r) => (gate.open = r));
const gateTool = defineTool({
  name: 'gate',
  description: 'waits until the test opens it',
  input: z.object({}),
  async run() {
    gate.calls++;
    await gate.opened;
    return 'through';
  },
});

async function node(id: string, prefix: string): Promise<{ system: ActorSystem; catalog: Catalog; stop(): Promise<void> }> {
  const config = configSchema.parse({
    agents: [{ name: 'worker', instructions: 'Work.', tools: ['gate'] }],
    workflows: [{ name: 'gated', steps: { wait: { agent: 'worker', input: '/tool gate {}' }, stamp: { tool: 'clock', needs: ['wait'] } } }],
    node: { id },
    transport: { kind: 'jetstream', servers: [nats.url], prefix, heartbeatMs: 200, deadAfterMs: 1_000, leaseTtlMs: 1_000 },
    storage: { kind: 'jetstream' },
  });
  const system = await createSystem({ config, warn: () => undefined });
  const mesh = new MeshNode(system);
  const catalog = await composeCatalog(config, mesh, {
    provider: () => ({ provider: new OfflineProvider(), model: 'offline' }),
    tools: [gateTool as never],
  });
  await mesh.start();
  await catalog.start();
  const stop = async () => {
    mesh.stop();
    await catalog.close();
    await system.shutdown();
  };
  stops.push(stop);
  return { system, catalog, stop };
}

describe('workflow recovery on a mesh', () => {
  it('a node that stops without a handover leaves its runs to another node, which goes on with no traffic', async () => {
    const prefix = `wfr${process.pid}`;
    const a = await node('wra', prefix);
    const b = await node('wrb', prefix);
    const started = await (
      await a.catalog.ensure('workflow/gated', 'default')
    ).ask<{ run_id: string }>(RUN_CREATE, {
      input: { messages: [{ role: 'user', content: 'go' }] },
    });
    await until('the gate call', () => (gate.calls >= 1 ? true : undefined), 30_000);
    const holds = (n: typeof a) => n.system.ref('workflow/gated', 'default').state !== undefined;
    // One node holds it (polled: a node that just joined may take an activation over before it sees the other live).
    const holder = await until('one node to hold the workflow', () => (holds(a) !== holds(b) ? (holds(a) ? a : b) : undefined), 30_000);
    const other = holder === a ? b : a;
    await holder.stop();
    // Let the step go on only once the holder's lease is gone (or already taken over): no takeover can continue the run.
    const lease = () => other.system.transport.cluster?.leases().find((l) => l.address === 'workflow/gated');
    await until('the lease to go', () => (lease() === undefined || lease()?.node === other.system.node ? true : undefined), 30_000);
    gate.open();
    const journal = new WorkflowJournal(other.system.storage);
    await until(
      'the run to end',
      async () => ((await journal.getRun('default', started.run_id))?.status === 'success' ? true : undefined),
      30_000,
    );
    expect(holds(other)).toBe(true);
    const steps = await journal.steps('default', started.run_id);
    expect(steps.map((s) => `${s.key.step}.${s.key.attempt}:${s.entry.state}`)).toEqual(['stamp.1:done', 'wait.1:done']);
  }, 90_000);
});
