/**
 * Topic triggers (docs/workflows.md, "Triggers"): real publishes on the bus start one run each with the payload as
 * the input; a message published again with the same envelope id answers the same run; a payload the input schema
 * refuses starts nothing and is announced on `workflow.<name>.trigger.refused`.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { configSchema } from '../../config/index.js';
import { MemoryStorage, MeshNode, type ActorSystem } from '../../runtime/index.js';
import { createSystem } from '../../supervisors/index.js';
import { composeCatalog } from '../../cli/kinds.js';
import { OfflineProvider } from '../../actors/llm/offline.js';
import type { Catalog } from '../../actors/index.js';
import { WorkflowJournal, topicRunId, type WorkflowRunRecord } from '../../actors/workflow/index.js';
import { eventually } from '../transport/contract.js';

const hosts: { system: ActorSystem; catalog: Catalog }[] = [];
afterEach(async () => {
  for (const h of hosts.splice(0)) {
    await h.catalog.close();
    await h.system.shutdown();
  }
});

const ON_ORDER = { name: 'on-order', input: { order: 'string' }, steps: { a: { tool: 'clock' } }, triggers: [{ topic: 'orders.created' }] };

/** A host of `workflows` on `storage`, its triggers started. */
async function host(storage: MemoryStorage, workflows: unknown[] = [ON_ORDER]) {
  const config = configSchema.parse({ workflows });
  const system = await createSystem({ config, storage, warn: () => undefined });
  const mesh = new MeshNode(system);
  const catalog = await composeCatalog(config, mesh, { provider: () => ({ provider: new OfflineProvider(), model: 'offline' }) });
  await mesh.start();
  await catalog.start();
  hosts.push({ system, catalog });
  return system;
}

const runs = async (storage: MemoryStorage) =>
  (await storage.bucket('workflows').list<WorkflowRunRecord>(['default'])).filter((e) => e.key[2] === 'run').map((e) => e.value);

describe('topic trigger', () => {
  it('starts one run per message with its payload as input, one for a duplicate, none for a refused payload', async () => {
    const storage = new MemoryStorage();
    const system = await host(storage);
    const refused: { envelope_id: string; error: string }[] = [];
    system.subscribe('workflow.on-order.trigger.refused', (env) => refused.push(env.payload as (typeof refused)[number]));
    const done: string[] = [];
    system.subscribe('workflow.on-order.workflow.completed', (env) => done.push((env.payload as { run_id: string }).run_id));
    // catalog.start() activated workflow/on-order, which subscribed its topic in init.

    await system.publish('orders.created', { order: 'A-1' }, { id: 'env-a1' });
    await system.publish('orders.created', { order: 'A-1' }, { id: 'env-a1' }); // redelivered: same envelope id
    await system.publish('orders.created', { order: 'B-2' }, { id: 'env-b2' });
    await system.publish('orders.created', { order: 42 }, { id: 'env-bad' });
    await system.publish('orders.updated', { order: 'C-3' }, { id: 'env-other' }); // another topic

    await eventually(() => done.length === 2 && refused.length === 1, 15_000, 'two runs done and one refusal');
    const all = await runs(storage);
    expect(all.map((r) => r.run_id).sort()).toEqual([topicRunId('on-order', 'env-a1'), topicRunId('on-order', 'env-b2')].sort());
    expect(all.map((r) => r.input)).toEqual(expect.arrayContaining([{ order: 'A-1' }, { order: 'B-2' }]));
    expect(all.every((r) => r.status === 'success')).toBe(true);
    const a1 = await new WorkflowJournal(storage).getRun('default', topicRunId('on-order', 'env-a1'));
    expect(a1?.metadata).toMatchObject({ trigger: 'topic', topic: 'orders.created', envelope_id: 'env-a1' });
    expect(refused[0]).toMatchObject({ envelope_id: 'env-bad' });
    expect(refused[0]?.error).toMatch(/input.order: expected a string/);
    expect(done.sort()).toEqual(all.map((r) => r.run_id).sort());
  });

  it('a message redelivered to a new activation (its dedup window gone) answers the run it started before', async () => {
    const storage = new MemoryStorage();
    const a = await host(storage);
    const done: string[] = [];
    a.subscribe('workflow.on-order.workflow.completed', (env) => done.push((env.payload as { run_id: string }).run_id));
    await a.publish('orders.created', { order: 'A-1' }, { id: 'env-a1' });
    await eventually(() => done.length === 1, 15_000, 'the first run');
    const h = hosts.splice(0)[0];
    await h?.catalog.close();
    await h?.system.shutdown();
    const b = await host(storage); // a new system: its memory transport holds no snapshot, so no dedup window
    const later: string[] = [];
    b.subscribe('workflow.on-order.workflow.completed', (env) => later.push((env.payload as { run_id: string }).run_id));
    await b.publish('orders.created', { order: 'A-1' }, { id: 'env-a1' });
    await b.publish('orders.created', { order: 'C-3' }, { id: 'env-c3' }); // handled after the redelivery, in order
    await eventually(() => later.includes(topicRunId('on-order', 'env-c3')), 15_000, 'the C-3 run');
    expect(later).toEqual([topicRunId('on-order', 'env-c3')]);
    expect((await runs(storage)).map((r) => r.run_id).sort()).toEqual(
      [topicRunId('on-order', 'env-a1'), topicRunId('on-order', 'env-c3')].sort(),
    );
  });
});

describe('topic trigger per tenant', () => {
  it("listens on the named tenants' topic only: a publish in another tenant starts nothing there", async () => {
    const storage = new MemoryStorage();
    const system = await host(storage, [
      { ...ON_ORDER, triggers: [{ topic: 'orders.created', tenant: 'acme' }] },
      // The positive control: the same topic in the other tenants starts this workflow there.
      { name: 'audit', steps: { a: { tool: 'clock' } }, triggers: [{ topic: 'orders.created', tenants: ['globex', 'default'] }] },
    ]);
    const journal = new WorkflowJournal(storage);
    const status = async (tenant: string, workflow: string, envelope: string) =>
      (await journal.getRun(tenant, topicRunId(workflow, envelope)))?.status;

    await system.publish('orders.created', { order: 'G-1' }, { id: 'env-g1', tenant: 'globex' });
    await system.publish('orders.created', { order: 'D-1' }, { id: 'env-d1' });
    await system.publish('orders.created', { order: 'A-1' }, { id: 'env-a1', tenant: 'acme' });
    await eventually(
      async () =>
        (await status('globex', 'audit', 'env-g1')) === 'success' &&
        (await status('default', 'audit', 'env-d1')) === 'success' &&
        (await status('acme', 'on-order', 'env-a1')) === 'success',
      15_000,
      'the runs in each tenant',
    );
    const all = async (tenant: string) =>
      (await storage.bucket('workflows').list<WorkflowRunRecord>([tenant])).filter((e) => e.key[2] === 'run').map((e) => e.value);
    expect((await all('acme')).map((r) => `${r.workflow}:${r.run_id}`)).toEqual([`on-order:${topicRunId('on-order', 'env-a1')}`]);
    expect((await all('globex')).map((r) => `${r.workflow}:${r.run_id}`)).toEqual([`audit:${topicRunId('audit', 'env-g1')}`]);
    expect((await all('default')).map((r) => `${r.workflow}:${r.run_id}`)).toEqual([`audit:${topicRunId('audit', 'env-d1')}`]);
    expect((await journal.getRun('acme', topicRunId('on-order', 'env-a1')))?.input).toEqual({ order: 'A-1' });
  });
});
