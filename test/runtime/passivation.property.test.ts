/**
 * Passivation (ADR 0036) under random schedules: actors the mesh activates on demand sleep after their idle timeout
 * and wake on the next message, and across any mix of idle spells, sends (tells, asks, and sends made at the moment
 * an actor begins to passivate), no message is lost or reordered per actor and the state survives every sleep.
 */
import v8 from 'node:v8';
import vm from 'node:vm';
import { afterEach, describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { configSchema } from '../../config/index.js';
import { MeshNode, SimulatedClock, inspectCell, type ActorRef, type ActorSystem, type Behavior } from '../../runtime/index.js';
import { createSystem } from '../../supervisors/index.js';

const IDLE_MS = 1_000;

/** A counter that keeps, in order, every sequence number it was sent (the state a sleep must carry over). */
interface Tally {
  readonly seen: number[];
}

function tally(inits: { n: number }): Behavior<Tally> {
  return {
    init: () => {
      inits.n++;
      return { seen: [] };
    },
    snapshot: (s) => ({ seen: [...s.seen] }),
    restore: (snap) => ({ seen: [...(snap as Tally).seen] }),
    canPassivate: () => true,
    receive(msg, ctx) {
      if (msg.type === 'tally.add') ctx.state.seen.push(msg.payload as number);
      return msg.type === 'tally.read' ? [...ctx.state.seen] : ctx.state.seen.length;
    },
  };
}

let system: ActorSystem | undefined;
let mesh: MeshNode | undefined;
afterEach(async () => {
  mesh?.stop();
  await system?.shutdown();
  system = undefined;
  mesh = undefined;
});

async function start(clock: SimulatedClock, inits: { n: number }): Promise<{ system: ActorSystem; mesh: MeshNode }> {
  system = await createSystem({ config: configSchema.parse({ mailbox: { idleTimeoutMs: IDLE_MS } }), clock, random: () => 0.5 });
  mesh = new MeshNode(system).host({ kind: 'tally', behavior: () => tally(inits) });
  await mesh.start();
  return { system, mesh };
}

type Step =
  | { readonly op: 'tell'; readonly actor: number; readonly count: number }
  | { readonly op: 'ask'; readonly actor: number }
  | { readonly op: 'idle'; readonly ms: number }
  /** Sends `count` tells to `actor` from inside its next passivation (when it begins to stop). */
  | { readonly op: 'onSleep'; readonly actor: number; readonly count: number };

const ACTORS = 3;
const step: fc.Arbitrary<Step> = fc.oneof(
  fc.record({ op: fc.constant('tell' as const), actor: fc.nat(ACTORS - 1), count: fc.integer({ min: 1, max: 5 }) }),
  fc.record({ op: fc.constant('ask' as const), actor: fc.nat(ACTORS - 1) }),
  fc.record({ op: fc.constant('idle' as const), ms: fc.oneof(fc.integer({ min: 0, max: 400 }), fc.integer({ min: 900, max: 3_000 })) }),
  fc.record({ op: fc.constant('onSleep' as const), actor: fc.nat(ACTORS - 1), count: fc.integer({ min: 1, max: 3 }) }),
);

describe('passivation', () => {
  it('loses and reorders nothing per actor, and keeps state across sleeps, under random idle/wake schedules', async () => {
    await fc.assert(
      fc.asyncProperty(fc.array(step, { minLength: 1, maxLength: 30 }), async (steps) => {
        const clock = new SimulatedClock();
        const inits = { n: 0 };
        const { system: s, mesh: m } = await start(clock, inits);
        const refs: ActorRef[] = [];
        for (let i = 0; i < ACTORS; i++) refs.push(await m.activate(`tally/a${i}`));
        const sent: number[][] = refs.map(() => []);
        const next = refs.map(() => 0);
        const failures: unknown[] = [];
        const send = (i: number): void => {
          const seq = ++next[i]!;
          sent[i]!.push(seq);
          (refs[i] as ActorRef).tell('tally.add', seq).catch((e: unknown) => failures.push(e));
        };
        // Sends queued for the moment an actor begins to passivate (its lifecycle leaves ready for stopping).
        const onSleep = refs.map(() => 0);
        let sleeps = 0;
        s.watchLifecycle((e) => {
          if (e.to !== 'stopping') return;
          sleeps++;
          const i = refs.findIndex((r) => r.address === e.address);
          for (; i >= 0 && onSleep[i]! > 0; onSleep[i]!--) send(i);
        });
        const asks: Promise<unknown>[] = [];
        for (const st of steps) {
          if (st.op === 'tell') for (let k = 0; k < st.count; k++) send(st.actor);
          else if (st.op === 'ask') asks.push(refs[st.actor]!.ask('tally.count', undefined, { timeoutMs: 60_000 }));
          else if (st.op === 'onSleep') onSleep[st.actor]! += st.count;
          else await clock.advance(st.ms);
        }
        await Promise.all(asks);
        // Everything sent has been handled once the actors are asked (an ask is handled after the tells before it).
        for (let i = 0; i < ACTORS; i++) {
          const seen = await refs[i]!.ask<number>('tally.count');
          expect(seen).toBe(sent[i]!.length);
        }
        // Let every actor fall asleep, then wake each with a read of its whole history.
        await clock.advance(IDLE_MS * 2);
        for (const r of refs) expect(inspectCell(s, r)).toBeUndefined();
        for (let i = 0; i < ACTORS; i++) {
          const history = await peek(refs[i]!);
          expect(history).toEqual(sent[i]);
        }
        expect(failures).toEqual([]);
        expect(sleeps).toBeGreaterThanOrEqual(ACTORS);
        await s.shutdown();
        m.stop();
        system = undefined;
        mesh = undefined;
      }),
      { numRuns: 40 },
    );
  });

  it('releases a sleeping actor from the node, keeps its state in storage, and wakes it in order on the next message', async () => {
    const clock = new SimulatedClock();
    const inits = { n: 0 };
    const { system: s, mesh: m } = await start(clock, inits);
    const ref = await m.activate('tally/one');
    await ref.tell('tally.add', 1);
    await ref.tell('tally.add', 2);
    expect(await ref.ask('tally.count')).toBe(2);
    expect(s.actors().map((r) => r.address)).toContain('tally/one');
    await clock.advance(IDLE_MS * 1.5);
    expect(inspectCell(s, ref)).toBeUndefined();
    expect(s.actors().map((r) => r.address)).not.toContain('tally/one');
    expect(await s.storage.bucket('parked').get(['default', 'tally/one'])).toEqual({ state: { seen: [1, 2] }, recent: [] });
    // Two tells and an ask sent to the sleeping address are handled in order by one new activation.
    void ref.tell('tally.add', 3);
    void ref.tell('tally.add', 4);
    expect(await ref.ask('tally.count')).toBe(4);
    expect(await peek(ref)).toEqual([1, 2, 3, 4]);
    expect(inits.n).toBe(1);
    expect(await s.storage.bucket('parked').get(['default', 'tally/one'])).toBeUndefined();
  });

  it('leaves nothing of a sleeping actor reachable: its cell is garbage once it passivated', async () => {
    v8.setFlagsFromString('--expose-gc');
    const gc = vm.runInNewContext('gc') as () => void;
    const clock = new SimulatedClock();
    const { system: s, mesh: m } = await start(clock, { n: 0 });
    const refs = await Promise.all(['tally/g1', 'tally/g2'].map((a) => m.activate(a)));
    for (const r of refs) await r.tell('tally.add', 1);
    const cells = refs.map((r) => new WeakRef(inspectCell(s, r) as object));
    await clock.advance(IDLE_MS * 1.5);
    for (const r of refs) expect(inspectCell(s, r)).toBeUndefined();
    // WeakRefs hold their targets until the current job ends: collect in a later one.
    await new Promise((r) => setImmediate(r));
    gc();
    expect(cells.map((c) => c.deref() === undefined)).toEqual([true, true]);
    // Asleep, not gone: the next message brings the state back.
    expect(await refs[0]!.ask('tally.read')).toEqual([1]);
  });

  it('does not passivate an actor whose behavior has no canPassivate, nor with the idle timeout at 0', async () => {
    const clock = new SimulatedClock();
    system = await createSystem({ config: configSchema.parse({ mailbox: { idleTimeoutMs: IDLE_MS } }), clock, random: () => 0.5 });
    mesh = new MeshNode(system)
      .host({ kind: 'awake', behavior: () => ({ receive: () => 1 }) })
      .host({ kind: 'off', behavior: () => tally({ n: 0 }), options: { idleTimeoutMs: 0 } });
    await mesh.start();
    const a = await mesh.activate('awake/x');
    const b = await mesh.activate('off/y');
    await clock.advance(IDLE_MS * 5);
    expect(inspectCell(system, a)).toBeDefined();
    expect(inspectCell(system, b)).toBeDefined();
  });
});

/** The actor's whole history, in the order it handled it (waking it when it sleeps). */
function peek(ref: ActorRef): Promise<number[]> {
  return ref.ask<number[]>('tally.read');
}
