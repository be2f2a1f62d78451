/** Restart delays: exponential backoff with jitter, and the restart-intensity window. */

/** Backoff settings (config `supervision.backoff`). */
export interface BackoffOptions {
  readonly initialMs: number;
  readonly maxMs: number;
  readonly multiplier: number;
  /** 0..1: the delay is spread uniformly over ±jitter of itself. */
  readonly jitter: number;
}

/** Delay before the `n`th restart in the current window (n ≥ 1); `random` in [0, 1). */
export function backoffDelay(n: number, o: BackoffOptions, random: () => number): number {
  const base = Math.min(o.maxMs, o.initialMs * Math.pow(o.multiplier, Math.max(0, n - 1)));
  const spread = base * o.jitter * (2 * random() - 1);
  return Math.max(0, Math.round(Math.min(o.maxMs, base + spread)));
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
