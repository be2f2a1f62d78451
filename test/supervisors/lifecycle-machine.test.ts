/**
 * Model-based tests of the lifecycle machine: the edge list from `lifecycleEdges()` is the
 * model; every edge is walked from `created` by a shortest path, every unlisted input is
 * checked to be ignored, and the `xstateLifecycle` adapter is compared with the model on
 * random input sequences.
 */
import { afterEach, describe, expect, it, vi } from 'vitest';
import fc from 'fast-check';
import { createActor } from 'xstate';
import { LIFECYCLE_STATES, type LifecycleState, type WireError } from '../../protocols/index.js';
import type { LifecycleInput } from '../../runtime/index.js';
import { lifecycleEdges, lifecycleMachine, xstateLifecycle } from '../../supervisors/index.js';

const INPUTS = [
  'START',
  'STARTED',
  'BUSY',
  'IDLE',
  'FAIL',
  'RESTART',
  'STOP',
  'STOPPED',
  'TERMINATE',
] as const satisfies readonly LifecycleInput[];
// Compile-time check that INPUTS lists every LifecycleInput.
const _allInputs: [Exclude<LifecycleInput, (typeof INPUTS)[number]>] extends [never] ? true : false = true;
const FINAL: readonly LifecycleState[] = ['stopped', 'terminated'];

const edges = lifecycleEdges();
/** The model: state → input → target. */
const model = new Map<LifecycleState, Map<LifecycleInput, LifecycleState>>(LIFECYCLE_STATES.map((s) => [s, new Map()]));
for (const e of edges) model.get(e.from)?.set(e.input, e.to);

const step = (s: LifecycleState, i: LifecycleInput): LifecycleState => model.get(s)?.get(i) ?? s;

/** Shortest input sequence from `created` to every reachable state (BFS over the model). */
function shortestPaths(): Map<LifecycleState, LifecycleInput[]> {
  const paths = new Map<LifecycleState, LifecycleInput[]>([['created', []]]);
  const queue: LifecycleState[] = ['created'];
  for (let s = queue.shift(); s !== undefined; s = queue.shift()) {
    const here = paths.get(s) ?? [];
    for (const [input, to] of model.get(s) ?? []) {
      if (paths.has(to)) continue;
      paths.set(to, [...here, input]);
      queue.push(to);
    }
  }
  return paths;
}
const paths = shortestPaths();

/** A running machine driven to `state` by its shortest path. */
function machineAt(state: LifecycleState) {
  const actor = createActor(lifecycleMachine).start();
  for (const input of paths.get(state) ?? []) actor.send({ type: input });
  expect(actor.getSnapshot().value).toBe(state);
  return actor;
}

afterEach(() => {
  vi.restoreAllMocks();
});

describe('lifecycleMachine (model-based)', () => {
  it('has exactly the protocol states, starts in created, and every state is reachable', () => {
    expect(_allInputs).toBe(true);
    expect(Object.keys(lifecycleMachine.config.states ?? {}).sort()).toEqual([...LIFECYCLE_STATES].sort());
    expect(createActor(lifecycleMachine).start().getSnapshot().value).toBe('created');
    expect([...paths.keys()].sort()).toEqual([...LIFECYCLE_STATES].sort());
  });

  it('lists only known inputs and targets, and no duplicate edges', () => {
    const keys = edges.map((e) => `${e.from}:${e.input}`);
    expect(new Set(keys).size).toBe(keys.length);
    for (const e of edges) {
      expect(INPUTS).toContain(e.input);
      expect(LIFECYCLE_STATES).toContain(e.to);
    }
  });

  it.each(edges.map((e) => [`${e.from} --${e.input}--> ${e.to}`, e] as const))('walks %s', (_name, e) => {
    const actor = machineAt(e.from);
    actor.send({ type: e.input });
    expect(actor.getSnapshot().value).toBe(e.to);
    expect(actor.getSnapshot().status).toBe(FINAL.includes(e.to) ? 'done' : 'active');
    actor.stop();
  });

  it.each(LIFECYCLE_STATES.map((s) => [s] as const))('ignores every unlisted input in %s', (state) => {
    vi.spyOn(console, 'warn').mockImplementation(() => undefined); // XState warns on sends to a done actor
    const accepted = model.get(state) ?? new Map();
    for (const input of INPUTS) {
      if (accepted.has(input)) continue;
      const actor = machineAt(state);
      actor.send({ type: input });
      expect(actor.getSnapshot().value, `${state} + ${input}`).toBe(state);
      actor.stop();
    }
  });

  it('stopped and terminated are final: no outgoing edges, snapshot done', () => {
    for (const s of FINAL) {
      expect(model.get(s)?.size).toBe(0);
      const actor = machineAt(s);
      expect(actor.getSnapshot().status).toBe('done');
    }
    for (const s of LIFECYCLE_STATES.filter((x) => !FINAL.includes(x))) expect(machineAt(s).getSnapshot().status, s).toBe('active');
  });

  it('every non-final state can be terminated, and every state but stopping/final can be stopped', () => {
    for (const s of LIFECYCLE_STATES) {
      if (FINAL.includes(s)) continue;
      expect(step(s, 'TERMINATE'), s).toBe('terminated');
      if (s !== 'stopping') expect(step(s, 'STOP'), s).toBe('stopping');
    }
    expect(step('stopping', 'STOPPED')).toBe('stopped');
  });

  it('the restart loop: failed → restarting → starting, and healthy actors accept RESTART', () => {
    expect(step('failed', 'RESTART')).toBe('restarting');
    expect(step('restarting', 'START')).toBe('starting');
    expect(step('ready', 'RESTART')).toBe('restarting');
    expect(step('busy', 'RESTART')).toBe('restarting');
    expect(step('starting', 'FAIL')).toBe('failed');
  });
});

describe('xstateLifecycle', () => {
  const info = { address: 'worker/a', tenant: 'default', node: 'n1' };
  const err: WireError = { code: 'handler_failed', name: 'Error', message: 'boom' };

  it('calls the listener exactly once per real transition, with (from, to, input, error)', () => {
    vi.spyOn(console, 'warn').mockImplementation(() => undefined);
    fc.assert(
      fc.property(fc.array(fc.constantFrom(...INPUTS), { maxLength: 40 }), (inputs) => {
        const calls: [LifecycleState, LifecycleState, LifecycleInput, WireError | undefined][] = [];
        const lifecycle = xstateLifecycle(info, (from, to, input, error) => calls.push([from, to, input, error]));
        const expected: typeof calls = [];
        let s: LifecycleState = 'created';
        expect(lifecycle.state).toBe('created');
        for (const input of inputs) {
          const error = input === 'FAIL' ? err : undefined;
          lifecycle.send(input, error);
          const to = step(s, input);
          if (to !== s) expected.push([s, to, input, error]);
          s = to;
          expect(lifecycle.state).toBe(s);
        }
        expect(calls).toEqual(expected);
      }),
      { numRuns: 300 },
    );
  });

  it('walks every edge through the adapter', () => {
    for (const e of edges) {
      const calls: [LifecycleState, LifecycleState, LifecycleInput][] = [];
      const lifecycle = xstateLifecycle(info, (from, to, input) => calls.push([from, to, input]));
      for (const input of paths.get(e.from) ?? []) lifecycle.send(input);
      calls.length = 0;
      lifecycle.send(e.input);
      expect(calls).toEqual([[e.from, e.to, e.input]]);
      expect(lifecycle.state).toBe(e.to);
    }
  });

  it('keeps separate state per actor', () => {
    const a = xstateLifecycle(info, () => undefined);
    const b = xstateLifecycle({ ...info, address: 'worker/b' }, () => undefined);
    a.send('START');
    expect(a.state).toBe('starting');
    expect(b.state).toBe('created');
  });

  // Was a bug (fixed): after a final state the adapter still forwards inputs to the stopped XState actor,
  // which prints "Event ... was sent to stopped actor" via console.warn for every input. The
  // Lifecycle contract says unaccepted inputs are ignored; they should be ignored silently.
  it('ignores inputs after a final state without warnings', () => {
    const warn = vi.spyOn(console, 'warn').mockImplementation(() => undefined);
    for (const final of FINAL) {
      const calls: unknown[] = [];
      const lifecycle = xstateLifecycle(info, (...args) => calls.push(args));
      for (const input of paths.get(final) ?? []) lifecycle.send(input);
      calls.length = 0;
      for (const input of INPUTS) lifecycle.send(input);
      expect(calls).toEqual([]);
      expect(lifecycle.state).toBe(final);
    }
    expect(warn).not.toHaveBeenCalled();
  });
});
