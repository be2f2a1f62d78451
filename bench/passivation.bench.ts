/**
 * The passivation suite (issue 19, ADR 0036). One embedded node as `npm start` runs it (memory transport, lmdb in a
 * throw-away data directory, the real `agent` and `thread` kinds behind a catalog and a mesh node) activates 100,000
 * agent/thread actors over time (5,000 with --quick): tenant i gets `agent/assistant` (asked `agent.prune`) and its
 * sixteen thread owners `thread/s00…s15` (each asked to create a thread), one after the other, as fast as the node
 * answers. Every tenth tenant also sends to the agent and a thread owner of the tenant 100 steps back (asleep by
 * then when passivation is on: that message wakes them).
 * The same run is made twice in one process: with a short idle timeout, and with passivation off (the baseline:
 * every actor stays in memory). Figures: activation latency (ensure + first answer, p50/p99), wake latency, RSS
 * (sampled every 250 ms, peak) and the actors left awake.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { Catalog, agentKind, threadKind } from '../actors/index.js';
import { configSchema } from '../config/index.js';
import { THREAD_CREATE, THREAD_PATCH, THREAD_SHARDS, threadOwnerAddress, threadShardId } from '../protocols/index.js';
import { MeshNode, MemoryTransport, type ActorRef, type ActorSystem } from '../runtime/index.js';
import { LmdbStorage } from '../runtime/lmdb/index.js';
import { createSystem } from '../supervisors/index.js';
import { percentile, type BenchOptions, type Figure, type Goal, type Suite, type SuiteResult } from './harness.js';

/** Goals of issue 19 for passivation. */
export const GOALS = { rssMb: 2_048, activationP99Ms: 5 } as const;

/** The idle timeout of the passivating run: short, so that the run crosses it many times. */
const IDLE_MS = 2_000;
/** Actors per tenant: its agent and its sixteen thread owners. */
const PER_TENANT = 1 + THREAD_SHARDS;
/** How many tenants back the wake messages go (far enough that, with passivation on, those actors sleep). */
const WAKE_LAG = 100;

/** A thread id of tenant step `i` whose owner is shard `shard` (ids are hashed to shards). */
function threadIn(shard: number, i: number): string {
  const want = `thread/${threadShardId(shard)}`;
  for (let j = 0; ; j++) if (threadOwnerAddress(`t${i}-${j}`) === want) return `t${i}-${j}`;
}

interface ModeResult {
  readonly activation: number[];
  /** The agents' activations alone: their first message (`agent.prune`) reads and writes nothing durable. */
  readonly agentActivation: number[];
  readonly wake: number[];
  readonly rssPeakMb: number;
  readonly rssEndMb: number;
  readonly awake: number;
  readonly seconds: number;
}

async function node(idleTimeoutMs: number, dir: string): Promise<{ system: ActorSystem; catalog: Catalog; mesh: MeshNode }> {
  const config = configSchema.parse({ mailbox: { idleTimeoutMs } });
  const storage = new LmdbStorage(dir);
  const system = await createSystem({ config, storage, transport: new MemoryTransport() });
  const catalog = await Catalog.create({ system, config, kinds: [agentKind, threadKind] });
  const mesh = new MeshNode(system);
  catalog.install(mesh);
  await mesh.start();
  await catalog.start();
  return { system, catalog, mesh };
}

async function runMode(idleTimeoutMs: number, actors: number, log: (l: string) => void): Promise<ModeResult> {
  const dir = mkdtempSync(join(tmpdir(), 'troupe-passivation-'));
  const { system, catalog, mesh } = await node(idleTimeoutMs, dir);
  const activation: number[] = [];
  const agentActivation: number[] = [];
  const wake: number[] = [];
  let rssPeak = process.memoryUsage.rss();
  const sampler = setInterval(() => (rssPeak = Math.max(rssPeak, process.memoryUsage.rss())), 250);
  const started = performance.now();
  const tenants = Math.ceil(actors / PER_TENANT);
  const ask = (ref: ActorRef, type: string, payload?: unknown): Promise<unknown> => ref.ask(type, payload, { timeoutMs: 30_000 });
  let done = 0;
  try {
    for (let i = 0; i < tenants && done < actors; i++) {
      const tenant = `b${i}`;
      let t = performance.now();
      await ask(await catalog.ensure('agent/assistant', tenant), 'agent.prune');
      activation.push(performance.now() - t);
      agentActivation.push(performance.now() - t);
      done++;
      for (let shard = 0; shard < THREAD_SHARDS && done < actors; shard++, done++) {
        const threadId = threadIn(shard, i);
        t = performance.now();
        await ask(await catalog.ensure(threadOwnerAddress(threadId), tenant), THREAD_CREATE, { thread_id: threadId });
        activation.push(performance.now() - t);
      }
      // Actors last used long ago (asleep by now with passivation on): the message alone brings them back.
      if (i % 10 === 9 && i >= WAKE_LAG) {
        const old = `b${i - WAKE_LAG}`;
        t = performance.now();
        await ask(system.ref('agent/assistant', old), 'agent.prune');
        wake.push(performance.now() - t);
        const threadId = threadIn(i % THREAD_SHARDS, i - WAKE_LAG);
        t = performance.now();
        await ask(system.ref(threadOwnerAddress(threadId), old), THREAD_PATCH, { thread_id: threadId, metadata: { woken: true } });
        wake.push(performance.now() - t);
      }
      if (i % 500 === 499)
        log(`${idleTimeoutMs === 0 ? 'off' : 'on'}: ${done} activations, ${system.actors().length} awake, ${rssNow()} MB RSS`);
    }
    const seconds = (performance.now() - started) / 1000;
    const rssEnd = process.memoryUsage.rss();
    const awake = system.actors().length;
    return { activation, agentActivation, wake, rssPeakMb: mb(Math.max(rssPeak, rssEnd)), rssEndMb: mb(rssEnd), awake, seconds };
  } finally {
    clearInterval(sampler);
    mesh.stop();
    await catalog.close();
    await system.shutdown();
    rmSync(dir, { recursive: true, force: true });
  }
}

/**
 * The write every thread owner's activation here waits for: one durable lmdb put at a time, of a new thread's size, in
 * a fresh data directory (the same settings as the node's). Its tail is the disk's flush, which no activation path
 * can be faster than.
 */
async function durablePuts(n: number): Promise<number[]> {
  const dir = mkdtempSync(join(tmpdir(), 'troupe-passivation-puts-'));
  const storage = new LmdbStorage(dir);
  const bucket = storage.bucket('threads');
  const took: number[] = [];
  try {
    for (let i = 0; i < n; i++) {
      const value = {
        thread_id: `t${i}-0`,
        created_at: new Date().toISOString(),
        metadata: {},
        status: 'idle',
        interrupts: [],
        checkpoints: 0,
      };
      const t = performance.now();
      await bucket.put([`b${i}`, 't', value.thread_id], value);
      took.push(performance.now() - t);
    }
    return took;
  } finally {
    await storage.close();
    rmSync(dir, { recursive: true, force: true });
  }
}

const mb = (bytes: number): number => Math.round(bytes / 1_048_576);
const rssNow = (): number => mb(process.memoryUsage.rss());

function sorted(xs: readonly number[]): number[] {
  return [...xs].sort((a, b) => a - b);
}

export const passivationSuite: Suite = {
  name: 'passivation',
  description: 'idle actors passivated: 100k agent/thread activations on one embedded node, RSS and activation p99 vs passivation off',
  async run(options: BenchOptions): Promise<SuiteResult> {
    const actors = options.quick ? 5_000 : 100_000;
    // Both measured runs start with warm code: the one made first would otherwise pay the compiler for both.
    options.log('warm-up: 2,000 activations (not measured)');
    await runMode(IDLE_MS, 2_000, () => undefined);
    options.log(`passivation on (idle ${IDLE_MS} ms): ${actors} activations`);
    const on = await runMode(IDLE_MS, actors, options.log);
    (globalThis as { gc?: () => void }).gc?.();
    options.log(`passivation off (baseline): ${actors} activations`);
    const off = await runMode(0, actors, options.log);
    const puts = sorted(await durablePuts(Math.min(5_000, actors)));
    const a = { on: sorted(on.activation), off: sorted(off.activation) };
    const agents = { on: sorted(on.agentActivation), off: sorted(off.agentActivation) };
    const w = { on: sorted(on.wake), off: sorted(off.wake) };
    const figures: Figure[] = [
      {
        name: 'activation p50 (ensure + first answer)',
        value: percentile(a.on, 50),
        unit: 'ms',
        higherIsBetter: false,
        baselines: [{ name: 'passivation off', value: percentile(a.off, 50), unit: 'ms' }],
      },
      {
        name: 'activation p99',
        value: percentile(a.on, 99),
        unit: 'ms',
        higherIsBetter: false,
        baselines: [{ name: 'passivation off', value: percentile(a.off, 99), unit: 'ms' }],
      },
      {
        name: 'activation p99, agents alone (their first message writes nothing durable)',
        value: percentile(agents.on, 99),
        unit: 'ms',
        higherIsBetter: false,
        baselines: [{ name: 'passivation off', value: percentile(agents.off, 99), unit: 'ms' }],
      },
      {
        name: "durable lmdb put p99 (the write a thread owner's first message waits for)",
        value: percentile(puts, 99),
        unit: 'ms',
        higherIsBetter: false,
        baselines: [{ name: 'p50', value: percentile(puts, 50), unit: 'ms' }],
      },
      {
        name: `message to an actor used ${WAKE_LAG} tenants ago, p99 (asleep: woken)`,
        value: percentile(w.on, 99),
        unit: 'ms',
        higherIsBetter: false,
        baselines: [{ name: 'passivation off (awake)', value: percentile(w.off, 99), unit: 'ms' }],
      },
      {
        name: 'RSS, peak',
        value: on.rssPeakMb,
        unit: 'MB',
        higherIsBetter: false,
        baselines: [{ name: 'passivation off', value: off.rssPeakMb, unit: 'MB' }],
      },
      {
        name: 'actors awake at the end',
        value: on.awake,
        unit: 'actors',
        higherIsBetter: false,
        baselines: [{ name: 'passivation off', value: off.awake, unit: 'actors' }],
      },
    ];
    const goals: Goal[] = [
      {
        name: `RSS ≤ ${GOALS.rssMb} MB over ${actors} activations`,
        met: on.rssPeakMb <= GOALS.rssMb,
        detail: `peak ${on.rssPeakMb} MB (end ${on.rssEndMb} MB); passivation off: peak ${off.rssPeakMb} MB`,
      },
      {
        name: `activation p99 ≤ ${GOALS.activationP99Ms} ms`,
        met: percentile(a.on, 99) <= GOALS.activationP99Ms,
        detail: `p99 ${percentile(a.on, 99).toFixed(2)} ms, p50 ${percentile(a.on, 50).toFixed(2)} ms`,
      },
    ];
    const notes = [
      `passivation on: ${on.seconds.toFixed(0)} s for ${actors} activations; off: ${off.seconds.toFixed(0)} s`,
      `the off run follows the on run in the same process: its RSS starts from what the first run left to the collector`,
      options.quick ? '--quick: 5,000 activations; not the goal' : 'lmdb storage in a temporary data directory, as `npm start` uses',
    ];
    return { suite: 'passivation', figures, goals, notes };
  },
};
