/**
 * The lifecycle machine every actor runs (XState v5):
 * created → starting → ready ⇄ busy → stopping → stopped, failed → restarting → starting,
 * and terminated. `stopped` and `terminated` are final. A supervisor may also restart a
 * healthy actor (one-for-all, rest-for-one) or one still starting, so starting, ready and busy
 * accept RESTART.
 */
import { createActor, setup } from 'xstate';
import type { LifecycleState, WireError } from '../protocols/index.js';
import type { Lifecycle, LifecycleFactory, LifecycleInput } from '../runtime/index.js';

type LifecycleEventObject = { type: LifecycleInput };

/** The machine definition (exported for model-based tests and diagrams). */
export const lifecycleMachine = setup({
  types: { events: {} as LifecycleEventObject },
}).createMachine({
  id: 'actor',
  initial: 'created',
  states: {
    created: { on: { START: 'starting', STOP: 'stopping', TERMINATE: 'terminated' } },
    starting: { on: { STARTED: 'ready', FAIL: 'failed', RESTART: 'restarting', STOP: 'stopping', TERMINATE: 'terminated' } },
    ready: { on: { BUSY: 'busy', FAIL: 'failed', RESTART: 'restarting', STOP: 'stopping', TERMINATE: 'terminated' } },
    busy: { on: { IDLE: 'ready', FAIL: 'failed', RESTART: 'restarting', STOP: 'stopping', TERMINATE: 'terminated' } },
    failed: { on: { RESTART: 'restarting', STOP: 'stopping', TERMINATE: 'terminated' } },
    restarting: { on: { START: 'starting', STOP: 'stopping', TERMINATE: 'terminated' } },
    stopping: { on: { STOPPED: 'stopped', TERMINATE: 'terminated' } },
    stopped: { type: 'final' },
    terminated: { type: 'final' },
  },
});

/** Every (state, input) → state edge of the machine, for model-based tests. */
export function lifecycleEdges(): { from: LifecycleState; input: LifecycleInput; to: LifecycleState }[] {
  const edges: { from: LifecycleState; input: LifecycleInput; to: LifecycleState }[] = [];
  for (const [from, node] of Object.entries(lifecycleMachine.config.states ?? {})) {
    for (const [input, to] of Object.entries((node as { on?: Record<string, string> }).on ?? {})) {
      edges.push({ from: from as LifecycleState, input: input as LifecycleInput, to: to as LifecycleState });
    }
  }
  return edges;
}

/** The lifecycle factory that runs {@link lifecycleMachine} for each actor. */
export const xstateLifecycle: LifecycleFactory = (_info, onTransition) => {
  const actor = createActor(lifecycleMachine);
  actor.start();
  let state = actor.getSnapshot().value as LifecycleState;
  const lifecycle: Lifecycle = {
    get state() {
      return state;
    },
    send(input: LifecycleInput, error?: WireError) {
      const from = state;
      if (from === 'stopped' || from === 'terminated') return;
      actor.send({ type: input });
      const to = actor.getSnapshot().value as LifecycleState;
      if (to === from) return;
      state = to;
      onTransition(from, to, input, error);
      if (to === 'stopped' || to === 'terminated') actor.stop();
    },
  };
  return lifecycle;
};
