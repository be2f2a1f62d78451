/**
 * Recovery at start-up (ADR 0007, addendum) on the memory backend: runs left in flight by a system that stopped are
 * resumed by a new system on the same storage with no traffic — every agent with runs is ensured, at most
 * `perTenant` at once per tenant, tenants taking turns — and runs no actor can drive end as `error` with the reason,
 * releasing their thread.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { RUN_CREATE, ValidationError } from '../../protocols/index.js';
import { MeshNode, MemoryStorage, type ActorRef, type ActorSystem } from '../../runtime/index.js';
import { createSystem } from '../../supervisors/index.js';
import { configSchema } from '../../config/index.js';
import { composeCatalog } from '../../cli/kinds.js';
import { RunRecovery, RunStore, waitForRun, type Catalog, type RunResult } from '../../actors/index.js';
import { OfflineProvider } from '../../actors/llm/offline.js';
import type { ModelEvent, ModelProvider, ModelRequest } from '../../actors/llm/types.js';

const opened: { system: ActorSystem; catalog: Catalog }[] = [];
afterEach(async () => {
  for (const { system, catalog } of opened.splice(0).reverse()) {
    await catalog.close();
    await system.shutdown();
  }
});

/** A model that never answers (until the run is aborted): runs stay in flight. */
const hanging: ModelProvider = {
  name: 'offline',
  async *stream(request: ModelRequest): AsyncIterable<ModelEvent> {
    await new Promise((_, reject) =>
      request.signal?.addEventListener('abort', () => reject(new ValidationError('aborted')), { once: true }),
    );
    yield { type: 'token', text: '' };
  },
};

/** A system on `storage` serving `agents` (offline instructions) through the real catalog; the catalog is not started. */
async function node(
  storage: MemoryStorage,
  agents: readonly string[],
  provider: ModelProvider,
): Promise<{ system: ActorSystem; catalog: Catalog }> {
  const system = await createSystem({ storage });
  const mesh = new MeshNode(system);
  const config = configSchema.parse({
    agents: agents.map((name) => ({ name, instructions: 'Answer.' })),
    memory: { store: { index: [] } },
  });
  const catalog = await composeCatalog(config, mesh, { provider: () => ({ provider, model: 'offline' }) });
  await mesh.start();
  const opened1 = { system, catalog };
  opened.push(opened1);
  return opened1;
}

/** Starts one run per (tenant, agent) on a model that never answers, then stops the system: the runs stay active. */
async function leaveRuns(storage: MemoryStorage, tenants: readonly string[], agents: readonly string[]): Promise<string[]> {
  const { system, catalog } = await node(storage, agents, hanging);
  const ids: string[] = [];
  for (const tenant of tenants)
    for (const agent of agents) {
      const runId = `${tenant}-${agent}`;
      const ref = await catalog.ensure(`agent/${agent}`, tenant);
      await ref.ask(RUN_CREATE, { run_id: runId, thread_id: `t-${runId}`, input: { messages: [{ role: 'user', content: 'hello' }] } });
      ids.push(runId);
    }
  opened.splice(opened.indexOf(opened.find((o) => o.system === system)!), 1);
  await catalog.close();
  await system.shutdown();
  return ids;
}

/** Waits for every run (subscribed before anything resumes them). */
function ends(system: ActorSystem, runs: readonly string[]): Promise<RunResult[]> {
  return Promise.all(runs.map((id) => waitForRun(system, id, id.slice(0, id.indexOf('-')), 20_000)));
}

/** `catalog.ensure` that counts ensures in flight per tenant and records their order. */
function counted(catalog: Catalog, holdMs: number) {
  const inflight = new Map<string, number>();
  const most = new Map<string, number>();
  const order: string[] = [];
  let total = 0;
  let mostTotal = 0;
  const resolve = async (address: string, tenant: string): Promise<ActorRef> => {
    const n = (inflight.get(tenant) ?? 0) + 1;
    inflight.set(tenant, n);
    most.set(tenant, Math.max(most.get(tenant) ?? 0, n));
    mostTotal = Math.max(mostTotal, ++total);
    order.push(`${tenant}/${address}`);
    try {
      await new Promise((r) => setTimeout(r, holdMs));
      return await catalog.ensure(address, tenant);
    } finally {
      inflight.set(tenant, (inflight.get(tenant) ?? 1) - 1);
      total--;
    }
  };
  return { resolve, most, order, mostTotal: () => mostTotal };
}

describe('run recovery', () => {
  it('resumes every active run of every tenant, at most perTenant activations at once per tenant', async () => {
    const storage = new MemoryStorage();
    const tenants = ['t1', 't2', 't3', 't4'];
    const agents = ['a1', 'a2', 'a3', 'a4', 'a5'];
    const runs = await leaveRuns(storage, tenants, agents);
    const store = new RunStore(storage);
    expect(await store.indexedRuns()).toHaveLength(runs.length);
    expect((await store.getThread('t1', 't-t1-a1'))?.status).toBe('busy');

    const { system, catalog } = await node(storage, agents, new OfflineProvider());
    const done = ends(system, runs);
    const c = counted(catalog, 20);
    const report = await new RunRecovery({ system, resolve: c.resolve, perTenant: 2, concurrency: 100, jitterMs: 0 }).pass();
    expect(report).toMatchObject({ ensured: runs.length, abandoned: 0, failed: 0 });
    for (const t of tenants) expect(c.most.get(t)).toBe(2);
    expect(c.mostTotal()).toBeGreaterThan(2); // tenants recover side by side
    const results = await done;
    expect(results.map((r) => r.status)).toEqual(runs.map(() => 'success'));
    for (const id of runs) {
      const tenant = id.slice(0, id.indexOf('-'));
      expect((await store.getThread(tenant, `t-${id}`))?.status).toBe('idle');
      expect(await store.run(tenant, id)).toMatchObject({ status: 'success' });
    }
    expect(await store.indexedRuns()).toEqual([]);
  }, 60_000);

  it('tenants take turns for the shared slots: a tenant with many agents does not starve one with few', async () => {
    const storage = new MemoryStorage();
    const agents = ['a1', 'a2', 'a3', 'a4', 'a5', 'a6'];
    const runs = [...(await leaveRuns(storage, ['big'], agents)), ...(await leaveRuns(storage, ['small'], ['a1']))];
    const { system, catalog } = await node(storage, agents, new OfflineProvider());
    const done = ends(system, runs);
    const c = counted(catalog, 30);
    await new RunRecovery({ system, resolve: c.resolve, perTenant: 2, concurrency: 2, jitterMs: 0 }).pass();
    expect(c.mostTotal()).toBe(2);
    // `big` sorts first and takes both slots; `small` gets the next free one, not the last.
    expect(c.order.indexOf('small/agent/a1')).toBeLessThanOrEqual(2);
    expect((await done).every((r) => r.status === 'success')).toBe(true);
  }, 60_000);

  it('ends as error the runs of an agent no longer configured and of a run without a checkpoint; their threads are free', async () => {
    const storage = new MemoryStorage();
    const runs = await leaveRuns(storage, ['default'], ['gone', 'kept']);
    const store = new RunStore(storage);
    await storage.bucket('runs').delete(['default', 'cp', 'default-kept']);
    const { system, catalog } = await node(storage, ['kept'], new OfflineProvider());
    const done = ends(system, runs);
    const report = await new RunRecovery({ system, resolve: (a, t) => catalog.ensure(a, t), jitterMs: 0 }).pass();
    expect(report).toMatchObject({ ensured: 1, abandoned: 1 });
    const [gone, kept] = await done;
    expect(gone).toMatchObject({ status: 'error', error: expect.stringContaining('agent gone is no longer configured') });
    expect(kept).toMatchObject({ status: 'error', error: expect.stringContaining('resume checkpoint is missing') });
    for (const id of runs) {
      const record = await store.run('default', id);
      expect(record).toMatchObject({ status: 'error' });
      const log = await store.events('default', id);
      expect(log.map((e) => e.seq)).toEqual(log.map((_, i) => i + 1));
      expect(log.at(-1)).toMatchObject({ event: 'status', data: { status: 'error' } });
      expect(record.last_seq).toBe(log.length);
      const thread = await store.thread('default', `t-${id}`);
      expect(thread.status).toBe('error');
      expect(thread.run_id).toBeUndefined();
    }
    expect(await store.activeRuns('default', 'gone')).toEqual([]);
    expect(await store.indexedRuns()).toEqual([]);
    // The thread takes a new run (not 409 busy).
    const again = waitForRun(system, 'again', 'default', 20_000);
    await (
      await catalog.ensure('agent/kept')
    ).ask(RUN_CREATE, { run_id: 'again', thread_id: 't-default-gone', input: { messages: [{ role: 'user', content: 'again' }] } });
    expect((await again).status).toBe('success');
  }, 60_000);

  it('finds markers written before the index existed, and drops index entries whose marker is gone', async () => {
    const storage = new MemoryStorage();
    const runs = await leaveRuns(storage, ['default', 'acme'], ['a1']);
    const bucket = storage.bucket('runs');
    for (const id of runs) await bucket.delete(['~active', id.slice(0, id.indexOf('-')), 'a1', id]); // as an older version wrote them
    await bucket.put(['~active', 'acme', 'a1', 'stale'], 't-stale'); // an entry without a marker
    const { system, catalog } = await node(storage, ['a1'], new OfflineProvider());
    const done = ends(system, runs);
    const report = await new RunRecovery({ system, resolve: (a, t) => catalog.ensure(a, t), tenants: ['acme'], jitterMs: 0 }).pass();
    expect(report).toMatchObject({ ensured: 2, cleaned: 1 });
    expect((await done).map((r) => r.status)).toEqual(['success', 'success']);
    expect(await new RunStore(storage).indexedRuns()).toEqual([]);
  }, 60_000);

  it('starts with the catalog: a started catalog resumes the runs with no traffic', async () => {
    const storage = new MemoryStorage();
    const runs = await leaveRuns(storage, ['default'], ['a1', 'a2']);
    const { system, catalog } = await node(storage, ['a1', 'a2'], new OfflineProvider());
    const done = ends(system, runs);
    await catalog.start();
    expect((await done).map((r) => r.status)).toEqual(['success', 'success']);
  }, 60_000);
});
