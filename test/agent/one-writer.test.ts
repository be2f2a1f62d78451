/**
 * One writer per thread (ADR 0018): metadata patches racing a run's checkpoints lose nothing when both go through
 * the thread's owner — on the in-memory backend, and on JetStream with the writers on two nodes — while the same
 * interleaving written straight to storage does lose updates (the control that shows the check can fail). Runs
 * write their thread only while they hold it; two runs claiming one thread at once cannot both start.
 */
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { newRunRecord, RunStore, ThreadOwners, threadOwnerBehavior, type RunRecord, type Resolve } from '../../actors/agent/index.js';
import { THREAD_KIND } from '../../protocols/index.js';
import { MemoryStorage, MeshNode, type ActorSystem } from '../../runtime/index.js';
import { JetStreamStorage, JetStreamTransport } from '../../runtime/jetstream/index.js';
import { createSystem } from '../../supervisors/index.js';
import { NatsServer } from '../nats/server.js';

const T = 'acme';
const N = 30;

function record(runId: string, threadId: string): RunRecord {
  return newRunRecord(runId, threadId, 'clerk', {}, new Date().toISOString());
}

const text = (i: number) => ({ role: 'user' as const, content: `message ${i}` });
const messagesUpTo = (i: number) => Array.from({ length: i + 1 }, (_, k) => text(k));

/** N patches (each its own key) and N checkpoints of run `r1`, interleaved, from the writers given. */
async function race(writers: readonly ThreadOwners[], threadId: string): Promise<void> {
  const ops: Promise<unknown>[] = [];
  for (let i = 0; i < N; i++) {
    const w = writers[i % writers.length] as ThreadOwners;
    ops.push(w.patch(T, threadId, { [`k${i}`]: i }));
    // A run's checkpoints come from its one host, in order; the patches come from anywhere, at any time.
    ops.push((writers[0] as ThreadOwners).checkpoint(T, { thread_id: threadId, run_id: 'r1', messages: messagesUpTo(i), status: 'busy' }));
  }
  await Promise.all(ops);
}

/** Every patch and every checkpoint is there, and the history is one unbroken chain. */
async function expectNothingLost(store: RunStore, threadId: string): Promise<void> {
  const t = await store.thread(T, threadId);
  for (let i = 0; i < N; i++) expect(t.metadata[`k${i}`]).toBe(i);
  expect(t.checkpoints).toBe(N);
  expect(t.status).toBe('busy');
  expect(t.run_id).toBe('r1');
  const history = (await store.history(T, threadId, 1000)).reverse();
  expect(history.map((c) => c.step)).toEqual(Array.from({ length: N }, (_, i) => i));
  expect(history.map((c) => c.messages.length)).toEqual(Array.from({ length: N }, (_, i) => i + 1));
  for (let i = 1; i < history.length; i++) expect(history[i]?.parent_checkpoint_id).toBe(history[i - 1]?.checkpoint_id);
  expect(t.checkpoint_id).toBe(history.at(-1)?.checkpoint_id);
  expect(t.values.messages).toHaveLength(N);
}

describe('one writer per thread, in memory', () => {
  let system: ActorSystem | undefined;
  afterEach(async () => {
    await system?.shutdown();
    system = undefined;
  });

  it('metadata patches racing checkpoints through the owner lose nothing; the same race straight to storage does', async () => {
    const storage = new MemoryStorage();
    system = await createSystem({ storage, warn: () => undefined });
    const owners = new ThreadOwners(system);
    await owners.create(T, { thread_id: 'th-1' });
    await owners.claim(T, record('r1', 'th-1'));
    await race([owners], 'th-1');
    const store = new RunStore(storage);
    await expectNothingLost(store, 'th-1');

    // The control: two writers on storage, read-modify-write each, interleaved the same way.
    await store.createThread(T, { thread_id: 'th-2' });
    await store.setThreadStatus(T, 'th-2', 'busy', 'r1');
    const direct: Promise<unknown>[] = [];
    for (let i = 0; i < N; i++) {
      direct.push(store.patchThread(T, 'th-2', { [`k${i}`]: i }));
      direct.push(store.checkpointThread(T, 'th-2', 'r1', messagesUpTo(i), 'busy'));
    }
    await Promise.all(direct);
    const raced = await store.thread(T, 'th-2');
    const kept = Object.keys(raced.metadata).length;
    expect(kept + raced.checkpoints).toBeLessThan(2 * N);
  });

  it('a run writes its thread only while it holds it: after a delete, or once another run holds it, its writes are refused', async () => {
    const storage = new MemoryStorage();
    system = await createSystem({ storage, warn: () => undefined });
    const owners = new ThreadOwners(system);
    const store = new RunStore(storage);
    await owners.claim(T, record('r1', 'th-1'));
    const write = { thread_id: 'th-1', run_id: 'r1', messages: messagesUpTo(0), status: 'busy' as const };
    expect(await owners.checkpoint(T, write)).toEqual({ applied: true });
    // Another run cannot start while r1 holds the thread.
    await expect(owners.claim(T, record('r2', 'th-1'))).rejects.toMatchObject({ code: 'conflict' });
    // A run that never held it cannot write it.
    expect(await owners.checkpoint(T, { ...write, run_id: 'r9' })).toEqual({ applied: false, reason: 'held' });
    // r1 ends (its record says so, its last checkpoint releases the thread); then r2 holds it.
    await store.putRun(T, { ...record('r1', 'th-1'), status: 'success' });
    expect(await owners.checkpoint(T, { ...write, status: 'idle' })).toEqual({ applied: true });
    expect('thread' in (await owners.claim(T, record('r2', 'th-1')))).toBe(true);
    expect(await owners.checkpoint(T, write)).toEqual({ applied: false, reason: 'held' });
    expect(await owners.status(T, { thread_id: 'th-1', run_id: 'r1', status: 'error' })).toEqual({ applied: false, reason: 'held' });
    expect((await store.thread(T, 'th-1')).run_id).toBe('r2');
    // Deleted: a late write of the run that held it does not bring the thread back.
    expect(await owners.delete(T, 'th-1')).toBe(true);
    expect(await owners.checkpoint(T, { ...write, run_id: 'r2' })).toEqual({ applied: false, reason: 'missing' });
    expect(await owners.status(T, { thread_id: 'th-1', run_id: 'r2', status: 'interrupted' })).toEqual({
      applied: false,
      reason: 'missing',
    });
    expect(await store.getThread(T, 'th-1')).toBeUndefined();
    // The same run claimed again (a redelivered create) is answered with the run, not a second start.
    await owners.claim(T, record('r3', 'th-3'));
    expect(await owners.claim(T, record('r3', 'th-3'))).toEqual({ existing: { run_id: 'r3', thread_id: 'th-3', status: 'running' } });
  });

  it('two creates of one run id on two threads at once (no record): one makes the run, the other gets it, no empty thread', async () => {
    const storage = new MemoryStorage();
    system = await createSystem({ storage, warn: () => undefined });
    const owners = new ThreadOwners(system);
    const store = new RunStore(storage);
    for (let round = 0; round < 20; round++) {
      const runId = `twin-${round}`;
      // In odd rounds the second thread exists already (a client named it): it stays, whichever create wins.
      if (round % 2 === 1) await owners.create(T, { thread_id: `tb-${round}`, metadata: { named: true } });
      const replies = await Promise.all([owners.claim(T, record(runId, `ta-${round}`)), owners.claim(T, record(runId, `tb-${round}`))]);
      const made = replies.filter((r) => 'thread' in r);
      expect(made).toHaveLength(1);
      const winner = (made[0] as { thread: { thread_id: string } }).thread.thread_id;
      const other = replies.find((r) => 'existing' in r) as { existing: { run_id: string; thread_id: string } };
      expect(other.existing).toMatchObject({ run_id: runId, thread_id: winner });
      expect((await store.getRun(T, runId))?.thread_id).toBe(winner);
      // The loser's thread holds no run: the claim that made it for the run deleted it; one that existed before stays.
      const loser = winner === `ta-${round}` ? `tb-${round}` : `ta-${round}`;
      const left = await store.getThread(T, loser);
      if (round % 2 === 1 && loser === `tb-${round}`) expect(left).toMatchObject({ metadata: { named: true }, status: 'idle' });
      else expect(left).toBeUndefined();
      expect(left?.run_id).toBeUndefined();
    }
  });

  it('a copy has the history and metadata of its source, idle and held by no run; the source is unchanged', async () => {
    const storage = new MemoryStorage();
    system = await createSystem({ storage, warn: () => undefined });
    const owners = new ThreadOwners(system);
    const store = new RunStore(storage);
    await owners.create(T, { thread_id: 'src', metadata: { topic: 'x' } });
    await owners.claim(T, record('r1', 'src'));
    for (let i = 0; i < 3; i++) await owners.checkpoint(T, { thread_id: 'src', run_id: 'r1', messages: messagesUpTo(i), status: 'busy' });
    const copy = await owners.copy(T, 'src', 'dst');
    expect(copy).toMatchObject({ thread_id: 'dst', status: 'idle', metadata: { topic: 'x' }, checkpoints: 3, interrupts: [] });
    expect(copy.run_id).toBeUndefined();
    const [a, b] = await Promise.all([store.history(T, 'src', 10), store.history(T, 'dst', 10)]);
    expect(b.map((c) => c.checkpoint_id)).toEqual(a.map((c) => c.checkpoint_id));
    expect(b.every((c) => c.thread_id === 'dst')).toBe(true);
    expect((await store.thread(T, 'dst')).values.messages).toEqual(messagesUpTo(2));
    expect((await store.thread(T, 'src')).run_id).toBe('r1');
    await expect(owners.copy(T, 'src', 'dst')).rejects.toMatchObject({ code: 'conflict' });
    await expect(owners.copy(T, 'nope', 'dst2')).rejects.toMatchObject({ code: 'not_found' });
    await expect(owners.copy('globex', 'src', 'dst3')).rejects.toMatchObject({ code: 'not_found' });
  });
});

describe('one writer per thread, on JetStream with two nodes', () => {
  let server: NatsServer | undefined;
  const systems: ActorSystem[] = [];
  beforeAll(async () => {
    server = await NatsServer.start();
  });
  afterAll(async () => {
    for (const s of systems.reverse()) await s.shutdown().catch(() => undefined);
    await server?.stop();
  });

  /** A node hosting the thread kind on the test's server, sharing its KV storage with the other. */
  async function node(id: string): Promise<{ owners: ThreadOwners; store: RunStore }> {
    const servers = [(server as NatsServer).url];
    const system = await createSystem({
      node: id,
      transport: new JetStreamTransport({ servers: servers[0] as string, prefix: 'onewriter' }),
      storage: await JetStreamStorage.connect({ servers, prefix: 'onewriter' }),
      warn: () => undefined,
    });
    systems.push(system);
    const mesh = new MeshNode(system);
    mesh.host({ kind: THREAD_KIND, behavior: () => threadOwnerBehavior() });
    await mesh.start();
    const resolve: Resolve = async (address, tenant) => {
      const ref = system.ref(address, tenant);
      return ref.state !== undefined ? ref : mesh.activate(address, tenant);
    };
    return { owners: new ThreadOwners(system, resolve), store: new RunStore(system.storage) };
  }

  const racingTitle =
    'patches from two nodes racing a run checkpointing from one of them lose nothing; two nodes claiming one thread, one wins';
  it(racingTitle, async () => {
    const a = await node('a');
    const b = await node('b');
    await a.owners.create(T, { thread_id: 'js-1' });
    await a.owners.claim(T, record('r1', 'js-1'));
    await race([a.owners, b.owners], 'js-1');
    await expectNothingLost(b.store, 'js-1');

    const claims = await Promise.allSettled([a.owners.claim(T, record('ra', 'js-2')), b.owners.claim(T, record('rb', 'js-2'))]);
    expect(claims.filter((c) => c.status === 'fulfilled')).toHaveLength(1);
    expect(claims.find((c) => c.status === 'rejected')).toMatchObject({ reason: { code: 'conflict' } });
    const holder = (await a.store.thread(T, 'js-2')).run_id;
    expect(['ra', 'rb']).toContain(holder);
    expect(await a.store.getRun(T, holder === 'ra' ? 'rb' : 'ra')).toBeUndefined();
  });
});
