/**
 * Recovery at start-up (ADR 0007, addendum) on the memory backend: runs left in flight by a system that stopped are
 * resumed by a new system on the same storage with no traffic — every agent with runs is ensured, at most
 * `perTenant` at once per tenant, tenants taking turns — and runs no actor can drive end as `error` with the reason,
 * releasing their thread.
 */
import { afterEach, beforeAll, describe, expect, it } from 'vitest';
import { RUN_CREATE, ValidationError } from '../../protocols/index.js';
import { MeshNode, MemoryStorage, type ActorRef, type ActorSystem, type StorageKey } from '../../runtime/index.js';
import { createSystem } from '../../supervisors/index.js';
import { configSchema } from '../../config/index.js';
import { composeCatalog } from '../../cli/kinds.js';
import {
  RunRecovery,
  RunStore,
  ThreadOwners,
  admitRun,
  newRunRecord,
  waitForRun,
  type Catalog,
  type RunResult,
} from '../../actors/index.js';
import { claimGrace } from '../../actors/agent/recovery.js';
import { OfflineProvider } from '../../actors/llm/offline.js';
import type { ModelEvent, ModelProvider, ModelRequest } from '../../actors/llm/types.js';

// A run found without a checkpoint is ended once its create's grace is over (30 s; the grace itself: claim-gap.test.ts).
beforeAll(() => {
  claimGrace.ms = 500;
});

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

/** The offline model, counting its calls (a run driven again would call it). */
function countingOffline(): { counting: ModelProvider; calls: () => number } {
  let n = 0;
  const offline = new OfflineProvider();
  const counting: ModelProvider = {
    name: 'offline',
    stream(request: ModelRequest) {
      n++;
      return offline.stream(request);
    },
  };
  return { counting, calls: () => n };
}

/** A system on `storage` serving `agents` (offline instructions) through the real catalog; the catalog is not started. */
async function node(
  storage: MemoryStorage,
  agents: readonly string[],
  provider: ModelProvider,
  extra: Record<string, unknown> = {},
): Promise<{ system: ActorSystem; catalog: Catalog }> {
  const system = await createSystem({ storage });
  const mesh = new MeshNode(system);
  const config = configSchema.parse({
    agents: agents.map((name) => ({ name, instructions: 'Answer.' })),
    memory: { store: { index: [] } },
    ...extra,
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

  /** What an agent's create sends its thread's owner: the run's first record and its first checkpoint (no messages). */
  const claimOf = (system: ActorSystem, runId: string, threadId: string, text: string) =>
    new ThreadOwners(system).claim('default', newRunRecord(runId, threadId, 'a1', {}, new Date().toISOString()), undefined, {
      input: [{ role: 'user', content: text }],
      checkpoint: { run_id: runId, agent: 'a1', depth: 0, turns: 0, usage: { promptTokens: 0, completionTokens: 0 }, resumes: 0 },
    });

  it('a create that stopped right after its thread claim: the next start resumes the run from the checkpoint the claim wrote', async () => {
    const storage = new MemoryStorage();
    const first = await node(storage, ['a1'], hanging);
    await claimOf(first.system, 'default-cut', 't-cut', 'What is 6 times 7?');
    const store = new RunStore(storage);
    expect((await store.getThread('default', 't-cut'))?.status).toBe('busy');
    expect(await store.indexedRuns()).toEqual([{ tenant: 'default', agent: 'a1', runId: 'default-cut', threadId: 't-cut' }]);
    opened.splice(opened.indexOf(first), 1);
    await first.catalog.close();
    await first.system.shutdown(); // the create's process is gone: nothing drives the run

    const { system, catalog } = await node(storage, ['a1'], new OfflineProvider());
    const done = ends(system, ['default-cut']);
    await catalog.start();
    const [cut] = await done;
    expect(cut?.status).toBe('success');
    const thread = await store.thread('default', 't-cut');
    expect(thread.status).toBe('idle');
    // The input the claim carried is what the model answered.
    expect(thread.values.messages[0]).toMatchObject({ role: 'user', content: 'What is 6 times 7?' });
    expect(thread.values.messages.at(-1)).toMatchObject({ role: 'assistant' });
    const log = await store.events('default', 'default-cut');
    expect(log.map((e) => e.seq)).toEqual(log.map((_, i) => i + 1));
    expect(await store.indexedRuns()).toEqual([]);
  }, 60_000);

  it('a create asked again finds the run a create whose ask expired made (driven by nothing): the run is driven to its end', async () => {
    const storage = new MemoryStorage();
    const { system, catalog } = await node(storage, ['a1'], new OfflineProvider());
    const agent = await catalog.ensure('agent/a1');
    // The first create's claim went through after its ask expired in the agent: the run is recorded, not driven.
    await claimOf(system, 'default-late', 't-late', 'hi');
    const done = ends(system, ['default-late']);
    const again = await agent.ask(RUN_CREATE, {
      run_id: 'default-late',
      thread_id: 't-late',
      input: { messages: [{ role: 'user', content: 'hi' }] },
    });
    expect(again).toMatchObject({ run_id: 'default-late', status: 'running' });
    expect((await done)[0]?.status).toBe('success');
    // The thread takes the next run.
    const next = ends(system, ['default-next']);
    await agent.ask(RUN_CREATE, { run_id: 'default-next', thread_id: 't-late', input: { messages: [{ role: 'user', content: 'hi' }] } });
    expect((await next)[0]?.status).toBe('success');
  }, 60_000);

  it('a run marked active without a checkpoint (an older claim): the next start ends it error with the reason, thread free', async () => {
    const storage = new MemoryStorage();
    const first = await node(storage, ['a1'], hanging);
    await claimOf(first.system, 'default-old', 't-old', 'hi');
    opened.splice(opened.indexOf(first), 1);
    await first.catalog.close();
    await first.system.shutdown();
    await storage.bucket('runs').delete(['default', 'cp', 'default-old']);
    const { system, catalog } = await node(storage, ['a1'], new OfflineProvider());
    const done = ends(system, ['default-old']);
    await catalog.start();
    expect((await done)[0]).toMatchObject({ status: 'error', error: expect.stringContaining('resume checkpoint is missing') });
    const store = new RunStore(storage);
    expect(await store.thread('default', 't-old')).toMatchObject({ status: 'error' });
    expect(await store.indexedRuns()).toEqual([]);
  }, 60_000);

  it('a create naming no thread, asked again while its first ask made the run, is answered with that run (no conflict)', async () => {
    const storage = new MemoryStorage();
    const { system } = await node(storage, ['a1'], hanging);
    const store = new RunStore(storage);
    await claimOf(system, 'default-twice', 't-first', 'hi'); // the first ask's claim, on the thread it picked
    // The second ask picks another thread at random: that thread's owner finds the run on the first one.
    const record = (threadId: string) => newRunRecord('default-twice', threadId, 'a1', {}, new Date().toISOString());
    const again = await admitRun(store, new ThreadOwners(system), 'default', 'default-twice', {}, record);
    expect(again).toEqual({ existing: { run_id: 'default-twice', thread_id: 't-first', status: 'running' } });
    // A create that named the other thread is still a conflict.
    await expect(admitRun(store, new ThreadOwners(system), 'default', 'default-twice', { thread_id: 't-other' }, record)).rejects.toThrow(
      /exists on another thread/,
    );
  }, 60_000);

  it('a run whose end was logged but not recorded (its driver taken over between the two writes) is not driven again', async () => {
    const storage = new MemoryStorage();
    const [runId] = (await leaveRuns(storage, ['default'], ['a1'])) as [string];
    const store = new RunStore(storage);
    const seq = (await store.lastSeq('default', runId)) + 1;
    const usage = { prompt_tokens: 3, completion_tokens: 2, cost: 0 };
    await store.appendEvents('default', [
      { run_id: runId, thread_id: `t-${runId}`, seq, event: 'status', agent: 'a1', data: { status: 'success', output: 'done', usage } },
    ]);
    const { counting, calls } = countingOffline();
    const { system, catalog } = await node(storage, ['a1'], counting);
    const done = ends(system, [runId]);
    await catalog.start();
    expect((await done)[0]?.status).toBe('success');
    expect(calls()).toBe(0);
    expect(await store.run('default', runId)).toMatchObject({ status: 'success', last_seq: seq, output: 'done', usage });
    expect((await store.thread('default', `t-${runId}`)).status).toBe('idle');
    expect((await store.events('default', runId)).map((e) => e.seq)).toEqual(Array.from({ length: seq }, (_, i) => i + 1));
    expect(await store.indexedRuns()).toEqual([]);
  }, 60_000);

  it('an older driver’s end landing late at the seq the restore logs next is kept: the run is restored again, not driven', async () => {
    const storage = new MemoryStorage();
    const [runId] = (await leaveRuns(storage, ['default'], ['a1'])) as [string];
    const store = new RunStore(storage);
    const usage = { prompt_tokens: 3, completion_tokens: 2, cost: 0 };
    // The older activation's last write passed its fence's check before the restore's claim, and lands (JetStream
    // writes key by key) right before the restore's first event at the same seq: the restore's write finds it there.
    const runs = storage.bucket('runs');
    const putFenced = runs.putFenced.bind(runs);
    let late: number | undefined;
    const endedAtMs = Date.parse('2026-01-02T03:04:05.678Z');
    runs.putFenced = async (fence, epoch, entries) => {
      const seg = entries.find((e) => e.once === true && e.key[1] === 'ev' && e.key[2] === runId);
      if (late === undefined && seg !== undefined) {
        late = Number(seg.key[3]);
        const end = { status: 'success', output: 'done by the older driver', usage };
        const event = { run_id: runId, thread_id: `t-${runId}`, seq: late, event: 'status', agent: 'a1', at: endedAtMs, data: end };
        await runs.put(seg.key, [event]);
      }
      return putFenced(fence, epoch, entries);
    };
    const { counting, calls } = countingOffline();
    const { system, catalog } = await node(storage, ['a1'], counting, { runs: { retentionHours: 1 } });
    const done = ends(system, [runId]);
    await catalog.start();
    const [result] = await done;
    expect(result).toMatchObject({ status: 'success', output: 'done by the older driver' });
    // Its finish marker is keyed by the logged end's time: the one key the older driver's finish writes too.
    expect((await runs.list(['default', 'done', 'a1'])).map((e) => e.key)).toEqual([
      ['default', 'done', 'a1', '2026-01-02T03:04:05.678Z', runId],
    ]);
    expect(late).toBeGreaterThan(1);
    expect(calls()).toBe(0);
    expect(await store.run('default', runId)).toMatchObject({ status: 'success', last_seq: late, output: 'done by the older driver' });
    expect((await store.thread('default', `t-${runId}`)).status).toBe('idle');
    const log = await store.events('default', runId);
    expect(log.map((e) => e.seq)).toEqual(Array.from({ length: late as number }, (_, i) => i + 1));
    expect(log.at(-1)?.data).toMatchObject({ output: 'done by the older driver' });
    expect(await store.indexedRuns()).toEqual([]);
  }, 60_000);

  it('a create of a run the new activation is restoring does not restore it a second time (one model call)', async () => {
    const storage = new MemoryStorage();
    const [runId] = await leaveRuns(storage, ['default'], ['a1']);
    let calls = 0;
    const offline = new OfflineProvider();
    const counting: ModelProvider = {
      name: 'offline',
      // Slow to answer: a second restore of the run would ask it again before the first one's answer ends the run.
      async *stream(request: ModelRequest) {
        calls++;
        await new Promise((r) => setTimeout(r, 600));
        yield* offline.stream(request);
      },
    };
    // The activation's restore reads the run's checkpoint slowly (the first read: 300 ms), so the create asked again
    // meanwhile finds the run in flight while that restore is still under way.
    const runs = storage.bucket('runs');
    const get = runs.get.bind(runs);
    let slow = true;
    runs.get = async <T>(key: StorageKey): Promise<T | undefined> => {
      if (slow && key[1] === 'cp') {
        slow = false;
        await new Promise((r) => setTimeout(r, 300));
      }
      return get<T>(key);
    };
    const { system, catalog } = await node(storage, ['a1'], counting);
    const done = ends(system, [runId as string]);
    const agent = await catalog.ensure('agent/a1');
    await agent.ask(RUN_CREATE, { run_id: runId, thread_id: `t-${runId}`, input: { messages: [{ role: 'user', content: 'hello' }] } });
    expect((await done)[0]?.status).toBe('success');
    expect(calls).toBe(1);
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
