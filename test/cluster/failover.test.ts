/**
 * The mesh across separate `troupe node` processes on a real nats-server: 10,000 messages to a
 * pool and to stateful actors while one node is SIGKILLed; a node that attaches mid-traffic
 * takes work; a draining node hands over with zero redeliveries.
 */
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { jetstreamManager } from '@nats-io/jetstream';
import type { NatsConnection } from '@nats-io/transport-node';
import type { JetStreamTransport } from '../../runtime/jetstream/index.js';
import { type ActorSystem, type ClusterServices, type MeshNode } from '../../runtime/index.js';
import { MeshNames } from '../../runtime/jetstream/index.js';
import { NatsServer } from '../nats/server.js';
import { eventually } from '../transport/contract.js';
import { NodeProcess, meshClient } from './nodes.js';

let server: NatsServer;
let nodes: NodeProcess[] = [];
let client: { system: ActorSystem; placement: MeshNode } | undefined;
let meshNo = 0;

beforeAll(async () => {
  server = await NatsServer.start();
});
afterAll(async () => {
  await server?.stop();
});
afterEach(async () => {
  await client?.system.shutdown().catch(() => undefined);
  client = undefined;
  await Promise.all(nodes.map((n) => n.signal('SIGKILL')));
  nodes = [];
});

function cluster(s: ActorSystem): ClusterServices {
  const c = s.transport.cluster;
  if (c === undefined) throw new Error('not a clustered transport');
  return c;
}

/** Messages stored per topic matching `pattern` (results.done is deduped by job id: the set of jobs done). */
async function topicCounts(s: ActorSystem, prefix: string, pattern: string): Promise<Map<string, number>> {
  const jsm = await jetstreamManager((s.transport as JetStreamTransport).connection as NatsConnection);
  const names = new MeshNames(prefix);
  const info = await jsm.streams.info(names.topicStream, { subjects_filter: names.topic('default', pattern) });
  const base = names.topic('default', '');
  return new Map(Object.entries(info.state.subjects ?? {}).map(([k, v]) => [k.slice(base.length), v]));
}

async function topicCount(s: ActorSystem, prefix: string, pattern: string): Promise<number> {
  let total = 0;
  for (const v of (await topicCounts(s, prefix, pattern)).values()) total += v;
  return total;
}

async function startMesh(ids: string[]): Promise<string> {
  const prefix = `mesh${process.pid}x${meshNo++}`;
  nodes = await Promise.all(ids.map((id) => NodeProcess.start(id, [server.url], prefix)));
  client = await meshClient([server.url], prefix);
  const c = cluster(client.system);
  await eventually(
    () => ids.every((id) => c.membership.live().some((n) => n.id === id && n.kinds.includes('counter'))),
    15_000,
    'nodes to announce',
  );
  return prefix;
}

/** Sends `jobs` in parallel lanes, calling `midway` once after `at` sends. */
async function drive(jobs: (() => Promise<void>)[], at: number, midway: () => Promise<void>): Promise<void> {
  let next = 0;
  let fired: Promise<void> | undefined;
  const lane = async (): Promise<void> => {
    while (next < jobs.length) {
      const i = next++;
      // Every lane waits for `midway` at job `at`: the jobs after it run once it is done (e.g. a node
      // attached), however long that took, so "mid-traffic" never depends on process start-up speed.
      if (i >= at) await (fired ??= midway());
      await (jobs[i] as () => Promise<void>)();
    }
  };
  await Promise.all(Array.from({ length: 16 }, lane));
}

describe('cluster of troupe node processes', () => {
  it('handles 10,000 messages to a pool and to stateful actors while a node is SIGKILLed', async () => {
    const prefix = await startMesh(['n1', 'n2', 'n3']);
    const { system, placement } = client!;
    const c = cluster(system);
    const counters = Array.from({ length: 30 }, (_, i) => `counter/c${i}`);
    for (const a of counters) await placement.activate(a);
    await placement.activate('worker/jobs');
    await eventually(() => c.leases().filter((l) => l.address.startsWith('counter/')).length === 30, 10_000, 'counters active');
    await eventually(() => (c.pools().find((p) => p.address === 'worker/jobs')?.members.length ?? 0) === 3, 10_000, 'pool on 3 nodes');

    const expected = new Map<string, { sum: number; count: number }>(counters.map((a) => [a, { sum: 0, count: 0 }]));
    const jobs: (() => Promise<void>)[] = [];
    for (let i = 0; i < 10_000; i++) {
      if (i % 2 === 0) {
        const a = counters[(i / 2) % counters.length] as string;
        const e = expected.get(a)!;
        e.sum += i;
        e.count += 1;
        jobs.push(() => system.ref(a).tell('counter.add', i));
      } else jobs.push(() => system.ref('worker/jobs').tell('worker.job', i));
    }
    const owners = new Map<string, number>();
    for (const l of c.leases()) if (l.address.startsWith('counter/')) owners.set(l.node, (owners.get(l.node) ?? 0) + 1);
    const victim = [...owners.entries()].sort((a, b) => b[1] - a[1])[0]![0];
    const orphans = c
      .leases()
      .filter((l) => l.node === victim && l.address.startsWith('counter/'))
      .map((l) => l.address);
    let killedAt = 0;
    await drive(jobs, 4_000, async () => {
      killedAt = Date.now();
      await nodes.find((n) => n.id === victim)!.signal('SIGKILL');
    });

    // Every orphaned counter serves again on a live node, with every message counted once.
    let firstServed = 0;
    for (const a of counters) {
      await eventually(
        async () => {
          const got = await system
            .ref(a)
            .ask<{ sum: number; count: number; node: string }>('counter.get', undefined, { timeoutMs: 2_000 })
            .catch(() => undefined);
          if (got === undefined || got.count !== expected.get(a)!.count) return false;
          expect(got.sum).toBe(expected.get(a)!.sum);
          expect(got.node).not.toBe(victim);
          if (orphans.includes(a) && firstServed === 0) firstServed = Date.now();
          return true;
        },
        40_000,
        `${a} to count everything`,
      );
    }
    await eventually(async () => (await topicCount(system, prefix, 'results.done')) === 5_000, 40_000, 'all pool jobs done');
    // A job whose `done` the killed node stored before it died runs again once its message is redelivered (after the
    // consumer's ack wait), and only then publishes its `ran`: `done` can reach 5,000 before `ran` does.
    let ran = 0;
    await eventually(async () => (ran = await topicCount(system, prefix, 'results.ran.>')) >= 5_000, 60_000, 'every pool job ran');
    expect(ran).toBeGreaterThanOrEqual(5_000);
    expect(await system.deadLetters.list()).toEqual([]);
    console.log(
      `failover: ${orphans.length} counters orphaned on ${victim}; first served again ${firstServed - killedAt} ms after SIGKILL; ` +
        `pool ran ${ran} times for 5000 jobs`,
    );
  }, 180_000);

  it('a node attached mid-traffic takes work; a draining node hands over with zero redeliveries', async () => {
    const prefix = await startMesh(['a1', 'a2']);
    const { system, placement } = client!;
    const c = cluster(system);
    const counters = Array.from({ length: 12 }, (_, i) => `counter/d${i}`);
    for (const a of counters) await placement.activate(a);
    await placement.activate('worker/jobs');
    await eventually(() => (c.pools().find((p) => p.address === 'worker/jobs')?.members.length ?? 0) === 2, 10_000, 'pool on 2 nodes');

    const expected = new Map<string, number>(counters.map((a) => [a, 0]));
    const jobs: (() => Promise<void>)[] = [];
    const total = 6_000;
    for (let i = 0; i < total; i++) {
      if (i % 2 === 0) {
        const a = counters[(i / 2) % counters.length] as string;
        expected.set(a, (expected.get(a) ?? 0) + 1);
        jobs.push(() => system.ref(a).tell('counter.add', 1));
      } else
        jobs.push(async () => {
          await system.ref('worker/jobs').tell('worker.job', i);
          if (i % 40 === 1) await new Promise((r) => setTimeout(r, 1));
        });
    }
    let drainedAt = 0;
    let attached: NodeProcess | undefined;
    await drive(jobs, 1_500, async () => {
      attached = await NodeProcess.start('a3', [server.url], prefix);
      nodes.push(attached);
      await eventually(() => (c.pools().find((p) => p.address === 'worker/jobs')?.members.length ?? 0) === 3, 10_000, 'a3 joins the pool');
      // Let a3 take some work, then drain a1 while traffic continues.
      await new Promise((r) => setTimeout(r, 300));
      drainedAt = Date.now();
      void nodes.find((n) => n.id === 'a1')!.signal('SIGTERM');
    });
    expect(await nodes.find((n) => n.id === 'a1')!.exited).toBe(0);
    for (const a of counters) {
      await eventually(
        async () => {
          const got = await system
            .ref(a)
            // long enough to outlast a handover at load: a poll given up before its counter answers would expire in
            // the mailbox and be dead-lettered, which the test counts against the traffic
            .ask<{ count: number; node: string }>('counter.get', undefined, { timeoutMs: 10_000 })
            .catch(() => undefined);
          return got !== undefined && got.count === expected.get(a) && got.node !== 'a1';
        },
        30_000,
        `${a} handed over with every message counted once`,
      );
    }
    await eventually(async () => (await topicCount(system, prefix, 'results.done')) === total / 2, 30_000, 'every pool job done');
    const perNode = await topicCounts(system, prefix, 'results.ran.>');
    const ran = [...perNode.values()].reduce((x, y) => x + y, 0);
    console.log(`attach/drain: runs per node ${JSON.stringify(Object.fromEntries(perNode))}; a1 drained ${Date.now() - drainedAt} ms ago`);
    expect(perNode.get('results.ran.a3') ?? 0).toBeGreaterThan(0);
    expect(await topicCount(system, prefix, 'results.redelivered')).toBe(0);
    expect(ran).toBe(total / 2);
    expect(await system.deadLetters.list()).toEqual([]);
  }, 120_000);
});
