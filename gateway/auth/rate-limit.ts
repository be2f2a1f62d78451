/**
 * Token-bucket rate limits per caller (`Principal.subject`): `burst` requests at once, refilled
 * at `ratePerSec`. Idle buckets (full again) are forgotten, so memory follows active callers.
 */
import { systemClock } from '../../runtime/index.js';

/** Rate limit settings. */
export interface RateLimitOptions {
  readonly ratePerSec: number;
  readonly burst: number;
}

interface Bucket {
  tokens: number;
  at: number;
}

/** Token buckets keyed by caller. */
export class RateLimiter {
  private readonly buckets = new Map<string, Bucket>();
  private lastSweep: number;

  constructor(
    private readonly options: RateLimitOptions,
    private readonly now: () => number = () => systemClock.now(),
  ) {
    this.lastSweep = now();
  }

  /** Takes `cost` tokens for `key`: 0 when allowed, else the milliseconds until it would be. */
  take(key: string, cost = 1): number {
    const now = this.now();
    const { ratePerSec, burst } = this.options;
    let b = this.buckets.get(key);
    if (b === undefined) this.buckets.set(key, (b = { tokens: burst, at: now }));
    else {
      b.tokens = Math.min(burst, b.tokens + ((now - b.at) / 1000) * ratePerSec);
      b.at = now;
    }
    if (now - this.lastSweep > 60_000) this.sweep(now);
    if (b.tokens >= cost) {
      b.tokens -= cost;
      return 0;
    }
    return Math.ceil(((cost - b.tokens) / ratePerSec) * 1000);
  }

  /** Callers with a bucket now. */
  get size(): number {
    return this.buckets.size;
  }

  private sweep(now: number): void {
    this.lastSweep = now;
    const { ratePerSec, burst } = this.options;
    for (const [k, b] of this.buckets) if (b.tokens + ((now - b.at) / 1000) * ratePerSec >= burst) this.buckets.delete(k);
  }
}

/** Counts open connections per caller and in total, refusing past the limits. */
export class ConnectionLimiter {
  private readonly perKey = new Map<string, number>();
  private total = 0;

  constructor(
    private readonly maxTotal: number,
    private readonly maxPerKey: number,
  ) {}

  /** Open connections now. */
  get open(): number {
    return this.total;
  }

  /** Reserves a slot: undefined when granted, else which limit refused it. */
  acquire(key: string): 'global' | 'per_key' | undefined {
    if (this.total >= this.maxTotal) return 'global';
    const n = this.perKey.get(key) ?? 0;
    if (n >= this.maxPerKey) return 'per_key';
    this.perKey.set(key, n + 1);
    this.total++;
    return undefined;
  }

  /** Moves a slot from one caller to another (a connection that authenticated after upgrade). */
  transfer(from: string, to: string): 'per_key' | undefined {
    if (from === to) return undefined;
    const n = this.perKey.get(to) ?? 0;
    if (n >= this.maxPerKey) return 'per_key';
    this.release(from);
    this.perKey.set(to, n + 1);
    this.total++;
    return undefined;
  }

  /** Frees a slot taken by {@link acquire}. */
  release(key: string): void {
    const n = this.perKey.get(key);
    if (n === undefined) return;
    if (n <= 1) this.perKey.delete(key);
    else this.perKey.set(key, n - 1);
    this.total--;
  }
}
