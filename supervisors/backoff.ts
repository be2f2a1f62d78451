/** Restart delays (the project's backoff, protocols/backoff.ts) and the restart-intensity window. */
import { backoffDelay } from '../protocols/index.js';

export { backoffDelay };

/** Backoff settings (config `supervision.backoff`); delays come from `backoffDelay` with jitter spread ±`jitter`. */
export interface BackoffOptions {
  readonly initialMs: number;
  readonly maxMs: number;
  readonly multiplier: number;
  /** 0..1: the delay is spread uniformly over ±jitter of itself. */
  readonly jitter: number;
}

/**
 * Records restarts and says whether one more would exceed `maxRestarts` within `withinMs`.
 * Pure data so that it survives in actor state and can be property-tested.
 */
export class RestartWindow {
  private readonly times: number[] = [];

  constructor(
    readonly maxRestarts: number,
    readonly withinMs: number,
  ) {}

  /** Restarts counted in the window ending at `now`. */
  count(now: number): number {
    while (this.times.length > 0 && (this.times[0] as number) <= now - this.withinMs) this.times.shift();
    return this.times.length;
  }

  /** Records a restart at `now` and returns its ordinal in the window, or 0 when the intensity is exceeded. */
  admit(now: number): number {
    if (this.count(now) >= this.maxRestarts) return 0;
    this.times.push(now);
    return this.times.length;
  }
}
