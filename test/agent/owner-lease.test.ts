/**
 * A thread owner writes only while it holds its shard (actors/agent/threads.ts `whileHeld`): an owner paused between
 * a read and its write (a stopped process, a cut link) whose shard was taken over meanwhile would otherwise write over
 * what the next owner wrote. Two parts: the activation's context says when its lease is no longer trusted (a real
 * nats-server, killed under it), and the owner's storage refuses every write once it says so, as an actor stopped
 * before handling the message (its sender asks again).
 */
import { describe, expect, it } from 'vitest';
import { stoppedBeforeHandling } from '../../protocols/index.js';
import { MemoryStorage, type ActorContext } from '../../runtime/index.js';
import { JetStreamTransport } from '../../runtime/jetstream/index.js';
import { createSystem } from '../../supervisors/index.js';
import { whileHeld } from '../../actors/agent/threads.js';
import { NatsServer } from '../nats/server.js';
import { eventually } from '../transport/contract.js';

describe('a thread owner that no longer holds its shard', () => {
  it('is told so by its context once its lease is no longer trusted', async () => {
    const own = await NatsServer.start();
    let seen: ActorContext | undefined;
    const s = await createSystem({
      node: 'lease-owner',
      transport: new JetStreamTransport({ servers: own.url, prefix: 'ownerlease', leaseTtlMs: 900, requestTimeoutMs: 300 }),
      warn: () => undefined,
    });
    try {
      const ref = await s.spawn('thread/s00', {
        init: () => ({}),
        receive: (_msg, ctx) => {
          seen = ctx as ActorContext;
          return ctx.holdsAddress;
        },
      });
      expect(await ref.ask('look')).toBe(true);
      expect(seen?.holdsAddress).toBe(true);
      // No renewal can land from now on: the lease is trusted for two thirds of its 900 ms, then fenced.
      await own.kill('SIGKILL');
      await eventually(() => seen?.holdsAddress === false, 10_000, 'the context to say the lease is gone');
    } finally {
      await Promise.race([s.shutdown(), new Promise((r) => setTimeout(r, 2_000))]);
      await own.stop();
    }
  }, 30_000);

  it('has every write refused once it lost its shard, and its reads still answered', async () => {
    const storage = new MemoryStorage();
    const ctx = { holdsAddress: true, self: { address: 'thread/s03' } } as Pick<ActorContext, 'holdsAddress' | 'self'>;
    const threads = whileHeld(storage, ctx).bucket('threads');
    await threads.put(['acme', 't', 'th1'], { status: 'busy', run_id: 'r1' });
    (ctx as { holdsAddress: boolean }).holdsAddress = false;
    const writes: [string, () => Promise<unknown>][] = [
      ['put', () => threads.put(['acme', 't', 'th1'], { status: 'idle' })],
      ['putMany', () => threads.putMany([{ key: ['acme', 't', 'th1'], value: { status: 'idle' } }])],
      ['putFenced', () => threads.putFenced(['acme', 'fence'], 1, [{ key: ['acme', 't', 'th1'], value: { status: 'idle' } }])],
      ['delete', () => threads.delete(['acme', 't', 'th1'])],
      ['deletePrefix', () => threads.deletePrefix(['acme', 't'])],
    ];
    for (const [name, write] of writes) {
      const e = await write().then(
        () => undefined,
        (err: unknown) => err,
      );
      expect(stoppedBeforeHandling(e), `${name} refused as stopped before handling`).toBe(true);
    }
    // Nothing of it landed; reads are answered as before.
    expect(await storage.bucket('threads').get(['acme', 't', 'th1'])).toEqual({ status: 'busy', run_id: 'r1' });
    expect(await threads.get(['acme', 't', 'th1'])).toEqual({ status: 'busy', run_id: 'r1' });
    expect((await threads.list(['acme', 't'])).length).toBe(1);
  });
});
