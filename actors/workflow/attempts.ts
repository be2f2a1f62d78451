// Step attempts run by actions and answered by events (ADR 0041). The step's `running` state starts an attempt in its
// entry action and stops it in its exit action; the attempt answers its run's actor with `step.done` / `step.error`
// (carrying the step, visit and attempt it ran). No XState child actor per step: an attempt's abort controller is kept
// here, by run actor and step, outside the persisted snapshot; a restored run restarts the attempts its snapshot shows
// running when sent `wf.resume` (the executor joins them from the journal).
import type { AnyActorRef, EventObject } from 'xstate';
import { scrubbedMessage } from '../../protocols/index.js';
import type { StepInvocation } from './step-node.js';
import type { WorkflowContext } from './types.js';

/** The event a finished attempt sends its run's actor. */
export type StepAnswer =
  | { type: 'step.done'; step: string; visit: number; attempt: number; output: unknown }
  | { type: 'step.error'; step: string; visit: number; attempt: number; error: string };

/** The event that restarts, after a restore, the attempts a run's snapshot shows running. */
export const WF_RESUME = 'wf.resume';

/** Why an attempt was stopped (reasons, not `DOMException`s built per step). */
const LEFT = new Error('step attempt left');
const STOPPED = new Error('workflow run actor stopped');

/** Sends `self` the answer of attempt `c`, unless it was stopped or replaced (`live`: `self`'s live attempts by step). */
function answer(self: AnyActorRef, live: Map<string, AbortController>, c: AbortController, e: StepAnswer): void {
  if (c.signal.aborted || live.get(e.step) !== c) return;
  live.delete(e.step);
  self.send(e as EventObject);
}

/** Runs one step attempt: the compiled machine's executor call for an invocation. */
export type AttemptRunner = (input: StepInvocation, signal: AbortSignal) => Promise<unknown>;

/** The live attempts of every run actor of one compiled machine. */
export class StepAttempts {
  private readonly live = new WeakMap<AnyActorRef, Map<string, AbortController>>();
  /** How each runnable step's attempt starts from a run's context: its `running` state's entry action. */
  private readonly starters = new Map<string, (self: AnyActorRef, context: WorkflowContext) => void>();

  constructor(private readonly run: AttemptRunner) {}

  /** Registers the entry action that starts step `step`'s attempts. */
  starter(step: string, start: (self: AnyActorRef, context: WorkflowContext) => void): void {
    this.starters.set(step, start);
  }

  /**
   * Starts `self`'s attempt of `step` from `context` as its `running` state's entry action does, unless one is live
   * here: for a run whose state was entered without its entry actions (a reused first state, machine.ts).
   */
  resume(self: AnyActorRef, step: string, context: WorkflowContext): void {
    if (!this.has(self, step)) this.starters.get(step)?.(self, context);
  }

  /** Whether `self` has a live attempt of `step` in this process. */
  has(self: AnyActorRef, step: string): boolean {
    return this.live.get(self)?.has(step) === true;
  }

  /** Starts an attempt of `input.step` for run actor `self` (stopping one it replaces); it answers with a {@link StepAnswer}. */
  start(self: AnyActorRef, input: StepInvocation): void {
    let mine = this.live.get(self);
    if (mine === undefined) {
      const all = (mine = new Map<string, AbortController>());
      this.live.set(self, all);
      // A stopped actor (its activation leaving, a takeover) stops its attempts: they leave their runs to be joined.
      self.subscribe({
        complete: () => {
          for (const c of all.values()) c.abort(STOPPED);
          all.clear();
        },
      });
    }
    const { step, visit, attempt } = input;
    mine.get(step)?.abort(LEFT);
    const c = new AbortController();
    const attempts = mine;
    attempts.set(step, c);
    this.run(input, c.signal).then(
      (output) => answer(self, attempts, c, { type: 'step.done', step, visit, attempt, output }),
      (e: unknown) => answer(self, attempts, c, { type: 'step.error', step, visit, attempt, error: scrubbedMessage(e) }),
    );
  }

  /** Stops `self`'s attempt of `step` (its state was left: cancelled, timed out, the run moved on). */
  stop(self: AnyActorRef, step: string): void {
    const mine = this.live.get(self);
    const c = mine?.get(step);
    if (c === undefined) return;
    mine?.delete(step);
    c.abort(LEFT);
  }
}
