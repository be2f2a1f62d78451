/**
 * Single activation: two nodes racing for one lease, fencing of an owner that lost it, and self-fencing (ADR 0020):
 * a lease is trusted only until two thirds of the TTL (or of dead-after) past its last successful renewal
 * (heartbeat), by a timer and by a clock check before every message.
 */
import { describe, expect, it } from 'vitest';
import { Kvm } from '@nats-io/kv';
import { connect } from '@nats-io/transport-node';
import { ConflictError } from '../../protocols/index.js';
import { SimulatedClock, systemClock, type ActorSystem, type Behavior, type Clock } from '../../runtime/index.js';
import { Directory, JetStreamTransport, KvMembership, MeshNames } from '../../runtime/jetstream/index.js';
import { createSystem } from '../../supervisors/index.js';
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

  it("never hands out an epoch twice or lower: a lease changing hands between a reader's read and its write", async () => {
    const nc = await connect({ servers: mesh.server().url });
    const names = new MeshNames(`lease${n++}`);
    const kv = await new Kvm(nc).create(names.directoryBucket, { history: 1, allow_direct: false });
    const none = (): void => undefined;
    const key = ['default', 'counter/e', 'default.counter.e'] as const;
    try {
      const a = new Directory(kv, 'a', systemClock, 3_000, none);
      const c = new Directory(kv, 'c', systemClock, 3_000, none);
      await (await a.acquire(...key, none)).release('handover'); // epoch 1, left for a successor
      // b reads the handed-over lease; before b writes, c takes it over (epoch 2) and releases it for good.
      let between: (() => Promise<void>) | undefined = async () => {
        const taken = await c.acquire(...key, none);
        expect(taken.epoch).toBe(2);
        await taken.release('gone');
      };
      const racing = new Proxy(kv, {
        get(target, prop) {
          if (prop === 'get')
            return async (k: string) => {
              const entry = await target.get(k);
              const run = between;
              between = undefined;
              await run?.();
              return entry;
            };
          const v = Reflect.get(target, prop) as unknown;
          return typeof v === 'function' ? (v as (...args: unknown[]) => unknown).bind(target) : v;
        },
      });
      const b = new Directory(racing, 'b', systemClock, 3_000, none);
      // Its write is conditioned on the revision it read: refused, never epoch 2 again (or 1, over c's delete marker).
      await expect(b.acquire(...key, none)).rejects.toBeInstanceOf(ConflictError);
      const again = await b.acquire(...key, none);
      expect(again.epoch).toBeGreaterThan(2);
      await again.release('gone');
    } finally {
      await nc.close();
    }
  });

  it('a lease not renewed fences itself at two thirds of the shorter of the TTL and dead-after past its last renewal', async () => {
    const nc = await connect({ servers: mesh.server().url });
    const names = new MeshNames(`lease${n++}`);
    const kvm = new Kvm(nc);
    const kv = await kvm.create(names.directoryBucket, { history: 1 });
    const clock = new SimulatedClock(Date.now());
    try {
      // TTL rule alone (no membership): trusted until renewedAt + 2 s for a 3 s TTL.
      const bare = new Directory(kv, 'x', clock, 3_000, () => undefined);
      const lost: string[] = [];
      const a = await bare.acquire('default', 'counter/a', 'default.counter.a', (r) => lost.push(r));
      // With the heartbeat rule: a holder dead after 1.5 s may be taken over 1.5 s after its last renewal, so trusted for 1 s only.
      const membership = new KvMembership(
        await kvm.create(names.nodesBucket, { history: 1 }),
        { id: 'y', host: 'h', kinds: [], version: '0', load: 0, startedAt: clock.now(), draining: false },
        clock,
        { heartbeatMs: 60_000, deadAfterMs: 1_500 },
        () => undefined,
      );
      await membership.start();
      const beating = new Directory(kv, 'y', clock, 3_000, () => undefined, membership);
      const lostB: string[] = [];
      const b = await beating.acquire('default', 'counter/b', 'default.counter.b', (r) => lostB.push(r));
      await nc.close(); // no renewal or heartbeat succeeds from now on
      await clock.advance(999);
      expect([a.valid(), b.valid(), lost, lostB]).toEqual([true, true, [], []]);
      await clock.advance(1);
      expect([a.valid(), b.valid(), lost]).toEqual([true, false, []]);
      expect(lostB).toEqual([expect.stringMatching(/not renewed in time: fenced itself/)]);
      await clock.advance(999);
      expect(a.valid()).toBe(true);
      await clock.advance(1);
      expect(a.valid()).toBe(false);
      expect(lost).toEqual([expect.stringMatching(/not renewed in time: fenced itself/)]);
      membership.stop();
    } finally {
      if (!nc.isClosed()) await nc.close();
    }
  });

  it('keeps a lease it renews while its heartbeats fail, and no other node takes it over meanwhile', async () => {
    // The membership bucket electing a leader (a NATS server kill) must not take every lease of the mesh away: before,
    // holders trusted leases only while heartbeats were stored, so all of them fenced themselves and re-activated.
    const nc = await connect({ servers: mesh.server().url });
    const beats = await connect({ servers: mesh.server().url });
    const names = new MeshNames(`lease${n++}`);
    const clock = new SimulatedClock(Date.now());
    try {
      const kv = await new Kvm(nc).create(names.directoryBucket, { history: 1 });
      const nodesKv = await new Kvm(beats).create(names.nodesBucket, { history: 1 });
      const info = (id: string) => ({ id, host: 'h', kinds: [], version: '0', load: 0, startedAt: clock.now(), draining: false });
      // Windows long in simulated time next to the real time a renewal takes (a loaded machine must not miss renewals).
      const opts = { heartbeatMs: 5_000, deadAfterMs: 15_000 };
      const mine = new KvMembership(nodesKv, info('holder'), clock, opts, () => undefined);
      const theirs = new KvMembership(await new Kvm(nc).open(names.nodesBucket), info('other'), clock, opts, () => undefined);
      await mine.start();
      await theirs.start();
      const holder = new Directory(kv, 'holder', clock, 30_000, () => undefined, mine);
      const other = new Directory(kv, 'other', clock, 30_000, () => undefined, theirs);
      const lost: string[] = [];
      const lease = await holder.acquire('default', 'counter/h', 'default.counter.h', (r) => lost.push(r));
      await beats.close(); // heartbeats fail from now on; lease renewals (on `nc`) go on
      const renewedTo = async (ms: number): Promise<void> => {
        for (let t = 0; t < ms; t += 100) {
          await clock.advance(100);
          await new Promise((r) => setTimeout(r, 5)); // let a renewal the timer started land
        }
      };
      await renewedTo(60_000); // four times dead-after without a stored heartbeat
      expect(theirs.isLive('holder')).toBe(false); // the others see it silent...
      expect(await theirs.confirmedDead('holder')).toBe(true);
      expect([lease.valid(), lost]).toEqual([true, []]); // ...but it renewed, so it keeps its lease
      await expect(other.acquire('default', 'counter/h', 'default.counter.h', () => undefined)).rejects.toBeInstanceOf(ConflictError);
      // Once it stops renewing too, the other takes the lease over after dead-after, and the holder has fenced itself.
      await lease.release('abandon');
      await clock.advance(15_001);
      expect(lease.valid()).toBe(false);
      const taken = await other.acquire('default', 'counter/h', 'default.counter.h', () => undefined);
      expect(taken.epoch).toBe(2);
      await taken.release();
      mine.stop();
      theirs.stop();
    } finally {
      if (!beats.isClosed()) await beats.close();
      await nc.close();
    }
  });

  it('an activation whose lease deadline passed handles no queued message, even before its fencing timer runs', async () => {
    const prefix = `lease${n++}`;
    // Real timers, a clock that can jump: as after a SIGSTOP, time is past the deadline but no timer has run yet.
    let offset = 0;
    const clock: Clock = { ...systemClock, now: () => Date.now() + offset };
    const warnings: string[] = [];
    const transport = new JetStreamTransport({ servers: mesh.server().url, prefix, leaseTtlMs: 30_000, deadAfterMs: 30_000 });
    const system = await createSystem({ node: 'jumpy', transport, clock, warn: (m) => warnings.push(m) });
    try {
      const handled: unknown[] = [];
      const ref = await system.spawn('counter/jump', {
        receive: (msg) => void handled.push(msg.payload),
      });
      await ref.tell('counter.add', 1);
      await eventually(() => handled.length === 1, 5_000, 'the first message');
      offset = 25_000; // past renewedAt + 20 s; the fencing timer is 20 s of real time away, renewals 10 s
      await ref.tell('counter.add', 2);
      await eventually(() => system.ref('counter/jump').state === undefined, 10_000, 'the activation to end');
      expect(handled).toEqual([1]);
      expect(warnings.some((w) => /counter\/jump: lease not renewed in time; this activation stops/.test(w))).toBe(true);
    } finally {
      await system.shutdown().catch(() => undefined);
    }
  });
});
