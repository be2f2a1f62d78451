/**
 * An ask whose actor stops before handling it (its node stopping or draining) is made again where the actor is found
 * next (`askHandled`, used for thread writes and tool calls): the message did nothing there. A failure of a message
 * that was handled — or an actor stopping while it handled one — is not made again.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { STOPPED_BEFORE_HANDLING, stoppedBeforeHandling } from '../../protocols/index.js';
import type { ActorRef, ActorSystem, Behavior } from '../../runtime/index.js';
import { createSystem } from '../../supervisors/index.js';
import { askHandled } from '../../actors/agent/run-contract.js';

const systems: ActorSystem[] = [];
afterEach(async () => {
  for (const s of systems.splice(0)) await s.shutdown();
});

/** An actor whose first message waits for `release` (so later ones queue behind it); answers `generation`. */
function blocking(generation: number, gate: { release?: () => void; handled: string[] }): Behavior<null> {
  return {
    init: () => null,
    async receive(msg) {
      gate.handled.push(`${generation}:${String(msg.type)}`);
      if (msg.type === 'block') await new Promise<void>((r) => (gate.release = r));
      if (msg.type === 'boom') throw new Error('handled, then failed');
      return generation;
    },
  };
}

describe('askHandled', () => {
  it('asks again, found anew, while the actor stopped before handling the message; the answer is the next actor’s', async () => {
    const system = await createSystem({});
    systems.push(system);
    const gate: { release?: () => void; handled: string[] } = { handled: [] };
    let current: ActorRef = await system.spawn('worker/a', blocking(1, gate));
    void current.ask('block', undefined, { timeoutMs: 10_000 }).catch(() => undefined);
    let resolves = 0;
    const answer = askHandled(
      async () => {
        resolves++;
        return current;
      },
      (ref) => ref.ask<number>('work', undefined, { timeoutMs: 10_000 }),
    );
    // The second message waits behind the first; the actor stops (its handler abandoned after the stop timeout) with it queued,
    // and comes back as generation 2.
    await new Promise((r) => setTimeout(r, 50));
    await system.stop(current);
    current = await system.spawn('worker/a', blocking(2, gate));
    expect(await answer).toBe(2);
    expect(resolves).toBe(2);
    expect(gate.handled).toEqual(['1:block', '2:work']);
  });

  it('does not ask again after a failure of a handled message, nor for another kind of stop', async () => {
    const system = await createSystem({});
    systems.push(system);
    const gate: { release?: () => void; handled: string[] } = { handled: [] };
    const ref = await system.spawn('worker/b', blocking(1, gate));
    let asks = 0;
    await expect(
      askHandled(
        async () => ref,
        (r) => {
          asks++;
          return r.ask('boom', undefined, { timeoutMs: 5_000 });
        },
      ),
    ).rejects.toThrow(/handled, then failed/);
    expect(asks).toBe(1);
    expect(stoppedBeforeHandling(new Error(`x ${STOPPED_BEFORE_HANDLING}`))).toBe(false); // not a TroupeError
  });
});
