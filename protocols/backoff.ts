/**
 * The project's one backoff function: exponential delay with optional jitter. Pure (the caller
 * passes the random source), so supervisors, transports, tools and model retries share it and
 * tests replay it exactly.
 */

/** How delays grow. */
export interface BackoffOptions {
  /** Delay before the first retry. */
  readonly initialMs: number;
  /** Cap of the exponential part. */
  readonly maxMs: number;
  /** Growth per retry (default 2). */
  readonly multiplier?: number;
  /** 0..1: the share of the delay that is random (default 0: no jitter). */
  readonly jitter?: number;
  /**
   * `spread` (default): uniform over ±jitter of the delay, capped at `maxMs`; `below`: uniform over
   * [1 − jitter, 1] of it, so retries never come early as a herd ("equal jitter" is `below` with 0.5).
   */
  readonly jitterMode?: 'spread' | 'below';
}

/** Delay before retry `n` (n ≥ 1: the first retry waits about `initialMs`), in whole ms; `random` in [0, 1). */
export function backoffDelay(n: number, o: BackoffOptions, random: () => number = Math.random): number {
  const base = Math.min(o.maxMs, o.initialMs * Math.pow(o.multiplier ?? 2, Math.max(0, n - 1)));
  const jitter = o.jitter ?? 0;
  if (o.jitterMode === 'below') return Math.max(0, Math.round(base * (1 - jitter) + random() * (base * jitter)));
  const spread = base * jitter * (2 * random() - 1);
  return Math.max(0, Math.round(Math.min(o.maxMs, base + spread)));
}
