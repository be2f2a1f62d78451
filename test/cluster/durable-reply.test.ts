/**
 * Issue 12, finding 2: an asker hears of an effect only once it is durable. A snapshotted actor answers its asks
 * after the snapshot that holds their effects is saved; when it restarts from its last snapshot (a handler crash),
 * the messages handled since are delivered again and handled on the restored state, never acknowledged and lost.
 */
import { describe, expect, it } from 'vitest';
import type { Behavior } from '../../runtime/index.js';
import { meshFixture } from './mesh-fixture.js';

const mesh = meshFixture();

interface Tally {
  seen: number[];
}

/** Adds `n` to a set; `boom` crashes the handler once (after the first, slow add let the others queue up). */
function tally(crashed: { done: boolean }): Behavior<Tally> {
  return {
    init: () => ({ seen: [] }),
    snapshot: (s) => ({ seen: s.seen }),
    restore: (snap) => ({ seen: [...(snap as Tally).seen] }),
    async receive(msg, ctx) {
      if (msg.type === 'tally.get') return ctx.state.seen;
      if (msg.payload === 'boom') {
        if (!crashed.done) {
          crashed.done = true;
          throw new Error('boom');
        }
        return 'boom handled';
      }
      if (msg.payload === 0) await new Promise((r) => setTimeout(r, 300));
      ctx.state.seen.push(Number(msg.payload));
      return ctx.state.seen.length;
    },
  };
}

describe('durable replies', () => {
  it('answers no ask whose effect a restart from the last snapshot lost: every acknowledged add is counted once', async () => {
    const system = await mesh.node('durable1', 'a', { ackWaitMs: 2_000 });
    const client = await mesh.node('durable1', 'b');
    const crashed = { done: false };
    await system.spawn('tally/d', tally(crashed));
    // Asked from another node: through the mailbox stream (a local ask would skip the durable mailbox).
    const ref = client.ref('tally/d');
    // 0 is slow: 1..5 and the crash queue up behind it and are handled in one pass, before any snapshot is saved.
    const asks = [0, 1, 2, 3, 4, 5].map((n) => ref.ask<number>('tally.add', n, { timeoutMs: 20_000 }).then(() => n));
    await new Promise((r) => setTimeout(r, 50));
    const boom = ref.ask('tally.add', 'boom', { timeoutMs: 20_000 }).catch((e: unknown) => e);
    const acked = (await Promise.allSettled(asks)).flatMap((r) => (r.status === 'fulfilled' ? [r.value] : []));
    await boom;
    expect(crashed.done).toBe(true);
    const seen = await ref.ask<number[]>('tally.get', undefined, { timeoutMs: 10_000 });
    for (const n of acked) expect(seen, `acknowledged add ${n}`).toContain(n);
    expect(new Set(seen).size, `each add once: ${JSON.stringify(seen)}`).toBe(seen.length);
    expect(acked).toEqual([0, 1, 2, 3, 4, 5]);
  }, 60_000);
});
