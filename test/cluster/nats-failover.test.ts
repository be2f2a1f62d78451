/**
 * A three-server NATS cluster with R3 streams: SIGKILL the server that leads the mailbox stream
 * while traffic runs. After re-election the mesh continues and nothing acknowledged is lost
 * (publishes retry through the election with the same msg id; JetStream dedups them).
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { jetstreamManager } from '@nats-io/jetstream';
import { MeshNames } from '../../runtime/jetstream/index.js';
import { startCluster, waitForJetStreamCluster, type NatsServer } from '../nats/server.js';
import { eventually } from '../transport/contract.js';
import { NodeProcess, meshClient } from './nodes.js';

let servers: NatsServer[] = [];
const nodes: NodeProcess[] = [];

beforeAll(async () => {
  servers = await startCluster(3);
  // Wait until the cluster elected a JetStream meta leader (stream creation succeeds).
  await waitForJetStreamCluster(servers.map((s) => s.url));
}, 60_000);

afterAll(async () => {
  await Promise.all(nodes.map((n) => n.signal('SIGKILL')));
  for (const s of servers) await s.stop();
});

describe('NATS cluster failover', () => {
  it('keeps every acknowledged message when the stream leader is SIGKILLed', async () => {
    const urls = servers.map((s) => s.url);
    const prefix = `nf${process.pid}`;
    // No replica setting anywhere: a clustered server makes every stream and bucket R3.
    for (const id of ['r1', 'r2']) nodes.push(await NodeProcess.start(id, urls, prefix));
    const { system, placement } = await meshClient(urls, prefix);
    try {
      expect(system.transport.replicas).toBe(3);
      const c = system.transport.cluster!;
      await eventually(
        () => ['r1', 'r2'].every((id) => c.membership.live().some((n) => n.id === id && n.kinds.length > 0)),
        20_000,
        'nodes',
      );
      const counters = Array.from({ length: 8 }, (_, i) => `counter/k${i}`);
      for (const a of counters) await placement.activate(a);
      const expected = new Map(counters.map((a) => [a, 0]));
      const jsm = await jetstreamManager(system.transport.connection);
      const names = new MeshNames(prefix);
      expect((await jsm.streams.info(names.mailboxStream)).config.num_replicas).toBe(3);
      let killed = '';
      let acked = 0;
      let refused = 0;
      const total = 2_000;
      let next = 0;
      const lane = async (): Promise<void> => {
        while (next < total) {
          const i = next++;
          if (i === 600 && killed === '') {
            const leader = (await jsm.streams.info(names.mailboxStream)).cluster?.leader ?? '';
            const victim = servers.find((s) => s.name === leader);
            killed = leader;
            await victim?.kill('SIGKILL');
          }
          const a = counters[i % counters.length] as string;
          try {
            await system.ref(a).tell('counter.add', 1);
            expected.set(a, (expected.get(a) ?? 0) + 1);
            acked++;
          } catch {
            refused++;
          }
        }
      };
      const started = Date.now();
      await Promise.all(Array.from({ length: 8 }, lane));
      const sent = Date.now() - started;
      expect(killed).not.toBe('');
      for (const a of counters) {
        await eventually(
          async () => {
            const got = await system
              .ref(a)
              .ask<{ count: number }>('counter.get', undefined, { timeoutMs: 3_000 })
              .catch((e: unknown) => (e as Error).message);
            if (process.env['DBG'])
              console.log(a, JSON.stringify(got), expected.get(a), JSON.stringify(c.leases().filter((l) => l.address === a)));
            return typeof got === 'object' && got?.count === expected.get(a);
          },
          90_000,
          `${a} to have every acknowledged message`,
        );
      }
      console.log(
        `nats failover: killed leader ${killed}; ${acked} sends acknowledged, ${refused} refused; sending took ${sent} ms; ` +
          `all counted ${Date.now() - started} ms after traffic began`,
      );
      expect(acked + refused).toBe(total);
      expect(refused).toBe(0);
    } finally {
      if (process.env['DBG']) for (const n of nodes) console.log(`--- ${n.id}\n${n.output.slice(-4000)}`);
      await system.shutdown().catch(() => undefined);
    }
  }, 180_000);
});
