/**
 * A takeover keeps the address's durable consumer when the last holder settled everything it was delivered (no new
 * consumer, so no leader election for one on a cluster: ADR 0020, second amendment), and re-creates it when the last
 * holder died holding a message, which then comes again at once rather than after its ack wait.
 */
import { describe, expect, it } from 'vitest';
import { Kvm } from '@nats-io/kv';
import { connect } from '@nats-io/transport-node';
import { jetstreamManager } from '@nats-io/jetstream';
import type { ActorSystem, Behavior } from '../../runtime/index.js';
import { MeshNames, type JetStreamTransport } from '../../runtime/jetstream/index.js';
import { eventually } from '../transport/contract.js';
import { meshFixture } from './mesh-fixture.js';

const mesh = meshFixture();
/** Far longer than any wait below: a message left to its ack wait would fail the test. */
const ACK_WAIT_MS = 60_000;
const ADDRESS = 'counter/keep';

/** Adds each message's number; `hold` makes it wait on `gate` first (a handler that never ends on a dying node). */
function counter(gate: Promise<void>): Behavior<{ sum: number }> {
  return {
    init: () => ({ sum: 0 }),
    snapshot: (s) => ({ sum: s.sum }),
    restore: (snap) => snap as { sum: number },
    async receive(msg, ctx) {
      if (msg.type === 'counter.get') return ctx.state.sum;
      const p = msg.payload as { n: number; hold?: boolean };
      if (p.hold === true) await gate;
      ctx.state.sum += p.n;
      return ctx.state.sum;
    },
  };
}

const never = new Promise<void>(() => undefined);

describe('durable consumer across activations', () => {
  it('is kept when the last holder settled everything, re-created when it died holding a message', async () => {
    const prefix = `keep${process.pid}`;
    const names = new MeshNames(prefix);
    const durable = names.consumer('default', ADDRESS, false);
    const nc = await connect({ servers: mesh.server().url });
    let dead: ActorSystem | undefined;
    try {
      const jsm = await jetstreamManager(nc);
      const created = async (): Promise<string> => (await jsm.consumers.info(names.mailboxStream, durable)).created;
      const a = await mesh.node(prefix, 'a', { ackWaitMs: ACK_WAIT_MS });
      const b = await mesh.node(prefix, 'b', { ackWaitMs: ACK_WAIT_MS });
      const onA = await a.spawn(ADDRESS, counter(never));
      for (let i = 0; i < 3; i++) await onA.ask('counter.add', { n: 1 });
      const first = await created();

      // a's lease is expired under it (as when its renewals fail through an election): it fences itself, b takes over.
      const kv = await new Kvm(nc).open(names.directoryBucket);
      const key = `s.${names.addressKey('default', ADDRESS)}`;
      const entry = await kv.get(key);
      await kv.update(key, JSON.stringify({ ...(JSON.parse(entry!.string()) as object), renewedAt: 0 }), entry!.revision);
      await eventually(() => a.ref(ADDRESS).state === undefined, 10_000, 'a to fence itself');
      const onB = await b.spawn(ADDRESS, counter(Promise.resolve()));
      expect(await onB.ask<number>('counter.add', { n: 10 })).toBe(13);
      expect(await created(), 'nothing was pending: the consumer is kept').toBe(first);

      // b dies (its connection closes) inside a handler that holds a message; c takes over once b is dead.
      await b.shutdown();
      mesh.forget(b);
      const b2 = await mesh.node(prefix, 'b2', { ackWaitMs: ACK_WAIT_MS });
      const onB2 = await b2.spawn(ADDRESS, counter(never));
      expect(await onB2.ask<number>('counter.get')).toBe(13);
      await onB2.tell('counter.add', { n: 100, hold: true });
      await eventually(
        async () => (await jsm.consumers.info(names.mailboxStream, durable)).num_ack_pending === 1,
        10_000,
        'b2 to hold the message',
      );
      await (b2.transport as JetStreamTransport).connection.close();
      mesh.forget(b2);
      dead = b2;
      const c = await mesh.node(prefix, 'c', { ackWaitMs: ACK_WAIT_MS });
      const began = Date.now();
      await eventually(
        async () => {
          await c.spawn(ADDRESS, counter(Promise.resolve())).catch(() => undefined);
          return c.ref(ADDRESS).state !== undefined;
        },
        15_000,
        'c to take over once b2 is dead',
      );
      await eventually(
        async () =>
          (await c
            .ref(ADDRESS)
            .ask<number>('counter.get', undefined, { timeoutMs: 2_000 })
            .catch(() => 0)) === 113,
        10_000,
        'the held message to come again at once',
      );
      expect(Date.now() - began).toBeLessThan(ACK_WAIT_MS / 2);
      expect(await created(), 'a message was pending: the consumer is re-created').not.toBe(first);
    } finally {
      // The node "killed" by closing its connection still runs timers and watches: stopped here, or its watches
      // re-watch on the closed connection for the rest of the test worker (isolate: false).
      await dead?.shutdown().catch(() => undefined);
      await nc.close();
    }
  }, 60_000);
});
