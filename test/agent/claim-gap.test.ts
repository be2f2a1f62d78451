/**
 * A create that stops between its thread claim and its run's first checkpoint (issue 12: "no run or thread stays
 * running/busy without an actor driving it"). A remote agent's claim writes the run's record without a checkpoint (it
 * has none before the remote server names the task); its create writes the checkpoint next. A create that dies in
 * between must leave a run that the next start finds and ends `error` with the reason — after a grace period (its
 * create may still be under way elsewhere), the thread free, `join` returning. On memory and on a real nats-server.
 */
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { RUN_CREATE } from '../../protocols/index.js';
import { MeshNode, MemoryStorage, type ActorSystem, type Storage, type StorageEntry, type StorageKey } from '../../runtime/index.js';
import { JetStreamStorage } from '../../runtime/jetstream/index.js';
import { createSystem } from '../../supervisors/index.js';
import { configSchema } from '../../config/index.js';
import { composeCatalog } from '../../cli/kinds.js';
import { RunStore, waitForRun, type Catalog } from '../../actors/index.js';
import { claimGrace } from '../../actors/agent/recovery.js';
import { OfflineProvider } from '../../actors/llm/offline.js';
import { NatsServer } from '../nats/server.js';

const GRACE_MS = 2_000;
const T = 'default';

let server: NatsServer;
beforeAll(async () => {
  server = await NatsServer.start();
  claimGrace.ms = GRACE_MS;
});
afterAll(async () => {
  await server?.stop();
});

const opened: { system: ActorSystem; catalog: Catalog; storage: Storage }[] = [];
afterEach(async () => {
  for (const { system, catalog, storage } of opened.splice(0).reverse()) {
    await catalog.close();
    await system.shutdown();
    if (storage.kind !== 'memory') await storage.close();
  }
});

/** A node on `storage` with the remote agent `far` (its server is never reached: the create stops before). */
async function node(storage: Storage): Promise<{ system: ActorSystem; catalog: Catalog; storage: Storage }> {
  const system = await createSystem({ storage, warn: () => undefined });
  const mesh = new MeshNode(system);
  const config = configSchema.parse({
    agents: [{ name: 'far', remote: { card: 'http://127.0.0.1:9/.well-known/agent-card.json' } }],
    memory: { store: { index: [] } },
  });
  const catalog = await composeCatalog(config, mesh, { provider: () => ({ provider: new OfflineProvider(), model: 'offline' }) });
  await mesh.start();
  const n = { system, catalog, storage };
  opened.push(n);
  return n;
}

/** Stops `n` as a killed process would leave it: nothing more of it runs. */
async function kill(n: { system: ActorSystem; catalog: Catalog; storage: Storage }): Promise<void> {
  opened.splice(opened.indexOf(n), 1);
  await n.catalog.close();
  await n.system.shutdown();
  if (n.storage.kind !== 'memory') await n.storage.close();
}

/**
 * The create's process dies right after its thread claim: every write of the run's first checkpoint (the fenced write
 * naming `cp`) fails from now on, as if the process were gone before it was sent.
 */
function dieBeforeFirstCheckpoint(storage: Storage, runId: string): { died: () => boolean } {
  const runs = storage.bucket('runs');
  const putFenced = runs.putFenced.bind(runs);
  let died = false;
  runs.putFenced = (fence: StorageKey, epoch: number, entries: readonly StorageEntry[]): Promise<boolean> => {
    if (died || entries.some((e) => e.key[1] === 'cp' && e.key[2] === runId)) {
      died = true;
      return Promise.reject(new Error('the process died'));
    }
    return putFenced(fence, epoch, entries);
  };
  return { died: () => died };
}

async function createDiesAfterClaim(first: Storage, second: () => Promise<Storage>): Promise<void> {
  const runId = `cut-${Math.random().toString(36).slice(2, 8)}`;
  const threadId = `t-${runId}`;
  const one = await node(first);
  const hook = dieBeforeFirstCheckpoint(first, runId);
  const far = await one.catalog.ensure('agent/far');
  // Its ask fails, or (the actor restarted and the create handled again) is answered with the run the claim made.
  const asked = await far
    .ask(RUN_CREATE, { run_id: runId, thread_id: threadId, input: { messages: [{ role: 'user', content: 'hi' }] } })
    .catch((e: unknown) => e as Error);
  expect(asked instanceof Error ? asked.message : (asked as { status: string }).status).toMatch(/died|running/);
  expect(hook.died()).toBe(true);
  const store = new RunStore(first);
  // The claim went through: the run is recorded running and holds its thread; its create is gone.
  expect(await store.run(T, runId)).toMatchObject({ status: 'running' });
  expect((await store.thread(T, threadId)).status).toBe('busy');
  await kill(one);

  // The next start on the same storage, with no traffic.
  const storage = await second();
  const two = await node(storage);
  const started = Date.now();
  const joined = waitForRun(two.system, runId, T, GRACE_MS + 15_000);
  await two.catalog.start();
  const end = await joined;
  const tookMs = Date.now() - started;
  expect(end).toMatchObject({ status: 'error', error: expect.stringContaining('cannot be resumed') });
  const after = new RunStore(storage);
  expect(await after.run(T, runId)).toMatchObject({ status: 'error' });
  const thread = await after.thread(T, threadId);
  expect(thread.status).toBe('error');
  expect(thread.run_id).toBeUndefined();
  expect(await after.indexedRuns()).toEqual([]);
  const log = await after.events(T, runId);
  expect(log.map((e) => e.seq)).toEqual(log.map((_, i) => i + 1));
  expect(log.at(-1)).toMatchObject({ event: 'status', data: { status: 'error' } });
  expect(tookMs).toBeLessThan(GRACE_MS + 10_000);
}

describe('a create that dies between its thread claim and its first checkpoint', () => {
  it('leaves a run the next start ends error with the reason, its thread free, join returning (memory)', async () => {
    const storage = new MemoryStorage();
    await createDiesAfterClaim(storage, () => Promise.resolve(storage));
  }, 60_000);

  it('leaves a run the next start ends error with the reason, its thread free, join returning (JetStream)', async () => {
    const prefix = `gap${process.pid}`;
    const first = await JetStreamStorage.connect({ servers: [server.url], prefix });
    await createDiesAfterClaim(first, () => JetStreamStorage.connect({ servers: [server.url], prefix }));
  }, 60_000);
});
