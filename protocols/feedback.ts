/**
 * Feedback on runs (the trainer kind's input, docs/trainers.md): the LangSmith feedback shape — `key`, `score`,
 * `value`, `comment`, `correction` — as every surface takes it (`POST /acp/runs/{run_id}/feedback`, the `/ws`
 * frame `feedback`, A2A message metadata `feedback`), and the record stored with the run, its tenant, user, agent
 * and prompt-template version. One feedback owner per tenant ({@link FEEDBACK_ADDRESS}) writes every record and
 * keeps the aggregates per agent and template version.
 */
import { z } from 'zod';

/** The tenant's feedback owner (stateful: one activation in the mesh). */
export const FEEDBACK_ADDRESS = 'trainer/feedback';

/** Message types the feedback owner handles (each is an `ask`). */
export const FEEDBACK_ADD = 'trainer.feedback.add';
export const FEEDBACK_LIST = 'trainer.feedback.list';
export const FEEDBACK_STATS = 'trainer.feedback.stats';

/** Limits of one feedback. */
export const FEEDBACK_LIMITS = {
  keyChars: 100,
  commentChars: 10_000,
  /** `value` and `correction`, each, as JSON. */
  valueBytes: 64 * 1024,
  /** Feedback entries one run may collect. */
  perRun: 1000,
} as const;

/** Bytes of `v` as JSON (a value JSON cannot carry counts as too large). */
function jsonBytes(v: unknown): number {
  try {
    return Buffer.byteLength(JSON.stringify(v) ?? '', 'utf8');
  } catch {
    return Number.POSITIVE_INFINITY;
  }
}

const boundedJson = (what: string) =>
  z.unknown().refine((v) => v === undefined || jsonBytes(v) <= FEEDBACK_LIMITS.valueBytes, {
    message: `${what} is at most ${FEEDBACK_LIMITS.valueBytes} bytes of JSON`,
  });

/**
 * What a client sends: LangSmith's feedback create body. `run_id` is optional where the path or frame names the run
 * (and must match it when given); `id` (a UUID) makes a retry idempotent. Other LangSmith fields
 * (`feedback_config`, `session_id`, …) are accepted and ignored.
 */
export const feedbackInputSchema = z.object({
  id: z.uuid('id is a UUID').optional(),
  run_id: z.string().min(1).max(128).optional(),
  /** What is scored: `correctness`, `thumbs`, `helpfulness`, … */
  key: z
    .string()
    .min(1, 'key cannot be empty')
    .max(FEEDBACK_LIMITS.keyChars, `key is at most ${FEEDBACK_LIMITS.keyChars} characters`)
    .regex(/^[A-Za-z0-9_.:-]+$/, 'key is letters, digits and _ . : -'),
  /** A score from 0 (worst) to 1 (best); `true`/`false` count as 1/0. Other scales go in `value`. */
  score: z.union([z.number().finite().min(0, 'score is at least 0').max(1, 'score is at most 1'), z.boolean(), z.null()]).optional(),
  /** Any JSON value (a label, a rating on another scale, …). */
  value: boundedJson('value').optional(),
  comment: z.string().max(FEEDBACK_LIMITS.commentChars, `comment is at most ${FEEDBACK_LIMITS.commentChars} characters`).optional(),
  /** What the output should have been (a string or any JSON): the trainer's demonstrations and preference pairs. */
  correction: boundedJson('correction').optional(),
  /** Who gave it: a person through an app (default `api`), or a model / evaluator. */
  feedback_source: z
    .strictObject({ type: z.enum(['api', 'app', 'model', 'eval']), metadata: z.record(z.string(), z.unknown()).optional() })
    .optional(),
});
export type FeedbackInput = z.infer<typeof feedbackInputSchema>;

/** The prompt-template version a run used (absent for an agent with plain instructions). */
export const templateRefSchema = z.object({ name: z.string(), version: z.number().int().nonnegative() });
export type TemplateRef = z.infer<typeof templateRefSchema>;

/** A stored feedback. */
export const feedbackRecordSchema = z.object({
  id: z.string().min(1),
  run_id: z.string().min(1),
  thread_id: z.string(),
  tenant: z.string(),
  /** The caller's key id or token subject (never a secret). */
  user: z.string(),
  agent: z.string(),
  template: templateRefSchema.optional(),
  created_at: z.string(),
  key: z.string(),
  /** The score as given, booleans as 1/0. */
  score: z.number().nullable().optional(),
  value: z.unknown().optional(),
  comment: z.string().optional(),
  correction: z.unknown().optional(),
  feedback_source: z.object({ type: z.string(), metadata: z.record(z.string(), z.unknown()).optional() }),
});
export type FeedbackRecord = z.infer<typeof feedbackRecordSchema>;

/** `FEEDBACK_ADD`: one feedback on a run of the owner's tenant. */
export const feedbackAddSchema = z.object({
  id: z.string().min(1).max(128),
  run_id: z.string().min(1).max(128),
  user: z.string().max(256),
  feedback: feedbackInputSchema,
});
export type FeedbackAdd = z.infer<typeof feedbackAddSchema>;

/** `FEEDBACK_LIST`: the feedback on one run. */
export const feedbackListSchema = z.object({ run_id: z.string().min(1).max(128) });

/** `FEEDBACK_STATS`: aggregates, optionally of one agent. */
export const feedbackStatsSchema = z.object({ agent: z.string().min(1).max(128).optional() });

/** Aggregates of one feedback key for one agent and template version. */
export interface FeedbackAggregate {
  readonly agent: string;
  /** `name@version`, or `-` for runs without a template. */
  readonly template: string;
  readonly key: string;
  /** Feedback entries. */
  readonly count: number;
  /** Entries with a score. */
  readonly scored: number;
  readonly mean: number | null;
  readonly min: number | null;
  readonly max: number | null;
  /** Scores ≥ 0.5 (thumbs up). */
  readonly positive: number;
  readonly corrections: number;
}
