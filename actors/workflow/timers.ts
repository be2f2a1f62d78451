// Durable delays for workflow machines (ADR 0031). XState 5 keeps `after` timers in the actor system, not in the
// persisted snapshot, and restarts them from zero (or loses them) on restore; a workflow's timeouts and backoffs are
// instead invoked `deadline` children whose input holds the absolute deadline, so a restored child re-arms for the
// time that is left.
import { fromCallback, type EventObject } from 'xstate';
import type { Clock } from '../../runtime/index.js';

/** Input of a deadline child: the step it belongs to and when (clock time, ms) it fires. */
export interface DeadlineInput {
  readonly step: string;
  readonly at: number;
}

/** The event a deadline child sends its parent when its time comes. */
export interface DeadlineEvent extends EventObject {
  type: 'deadline';
  step: string;
  at: number;
}

/** A callback actor that sends `{ type: 'deadline', step, at }` at `input.at` on `clock` (at once if past). */
export function deadlineLogic(clock: Clock) {
  return fromCallback<EventObject, DeadlineInput>(({ input, sendBack }) => {
    const handle = clock.setTimer(Math.max(0, input.at - clock.now()), () =>
      sendBack({ type: 'deadline', step: input.step, at: input.at }),
    );
    return () => clock.clearTimer(handle);
  });
}

/** The delay before retry `attempt + 1` after `attempt` failed: backoff × factor^(attempt-1), capped. */
export function backoffMs(retry: { backoffMs: number; factor: number; maxBackoffMs: number }, attempt: number): number {
  return Math.min(retry.maxBackoffMs, Math.round(retry.backoffMs * retry.factor ** Math.max(0, attempt - 1)));
}
