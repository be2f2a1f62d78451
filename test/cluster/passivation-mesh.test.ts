/**
 * Passivation on a real NATS mesh (ADR 0036): an idle actor snapshots, marks its lease passivated and leaves the
 * node's memory; nobody takes it over while it sleeps; a message sent to it after its node left wakes it on another
 * node, which restores the snapshot and handles the message after everything sent before.
 */
import { describe, expect, it } from 'vitest';
import { MeshNode, inspectCell, type ActorSystem, type Behavior, type LeaseInfo } from '../../runtime/index.js';
import { meshFixture } from './mesh-fixture.js';

const mesh = meshFixture();

interface Tally {
  readonly seen: number[];
}

const tally: Behavior<Tally> = {
  init: () => ({ seen: [] }),
  snapshot: (s) => ({ seen: [...s.seen] }),
  restore: (snap) => ({ seen: [...(snap as Tally).seen] }),
  canPassivate: () => true,
  receive(msg, ctx) {
    if (msg.type === 'tally.add') ctx.state.seen.push(msg.payload as number);
    return [...ctx.state.seen];
  },
};

/** Polls `probe` until it answers (real servers: no simulated clock here). */
async function until<T>(what: string, probe: () => T | undefined, ms = 20_000): Promise<T> {
  const end = Date.now() + ms;
  for (;;) {
    const v = probe();
    if (v !== undefined) return v;
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 25));
  }
}

async function placed(system: ActorSystem): Promise<MeshNode> {
  const m = new MeshNode(system, { sweepMs: 100 }).host({ kind: 'tally', behavior: () => tally, options: { idleTimeoutMs: 400 } });
  await m.start();
  return m;
}

const leaseOf = (s: ActorSystem): LeaseInfo | undefined => s.transport.cluster?.leases().find((l) => l.address === 'tally/x');

describe('passivation on a NATS mesh', () => {
  it('an idle actor leaves memory and its lease sleeps; a message after its node left wakes it on another node, in order', async () => {
    const prefix = `pv${Date.now().toString(36)}`;
    const a = await mesh.node(prefix, 'pv-a');
    const b = await mesh.node(prefix, 'pv-b');
    const [ma, mb] = [await placed(a), await placed(b)];
    await until('both nodes in the membership', () => (a.transport.cluster?.membership.live().length === 2 ? true : undefined));
    await ma.activate('tally/x');
    const first = await until('the activation', () => [a, b].find((s) => inspectCell(s, s.ref('tally/x')) !== undefined));
    const [second, firstMesh, secondMesh] = first === a ? [b, ma, mb] : [a, mb, ma];
    const ref = second.ref('tally/x');
    await ref.tell('tally.add', 1);
    await ref.tell('tally.add', 2);
    expect(await ref.ask('tally.read')).toEqual([1, 2]);
    const epoch = leaseOf(second)?.epoch ?? 0;

    // Idle past its timeout: it leaves the first node, and its lease says it sleeps (no one takes it over meanwhile).
    const asleep = await until('the passivated lease', () => (leaseOf(second)?.passivated === true ? leaseOf(second) : undefined));
    expect(inspectCell(first, first.ref('tally/x'))).toBeUndefined();
    expect(first.actors().map((r) => r.address)).not.toContain('tally/x');
    expect(asleep.epoch).toBe(epoch);
    expect(inspectCell(second, ref)).toBeUndefined();

    // The first node leaves; messages sent to the sleeping address wake it on the node that is left.
    firstMesh.stop();
    await first.shutdown();
    mesh.forget(first);
    await until('the first node gone', () => (second.transport.cluster?.membership.live().length === 1 ? true : undefined));
    await ref.tell('tally.add', 3);
    await ref.tell('tally.add', 4);
    expect(await ref.ask('tally.read', undefined, { timeoutMs: 15_000 })).toEqual([1, 2, 3, 4]);
    expect(inspectCell(second, ref)).toBeDefined();
    const awake = leaseOf(second);
    expect(awake?.node).toBe(second.node);
    expect(awake?.passivated).toBeUndefined();
    expect(awake?.epoch).toBeGreaterThan(epoch);
    secondMesh.stop();
  }, 60_000);
});
