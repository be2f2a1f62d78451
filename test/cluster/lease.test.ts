/** Single activation: two nodes racing for one lease, and fencing of an owner that lost it. */
import { describe, expect, it } from 'vitest';
import { Kvm } from '@nats-io/kv';
import { connect } from '@nats-io/transport-node';
import { ConflictError } from '../../protocols/index.js';
import { type ActorSystem, type Behavior } from '../../runtime/index.js';
import { MeshNames } from '../../runtime/jetstream/index.js';
import { eventually } from '../transport/contract.js';
import { meshFixture } from './mesh-fixture.js';

const mesh = meshFixture();
let n = 0;

const node = (prefix: string, id: string): Promise<ActorSystem> => mesh.node(prefix, id, { ackWaitMs: 2_000 });

interface Sum {
  sum: number;
}

function counter(gate?: Promise<void>): Behavior<Sum> {
  return {
    init: () => ({ sum: 0 }),
    snapshot: (s) => ({ sum: s.sum }),
    restore: (snap) => snap as Sum,
    async receive(msg, ctx) {
      if (msg.type === 'counter.get') return ctx.state.sum;
      if (msg.payload === 'slow') await gate;
      else ctx.state.sum += Number(msg.payload);
      return ctx.state.sum;
    },
  };
}

describe('leases', () => {
  it('two nodes racing for one lease: exactly one wins', async () => {
    const prefix = `lease${n++}`;
    const [a, b] = [await node(prefix, 'a'), await node(prefix, 'b')];
    for (let round = 0; round < 10; round++) {
      const address = `counter/race${round}`;
      const results = await Promise.allSettled([a.spawn(address, counter()), b.spawn(address, counter())]);
      const won = results.filter((r) => r.status === 'fulfilled');
      const lost = results.filter((r) => r.status === 'rejected');
      expect(won).toHaveLength(1);
      expect(lost).toHaveLength(1);
      expect((lost[0] as PromiseRejectedResult).reason).toBeInstanceOf(ConflictError);
    }
  });

  it("refuses the writes of an owner whose lease was taken: the new owner's state wins", async () => {
    const prefix = `lease${n++}`;
    const a = await node(prefix, 'a');
    const b = await node(prefix, 'b');
    let open!: () => void;
    const gate = new Promise<void>((r) => (open = r));
    const onA = await a.spawn('counter/fenced', counter(gate));
    for (let i = 0; i < 5; i++) await onA.tell('counter.add', 1);
    await eventually(async () => (await onA.ask<number>('counter.get')) === 5, 5_000, 'five adds on a');
    await onA.tell('counter.add', 'slow'); // a is now stuck inside a handler, holding this message

    // a's lease is taken from under it (as when its renewals stop reaching NATS): expire it.
    const nc = await connect({ servers: mesh.server().url });
    const kv = await new Kvm(nc).open(new MeshNames(prefix).directoryBucket);
    const key = `s.${new MeshNames(prefix).addressKey('default', 'counter/fenced')}`;
    const entry = await kv.get(key);
    const held = JSON.parse(entry!.string()) as { epoch: number };
    await kv.update(key, JSON.stringify({ ...held, renewedAt: 0 }), entry!.revision);
    await nc.close();

    const onB = await b.spawn('counter/fenced', counter());
    expect(await b.ref('counter/fenced').ask<number>('counter.get')).toBe(5);
    open(); // a finishes its handler and tries to save: refused, a ends without acking
    await eventually(() => a.ref('counter/fenced').state === undefined, 10_000, 'a to give up');
    // The held message was never acked by a: b gets it (a 'slow' no-op), then new work.
    await onB.tell('counter.add', 10);
    await eventually(async () => (await onB.ask<number>('counter.get')) === 15, 10_000, 'b to count on');
    const letters = await b.deadLetters.list();
    expect(letters).toEqual([]);
  });
});
