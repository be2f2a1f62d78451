// One step of a compiled workflow as XState state nodes (ADR 0031): decide (`if`), run (invoke the executor, or wait
// for a person's answer), retry after a backoff, time out. What happens next (done, skipped, failed) is given by
// the form: a DAG region ends in an end state, a state-machine state moves to its `next`/`on`/error state.
import { emit, type AnyActorRef, type AnyEventObject } from 'xstate';
import { scrubbedMessage } from '../../protocols/index.js';
import { stepKind, type WorkflowStep } from '../../config/index.js';
import type { Clock } from '../../runtime/index.js';
import { compileCondition, compileTemplate, type ExprScope, type StepView, type Template } from './expr.js';
import { WF_RESUME, type StepAnswer, type StepAttempts } from './attempts.js';
import { backoffMs } from './timers.js';
import { assign } from './snapshots.js';
import type { StepRecord, WorkflowContext } from './types.js';

/** What guards and actions receive. */
export type Args = { context: WorkflowContext; event: AnyEventObject; self?: AnyActorRef };
/** A transition as the compiler writes it (cast to XState's config type where the machine is created). */
export interface Transition {
  target?: string;
  guard?: (a: Args) => boolean;
  actions?: unknown[];
  reenter?: boolean;
}

/** Where a step goes when it completes (given how to read its outcome), is skipped, or fails for good. */
export interface StepExits {
  complete(outcome: (a: Args) => string | undefined): Transition[];
  readonly skip: Transition[];
  readonly fail: Transition[];
}

/**
 * One step attempt: the step's input evaluated when the attempt started, or why it could not be. (Snapshots written
 * before ADR 0041 hold it as an invoked child's input, some with the whole `scope`.)
 */
export type StepInvocation = {
  readonly runId?: string;
  readonly step: string;
  readonly visit: number;
  readonly attempt: number;
} & ({ readonly value: unknown } | { readonly error: string } | { readonly scope: ExprScope });

/** The template of a runnable step's input: `input` as written, else the run's whole input (a tool: no arguments). */
export function stepInputTemplate(step: WorkflowStep): Template {
  return compileTemplate(step.input ?? (step.tool !== undefined ? {} : '${input}'));
}

function view(r: StepRecord): StepView {
  if (r.status === 'completed') return { status: r.status, output: r.output ?? null };
  return r.error === undefined ? { status: r.status } : { status: r.status, error: r.error };
}

/** The expression scope of a context: every step's view, the input, the metadata. */
export function scopeOf(ctx: WorkflowContext): ExprScope {
  const steps: Record<string, StepView> = {};
  for (const id in ctx.steps) steps[id] = view(ctx.steps[id] as StepRecord);
  return { input: ctx.input, steps, metadata: ctx.metadata };
}

/** What completing step `id` with `output` changes in a context: its record, and the completion order. */
export function completion(ctx: WorkflowContext, id: string, output: unknown): Pick<WorkflowContext, 'steps' | 'completed'> {
  return {
    steps: withRecord(ctx.steps, id, { status: 'completed', output: output ?? null, error: undefined }),
    completed: [...ctx.completed.filter((s) => s !== id), id],
  };
}

/**
 * The step records with step `id`'s changed by `c`. Every record is built with the same fields in the same order (an
 * absent field undefined, which the journal does not store): spreading records of varying shapes cost more than the
 * rest of a step's actions.
 */
function withRecord(steps: Record<string, StepRecord>, id: string, c: Partial<StepRecord>): Record<string, StepRecord> {
  const r = steps[id] as StepRecord;
  const out: Record<string, StepRecord> = {};
  for (const k in steps) out[k] = steps[k] as StepRecord;
  out[id] = {
    status: c.status ?? r.status,
    attempt: c.attempt ?? r.attempt,
    visit: c.visit ?? r.visit,
    output: 'output' in c ? c.output : r.output,
    error: 'error' in c ? c.error : r.error,
  };
  return out;
}

/** Sets fields of step `id`'s record. */
export function patch(id: string, f: (r: StepRecord, a: Args) => Partial<StepRecord>) {
  return assign(((a: Args) => {
    const r = a.context.steps[id] as StepRecord;
    return { steps: withRecord(a.context.steps, id, f(r, a)) };
  }) as never);
}

const and =
  (g: ((a: Args) => boolean) | undefined, h: ((a: Args) => boolean) | undefined) =>
  (a: Args): boolean =>
    (g === undefined || g(a)) && (h === undefined || h(a));

/** The transitions with `guard` added to each and `pre` run before their own actions. */
export function around(ts: Transition[], pre: unknown[], guard?: (a: Args) => boolean): Transition[] {
  return ts.map((t) => ({ ...t, guard: and(guard, t.guard), actions: [...pre, ...(t.actions ?? [])] }));
}

const forMe = (id: string) => (a: Args) => (a.event as { step?: unknown }).step === id;
const rec = (a: Args, id: string) => a.context.steps[id] as StepRecord;

/** The states of step `id`, and the transitions that decide it (a DAG region's `waiting` takes them once its needs are done). */
export interface StepNode {
  /** `deciding` (takes {@link decide} at once), `running` (invokes `step` or waits for `answer`) and `retrying`. */
  readonly states: Record<string, unknown>;
  /**
   * Enter the step (visit + 1) and decide it: run it (into `running`, its first attempt started), skip it or fail it
   * (`if` false or failing), in the one microstep that enters it (each microstep copies the machine's snapshot).
   */
  readonly decide: Transition[];
}

/** What an `if` condition said of one context: run, skip, or the error it threw. */
type Verdict = 'run' | 'skip' | { readonly error: string };

/** The step's states and decision; see {@link StepNode}. */
export function stepStates(id: string, step: WorkflowStep, exits: StepExits, clock: Clock, attempts: StepAttempts): StepNode {
  const kind = stepKind(step);
  const cond = step.if === undefined ? undefined : compileCondition(step.if);
  // The condition is read by up to three guards and an action of the same microstep: evaluated once per context.
  const verdicts = new WeakMap<WorkflowContext, Verdict>();
  const verdict = (a: Args): Verdict => {
    if (cond === undefined) return 'run';
    let v = verdicts.get(a.context);
    if (v === undefined) {
      try {
        v = cond(scopeOf(a.context)) ? 'run' : 'skip';
      } catch (e) {
        v = { error: scrubbedMessage(e) };
      }
      verdicts.set(a.context, v);
    }
    return v;
  };
  const retries = step.retry?.count ?? 0;
  const failed = (error: (a: Args) => string, canRetry: boolean): Transition[] => {
    const last = around(exits.fail, [
      patch(id, (_r, a) => ({ status: 'failed', error: error(a) })),
      emit(((a: Args) => ({ type: 'step.failed', step: id, error: error(a), attempt: rec(a, id).attempt, willRetry: false })) as never),
    ]);
    if (!canRetry || retries === 0) return last;
    const retry: Transition = {
      target: 'retrying',
      guard: (a) => rec(a, id).attempt <= retries,
      actions: [
        patch(id, (_r, a) => ({ status: 'retrying', error: error(a) })),
        emit(((a: Args) => ({ type: 'step.failed', step: id, error: error(a), attempt: rec(a, id).attempt, willRetry: true })) as never),
      ],
    };
    return [retry, ...last];
  };
  const completed = (output: (a: Args) => unknown, outcome: (a: Args) => string | undefined): Transition[] =>
    around(exits.complete(outcome), [
      // One assign for the record and the completion order (each assign copies the machine's snapshot).
      assign(((a: Args) => completion(a.context, id, output(a))) as never),
      emit(((a: Args) => ({ type: 'step.completed', step: id, output: rec(a, id).output })) as never),
    ]);
  const timeout = step.timeout;
  const deadline = (name: string, ms: (a: Args) => number) => ({
    id: `${id}.${name}`,
    systemId: `${name}.${id}`,
    src: 'deadline',
    input: (a: Args) => ({ step: id, at: clock.now() + ms(a) }),
  });
  const timedOut = failed(() => `timed out after ${timeout ?? 0} ms`, true);
  const onDeadline = timeout === undefined ? {} : { deadline: around(timedOut, [], forMe(id)) };
  // An attempt starts on the transition into `running` (one assign with the decision or the retry), and is announced
  // on entering it.
  const status: StepRecord['status'] = kind === 'human' ? 'waiting' : 'running';
  const announce = [
    emit(((a: Args) => ({ type: 'step.started', step: id, attempt: rec(a, id).attempt, visit: rec(a, id).visit })) as never),
  ];
  let running: Record<string, unknown>;
  if (kind === 'human') {
    const question: Template = compileTemplate(step.human ?? '');
    const shown: Template = compileTemplate(step.input ?? null);
    const safe = (t: Template, a: Args, fallback: unknown) => {
      try {
        return t(scopeOf(a.context));
      } catch {
        return fallback;
      }
    };
    const answer = (a: Args) => a.event as { decision?: string; value?: unknown };
    const accepts = (ds: string[]) => and(forMe(id), (a) => ds.includes(answer(a).decision ?? ''));
    const output = (a: Args) => {
      const e = answer(a);
      return e.decision === 'edit' ? { decision: e.decision, value: e.value ?? null } : { decision: e.decision };
    };
    const rejectIsOutcome = step.on?.reject !== undefined;
    running = {
      entry: [
        ...announce,
        emit(((a: Args) => ({
          type: 'step.waiting',
          step: id,
          question: safe(question, a, step.human),
          value: safe(shown, a, null),
        })) as never),
      ],
      ...(timeout === undefined ? {} : { invoke: deadline('timeout', () => timeout) }),
      on: {
        answer: [
          ...around(
            completed(output, (a) => answer(a).decision),
            [],
            accepts(rejectIsOutcome ? ['approve', 'edit', 'reject'] : ['approve', 'edit']),
          ),
          ...around(
            failed(() => 'rejected by the reviewer', false),
            [],
            accepts(['reject']),
          ),
        ],
        ...onDeadline,
      },
    };
  } else {
    const template = stepInputTemplate(step);
    // The input is evaluated here, once per attempt; a failing expression fails the attempt (answered as an error, so
    // retry and onError apply).
    // Written out field by field: an object spread followed by a property it lacks takes V8's slow path (a new hidden
    // class per object, ~1-2 µs each on Node 20), and this runs once per attempt.
    const input = (context: WorkflowContext): StepInvocation => {
      const r = context.steps[id] as StepRecord;
      const { runId } = context;
      let value: unknown;
      try {
        value = template(scopeOf(context));
      } catch (e) {
        const error = scrubbedMessage(e);
        return runId === undefined
          ? { step: id, visit: r.visit, attempt: r.attempt, error }
          : { runId, step: id, visit: r.visit, attempt: r.attempt, error };
      }
      return runId === undefined
        ? { step: id, visit: r.visit, attempt: r.attempt, value }
        : { runId, step: id, visit: r.visit, attempt: r.attempt, value };
    };
    // The attempt is started by the entry action and stopped by the exit action (ADR 0041): no child actor per step.
    const launch = ({ context, self }: Args) => attempts.start(self as AnyActorRef, input(context));
    attempts.starter(id, (self, context) => launch({ context, self, event: { type: WF_RESUME } }));
    const leave = ({ self }: Args) => attempts.stop(self as AnyActorRef, id);
    // After a restore: the attempt the snapshot shows running is started again (same visit and attempt: joined).
    const resume = (a: Args) => {
      if (!attempts.has(a.self as AnyActorRef, id)) launch(a);
    };
    const answer = (a: Args) => a.event as StepAnswer;
    const current = (a: Args) => {
      const e = answer(a);
      const r = rec(a, id);
      return e.step === id && e.visit === r.visit && e.attempt === r.attempt;
    };
    const out = (a: Args) => (answer(a) as { output?: unknown }).output;
    running = {
      entry: [...announce, launch],
      exit: leave,
      ...(timeout === undefined ? {} : { invoke: deadline('timeout', () => timeout) }),
      on: {
        'step.done': around(
          completed(out, (a) => (typeof out(a) === 'string' ? (out(a) as string) : undefined)),
          [],
          current,
        ),
        'step.error': around(
          failed((a) => (answer(a) as { error?: string }).error ?? 'failed', true),
          [],
          current,
        ),
        [WF_RESUME]: { actions: resume },
        ...onDeadline,
      },
    };
  }
  const retry = step.retry;
  // A step entered anew: attempt, output and error reset (records written out in full, not spread: see `input`).
  const entered = (r: StepRecord, s: StepRecord['status'], attempt: number, error?: string): StepRecord => ({
    status: s,
    attempt,
    visit: r.visit + 1,
    output: undefined,
    error,
  });
  const error = (a: Args) => {
    const v = verdict(a);
    return typeof v === 'object' ? v.error : 'failed';
  };
  const decide: Transition[] = [
    {
      target: 'running',
      ...(cond === undefined ? {} : { guard: (a: Args) => verdict(a) === 'run' }),
      actions: [patch(id, (r) => entered(r, status, 1))],
    },
    ...(cond === undefined
      ? []
      : [
          ...around(
            exits.skip,
            [patch(id, (r) => entered(r, 'skipped', 0)), emit({ type: 'step.skipped', step: id } as never)],
            (a) => verdict(a) === 'skip',
          ),
          ...around(exits.fail, [
            patch(id, (r, a) => entered(r, 'failed', 0, error(a))),
            emit(((a: Args) => ({ type: 'step.failed', step: id, error: rec(a, id).error, attempt: 0, willRetry: false })) as never),
          ]),
        ]),
  ];
  return {
    decide,
    states: {
      deciding: { always: decide },
      running,
      retrying: {
        invoke: deadline('backoff', (a) => (retry === undefined ? 0 : backoffMs(retry, rec(a, id).attempt))),
        on: { deadline: { target: 'running', guard: forMe(id), actions: [patch(id, (r) => ({ status, attempt: r.attempt + 1 }))] } },
      },
    },
  };
}
