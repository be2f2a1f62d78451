/**
 * Token usage of finished runs, per tenant, day, agent and model, in the node's storage (bucket `usage`,
 * ADR 0027): one row per run under `[tenant, day, runId]`, written once by the run's driver when it ends. No row is
 * ever read, changed and written back, so two nodes (or two agents) ending runs on the same day never lose each
 * other's counts, and a run's end written again (a retried write) replaces its own row instead of counting twice.
 * Totals are summed when read, day by day.
 */
import { ValidationError } from '../../protocols/index.js';
import type { KvBucket, Storage } from '../../runtime/index.js';

/** The bucket holding usage rows. */
export const USAGE_BUCKET = 'usage';

/** One run's usage as stored. */
export interface UsageRow {
  readonly agent: string;
  readonly model: string;
  readonly input_tokens: number;
  readonly output_tokens: number;
  /** Tool calls the run made (rows written before billing have none). */
  readonly tool_calls?: number;
}

/** Usage summed per day, agent and model. */
export interface UsageTotal extends UsageRow {
  readonly day: string;
  readonly runs: number;
}

/** What to sum: days `from`..`to` (inclusive, `YYYY-MM-DD`, UTC), optionally one agent and/or model. */
export interface UsageQuery {
  readonly from: string;
  readonly to: string;
  readonly agent?: string;
  readonly model?: string;
}

/** Longest span one query may sum (days). */
export const MAX_USAGE_DAYS = 366;
const DAY_MS = 86_400_000;

const cmp = (a: string, b: string): number => (a < b ? -1 : a > b ? 1 : 0);

/** The day {@link usageDay} answered last, from its first ms (every run of a day asks for the same one). */
let dayStart = Number.NaN;
let dayText = '';

/** The UTC day (`YYYY-MM-DD`) of a time in ms. */
export function usageDay(ms: number): string {
  if (ms >= dayStart && ms < dayStart + DAY_MS) return dayText;
  const text = new Date(ms).toISOString().slice(0, 10);
  if (!Number.isFinite(ms)) return text; // throws first (an invalid time has no day)
  dayStart = ms - (((ms % DAY_MS) + DAY_MS) % DAY_MS);
  dayText = text;
  return text;
}

/** The days `from`..`to`; a `bad_request` when either is no date, `to` is before `from`, or the span is too long. */
export function usageDays(from: string, to: string): string[] {
  const start = Date.parse(`${from}T00:00:00Z`);
  const end = Date.parse(`${to}T00:00:00Z`);
  if (!/^\d{4}-\d{2}-\d{2}$/.test(from) || Number.isNaN(start) || usageDay(start) !== from)
    throw new ValidationError(`from: expected a day as YYYY-MM-DD, got ${JSON.stringify(from).slice(0, 40)}`);
  if (!/^\d{4}-\d{2}-\d{2}$/.test(to) || Number.isNaN(end) || usageDay(end) !== to)
    throw new ValidationError(`to: expected a day as YYYY-MM-DD, got ${JSON.stringify(to).slice(0, 40)}`);
  if (end < start) throw new ValidationError(`to (${to}) is before from (${from})`);
  const n = (end - start) / DAY_MS + 1;
  if (n > MAX_USAGE_DAYS) throw new ValidationError(`from..to spans ${n} days; at most ${MAX_USAGE_DAYS}`);
  return Array.from({ length: n }, (_, i) => usageDay(start + i * DAY_MS));
}

/** Reads and writes usage rows. */
export class UsageStore {
  private readonly bucket: KvBucket;

  constructor(storage: Storage) {
    this.bucket = storage.bucket(USAGE_BUCKET);
  }

  /** Records run `runId` of `tenant`, ended at `atMs` (its row replaced when written again). */
  async record(tenant: string, runId: string, atMs: number, row: UsageRow): Promise<void> {
    await this.bucket.put([tenant, usageDay(atMs), runId], row);
  }

  /** Usage of `tenant` summed per day, agent and model, in day, agent and model order. */
  async totals(tenant: string, query: UsageQuery): Promise<UsageTotal[]> {
    const out: UsageTotal[] = [];
    for (const day of usageDays(query.from, query.to)) {
      const sums = new Map<string, { agent: string; model: string; input_tokens: number; output_tokens: number; runs: number }>();
      for (const { value } of await this.bucket.list<UsageRow>([tenant, day])) {
        if ((query.agent !== undefined && value.agent !== query.agent) || (query.model !== undefined && value.model !== query.model))
          continue;
        const k = JSON.stringify([value.agent, value.model]);
        const s = sums.get(k) ?? { agent: value.agent, model: value.model, input_tokens: 0, output_tokens: 0, runs: 0 };
        s.input_tokens += value.input_tokens;
        s.output_tokens += value.output_tokens;
        s.runs++;
        sums.set(k, s);
      }
      const rows = [...sums.values()].sort((a, b) => (a.agent === b.agent ? cmp(a.model, b.model) : cmp(a.agent, b.agent)));
      for (const s of rows) out.push({ day, ...s });
    }
    return out;
  }
}
