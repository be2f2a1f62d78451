/**
 * Prompt optimisation jobs (docs/trainers.md, ADR 0032): given an agent, an eval suite split into train and held-out
 * cases and a budget of metric calls (case runs), a durable trainer actor (`trainer/opt-<id>`) proposes candidate
 * template versions — instruction rewrites by a teacher agent, few-shot demonstrations from high-scoring runs and
 * feedback corrections — scores them on train, picks on held-out, and saves the winner labelled `candidate`.
 */
import { z } from 'zod';
import { EXPERIMENT_ID } from './experiments.js';
import type { TemplateBody } from './prompts.js';

/** Message types an optimisation actor handles. */
export const OPTIMIZE_CREATE = 'trainer.optimize.create';
export const OPTIMIZE_GET = 'trainer.optimize.get';
export const OPTIMIZE_CANCEL = 'trainer.optimize.cancel';
/** Sent by the actor to itself: go on with the job (after a start, a restart, a failover). */
export const OPTIMIZE_RESUME = 'trainer.optimize.resume';

/** The actor address of optimisation `id`. */
export function optimizationAddress(id: string): string {
  return `trainer/opt-${id}`;
}

/** The topic an optimisation publishes its progress on. */
export function optimizationTopic(id: string): string {
  return `trainer.optimizations.${id}`;
}

/** What a client sends to start an optimisation. */
export const optimizeCreateSchema = z.strictObject({
  id: z.string().regex(EXPERIMENT_ID, 'id is [a-z0-9][a-z0-9-]{0,47}').optional(),
  /** The agent to optimise; it must render a template (`prompt` in its config). */
  agent: z.string().min(1).max(128),
  /** The eval suite: YAML or JSON text (docs/evals.md); its cases run against `agent`. */
  suite: z.string().min(1).max(1_000_000),
  /** Share of the cases held out for the final pick (at least one case on each side). */
  holdout: z.number().min(0.1, 'holdout is at least 0.1').max(0.9, 'holdout is at most 0.9').default(0.3),
  /** Metric calls (case runs) the job may spend, held-out runs included. */
  budget: z.int().min(2).max(100_000).default(200),
  /** An agent that rewrites instructions (any configured provider); none: no rewrites. */
  teacher: z.string().min(1).max(128).optional(),
  rewrites: z.int().min(0).max(8).default(2),
  /** Demonstrations per few-shot candidate at most. */
  demos: z.int().min(0).max(32).default(4),
  /** Candidates scored on held-out (the best on train). */
  finalists: z.int().min(1).max(8).default(3),
  /** Milliseconds one case run may take. */
  case_timeout_ms: z.int().min(100).max(600_000).default(60_000),
});
export type OptimizeCreateInput = z.input<typeof optimizeCreateSchema>;
export type OptimizeCreate = z.infer<typeof optimizeCreateSchema>;

/** The create message an optimisation actor takes. */
export const optimizeCreateMessageSchema = optimizeCreateSchema.extend({ id: z.string().regex(EXPERIMENT_ID) });

/** Payload schema of each message type of an optimisation actor. */
export const OPTIMIZE_SCHEMAS = {
  [OPTIMIZE_CREATE]: optimizeCreateMessageSchema,
  [OPTIMIZE_GET]: z.unknown(),
  [OPTIMIZE_CANCEL]: z.unknown(),
  [OPTIMIZE_RESUME]: z.unknown(),
} as const;

/** Where a job is. */
export type OptimizeStatus = 'running' | 'completed' | 'failed' | 'cancelled';

/** One candidate: how it was made, its exact template body, the version it was stored as, its scores. */
export interface OptimizeCandidate {
  readonly index: number;
  readonly kind: 'baseline' | 'rewrite' | 'fewshot';
  /** The candidate it was made from (few-shot: its instructions). */
  readonly from?: number;
  readonly body: TemplateBody;
  version?: number;
  /** Mean case score and passes on each split (absent until scored; partial when the budget ran out). */
  train?: number;
  trainPassed?: number;
  heldout?: number;
  heldoutPassed?: number;
}

/** An optimisation as stored and shown. */
export interface OptimizeRecord {
  readonly id: string;
  readonly tenant: string;
  readonly agent: string;
  readonly template: string;
  /** The version optimised from (the `production` label when the job started). */
  readonly base_version: number;
  readonly config: Omit<OptimizeCreate, 'suite' | 'id'>;
  status: OptimizeStatus;
  phase: 'baseline' | 'rewrites' | 'fewshot' | 'heldout' | 'saving' | 'done';
  /** Metric calls spent. */
  used: number;
  readonly train: readonly string[];
  readonly heldout: readonly string[];
  candidates: OptimizeCandidate[];
  /** The saved winner: its new version (labelled `candidate`), its scores, and the baseline's held-out score. */
  winner?: { index: number; version: number; train: number; heldout: number; baseline_heldout: number };
  reason?: string;
  error?: string;
  readonly created_at: string;
  updated_at: string;
  events: number;
}

/** One progress event of a job (on its topic with the record as `state`; stored without it). */
export interface OptimizeEvent {
  readonly optimization: string;
  readonly seq: number;
  readonly type: 'created' | 'candidate' | 'scored' | 'completed' | 'failed' | 'cancelled';
  readonly at: string;
  readonly data?: Readonly<Record<string, unknown>>;
  readonly state?: OptimizeRecord;
}
