/**
 * Recorded results of tools declared idempotent by key (ToolPolicy `idempotentByKey`): one entry per tenant and
 * idempotency key in the `tool-results` bucket of `system.storage`, written before the tool actor answers, so a
 * call repeated after its run's host died is answered from the record instead of running the tool again.
 * Records expire: one past its time is never used, and each write deletes a few expired ones (oldest first).
 */
import { seqKey, type KvBucket, type Storage } from '../../runtime/index.js';
import type { ToolCallResult } from './types.js';

/** How long a recorded result is kept when the tool's policy says nothing (24 hours). */
export const DEFAULT_RESULT_TTL_MS = 24 * 60 * 60 * 1000;
/** The storage bucket of recorded results. */
export const RESULTS_BUCKET = 'tool-results';
/** Expired records deleted per write at most. */
const SWEEP = 16;

interface Recorded {
  readonly tool: string;
  readonly result: ToolCallResult;
  readonly expiresAt: number;
}

/** Recorded tool results of one storage. */
export class ToolResults {
  private readonly bucket: KvBucket;

  constructor(storage: Storage) {
    this.bucket = storage.bucket(RESULTS_BUCKET);
  }

  /** The result recorded for `key` (undefined when none, or expired at `now`). */
  async get(tenant: string, key: string, now: number): Promise<ToolCallResult | undefined> {
    const r = await this.bucket.get<Recorded>([tenant, 'r', key]);
    return r === undefined || r.expiresAt <= now ? undefined : r.result;
  }

  /** Records `result` for `key` until `now + ttlMs`, and deletes a few records that expired before `now`. */
  async put(tenant: string, key: string, tool: string, result: ToolCallResult, now: number, ttlMs: number): Promise<void> {
    const expiresAt = now + ttlMs;
    await this.bucket.putMany([
      { key: [tenant, 'r', key], value: { tool, result, expiresAt } satisfies Recorded },
      { key: [tenant, 'x', seqKey(expiresAt), key], value: 1 },
    ]);
    await this.sweep(tenant, now);
  }

  /** Deletes up to `limit` records of `tenant` that expired before `now`; returns how many. */
  async sweep(tenant: string, now: number, limit = SWEEP): Promise<number> {
    let removed = 0;
    for (const e of await this.bucket.list([tenant, 'x'], { limit })) {
      const [, , at, key] = e.key;
      if (at === undefined || key === undefined || Number(at) > now) break;
      // Only the record this index entry stands for: a newer record under the same key has a later index entry.
      const r = await this.bucket.get<Recorded>([tenant, 'r', key]);
      if (r !== undefined && r.expiresAt <= now) await this.bucket.delete([tenant, 'r', key]);
      await this.bucket.delete(e.key);
      removed++;
    }
    return removed;
  }
}
