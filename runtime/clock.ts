/**
 * Time as a dependency. Every timeout, deadline, backoff and intensity window in the
 * runtime reads this clock, so tests drive them in simulated time instead of sleeping.
 */

/** An opaque handle for a scheduled timer. */
export type TimerHandle = { readonly __timer: true } | object;

/** A source of time and timers. */
export interface Clock {
  /** Milliseconds since the epoch. */
  now(): number;
  /** Calls `fn` once after `ms` milliseconds. */
  setTimer(ms: number, fn: () => void): TimerHandle;
  /** Cancels a timer; cancelling a fired or unknown timer does nothing. */
  clearTimer(handle: TimerHandle): void;
}

/** The real clock: `Date.now` and Node timers (a pending ask or restart keeps the process alive). */
export const systemClock: Clock = {
  now: () => Date.now(),
  setTimer(ms, fn) {
    return setTimeout(fn, Math.max(0, ms));
  },
  clearTimer(handle) {
    clearTimeout(handle as NodeJS.Timeout);
  },
};

interface SimTimer {
  at: number;
  seq: number;
  fn: () => void;
  cancelled: boolean;
}

/** Lets pending promise callbacks run (a macrotask turn drains all microtasks). */
export function flushMicrotasks(): Promise<void> {
  return new Promise((resolve) => setImmediate(resolve));
}

/**
 * A clock that only moves when told to. `advance(ms)` fires due timers in time order and
 * lets promise chains settle between them, so async code behaves as it would in real time.
 */
export class SimulatedClock implements Clock {
  private current: number;
  private seq = 0;
  private timers: SimTimer[] = [];

  constructor(start = 1_700_000_000_000) {
    this.current = start;
  }

  now(): number {
    return this.current;
  }

  setTimer(ms: number, fn: () => void): TimerHandle {
    const t: SimTimer = { at: this.current + Math.max(0, ms), seq: this.seq++, fn, cancelled: false };
    this.timers.push(t);
    return t;
  }

  clearTimer(handle: TimerHandle): void {
    (handle as SimTimer).cancelled = true;
  }

  /** Number of timers still scheduled. */
  get pending(): number {
    return this.timers.filter((t) => !t.cancelled).length;
  }

  /** Moves time forward by `ms`, firing every timer that falls due, in order. */
  async advance(ms: number): Promise<void> {
    const target = this.current + ms;
    await flushMicrotasks();
    for (;;) {
      this.timers = this.timers.filter((t) => !t.cancelled);
      let next: SimTimer | undefined;
      for (const t of this.timers)
        if (t.at <= target && (next === undefined || t.at < next.at || (t.at === next.at && t.seq < next.seq))) next = t;
      if (next === undefined) break;
      this.current = Math.max(this.current, next.at);
      next.cancelled = true;
      next.fn();
      await flushMicrotasks();
    }
    this.current = target;
    await flushMicrotasks();
  }

  /** Advances in `step` increments until `done()` holds or `maxMs` passes; returns whether it held. */
  async advanceUntil(done: () => boolean, maxMs = 60_000, step = 1): Promise<boolean> {
    for (let t = 0; t <= maxMs; t += step) {
      if (done()) return true;
      await this.advance(step);
    }
    return done();
  }
}
