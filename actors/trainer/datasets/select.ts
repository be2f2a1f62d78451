/**
 * Which runs a dataset is made of: a tenant's finished runs filtered by agent, time, tags (`metadata.tags`) and
 * feedback (a key and a score range), each with its conversation (the thread's messages after its last step) and its
 * feedback records. Reads storage only — the runs' and feedback owners stay the one writers.
 */
import { z } from 'zod';
import type { ChatMessage, FeedbackRecord, RunRecord } from '../../../protocols/index.js';
import type { Storage } from '../../../runtime/index.js';
import { RunStore } from '../../agent/index.js';
import { FEEDBACK_BUCKET } from '../feedback.js';

/** Most runs one export reads. */
export const MAX_EXPORT_RUNS = 10_000;

/** What runs an export takes (every field optional; all given ones must hold). */
export const runFilterSchema = z.strictObject({
  agent: z.string().min(1).max(128).optional(),
  /** ISO times: the run was created at or after `since`, before `until`. */
  since: z.iso.datetime({ offset: true }).optional(),
  until: z.iso.datetime({ offset: true }).optional(),
  /** Every tag must be in the run's `metadata.tags`. */
  tags: z.array(z.string().min(1).max(100)).max(20).optional(),
  /** The run has feedback with this key whose mean score is within [min, max]. */
  feedback: z
    .strictObject({
      key: z.string().min(1).max(100),
      min: z.number().min(0).max(1).optional(),
      max: z.number().min(0).max(1).optional(),
    })
    .optional(),
  /** Run status (default `success`). */
  status: z.enum(['success', 'error', 'timeout', 'cancelled', 'interrupted']).default('success'),
  limit: z.int().min(1).max(MAX_EXPORT_RUNS).default(1000),
});
/** What runs an export takes. */
export type RunFilter = z.infer<typeof runFilterSchema>;

/** A run picked for a dataset, with what an export needs of it. */
export interface SelectedRun {
  readonly run: RunRecord;
  /** The thread's messages after the run's last step (earlier runs of the thread included). */
  readonly messages: readonly ChatMessage[];
  readonly feedback: readonly FeedbackRecord[];
}

/** The mean score of `key` in `feedback` (undefined when none is scored). */
export function meanScore(feedback: readonly FeedbackRecord[], key: string): number | undefined {
  const scores = feedback.filter((f) => f.key === key && typeof f.score === 'number').map((f) => f.score as number);
  return scores.length === 0 ? undefined : scores.reduce((a, b) => a + b, 0) / scores.length;
}

function tagsOf(run: RunRecord): readonly unknown[] {
  const t = run.metadata['tags'];
  return Array.isArray(t) ? t : [];
}

/** The runs of `tenant` that `filter` takes, oldest first, at most `filter.limit`. */
export async function selectRuns(storage: Storage, tenant: string, filter: RunFilter): Promise<SelectedRun[]> {
  const runs = new RunStore(storage);
  const feedbackBucket = storage.bucket(FEEDBACK_BUCKET);
  const since = filter.since === undefined ? undefined : Date.parse(filter.since);
  const until = filter.until === undefined ? undefined : Date.parse(filter.until);
  const records = (await storage.bucket('runs').list<RunRecord>([tenant, 'run']))
    .map((e) => e.value)
    .filter((r) => {
      const at = Date.parse(r.created_at);
      return (
        r.status === filter.status &&
        (filter.agent === undefined || r.assistant_id === filter.agent) &&
        (since === undefined || at >= since) &&
        (until === undefined || at < until) &&
        (filter.tags ?? []).every((t) => tagsOf(r).includes(t))
      );
    })
    .sort((a, b) => (a.created_at < b.created_at ? -1 : a.created_at > b.created_at ? 1 : a.run_id.localeCompare(b.run_id)));
  const out: SelectedRun[] = [];
  for (const run of records) {
    if (out.length >= filter.limit) break;
    const feedback = (await feedbackBucket.list<FeedbackRecord>([tenant, run.run_id])).map((e) => e.value);
    if (filter.feedback !== undefined) {
      const mean = meanScore(feedback, filter.feedback.key);
      if (mean === undefined || mean < (filter.feedback.min ?? 0) || mean > (filter.feedback.max ?? 1)) continue;
    }
    const checkpoint = (await runs.history(tenant, run.thread_id, 10_000)).find((c) => c.run_id === run.run_id);
    if (checkpoint === undefined) continue;
    out.push({ run, messages: checkpoint.messages, feedback });
  }
  return out;
}
