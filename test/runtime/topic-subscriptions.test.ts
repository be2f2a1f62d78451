/**
 * Ended topic subscriptions on the memory transport (runtime/memory-transport.ts) leave nothing behind: every run is
 * followed through a subscription of its own topic (`run.<id>`, actors/agent/wait.ts), so anything an ended one kept —
 * the subscription, its handler and all the handler holds, an empty set for its topic — would grow with every run.
 */
import v8 from 'node:v8';
import vm from 'node:vm';
import { afterEach, describe, expect, it } from 'vitest';
import { MemoryTransport, type ActorSystem } from '../../runtime/index.js';
import { createSystem } from '../../supervisors/index.js';

let system: ActorSystem | undefined;

afterEach(async () => {
  await system?.shutdown();
  system = undefined;
});

describe('memory transport topic subscriptions', () => {
  it('an unsubscribed topic is forgotten: its handler is garbage, and the mesh keeps no entry for the topic', async () => {
    v8.setFlagsFromString('--expose-gc');
    const gc = vm.runInNewContext('gc') as () => void;
    const transport = new MemoryTransport();
    system = await createSystem({ transport });
    const handlers: WeakRef<object>[] = [];
    const seen: string[] = [];
    // One run's waiter: subscribed, hears its event, unsubscribed (in a function of its own: the test's frame keeps none).
    const follow = async (s: ActorSystem, i: number): Promise<void> => {
      // What a run's waiter holds: its events (here a large array), reachable only from the handler.
      const held = new Array<number>(10_000).fill(i);
      const handler = (): void => void seen.push(`run.r${i}:${held.length}`);
      handlers.push(new WeakRef(handler));
      const sub = s.subscribe(`run.r${i}`, handler);
      await s.publish(`run.r${i}`, { seq: 1 });
      await new Promise((r) => setImmediate(r));
      sub.unsubscribe();
    };
    for (let i = 0; i < 50; i++) await follow(system, i);
    expect(seen).toHaveLength(50);
    expect([...transport.hub.exact.keys()].filter((t) => t.startsWith('run.r'))).toEqual([]);
    // WeakRefs hold their targets until the current job ends: collect in a later one.
    await new Promise((r) => setImmediate(r));
    gc();
    expect(handlers.filter((h) => h.deref() !== undefined)).toHaveLength(0);
  });

  it('a topic another subscriber still follows keeps its entry, and that subscriber hears what is published', async () => {
    const transport = new MemoryTransport();
    system = await createSystem({ transport });
    const heard: unknown[] = [];
    const stays = system.subscribe('run.shared', (env) => void heard.push(env.payload));
    system.subscribe('run.shared', () => undefined).unsubscribe();
    await system.publish('run.shared', { seq: 1 });
    await new Promise((r) => setImmediate(r));
    expect(heard).toEqual([{ seq: 1 }]);
    expect(transport.hub.exact.get('run.shared')?.size).toBe(1);
    stays.unsubscribe();
    expect(transport.hub.exact.has('run.shared')).toBe(false);
  });
});
