/** Waits for a run's end by watching its event topic (subscribe before starting the run). */
import { DeadlineExceededError, runTopic, type RunEvent, type RunStatus } from '../../protocols/index.js';
import type { ActorSystem } from '../../runtime/index.js';

/** A finished run as seen from its events. */
export interface RunResult {
  readonly status: RunStatus;
  readonly output?: string;
  readonly error?: string;
  readonly events: RunEvent[];
}

const TERMINAL = new Set<string>(['success', 'error', 'cancelled', 'timeout']);

/** Resolves with the run's end (or rejects after `timeoutMs`, or when `signal` aborts); collects every event in order. */
export function waitForRun(system: ActorSystem, runId: string, tenant: string, timeoutMs = 60_000, onEvent?: (e: RunEvent) => void, signal?: AbortSignal): Promise<RunResult> {
  const events: RunEvent[] = [];
  return new Promise<RunResult>((resolve, reject) => {
    const sub = system.subscribe(
      runTopic(runId),
      (env) => {
        const e = env.payload as RunEvent;
        events.push(e);
        onEvent?.(e);
        const data = e.data as { status?: string; output?: string; error?: string } | undefined;
        if (e.event === 'status' && data?.status !== undefined && TERMINAL.has(data.status)) {
          system.clock.clearTimer(timer);
          sub.unsubscribe();
          resolve({ status: data.status as RunStatus, output: data.output, error: data.error, events });
        }
      },
      { tenant },
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
        reject(signal.reason instanceof Error ? signal.reason : new Error('wait aborted'));
      },
      { once: true },
    );
  });
}
