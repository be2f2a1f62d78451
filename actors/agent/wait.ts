/** Waits for a run's end by watching its event topic (subscribe before starting the run). */
import {
  CancelledError,
  DeadlineExceededError,
  TERMINAL_RUN_STATUSES,
  UnavailableError,
  type RunEvent,
  type RunStatus,
} from '../../protocols/index.js';
import type { ActorSystem } from '../../runtime/index.js';
import { subscribeRun } from './live.js';
import type { RunReads } from './store.js';

/** A finished run as seen from its events. */
export interface RunResult {
  readonly status: RunStatus;
  readonly output?: string;
  readonly error?: string;
  readonly events: RunEvent[];
}

/**
 * Resolves with the run's end (or rejects after `timeoutMs`, or when `signal` aborts); collects
 * every event in order. An event too big to publish is read from `store`; without one (or when
 * it cannot be read) the wait rejects naming that event instead of missing it.
 */
export function waitForRun(
  system: ActorSystem,
  runId: string,
  tenant: string,
  timeoutMs = 60_000,
  onEvent?: (e: RunEvent) => void,
  signal?: AbortSignal,
  store?: RunReads,
): Promise<RunResult> {
  const events: RunEvent[] = [];
  return new Promise<RunResult>((resolve, reject) => {
    const sub = subscribeRun(
      system,
      store,
      tenant,
      runId,
      (e) => {
        events.push(e);
        onEvent?.(e);
        const data = e.data as { status?: string; output?: string; error?: string } | undefined;
        if (e.event === 'status' && data?.status !== undefined && TERMINAL_RUN_STATUSES.has(data.status)) {
          system.clock.clearTimer(timer);
          sub.unsubscribe();
          resolve({ status: data.status as RunStatus, output: data.output, error: data.error, events });
        }
      },
      (seq, err) => {
        system.clock.clearTimer(timer);
        sub.unsubscribe();
        reject(new UnavailableError(`run ${runId}: event ${seq} could not be delivered: ${err.message}`));
      },
    );
    const timer = system.clock.setTimer(timeoutMs, () => {
      sub.unsubscribe();
      reject(new DeadlineExceededError(`run ${runId} did not end within ${timeoutMs} ms`));
    });
    signal?.addEventListener(
      'abort',
      () => {
        system.clock.clearTimer(timer);
        sub.unsubscribe();
        reject(signal.reason instanceof Error ? signal.reason : new CancelledError('wait aborted'));
      },
      { once: true },
    );
  });
}
