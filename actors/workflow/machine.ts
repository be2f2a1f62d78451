// One compiler from a workflow definition (either form) to an XState v5 machine (docs/workflows.md, ADR 0031).
// DAG form: a parallel state with one region per step; a region waits until its needs are done (completed,
// skipped or handled), and an `onError` step is entered by a raised `goto.<id>` event. State-machine form: one
// compound state per named state, moving by `on`/`next`, ending at `final` states; failures go to the step's
// `onError`, else the workflow's `error` state. Steps run through the executor given at compile time.
import { emit, initialTransition, raise, setup, type AnyActorRef, type AnyEventObject, type Snapshot } from 'xstate';
import { handlerSources, type WorkflowDefinition, type WorkflowStep } from '../../config/index.js';
import { scrubbedMessage } from '../../protocols/index.js';
import type { Clock } from '../../runtime/index.js';
import { compileTemplate, type Template } from './expr.js';
import {
  around,
  completion,
  patch,
  scopeOf,
  stepInputTemplate,
  stepStates,
  type Args,
  type StepExits,
  type StepInvocation,
  type Transition,
} from './step-node.js';
import { StepAttempts, WF_RESUME, type StepAnswer } from './attempts.js';
import { deadlineLogic } from './timers.js';
import { assign } from './snapshots.js';
import type { StepExecutor, StepRecord, WorkflowContext, WorkflowEmitted, WorkflowEvent, WorkflowInput, WorkflowOutput } from './types.js';

/** What a compiled machine needs: the clock its deadlines use and the executor of agent, tool and workflow steps. */
export interface CompileOptions {
  readonly clock: Clock;
  readonly execute: StepExecutor;
}

const norm = (s: string | undefined) =>
  (s ?? '')
    .trim()
    .toLowerCase()
    .replace(/[.!?]+$/, '');
const setError = (message: (a: Args) => string, step?: string) =>
  assign(((a: Args) => ({ error: { ...(step === undefined ? {} : { step }), message: message(a) } })) as never);

/** A DAG step is done for its dependents when completed, skipped, or failed and handled by its `onError` step. */
function isDone(steps: Record<string, WorkflowStep>, ctx: WorkflowContext, id: string): boolean {
  const st = ctx.steps[id]?.status;
  if (st === 'completed' || st === 'skipped') return true;
  const h = steps[id]?.onError;
  return st === 'failed' && h !== undefined && h !== 'fail';
}

/**
 * The context once `a`'s event, a `step.done` of the attempt its step is running, has completed that step, as the step's
 * own transition will make it; `a.context` for any other event. Steps waiting on the step and the run's end are
 * decided on it in the same microstep as the completion (each microstep copies the machine's snapshot).
 */
function afterDone(): (a: Args) => WorkflowContext {
  // Guards are evaluated one microstep at a time: the last answer serves the guards of the same microstep.
  let last: { context: WorkflowContext; event: object; after: WorkflowContext } | undefined;
  return (a) => {
    if (last !== undefined && last.context === a.context && last.event === a.event) return last.after;
    const e = a.event as Partial<StepAnswer>;
    const r = e.type === 'step.done' && e.step !== undefined ? a.context.steps[e.step] : undefined;
    const current = r !== undefined && r.status === 'running' && r.visit === e.visit && r.attempt === e.attempt;
    const after = current ? { ...a.context, ...completion(a.context, e.step as string, (e as { output?: unknown }).output) } : a.context;
    last = { context: a.context, event: a.event, after };
    return after;
  };
}

/** The transitions with their guards read on the context `at` gives, and `guard` (also read on it) added to each. */
function readingAt(ts: Transition[], at: (a: Args) => WorkflowContext, guard: (c: WorkflowContext) => boolean): Transition[] {
  return ts.map((t) => ({
    ...t,
    guard: (a: Args) => {
      const context = at(a);
      return guard(context) && (t.guard === undefined || t.guard({ ...a, context }));
    },
  }));
}

/** Step ids with each after the steps it needs and the steps whose failure it handles, else in the order written. */
function dependencyOrder(ids: string[], steps: Record<string, WorkflowStep>, handlers: Map<string, string[]>): string[] {
  const out: string[] = [];
  const placed = new Set<string>();
  for (let left = ids; left.length > 0;) {
    const ready = left.filter((id) =>
      [...(steps[id]?.needs ?? []), ...(handlers.get(id) ?? [])].every((n) => placed.has(n) || !ids.includes(n)),
    );
    const next = ready.length > 0 ? ready : left; // a cycle is refused at load (config/workflow-check.ts)
    for (const id of next) {
      out.push(id);
      placed.add(id);
    }
    left = left.filter((id) => !placed.has(id));
  }
  return out;
}

/** What a DAG region needs besides its step: the definition's steps, how the run finishes, and the context after a step.done. */
interface DagParts {
  readonly steps: Record<string, WorkflowStep>;
  readonly ids: string[];
  readonly finishing: Transition[];
  readonly after: (a: Args) => WorkflowContext;
}

function dagRegion(
  id: string,
  dag: DagParts,
  sources: string[] | undefined,
  clock: Clock,
  attempts: StepAttempts,
): Record<string, unknown> {
  const { steps, ids, after } = dag;
  const step = steps[id] as WorkflowStep;
  const handler = step.onError !== undefined && step.onError !== 'fail' ? step.onError : undefined;
  const allDone = (c: WorkflowContext) => ids.every((s) => isDone(steps, c, s));
  const exits: StepExits = {
    // The last step to complete ends the run in the same microstep (its answer read as already recorded).
    complete: () => [...readingAt(dag.finishing, after, allDone), { target: 'done' }],
    skip: [{ target: 'skipped' }],
    fail:
      handler !== undefined
        ? [{ target: 'handled', actions: [raise({ type: `goto.${handler}` } as never)] }]
        : [
            {
              target: 'fatal',
              actions: [setError((a) => a.context.steps[id]?.error ?? 'failed', id), raise({ type: 'wf.fatal' } as never)],
            },
          ],
  };
  const needs = step.needs ?? [];
  const node = stepStates(id, step, exits, clock, attempts);
  // Once its needs are done the step is entered and decided in the same microstep (no `waiting → deciding` step).
  const waiting =
    sources !== undefined
      ? {
          on: { [`goto.${id}`]: 'deciding' },
          always: [
            {
              target: 'skipped',
              guard: (a: Args) => sources.every((s) => ['completed', 'skipped'].includes(a.context.steps[s]?.status ?? '')),
              actions: [patch(id, () => ({ status: 'skipped' })), emit({ type: 'step.skipped', step: id } as never)],
            },
          ],
        }
      : needs.length === 0
        ? { always: node.decide }
        : {
            // Decided in the microstep that completes its last need (the completion read as already recorded), or,
            // when a need ends otherwise (skipped, handled, a person's answer), on the next.
            on: { 'step.done': readingAt(node.decide, after, (c) => needs.every((n) => isDone(steps, c, n))) },
            always: around(node.decide, [], (a: Args) => needs.every((n) => isDone(steps, a.context, n))),
          };
  return {
    initial: 'waiting',
    states: {
      waiting,
      ...node.states,
      // Where a region ends. Not XState `final` states: each would queue a `done.state` event, one more microstep per
      // step; the DAG finishes on an eventless transition once every step is done (compileWorkflow).
      done: {},
      skipped: {},
      handled: {},
      fatal: {},
    },
  };
}

function machineState(
  def: WorkflowDefinition,
  id: string,
  step: WorkflowStep,
  clock: Clock,
  attempts: StepAttempts,
): Record<string, unknown> {
  const to = (s: string): Transition => ({ target: `#st_${s}`, reenter: true });
  const end: Transition[] = step.final
    ? [{ target: '#wf.finishing' }]
    : step.next !== undefined
      ? [to(step.next)]
      : [{ target: '#wf.failed' }];
  const stuck = !step.final && step.next === undefined;
  const errorTarget = step.onError !== undefined ? step.onError : def.error !== undefined && def.error !== id ? def.error : 'fail';
  const exits: StepExits = {
    complete: (outcome) => [
      ...Object.entries(step.on ?? {}).map(([k, s]) => ({ ...to(s), guard: (a: Args) => norm(outcome(a)) === norm(k) })),
      ...(stuck
        ? [
            {
              target: '#wf.failed',
              actions: [setError((a) => `no transition from state "${id}" for outcome ${JSON.stringify(outcome(a) ?? null)}`, id)],
            },
          ]
        : end),
    ],
    skip: stuck ? [{ target: '#wf.failed', actions: [setError(() => `state "${id}" was skipped and has no next`, id)] }] : end,
    fail: [
      errorTarget === 'fail'
        ? { target: '#wf.failed', actions: [setError((a) => a.context.steps[id]?.error ?? 'failed', id)] }
        : to(errorTarget),
    ],
  };
  return { id: `st_${id}`, initial: 'deciding', states: stepStates(id, step, exits, clock, attempts).states };
}

/** The step ids of a definition, in the order written. */
export function stepIds(def: WorkflowDefinition): string[] {
  return Object.keys(def.steps ?? def.states ?? {});
}

/** Compiles a checked definition to an XState machine taking `{ input, metadata }` and ending with a `WorkflowOutput`. */
export function compileWorkflow(def: WorkflowDefinition, options: CompileOptions) {
  const { clock, execute } = options;
  const steps = def.steps ?? def.states ?? {};
  const inputs = new Map<string, { kind: 'agent' | 'tool' | 'workflow'; target: string; input: Template }>();
  for (const [id, s] of Object.entries(steps)) {
    const kind = s.agent !== undefined ? 'agent' : s.tool !== undefined ? 'tool' : s.workflow !== undefined ? 'workflow' : undefined;
    if (kind !== undefined) inputs.set(id, { kind, target: s[kind] ?? '', input: stepInputTemplate(s) });
  }
  const run = async (input: StepInvocation, signal: AbortSignal): Promise<unknown> => {
    const plan = inputs.get(input.step);
    if (plan === undefined) throw new Error(`no runnable step "${input.step}"`);
    if ('error' in input) throw new Error(input.error);
    const value = 'value' in input ? input.value : plan.input(input.scope);
    const { step, visit, attempt, runId } = input;
    // Not `{ ...request, runId }`: a spread followed by a property it lacks is V8's slow path (step-node.ts, `input`).
    const request =
      runId === undefined
        ? { step, kind: plan.kind, target: plan.target, input: value, visit, attempt }
        : { runId, step, kind: plan.kind, target: plan.target, input: value, visit, attempt };
    return execute(request, signal);
  };
  const attempts = new StepAttempts(run);
  const output = def.output === undefined ? undefined : compileTemplate(def.output);
  const finish = (ctx: WorkflowContext): Pick<WorkflowContext, 'output' | 'error'> => {
    try {
      const last = ctx.completed.at(-1);
      return { output: output ? output(scopeOf(ctx)) : last === undefined ? null : (ctx.steps[last]?.output ?? null) };
    } catch (e) {
      return { error: { message: `output: ${scrubbedMessage(e)}` } };
    }
  };
  // The run's output is worked out by the guard and the action of the transition that ends the run: once per context.
  const finished = new WeakMap<WorkflowContext, Pick<WorkflowContext, 'output' | 'error'>>();
  const result = ({ context }: Args) => {
    let r = finished.get(context);
    if (r === undefined) finished.set(context, (r = finish(context)));
    return r;
  };
  /**
   * How a run that reached its end finishes: completed with its output, or failed (the output's expression failed).
   * A DAG takes these when its regions are done; a final state goes through `finishing` first, so that its guard reads
   * the context after the last step's record is written.
   */
  const finishing: Transition[] = [
    {
      target: '#wf.completed',
      guard: (a) => a.context.error === undefined && result(a).error === undefined,
      actions: [
        // The guard saw no error: the output and the status (written out: see `request` above).
        assign(((a: Args) => ({ output: result(a).output, status: 'completed' })) as never),
      ],
    },
    { target: '#wf.failed', actions: [assign(result as never)] },
  ];
  const ids = stepIds(def);
  const handlers = handlerSources(steps);
  const dag: DagParts = { steps, ids, finishing, after: afterDone() };
  const running: Record<string, unknown> =
    def.steps !== undefined
      ? {
          type: 'parallel',
          // Regions in dependency order: a step's completion acts before its dependents' decisions in one microstep.
          states: Object.fromEntries(
            dependencyOrder(ids, steps, handlers).map((id) => [id, dagRegion(id, dag, handlers.get(id), clock, attempts)]),
          ),
          // Every region has ended (a step is done for its dependents only in a region's end state: done, skipped, handled).
          always: around(finishing, [], (a: Args) => ids.every((id) => isDone(steps, a.context, id))),
        }
      : {
          initial: def.initial ?? ids[0],
          states: Object.fromEntries(ids.map((id) => [id, machineState(def, id, steps[id] as WorkflowStep, clock, attempts)])),
        };
  const ended = (status: WorkflowOutput['status']) => assign(() => ({ status }));
  const machine = setup({
    types: {} as {
      context: WorkflowContext;
      events: WorkflowEvent | AnyEventObject;
      input: WorkflowInput;
      output: WorkflowOutput;
      emitted: WorkflowEmitted;
    },
    actors: { deadline: deadlineLogic(clock) },
  }).createMachine({
    id: 'wf',
    initial: 'running',
    context: ({ input }: { input: WorkflowInput }) =>
      runContext(input, Object.fromEntries(ids.map((id) => [id, { status: 'pending', attempt: 0, visit: 0 } satisfies StepRecord]))),
    states: {
      running: {
        entry: emit({ type: 'workflow.started' }),
        on: {
          cancel: {
            target: 'cancelled',
            actions: assign(({ event }: Args) => ({ error: { message: (event as { reason?: string }).reason ?? 'cancelled' } })),
          },
          'wf.fatal': 'failed',
        },
        ...(running as object),
      },
      finishing: { always: finishing },
      // Entered only by the `finishing` transitions, which set the status with the output.
      completed: {
        type: 'final',
        entry: emit(({ context }: Args) => ({ type: 'workflow.completed', output: context.output })),
      },
      failed: {
        type: 'final',
        entry: [
          ended('failed'),
          emit(({ context }: Args) => ({ type: 'workflow.failed', error: context.error?.message ?? 'failed', step: context.error?.step })),
        ],
      },
      cancelled: {
        type: 'final',
        entry: [ended('cancelled'), emit(({ context }: Args) => ({ type: 'workflow.cancelled', reason: context.error?.message }))],
      },
    },
    output: ({ context }: Args) => ({
      status: context.status ?? 'failed',
      ...(context.output === undefined ? {} : { output: context.output }),
      ...(context.error === undefined ? {} : { error: context.error }),
    }),
  } as never);
  if (inputFree(def, steps, ids, handlers)) firstStates.set(machine, { attempts });
  return machine;
}

/** The machine `compileWorkflow` returns. */
export type WorkflowMachine = ReturnType<typeof compileWorkflow>;

/** A run's context: its id, input and metadata, and the step records given. */
function runContext(input: WorkflowInput, steps: Record<string, StepRecord>): WorkflowContext {
  const { runId } = input;
  const metadata = input.metadata ?? {};
  return runId === undefined
    ? { input: input.input, metadata, steps, completed: [] }
    : { runId, input: input.input, metadata, steps, completed: [] };
}

/**
 * Whether a new run's first state cannot depend on its input: every step its initial transition enters (a DAG's steps
 * with no needs that are no step's `onError` handler; a state machine's initial state) has no `if`, is not a `human`
 * step (its question is worked out from the input) and sets no `timeout` (a deadline from the clock).
 */
function inputFree(def: WorkflowDefinition, steps: Record<string, WorkflowStep>, ids: string[], handlers: Map<string, string[]>): boolean {
  const entered =
    def.steps !== undefined
      ? ids.filter((id) => (steps[id]?.needs ?? []).length === 0 && handlers.get(id) === undefined)
      : [def.initial ?? ids[0] ?? ''];
  return entered.every((id) => {
    const s = steps[id];
    return s !== undefined && s.if === undefined && s.timeout === undefined && s.human === undefined;
  });
}

/**
 * A new run's first state, worked out once per compiled machine (its initial macrostep over every region costs about
 * as much as a step): the persisted snapshot a run restores with its own context, and the events that macrostep emits.
 * A run started from it is restored, its emitted events logged by the caller, and the attempts its entry actions
 * started (they ran in the transition worked out here, not in the run's actor) started by {@link FirstState.start}.
 * The persisted shape is the same as a run that took the transition itself: nothing changes for restore.
 */
export interface FirstState {
  /** The persisted snapshot of a new run with `input`: the same a started actor would persist (test/workflow/machine.test.ts). */
  snapshot(input: WorkflowInput): Snapshot<unknown>;
  /** The events the initial transition emits, in order. */
  readonly emitted: readonly WorkflowEmitted[];
  /** Starts, in a started run actor restored from {@link snapshot}, the attempts the initial transition's entry actions start. */
  start(actor: AnyActorRef): void;
}

/**
 * Machines whose first state does not depend on the run's input, with their attempts; `first` once worked out (null
 * when it cannot be reused after all).
 */
const firstStates = new WeakMap<object, { readonly attempts: StepAttempts; first?: FirstState | null }>();

/** The reusable first state of `machine`'s runs, or undefined when each run must take its own initial transition. */
export function firstState(machine: WorkflowMachine): FirstState | undefined {
  const known = firstStates.get(machine);
  if (known === undefined) return undefined;
  if (known.first === undefined) known.first = workOutFirstState(machine, known.attempts);
  return known.first ?? undefined;
}

/**
 * The actions an input-free initial transition may have besides emitted events: the entry actions starting attempts
 * (step-node.ts names its action function `launch`; any other action, and the first state is not reused).
 */
const LAUNCH = 'launch';

function workOutFirstState(machine: WorkflowMachine, attempts: StepAttempts): FirstState | null {
  // A pure transition: nothing is executed; its actions are returned to be read.
  const [snap, actions] = initialTransition(machine, { runId: '', input: null, metadata: {} });
  if (snap.status !== 'active' || Object.keys(snap.children).length > 0) return null;
  const emitted: WorkflowEmitted[] = [];
  let launches = 0;
  for (const a of actions as readonly { type: string; params?: unknown }[]) {
    if (a.type === 'xstate.emit') emitted.push((a.params as { event: WorkflowEmitted }).event);
    else if (a.type === LAUNCH) launches++;
    else return null;
  }
  const persisted = machine.getPersistedSnapshot(snap) as Snapshot<unknown> & { context: WorkflowContext };
  const steps = persisted.context.steps;
  // Each attempt the transition started is announced by its `step.started` (human steps are not entered here).
  const started = emitted.flatMap((e) => (e.type === 'step.started' ? [e.step] : []));
  if (started.length !== launches) return null;
  return {
    emitted,
    start: (actor) => {
      const { context } = actor.getSnapshot() as { context: WorkflowContext };
      for (const id of started) attempts.resume(actor, id, context);
    },
    snapshot: (input) => {
      const copy: Record<string, StepRecord> = {};
      for (const id in steps) copy[id] = { ...(steps[id] as StepRecord) };
      return { ...persisted, context: runContext(input, copy) } as unknown as Snapshot<unknown>;
    },
  };
}

/**
 * Restarts, in a run actor restored from a persisted snapshot and started, the step attempts its snapshot shows
 * running (their entry actions ran in the process that wrote it): each asks the executor with the same visit and
 * attempt, which joins the run that attempt started (ADR 0041).
 */
export function resumeWorkflow(actor: { send(e: { type: string }): void }): void {
  actor.send({ type: WF_RESUME });
}
