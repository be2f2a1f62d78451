/**
 * The gateway's time: every timer, timeout, heartbeat and timestamp of the gateway goes through
 * the runtime {@link Clock} it was given (`GatewayOptions.clock`, else `GatewayDeps.clock`, else
 * the system clock), so tests drive heartbeats, idle cut-offs and wait timeouts in simulated time.
 * (gateway/client/ runs in the user's process and keeps Node's timers.)
 */
import { systemClock, type Clock } from '../runtime/index.js';
import type { GatewayDeps } from './types.js';

/** The clock of the gateway parts built on `deps`: `deps.clock`, else the system clock. */
export function clockOf(deps: Pick<GatewayDeps, 'clock'>): Clock {
  return deps.clock ?? systemClock;
}

/** A repeating timer; `stop` cancels it. */
export interface Repeating {
  stop(): void;
}

/**
 * Calls `fn` every `ms` on `clock` until stopped. With `unref`, a pending beat does not keep the
 * process alive (on the system clock, whose handles are Node timers).
 */
export function every(clock: Clock, ms: number, fn: () => void, options: { unref?: boolean } = {}): Repeating {
  let stopped = false;
  let handle = arm();
  function arm(): ReturnType<Clock['setTimer']> {
    const h = clock.setTimer(ms, () => {
      if (stopped) return;
      handle = arm();
      fn();
    });
    if (options.unref === true) unref(h);
    return h;
  }
  return {
    stop() {
      stopped = true;
      clock.clearTimer(handle);
    },
  };
}

/** Resolves after `ms` on `clock`. */
export function sleep(clock: Clock, ms: number): Promise<void> {
  return new Promise((resolve) => clock.setTimer(ms, resolve));
}

/** The clock's time as an ISO string. */
export function isoNow(clock: Clock): string {
  return new Date(clock.now()).toISOString();
}

/** Lets the process exit while `handle` (a timer of the system clock) is pending; other clocks ignore it. */
export function unref(handle: unknown): void {
  (handle as { unref?: () => void }).unref?.();
}
