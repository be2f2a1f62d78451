/**
 * A create that stops between its thread claim and its run's first checkpoint (issue 12: "no run or thread stays
 * running/busy without an actor driving it"). A remote agent's claim writes the run's record without a checkpoint (it
 * has none before the remote server names the task); its create writes the checkpoint next. A create that dies in
 * between must leave a run that the next start finds and ends `error` with the reason — after a grace period (its
 * create may still be under way elsewhere), the thread free, `join` returning. On memory and on a real nats-server.
 */
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { RUN_CREATE, type RunEvent } from '../../protocols/index.js';
import {
  MeshNode,
  MemoryStorage,
  type ActorSystem,
  type KvBucket,
  type Storage,
  type StorageEntry,
  type ActorRef,
} from '../../runtime/index.js';
import { JetStreamStorage } from '../../runtime/jetstream/index.js';
import { createSystem } from '../../supervisors/index.js';
import { configSchema } from '../../config/index.js';
import { composeCatalog } from '../../cli/kinds.js';
import { RunStore, ThreadOwners, abandonRun, newRunRecord, waitForRun, type Catalog, type RunCheckpoint } from '../../actors/index.js';
import { claimGrace } from '../../actors/agent/recovery.js';
import { whileHeld } from '../../actors/agent/threads.js';
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

/** `storage` with `before` called ahead of each fenced write of its `runs` bucket (a rejection refuses the write). */
function beforeFenced(storage: Storage, before: (entries: readonly StorageEntry[]) => Promise<void> | void): Storage {
  const bucket = (name: string): KvBucket => {
    const b = storage.bucket(name);
    if (name !== 'runs') return b;
    const putFenced: KvBucket['putFenced'] = async (fence, epoch, entries) => {
      await before(entries);
      return b.putFenced(fence, epoch, entries);
    };
    return new Proxy(b, { get: (t, p) => (p === 'putFenced' ? putFenced : (Reflect.get(t, p) as unknown)) });
  };
  return { kind: storage.kind, bucket, close: () => storage.close() };
}

/**
 * `storage` as the create's process sees it: it dies right before the fenced write `at` picks is sent — that write and
 * every write after it, of any key, fail (nothing more of the process lands).
 */
function dyingAt(storage: Storage, at: (entries: readonly StorageEntry[]) => boolean): { storage: Storage; died: () => boolean } {
  let died = false;
  const detect = beforeFenced(storage, (entries) => {
    if (at(entries)) died = true;
    if (died) throw new Error('the process died');
  });
  const dying = {
    get holdsAddress() {
      return !died;
    },
    self: { address: "the create's process" } as ActorRef,
  };
  return { storage: whileHeld(detect, dying), died: () => died };
}

/** The write that follows a remote agent's thread claim: its run's first checkpoint. */
const remoteFirstCheckpoint =
  (runId: string) =>
  (entries: readonly StorageEntry[]): boolean =>
    entries.some((e) => e.key[1] === 'cp' && e.key[2] === runId);

/** The write that follows a local agent's thread claim (which wrote the first checkpoint): its claim of the run. */
const localRunClaim =
  (runId: string) =>
  (entries: readonly StorageEntry[]): boolean =>
    entries.some((e) => e.key[1] === 'driver' && e.key[2] === runId && e.key[3] === 'clerk');

type Node = { system: ActorSystem; catalog: Catalog; storage: Storage };

/**
 * A create of `agent` on a node of `make` whose process dies at the write `dieAt` picks, right after its thread claim;
 * then the next start on the same storage, with no traffic: the run must end (as `expected`) within the grace and a
 * few seconds, its thread free, `join` returning.
 */
async function createDiesAfterClaim(
  kind: { make: (s: Storage) => Promise<Node>; agent: string; dieAt: (runId: string) => (entries: readonly StorageEntry[]) => boolean },
  first: Storage,
  second: () => Promise<Storage>,
): Promise<{ status: string; error?: string | undefined; graced: boolean }> {
  const runId = `cut-${Math.random().toString(36).slice(2, 8)}`;
  const threadId = `t-${runId}`;
  const hook = dyingAt(first, kind.dieAt(runId));
  const one = await kind.make(hook.storage);
  const ref = await one.catalog.ensure(`agent/${kind.agent}`);
  // What its ask is answered with is the dying process's business (it fails, or the create handled again finds the run).
  await ref
    .ask(RUN_CREATE, { run_id: runId, thread_id: threadId, input: { messages: [{ role: 'user', content: 'What is 6 times 7?' }] } })
    .catch(() => undefined);
  expect(hook.died()).toBe(true);
  const store = new RunStore(first);
  // The claim went through: the run is recorded running and holds its thread; its create is gone.
  expect(await store.run(T, runId)).toMatchObject({ status: 'running' });
  expect((await store.thread(T, threadId)).status).toBe('busy');
  const claimedAt = Date.parse((await store.run(T, runId)).updated_at);
  await kill(one);

  // The next start on the same storage, with no traffic.
  const storage = await second();
  const two = await kind.make(storage);
  const started = Date.now();
  const joined = waitForRun(two.system, runId, T, GRACE_MS + 15_000);
  await two.catalog.start();
  const end = await joined;
  const ended = Date.now();
  expect(ended - started).toBeLessThan(GRACE_MS + 10_000);
  const after = new RunStore(storage);
  expect(await after.run(T, runId)).toMatchObject({ status: end.status });
  const thread = await after.thread(T, threadId);
  expect(thread.status).not.toBe('busy');
  expect(thread.run_id).toBeUndefined();
  expect(await after.indexedRuns()).toEqual([]);
  const log = await after.events(T, runId);
  expect(log.map((e) => e.seq)).toEqual(log.map((_, i) => i + 1));
  expect(log.at(-1)).toMatchObject({ event: 'status', data: { status: end.status } });
  return { status: end.status, error: end.error, graced: ended >= claimedAt + GRACE_MS };
}

const remote = { make: node, agent: 'far', dieAt: remoteFirstCheckpoint };
const clerk = { make: (s: Storage) => local(s), agent: 'clerk', dieAt: localRunClaim };

/** A remote agent's run: ended error with the reason, not before its grace (its create might be under way elsewhere). */
function endedAbandoned(end: { status: string; error?: string | undefined; graced: boolean }): void {
  expect(end).toMatchObject({ status: 'error', error: expect.stringContaining('cannot be resumed'), graced: true });
}

describe('a create that dies between its thread claim and its first checkpoint', () => {
  it('of a remote agent: the next start ends its run error with the reason, its thread free, join returning (memory)', async () => {
    const storage = new MemoryStorage();
    endedAbandoned(await createDiesAfterClaim(remote, storage, () => Promise.resolve(storage)));
  }, 60_000);

  it('of a remote agent: the next start ends its run error with the reason, its thread free, join returning (JetStream)', async () => {
    const prefix = `gap${process.pid}`;
    const first = await JetStreamStorage.connect({ servers: [server.url], prefix });
    endedAbandoned(await createDiesAfterClaim(remote, first, () => JetStreamStorage.connect({ servers: [server.url], prefix })));
  }, 60_000);

  it('of a remote agent whose first checkpoint write fails once (its process alive): ended error after the grace (memory)', async () => {
    const memory = new MemoryStorage();
    let failed = false;
    const storage = beforeFenced(memory, (entries) => {
      if (failed || !entries.some((e) => e.key[1] === 'cp')) return;
      failed = true;
      throw new Error('the write failed');
    });
    const n = await node(storage);
    const joined = waitForRun(n.system, 'once', T, GRACE_MS + 15_000);
    // The create fails; its actor is restarted and the create handled again finds the run its claim made.
    await (
      await n.catalog.ensure('agent/far')
    )
      .ask(RUN_CREATE, { run_id: 'once', thread_id: 't-once', input: { messages: [{ role: 'user', content: 'hi' }] } })
      .catch(() => undefined);
    expect(failed).toBe(true);
    expect(await joined).toMatchObject({ status: 'error', error: expect.stringContaining('resume checkpoint is missing') });
    expect((await new RunStore(memory).thread(T, 't-once')).status).toBe('error');
  }, 60_000);

  it('of a local agent (its claim wrote the first checkpoint): the next start resumes the run to its end (JetStream)', async () => {
    const prefix = `gapl${process.pid}`;
    const first = await JetStreamStorage.connect({ servers: [server.url], prefix });
    const end = await createDiesAfterClaim(clerk, first, () => JetStreamStorage.connect({ servers: [server.url], prefix }));
    expect(end.status).toBe('success');
  }, 60_000);
});

/** A system (memory transport) on `storage` with the local agent `clerk` answering offline; its catalog not started. */
async function local(storage: Storage): Promise<Node> {
  const system = await createSystem({ storage, warn: () => undefined });
  const mesh = new MeshNode(system);
  const config = configSchema.parse({ agents: [{ name: 'clerk', instructions: 'Answer.' }], memory: { store: { index: [] } } });
  const catalog = await composeCatalog(config, mesh, { provider: () => ({ provider: new OfflineProvider(), model: 'offline' }) });
  await mesh.start();
  const n = { system, catalog, storage };
  opened.push(n);
  return n;
}

/** A run's first checkpoint, as its create writes it. */
const firstCheckpoint = (runId: string, threadId: string): RunCheckpoint => ({
  run_id: runId,
  thread_id: threadId,
  agent: 'clerk',
  depth: 0,
  messages: [{ role: 'user', content: 'What is 6 times 7?' }],
  turns: 0,
  usage: { promptTokens: 0, completionTokens: 0 },
  resumes: 0,
});

/**
 * A run claimed without its first checkpoint, whose create writes it within the grace (slow, on an older activation):
 * the agent's restore waits instead of ending it `error` at once, then resumes it from that checkpoint.
 */
async function checkpointWithinGrace(storage: Storage): Promise<void> {
  const n = await local(storage);
  const store = new RunStore(storage);
  const runId = `slow-${Math.random().toString(36).slice(2, 8)}`;
  await new ThreadOwners(n.system).claim(T, newRunRecord(runId, `t-${runId}`, 'clerk', {}, new Date().toISOString()));
  expect(await store.activeRuns(T, 'clerk')).toEqual([runId]);
  const joined = waitForRun(n.system, runId, T, GRACE_MS + 15_000);
  await n.catalog.ensure('agent/clerk'); // its restore finds the run: no checkpoint yet
  await new Promise((r) => setTimeout(r, GRACE_MS / 2));
  expect(await store.run(T, runId)).toMatchObject({ status: 'running' }); // not ended within the grace
  // The create, under way on an older activation (epoch 0), writes the first checkpoint now.
  expect(await store.claimNewRun(T, firstCheckpoint(runId, `t-${runId}`), { agent: 'clerk', epoch: 0 })).toBe(true);
  const end = await joined;
  expect(end.status).toBe('success');
  expect((await store.thread(T, `t-${runId}`)).status).toBe('idle');
  expect(await store.indexedRuns()).toEqual([]);
}

/**
 * An abandon racing the run's driver: the driver logs the run's end at the very seq the abandon's end takes. The
 * abandon's end is refused (a seq is written once), and it records the end the log holds instead of writing `error`
 * over a run that ended.
 */
async function abandonRacingTheEnd(storage: Storage): Promise<void> {
  const system = await createSystem({ storage, warn: () => undefined });
  try {
    const store = new RunStore(storage);
    const runId = `race-${Math.random().toString(36).slice(2, 8)}`;
    const threadId = `t-${runId}`;
    await new ThreadOwners(system).claim(T, newRunRecord(runId, threadId, 'clerk', {}, new Date().toISOString()));
    await store.claimNewRun(T, firstCheckpoint(runId, threadId), { agent: 'clerk', epoch: 3 });
    const success: RunEvent = {
      run_id: runId,
      thread_id: threadId,
      seq: 1,
      event: 'status',
      agent: 'clerk',
      data: { status: 'success', output: 'done', usage: { prompt_tokens: 1, completion_tokens: 1, cost: 0 } },
    };
    // The driver's end lands right before the abandon's: both at seq 1.
    const raced = new RunStore(storage);
    let driverLogged = false;
    const hooked = beforeFenced(storage, async (entries) => {
      if (driverLogged || !entries.some((e) => e.key[1] === 'ev')) return;
      driverLogged = true;
      await raced.appendEvents(T, [success], { agent: 'clerk', epoch: 3 });
    });
    const joined = waitForRun(system, runId, T, 10_000);
    const abandoned = await abandonRun(
      system,
      { store: new RunStore(hooked), threads: new ThreadOwners(system) },
      T,
      'clerk',
      runId,
      'cannot be resumed: test',
    );
    expect(driverLogged).toBe(true);
    expect(abandoned).toBe(false);
    expect(await store.events(T, runId)).toEqual([
      expect.objectContaining({ seq: 1, data: expect.objectContaining({ status: 'success' }) }),
    ]);
    expect(await store.run(T, runId)).toMatchObject({ status: 'success', output: 'done', last_seq: 1 });
    expect((await joined).status).toBe('success');
    expect((await store.thread(T, threadId)).status).toBe('idle');
    expect(await store.indexedRuns()).toEqual([]);
    // And an abandon of a run that ended changes nothing of it.
    expect(await abandonRun(system, { store, threads: new ThreadOwners(system) }, T, 'clerk', runId, 'late')).toBe(false);
    expect(await store.run(T, runId)).toMatchObject({ status: 'success' });
  } finally {
    await system.shutdown();
  }
}

describe('a run found without a checkpoint: a grace for its create, a compare-and-set abandon', () => {
  it('a checkpoint written within the grace is resumed, not ended error (memory)', async () => {
    await checkpointWithinGrace(new MemoryStorage());
  }, 60_000);

  it('a checkpoint written within the grace is resumed, not ended error (JetStream)', async () => {
    await checkpointWithinGrace(await JetStreamStorage.connect({ servers: [server.url], prefix: `grace${process.pid}` }));
  }, 60_000);

  it("an abandon whose seq the driver's end takes records that end instead of error (memory)", async () => {
    await abandonRacingTheEnd(new MemoryStorage());
  });

  it("an abandon whose seq the driver's end takes records that end instead of error (JetStream)", async () => {
    const storage = await JetStreamStorage.connect({ servers: [server.url], prefix: `race${process.pid}` });
    try {
      await abandonRacingTheEnd(storage);
    } finally {
      await storage.close();
    }
  });
});
