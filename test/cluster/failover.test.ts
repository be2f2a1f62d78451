/**
 * The mesh across separate `troupe node` processes on a real nats-server: 10,000 messages to a
 * pool and to stateful actors while one node is SIGKILLed; a node that attaches mid-traffic
 * takes work; a draining node hands over with zero redeliveries.
 */
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { jetstreamManager } from '@nats-io/jetstream';
import type { NatsConnection } from '@nats-io/transport-node';
import { JetStreamTransport, MeshNames, type ActorSystem, type ClusterServices, type MeshNode } from '../../runtime/index.js';
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

/** Messages stored on one topic (results are published with msg id = job id, so dedup makes this the set of jobs done). */
async function topicCount(s: ActorSystem, prefix: string, topic: string): Promise<number> {
  const jsm = await jetstreamManager((s.transport as JetStreamTransport).connection as NatsConnection);
  const names = new MeshNames(prefix);
  const subject = names.topic('default', topic);
  const info = await jsm.streams.info(names.topicStream, { subjects_filter: subject });
  return info.state.subjects?.[subject] ?? 0;
}

async function startMesh(ids: string[]): Promise<string> {
  const prefix = `mesh${process.pid}x${meshNo++}`;
  nodes = await Promise.all(ids.map((id) => NodeProcess.start(id, [server.url], prefix)));
  client = await meshClient([server.url], prefix);
  const c = cluster(client.system);
  await eventually(() => ids.every((id) => c.membership.live().some((n) => n.id === id && n.kinds.includes('counter'))), 15_000, 'nodes to announce');
  return prefix;
}

/** Sends `jobs` in parallel lanes, calling `midway` once after `at` sends. */
async function drive(jobs: (() => Promise<void>)[], at: number, midway: () => Promise<void>): Promise<void> {
  let next = 0;
  let fired = false;
  const lane = async (): Promise<void> => {
    while (next < jobs.length) {
      const i = next++;
      if (!fired && i >= at) {
        fired = true;
        await midway();
      }
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
    const orphans = c.leases().filter((l) => l.node === victim && l.address.startsWith('counter/')).map((l) => l.address);
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
          const got = await system.ref(a).ask<{ sum: number; count: number; node: string }>('counter.get', undefined, { timeoutMs: 2_000 }).catch(() => undefined);
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
    const ran = await topicCount(system, prefix, 'results.ran');
    expect(ran).toBeGreaterThanOrEqual(5_000);
    expect(await system.deadLetters.list()).toEqual([]);
    console.log(`failover: ${orphans.length} counters orphaned on ${victim}; first served again ${firstServed - killedAt} ms after SIGKILL; pool ran ${ran} times for 5000 jobs`);
  }, 120_000);
});
