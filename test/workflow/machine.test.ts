import { describe, it, expect } from 'vitest';
import { createActor, createMachine, type Snapshot } from 'xstate';
import { parse } from 'yaml';
import { workflowSchema, type WorkflowDefinition } from '../../config/index.js';
import {
  compileWorkflow,
  firstState,
  resumeWorkflow,
  type StepRequest,
  type WorkflowEmitted,
  type WorkflowInput,
  type WorkflowMachine,
} from '../../actors/workflow/index.js';
import { SimulatedClock } from '../../runtime/index.js';
import { SUPPORT_FLOW_YAML } from './fixtures.js';

type Reply = (r: StepRequest, signal: AbortSignal) => unknown;

/** Runs a definition in simulated time with `reply` answering step runs; records calls (with clock time) and events. */
/** The emitted events as `type:step` (or `type`), in order. */
const trailOf = (events: readonly WorkflowEmitted[]): string[] =>
  events.map((e) => ('step' in e && e.step !== undefined ? `${e.type}:${e.step}` : e.type));

function harness(def: unknown, reply: Reply, input: unknown = {}) {
  const d: WorkflowDefinition = workflowSchema.parse(typeof def === 'string' ? parse(def) : def);
  const clock = new SimulatedClock();
  const calls: (StepRequest & { at: number })[] = [];
  const aborted: string[] = [];
  const execute = async (r: StepRequest, signal: AbortSignal) => {
    calls.push({ ...r, at: clock.now() });
    signal.addEventListener('abort', () => aborted.push(`${r.step}#${r.attempt}`));
    return reply(r, signal);
  };
  const machine = compileWorkflow(d, { clock, execute });
  const events: WorkflowEmitted[] = [];
  const actor = createActor(machine, { input: { input, metadata: { tenant: 't1' } } });
  actor.on('*', (e) => events.push(e as WorkflowEmitted));
  actor.start();
  const trail = () => trailOf(events);
  return { actor, machine, clock, calls, aborted, events, trail, execute };
}

/** A new actor from a persisted snapshot that went through JSON, as storage would hand it back. */
function restore(machine: WorkflowMachine, persisted: Snapshot<unknown>) {
  return createActor(machine, { snapshot: JSON.parse(JSON.stringify(persisted)) as Snapshot<unknown> } as never as {
    input: WorkflowInput;
  });
}

const never = () => new Promise<never>(() => undefined);
const deferred = () => {
  let resolve!: (v: unknown) => void;
  const promise = new Promise<unknown>((r) => (resolve = r));
  return { promise, resolve };
};

describe('workflow machine: DAG form', () => {
  const reply: Reply = (r) =>
    r.kind === 'tool' ? 'T12:00' : r.step === 'classify' ? 'a bill question' : `${r.target}: ${String(r.input)}`;

  it('runs the issue example: the branch whose if holds, skips the other, waits for the human, maps the output', async () => {
    const h = harness(SUPPORT_FLOW_YAML, reply, { text: 'my bill is wrong' });
    await h.clock.advance(1);
    expect(h.calls.map((c) => c.step)).toEqual(['classify', 'billing']);
    expect(h.calls[1]?.input).toBe('my bill is wrong');
    expect(h.actor.getSnapshot().context.steps.review?.status).toBe('waiting');
    expect(h.events.find((e) => e.type === 'step.waiting')).toMatchObject({ step: 'review', question: 'Send this answer?' });
    h.actor.send({ type: 'answer', step: 'review', decision: 'approve' });
    await h.clock.advance(1);
    expect(h.actor.getSnapshot().status).toBe('done');
    expect(h.actor.getSnapshot().output).toEqual({ status: 'completed', output: { answer: 'billing: my bill is wrong', at: 'T12:00' } });
    expect(h.trail()).toEqual([
      'workflow.started',
      'step.started:classify',
      'step.completed:classify',
      'step.skipped:tech',
      'step.started:billing',
      'step.completed:billing',
      'step.started:review',
      'step.waiting:review',
      'step.completed:review',
      'step.started:stamp',
      'step.completed:stamp',
      'workflow.completed',
    ]);
  });

  it('takes the other branch, and has(steps.billing.output) is false for the skipped step', async () => {
    const h = harness(SUPPORT_FLOW_YAML, (r) => (r.step === 'classify' ? 'a crash' : reply(r, new AbortController().signal)), {
      text: 'it crashes',
    });
    await h.clock.advance(1);
    h.actor.send({ type: 'answer', step: 'review', decision: 'edit', value: 'changed' });
    await h.clock.advance(1);
    expect(h.calls.map((c) => c.step)).toEqual(['classify', 'tech', 'stamp']);
    expect(h.actor.getSnapshot().output?.output).toEqual({ answer: 'tech: it crashes', at: 'T12:00' });
    expect(h.actor.getSnapshot().context.steps.review?.output).toEqual({ decision: 'edit', value: 'changed' });
  });

  it('a rejected human step fails the run when nothing handles it; dependents never run', async () => {
    const h = harness(SUPPORT_FLOW_YAML, reply, { text: 'bill' });
    await h.clock.advance(1);
    h.actor.send({ type: 'answer', step: 'other', decision: 'approve' });
    h.actor.send({ type: 'answer', step: 'review', decision: 'reject' });
    await h.clock.advance(1);
    expect(h.actor.getSnapshot().output).toEqual({ status: 'failed', error: { step: 'review', message: 'rejected by the reviewer' } });
    expect(h.calls.map((c) => c.step)).not.toContain('stamp');
    expect(h.trail().slice(-2)).toEqual(['step.failed:review', 'workflow.failed:review']);
  });

  it("decides a step's dependents and ends the run in the microstep of its answer; written out of order, same events", async () => {
    const flow = {
      classify: { agent: 'triage', input: '${input.text}' },
      billing: { agent: 'billing', needs: ['classify'], if: "steps.classify.output.contains('bill')", input: '${input.text}' },
      tech: { agent: 'tech', needs: ['classify'], if: "!steps.classify.output.contains('bill')", input: '${input.text}' },
      stamp: { tool: 'clock', needs: ['billing', 'tech'] },
    };
    const reversed = Object.fromEntries(Object.entries(flow).reverse());
    for (const steps of [flow, reversed]) {
      const clock = new SimulatedClock();
      const execute = (r: StepRequest) => Promise.resolve(r.step === 'classify' ? 'a bill question' : `${r.step} ok`);
      const def = workflowSchema.parse({ name: 'f', input: { text: 'string' }, steps });
      // Microsteps taken for each step answer (XState's inspection events, in order).
      const perAnswer: number[] = [];
      const actor = createActor(compileWorkflow(def, { clock, execute }), {
        input: { input: { text: 'my bill' }, metadata: {} },
        inspect: (e) => {
          if (e.type === '@xstate.event' && e.event.type === 'step.done') perAnswer.push(0);
          else if (e.type === '@xstate.microstep' && perAnswer.length > 0) perAnswer[perAnswer.length - 1]! += 1;
        },
      });
      const events: WorkflowEmitted[] = [];
      actor.on('*', (e) => events.push(e as WorkflowEmitted));
      actor.start();
      await clock.advance(1);
      expect(actor.getSnapshot().output).toEqual({ status: 'completed', output: 'stamp ok' });
      expect(perAnswer).toEqual([1, 1, 1]);
      expect(trailOf(events)).toEqual([
        'workflow.started',
        'step.started:classify',
        'step.completed:classify',
        'step.skipped:tech',
        'step.started:billing',
        'step.completed:billing',
        'step.started:stamp',
        'step.completed:stamp',
        'workflow.completed',
      ]);
    }
  });

  it('starts steps whose needs are done in parallel', async () => {
    const gates = { a: deferred(), b: deferred() };
    const h = harness(
      {
        name: 'par',
        steps: { a: { agent: 'x' }, b: { agent: 'y' }, c: { agent: 'z', needs: ['a', 'b'], input: '${steps.a.output + steps.b.output}' } },
      },
      (r) => (r.step === 'c' ? 'done' : gates[r.step as 'a' | 'b'].promise),
    );
    await h.clock.advance(1);
    expect(h.calls.map((c) => c.step)).toEqual(['a', 'b']);
    gates.b.resolve('B');
    await h.clock.advance(1);
    expect(h.calls).toHaveLength(2);
    gates.a.resolve('A');
    await h.clock.advance(1);
    expect(h.calls[2]).toMatchObject({ step: 'c', input: 'AB' });
    expect(h.actor.getSnapshot().output).toEqual({ status: 'completed', output: 'done' });
  });

  it('retries with backoff on the injected clock, then succeeds', async () => {
    let n = 0;
    const h = harness({ name: 'r', steps: { a: { tool: 't', retry: { count: 3, backoffMs: 100, factor: 2 } } } }, () => {
      if (++n < 3) throw new Error(`boom ${n}`);
      return 'ok';
    });
    await h.clock.advance(1_000);
    const t0 = h.calls[0]?.at ?? 0;
    expect(h.calls.map((c) => `${c.attempt}@${c.at - t0}`)).toEqual(['1@0', '2@100', '3@300']);
    expect(h.events.filter((e) => e.type === 'step.failed')).toMatchObject([
      { error: 'boom 1', willRetry: true },
      { error: 'boom 2', willRetry: true },
    ]);
    expect(h.actor.getSnapshot().output).toEqual({ status: 'completed', output: 'ok' });
  });

  it('times a step out (its run is aborted), then goes to its onError step, which reads the error', async () => {
    const h = harness(
      {
        name: 't',
        steps: {
          slow: { agent: 'x', timeout: '2s', onError: 'fallback' },
          fallback: { agent: 'y', input: '${steps.slow.error}' },
          after: { tool: 'clock', needs: ['slow', 'fallback'], input: { handled: '${has(steps.fallback.output)}' } },
        },
      },
      (r) => (r.step === 'slow' ? never() : `ran ${r.step}`),
    );
    await h.clock.advance(1_999);
    expect(h.calls.map((c) => c.step)).toEqual(['slow']);
    await h.clock.advance(1);
    expect(h.aborted).toEqual(['slow#1']);
    expect(h.calls.map((c) => [c.step, c.input])).toEqual([
      ['slow', {}],
      ['fallback', 'timed out after 2000 ms'],
      ['after', { handled: true }],
    ]);
    expect(h.actor.getSnapshot().output?.status).toBe('completed');
  });

  it('an onError step that is never gone to counts as skipped; onError "fail" fails the run', async () => {
    const ok = harness(
      { name: 'h', steps: { a: { agent: 'x', onError: 'fix' }, fix: { agent: 'y' }, b: { agent: 'z', needs: ['fix'] } } },
      (r) => r.step,
    );
    await ok.clock.advance(1);
    expect(ok.calls.map((c) => c.step)).toEqual(['a', 'b']);
    expect(ok.trail()).toContain('step.skipped:fix');
    const bad = harness({ name: 'f', steps: { a: { agent: 'x', onError: 'fail' }, b: { agent: 'z', needs: ['a'] } } }, () => {
      throw new Error('nope');
    });
    await bad.clock.advance(1);
    expect(bad.actor.getSnapshot().output).toEqual({ status: 'failed', error: { step: 'a', message: 'nope' } });
    expect(bad.calls.map((c) => c.step)).toEqual(['a']);
  });

  it('a CEL error at run time fails the step with the expression named, never hangs', async () => {
    const h = harness({ name: 'c', steps: { a: { agent: 'x', input: '${input.missing}' } } }, () => 'unreachable', {});
    await h.clock.advance(1);
    expect(h.actor.getSnapshot().output?.status).toBe('failed');
    expect(h.actor.getSnapshot().output?.error?.message).toContain('${input.missing}');
  });

  it('cancel aborts the step runs it started and ends cancelled', async () => {
    const h = harness({ name: 'x', steps: { a: { agent: 'x' }, b: { agent: 'y' } } }, () => never());
    await h.clock.advance(1);
    h.actor.send({ type: 'cancel', reason: 'user' });
    await h.clock.advance(1);
    expect(h.aborted.sort()).toEqual(['a#1', 'b#1']);
    expect(h.actor.getSnapshot().output).toEqual({ status: 'cancelled', error: { message: 'user' } });
    expect(h.trail().at(-1)).toBe('workflow.cancelled');
  });
});

describe('workflow machine: state-machine form', () => {
  const loop = {
    name: 'loop',
    error: 'oops',
    states: {
      draft: { agent: 'writer', input: '${input.topic}', next: 'review' },
      review: { human: 'Publish?', input: '${steps.draft.output}', on: { approve: 'publish', reject: 'draft' } },
      publish: { tool: 'post', input: { text: '${steps.draft.output}' }, final: true },
      oops: { agent: 'apology', retry: { count: 1, backoffMs: 50 }, final: true },
    },
    output: '${steps.publish.output}',
  };

  it('moves by on/next, loops back on reject (a new visit), ends at a final state', async () => {
    let drafts = 0;
    const h = harness(loop, (r) => (r.step === 'draft' ? `draft ${++drafts}` : `posted ${JSON.stringify(r.input)}`), { topic: 'cats' });
    await h.clock.advance(1);
    expect(h.events.find((e) => e.type === 'step.waiting')).toMatchObject({ value: 'draft 1' });
    h.actor.send({ type: 'answer', step: 'review', decision: 'reject' });
    await h.clock.advance(1);
    h.actor.send({ type: 'answer', step: 'review', decision: 'approve' });
    await h.clock.advance(1);
    expect(h.calls.map((c) => `${c.step}@${c.visit}`)).toEqual(['draft@1', 'draft@2', 'publish@1']);
    expect(h.actor.getSnapshot().output).toEqual({ status: 'completed', output: 'posted {"text":"draft 2"}' });
  });

  it("routes on an agent's one-word answer and goes to the error state (with its retry) when a state fails", async () => {
    let apologies = 0;
    const h = harness(
      {
        name: 'route',
        error: 'oops',
        states: {
          triage: { agent: 'triage', on: { billing: 'bill', tech: 'tech' } },
          bill: { agent: 'billing', final: true },
          tech: { agent: 'tech', final: true },
          oops: { agent: 'apology', retry: { count: 1, backoffMs: 50 }, final: true },
        },
      },
      (r) => {
        if (r.step === 'triage') return 'Tech.';
        if (r.step === 'tech') throw new Error('tech is down');
        if (++apologies === 1) throw new Error('flaky');
        return 'sorry';
      },
    );
    await h.clock.advance(100);
    expect(h.calls.map((c) => `${c.step}#${c.attempt}`)).toEqual(['triage#1', 'tech#1', 'oops#1', 'oops#2']);
    expect(h.actor.getSnapshot().output).toEqual({ status: 'completed', output: 'sorry' });
  });

  it('fails with a clear error when no transition matches an outcome', async () => {
    const h = harness({ name: 'nomatch', states: { a: { agent: 'x', on: { yes: 'b' } }, b: { agent: 'y', final: true } } }, () => 'maybe');
    await h.clock.advance(1);
    expect(h.actor.getSnapshot().output?.error).toEqual({ step: 'a', message: 'no transition from state "a" for outcome "maybe"' });
  });
});

describe('workflow machine: restore from a persisted snapshot', () => {
  it('keeps a backoff deadline across a restore (not restarted) and re-asks the executor with the same step key', async () => {
    let n = 0;
    const def = { name: 'r', steps: { a: { agent: 'x', retry: { count: 1, backoffMs: 1_000 } } } };
    const h = harness(def, () => {
      if (++n === 1) throw new Error('first fails');
      return 'second';
    });
    await h.clock.advance(600);
    const persisted = h.actor.getPersistedSnapshot();
    h.actor.stop();
    const restored = restore(h.machine, persisted);
    restored.start();
    expect(restored.system.get('backoff.a')).toBeDefined();
    await h.clock.advance(399);
    expect(h.calls).toHaveLength(1);
    await h.clock.advance(1);
    expect(h.calls.map((c) => `${c.attempt}@${c.at - (h.calls[0]?.at ?? 0)}`)).toEqual(['1@0', '2@1000']);
    expect(restored.getSnapshot().output).toEqual({ status: 'completed', output: 'second' });
  });

  it('restores a running step as the same attempt (same visit and attempt: the executor joins it) once resumed', async () => {
    let asked = 0;
    const h = harness({ name: 'j', steps: { a: { agent: 'x', timeout: '10s' }, b: { agent: 'y', needs: ['a'] } } }, (r) =>
      r.step === 'a' && ++asked === 1 ? never() : `${r.step} done`,
    );
    await h.clock.advance(4_000);
    const persisted = h.actor.getPersistedSnapshot();
    h.actor.stop();
    // A stopped run actor stops its attempts (they leave their runs to be joined by the next activation).
    expect(h.aborted).toEqual(['a#1']);
    const restored = restore(h.machine, persisted);
    const events: string[] = [];
    restored.on('*', (e) => events.push(e.type));
    restored.start();
    expect(restored.system.get('timeout.a')).toBeDefined();
    resumeWorkflow(restored);
    resumeWorkflow(restored); // a second resume does not start a second attempt
    await h.clock.advance(1);
    expect(h.calls.slice(0, 2).map((c) => [c.step, c.visit, c.attempt])).toEqual([
      ['a', 1, 1],
      ['a', 1, 1],
    ]);
    expect(h.calls.filter((c) => c.step === 'a')).toHaveLength(2);
    expect(events).not.toContain('workflow.started');
    await h.clock.advance(10);
    expect(restored.getSnapshot().output).toEqual({ status: 'completed', output: 'b done' });
  });

  it('restores a snapshot written before ADR 0041 (the running step an invoked `step` child) and joins its attempt', async () => {
    // Written by the compiler of ADR 0031 for this definition, stopped 4 s into step a's first attempt.
    const old = {
      status: 'active',
      value: { running: { a: 'running', b: 'waiting' } },
      historyValue: {},
      context: {
        runId: 'r1',
        input: {},
        metadata: {},
        steps: { a: { status: 'running', attempt: 1, visit: 1 }, b: { status: 'pending', attempt: 0, visit: 0 } },
        completed: [],
      },
      children: {
        'a.run': {
          snapshot: { status: 'active', input: { step: 'a', visit: 1, attempt: 1, runId: 'r1', value: {} } },
          src: 'step',
          systemId: 'run.a',
          syncSnapshot: false,
        },
        'a.timeout': {
          snapshot: { status: 'active', input: { step: 'a', at: 1700000010000 } },
          src: 'deadline',
          systemId: 'timeout.a',
          syncSnapshot: false,
        },
      },
    };
    const h = harness(
      { name: 'j', steps: { a: { agent: 'x', timeout: '10s' }, b: { agent: 'y', needs: ['a'] } } },
      (r) => `${r.step} done`,
    );
    h.actor.stop();
    const before = h.calls.length; // the harness's own actor's first call
    const restored = restore(h.machine, old as unknown as Snapshot<unknown>);
    restored.start();
    resumeWorkflow(restored);
    await h.clock.advance(1);
    expect(h.calls.slice(before).map((c) => [c.step, c.visit, c.attempt, c.runId])).toEqual([
      ['a', 1, 1, 'r1'],
      ['b', 1, 1, 'r1'],
    ]);
    expect(restored.getSnapshot().output).toEqual({ status: 'completed', output: 'b done' });
  });

  it("ignores an answer for another visit or attempt of the step (an attempt's late answer)", async () => {
    const h = harness({ name: 'late', steps: { a: { agent: 'x' } } }, () => never());
    await h.clock.advance(1);
    h.actor.send({ type: 'step.done', step: 'a', visit: 1, attempt: 2, output: 'stale' });
    h.actor.send({ type: 'step.done', step: 'a', visit: 0, attempt: 1, output: 'stale' });
    expect(h.actor.getSnapshot().context.steps.a?.status).toBe('running');
    h.actor.send({ type: 'step.done', step: 'a', visit: 1, attempt: 1, output: 'fresh' });
    expect(h.actor.getSnapshot().output).toEqual({ status: 'completed', output: 'fresh' });
  });

  it('keeps a timeout deadline across a restore, and a pending human step still waits for its answer', async () => {
    const h = harness(
      { name: 'hum', steps: { ask: { human: 'OK?', timeout: '1m' }, next: { tool: 'clock', needs: ['ask'] } } },
      () => 'now',
    );
    await h.clock.advance(50_000);
    const persisted = h.actor.getPersistedSnapshot();
    h.actor.stop();
    const restored = restore(h.machine, persisted);
    restored.start();
    expect(restored.getSnapshot().context.steps.ask?.status).toBe('waiting');
    await h.clock.advance(9_999);
    expect(restored.getSnapshot().status).toBe('active');
    await h.clock.advance(1);
    expect(restored.getSnapshot().output).toEqual({ status: 'failed', error: { step: 'ask', message: 'timed out after 60000 ms' } });

    const again = restore(h.machine, persisted);
    again.start();
    again.send({ type: 'answer', step: 'ask', decision: 'approve' });
    await h.clock.advance(1);
    expect(again.getSnapshot().output).toEqual({ status: 'completed', output: 'now' });
  });
});

describe('workflow machine: a new run from the reused first state', () => {
  /** One run of `def` with `input`, started by the initial transition (`first` undefined) or from the reused first state. */
  function start(def: unknown, input: unknown, reuse: boolean) {
    const d: WorkflowDefinition = workflowSchema.parse(typeof def === 'string' ? parse(def) : def);
    const clock = new SimulatedClock();
    const calls: string[] = [];
    const execute = async (r: StepRequest) => {
      calls.push(`${r.runId ?? '-'}:${r.step}.${r.visit}.${r.attempt}:${JSON.stringify(r.input)}`);
      return r.kind === 'tool' ? 'T12:00' : r.step === 'classify' ? 'a bill question' : `${r.target}: ${String(r.input)}`;
    };
    const machine = compileWorkflow(d, { clock, execute });
    const runInput: WorkflowInput = { runId: 'run-1', input, metadata: { tenant: 't1' } };
    const first = reuse ? firstState(machine) : undefined;
    if (reuse) expect(first).toBeDefined();
    const actor =
      first === undefined
        ? createActor(machine, { input: runInput })
        : createActor(machine, { snapshot: first.snapshot(runInput) } as never as { input: WorkflowInput });
    const events: WorkflowEmitted[] = [...(first?.emitted ?? [])];
    actor.on('*', (e) => events.push(e as WorkflowEmitted));
    actor.start();
    first?.start(actor);
    return { actor, machine, clock, calls, events };
  }

  const twoRoots = {
    name: 'two-roots',
    steps: {
      a: { agent: 'x', input: '${input.text}' },
      b: { tool: 'clock', retry: { count: 2, backoffMs: 10 } },
      c: { agent: 'y', needs: ['a', 'b'], input: '${steps.a.output}' },
    },
  };
  const machineForm = {
    name: 'sm',
    states: {
      draft: { agent: 'writer', input: '${input.text}', next: 'post' },
      post: { tool: 'post', input: { text: '${steps.draft.output}' }, final: true },
    },
  };

  it('persists the same snapshot, emits the same events and asks the same attempts as a run that took the transition', async () => {
    for (const def of [SUPPORT_FLOW_YAML, twoRoots, machineForm]) {
      const input = { text: 'my bill is wrong' };
      const [own, reused] = [start(def, input, false), start(def, input, true)];
      // Before anything answers: the state a new run's first write records.
      expect(reused.actor.getPersistedSnapshot()).toEqual(own.actor.getPersistedSnapshot());
      expect(reused.events).toEqual(own.events);
      await Promise.all([own.clock.advance(1), reused.clock.advance(1)]);
      expect(reused.calls).toEqual(own.calls);
      expect(own.calls.length).toBeGreaterThan(0);
      // And on to the end (the example's human step answered in both).
      for (const h of [own, reused]) {
        if (h.actor.getSnapshot().context.steps['review']?.status === 'waiting')
          h.actor.send({ type: 'answer', step: 'review', decision: 'approve' });
        await h.clock.advance(100);
      }
      expect(reused.actor.getSnapshot().output).toEqual(own.actor.getSnapshot().output);
      expect(reused.actor.getSnapshot().output?.status).toBe('completed');
      expect(reused.events).toEqual(own.events);
      expect(reused.calls).toEqual(own.calls);
    }
  });

  it("gives each run its own context: a run does not see another run's input or step records", async () => {
    const [one, two] = [start(twoRoots, { text: 'one' }, true), start(twoRoots, { text: 'two' }, true)];
    await Promise.all([one.clock.advance(100), two.clock.advance(100)]);
    expect(one.actor.getSnapshot().output).toEqual({ status: 'completed', output: 'y: x: one' });
    expect(two.actor.getSnapshot().output).toEqual({ status: 'completed', output: 'y: x: two' });
    const third = start(twoRoots, { text: 'three' }, true);
    expect(third.actor.getSnapshot().context.steps['c']).toMatchObject({ status: 'pending', visit: 0 });
    expect(third.actor.getSnapshot().context.input).toEqual({ text: 'three' });
  });

  it('is not reused when the first state depends on the input or the clock: an `if`, a human step or a timeout entered first', () => {
    const clock = new SimulatedClock();
    const execute = () => Promise.resolve('x');
    for (const first of [{ agent: 'x', if: 'input.go' }, { human: 'Go?' }, { agent: 'x', timeout: '10s' }]) {
      const d = workflowSchema.parse({ name: 'n', steps: { first, next: { agent: 'y', needs: ['first'] } } });
      expect(firstState(compileWorkflow(d, { clock, execute }))).toBeUndefined();
      const sm = workflowSchema.parse({ name: 'n', states: { first: { ...first, next: 'done' }, done: { agent: 'y', final: true } } });
      expect(firstState(compileWorkflow(sm, { clock, execute }))).toBeUndefined();
    }
    // A step entered later may have any of them.
    const later = workflowSchema.parse({
      name: 'n',
      steps: { a: { agent: 'x' }, b: { human: 'Go?', needs: ['a'], if: 'input.go', timeout: '1s' } },
    });
    expect(firstState(compileWorkflow(later, { clock, execute }))).toBeDefined();
  });
});

describe('why delays are deadline children', () => {
  it("XState's own `after` timer is not in the persisted snapshot: a restored machine never fires it", async () => {
    const clock = new SimulatedClock();
    const xclock = {
      setTimeout: (fn: () => void, ms: number) => clock.setTimer(ms, fn),
      clearTimeout: (h: unknown) => clock.clearTimer(h as object),
    };
    const m = createMachine({ initial: 'a', states: { a: { after: { 1000: 'b' } }, b: {} } });
    const first = createActor(m, { clock: xclock });
    first.start();
    await clock.advance(600);
    const snapshot = JSON.parse(JSON.stringify(first.getPersistedSnapshot())) as Snapshot<unknown>;
    first.stop();
    const restored = createActor(m, { clock: xclock, snapshot });
    restored.start();
    await clock.advance(10_000);
    expect(restored.getSnapshot().value).toBe('a');
  });
});
