/**
 * A handoff's active marker (ADR 0007, ADR 0054): a run handed from one agent to another is always marked active on
 * one of them. Before, the sender released its marker right after telling the receiver to continue, before the
 * receiver claimed the run: in that window the run was `running` with its thread `busy` and no marker at all, so a
 * recovery pass saw nothing to resume, and a process that died there (the continue lost with it, or never handled)
 * left the run hanging for ever. Here the process dies right before the receiver's claim; the next start on the same
 * storage, with no traffic, must drive the run to its end on the receiver. On memory and on a real nats-server.
 */
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { RUN_CREATE } from '../../protocols/index.js';
import {
  MeshNode,
  MemoryStorage,
  type ActorRef,
  type ActorSystem,
  type KvBucket,
  type Storage,
  type StorageEntry,
} from '../../runtime/index.js';
import { JetStreamStorage } from '../../runtime/jetstream/index.js';
import { createSystem } from '../../supervisors/index.js';
import { configSchema } from '../../config/index.js';
import { composeCatalog } from '../../cli/kinds.js';
import { RunStore, waitForRun, type ActiveRun, type Catalog } from '../../actors/index.js';
import { whileHeld } from '../../actors/agent/threads.js';
import { OfflineProvider } from '../../actors/llm/offline.js';
import { NatsServer } from '../nats/server.js';

const T = 'default';

let server: NatsServer;
beforeAll(async () => {
  server = await NatsServer.start();
});
afterAll(async () => {
  await server?.stop();
});

type Node = { system: ActorSystem; catalog: Catalog; storage: Storage };
const opened: Node[] = [];
afterEach(async () => {
  for (const n of opened.splice(0).reverse()) await stop(n);
});

/** Stops `n` as a killed process would leave it (its storage writes already refused where the test says so). */
async function stop(n: Node): Promise<void> {
  if (opened.includes(n)) opened.splice(opened.indexOf(n), 1);
  await n.catalog.close().catch(() => undefined);
  await n.system.shutdown().catch(() => undefined);
  if (n.storage.kind !== 'memory') await n.storage.close();
}

/** A system (memory transport) on `storage` with `triage`, which hands off to `billing`, both on the offline model. */
async function node(storage: Storage): Promise<Node> {
  const agents = [
    { name: 'triage', instructions: 'Route.', handoffs: ['billing'] },
    { name: 'billing', instructions: 'Answer.' },
  ];
  const config = configSchema.parse({ agents, memory: { store: { index: [] } } });
  const system = await createSystem({ storage, warn: () => undefined });
  const mesh = new MeshNode(system);
  const catalog = await composeCatalog(config, mesh, { provider: () => ({ provider: new OfflineProvider(), model: 'offline' }) });
  await mesh.start();
  const n = { system, catalog, storage };
  opened.push(n);
  return n;
}

/**
 * `storage` as the handing process sees it: it dies right before billing's claim of `runId` is sent — that write and
 * every write after it, of any key, fail (nothing more of the process lands). `seen` is called once, at that moment,
 * with what the global index of active runs lists then.
 */
function dyingAtReceiverClaim(
  storage: Storage,
  runId: string,
  seen: (active: ActiveRun[]) => void,
): { storage: Storage; died: () => boolean } {
  let died = false;
  const claims = (entries: readonly StorageEntry[]): boolean =>
    entries.some((e) => e.key[1] === 'driver' && e.key[2] === runId && e.key[3] === 'billing');
  const bucket = (name: string): KvBucket => {
    const b = storage.bucket(name);
    const putFenced: KvBucket['putFenced'] = async (fence, epoch, entries) => {
      if (!died && claims(entries)) {
        seen(await new RunStore(storage).indexedRuns());
        died = true;
      }
      if (died) throw new Error('the process died');
      return b.putFenced(fence, epoch, entries);
    };
    return new Proxy(b, { get: (t, p) => (p === 'putFenced' ? putFenced : (Reflect.get(t, p) as unknown)) });
  };
  // Every other write refused too once it died (the test's process, not an actor, "holds" the storage).
  const process = {
    self: { address: 'the handing process' } as ActorRef,
    get holdsAddress() {
      return !died;
    },
  };
  return { storage: whileHeld({ kind: storage.kind, bucket, close: () => storage.close() }, process), died: () => died };
}

/** A run of triage handed to billing whose process dies right before billing claims it; then the next start. */
async function handoffDiesBeforeClaim(first: Storage, second: () => Promise<Storage>): Promise<void> {
  const runId = `ho-${Math.random().toString(36).slice(2, 8)}`;
  const threadId = `t-${runId}`;
  let activeAtClaim: ActiveRun[] | undefined;
  const hook = dyingAtReceiverClaim(first, runId, (a) => (activeAtClaim = a));
  const one = await node(hook.storage);
  const ref = await one.catalog.ensure('agent/triage');
  await ref.ask(RUN_CREATE, { run_id: runId, thread_id: threadId, input: { messages: [{ role: 'user', content: '/handoff billing' }] } });
  const store = new RunStore(first);
  await waitFor(() => hook.died(), 10_000, "billing's claim");
  // The run is in the receiver's hands now, not yet claimed: some agent must still hold it, or nothing resumes it.
  expect(activeAtClaim?.filter((a) => a.runId === runId).map((a) => a.agent)).toEqual(['triage']);
  expect(await store.run(T, runId)).toMatchObject({ status: 'running' });
  await stop(one);

  // The next start on the same storage, with no traffic: the run is found, handed on again and answered by billing.
  const storage = await second();
  const two = await node(storage);
  const joined = waitForRun(two.system, runId, T, 20_000);
  await two.catalog.start();
  const end = await joined;
  expect(end.status).toBe('success');
  expect(end.events.at(-1)?.agent).toBe('billing');
  const after = new RunStore(storage);
  expect(await after.run(T, runId)).toMatchObject({ status: 'success', agent: 'billing' });
  const thread = await after.thread(T, threadId);
  expect(thread.status).toBe('idle');
  await waitFor(async () => (await after.indexedRuns()).length === 0, 5_000, 'every marker released');
  const log = await after.events(T, runId);
  expect(log.map((e) => e.seq)).toEqual(log.map((_, i) => i + 1));
  // Handed off once in the log (the handoff event is not repeated by the hand-over made again).
  expect(log.filter((e) => e.event === 'handoff')).toHaveLength(1);
}

async function waitFor(ok: () => boolean | Promise<boolean>, ms: number, what: string): Promise<void> {
  const until = Date.now() + ms;
  while (!(await ok())) {
    if (Date.now() > until) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 20));
  }
}

describe("a handoff's active marker", () => {
  it('passes to the receiver: a process that dies before the receiver claims leaves a run the next start ends (memory)', async () => {
    const storage = new MemoryStorage();
    await handoffDiesBeforeClaim(storage, () => Promise.resolve(storage));
  }, 60_000);

  it('passes to the receiver: a process that dies before the receiver claims leaves a run the next start ends (JetStream)', async () => {
    const prefix = `ho${process.pid}`;
    const first = await JetStreamStorage.connect({ servers: [server.url], prefix });
    await handoffDiesBeforeClaim(first, () => JetStreamStorage.connect({ servers: [server.url], prefix }));
  }, 90_000);
});
