/**
 * Prompt experiments (docs/trainers.md, ADR 0032): an A/B/n test over template versions of one agent, run by one
 * stateful trainer actor per experiment (`trainer/exp-<id>`). Wire shapes of its creation body, its record, the
 * rewards the feedback owner forwards to it, the assignments nodes report, and the events it publishes on
 * {@link experimentTopic} (which /ws clients can subscribe to).
 */
import { z } from 'zod';

/** Experiment ids: lowercase letters, digits and `-` (the actor is `trainer/exp-<id>`). */
export const EXPERIMENT_ID = /^[a-z0-9][a-z0-9-]{0,47}$/;

/** Message types an experiment actor handles. */
export const EXPERIMENT_CREATE = 'trainer.experiment.create';
export const EXPERIMENT_GET = 'trainer.experiment.get';
export const EXPERIMENT_STOP = 'trainer.experiment.stop';
export const EXPERIMENT_PROMOTE = 'trainer.experiment.promote';
export const EXPERIMENT_REWARD = 'trainer.experiment.reward';
export const EXPERIMENT_ASSIGNED = 'trainer.experiment.assigned';

/** The actor address of experiment `id`. */
export function experimentAddress(id: string): string {
  return `trainer/exp-${id}`;
}

/** The topic every experiment of a tenant publishes its events on (`trainer.experiments.<id>`). */
export function experimentTopic(id: string): string {
  return `trainer.experiments.${id}`;
}

/** The pattern matching every experiment's topic. */
export const EXPERIMENTS_TOPIC_PATTERN = 'trainer.experiments.*';

const probability = (what: string, min: number, max: number) =>
  z.number().finite().min(min, `${what} is at least ${min}`).max(max, `${what} is at most ${max}`);

/** What a client sends to create an experiment. */
export const experimentCreateSchema = z.strictObject({
  id: z.string().regex(EXPERIMENT_ID, 'id is [a-z0-9][a-z0-9-]{0,47}').optional(),
  /** The agent whose runs are split; it must render a template (`prompt` in its config). */
  agent: z.string().min(1).max(128),
  /** Template versions to compare (2–8, distinct); the control is the `production` version when listed, else the first. */
  versions: z
    .array(z.int().min(1))
    .min(2, 'versions: at least 2')
    .max(8, 'versions: at most 8')
    .refine((v) => new Set(v).size === v.length, 'versions must be distinct'),
  /**
   * Registered model versions beside the template versions, one per entry of `versions`: `name@version`, `name` (its
   * newest version) or null (the agent's configured model). A run given that arm calls that model; promotion switches
   * the agent to it (docs/trainers.md).
   */
  models: z
    .array(
      z
        .string()
        .regex(/^[A-Za-z0-9_.-]{1,64}(@[1-9][0-9]{0,8})?$/, 'models: name or name@version')
        .nullable(),
    )
    .max(8)
    .optional(),
  /** The feedback key that counts as reward (default: every scored feedback). */
  key: z.string().min(1).max(100).optional(),
  /** Rewards each version needs before any decision. */
  min_samples: z.int().min(1).max(100_000).default(30),
  /** Mass of the credible interval of the difference that must lie above `min_lift` to promote (or roll back). */
  credibility: probability('credibility', 0.5, 0.999).default(0.95),
  /** How much better than the control (in mean reward) the winner must be, at the interval's lower end. */
  min_lift: probability('min_lift', 0, 0.5).default(0),
  /** Promote on its own when the interval allows (false: only `promote` by hand). */
  auto_promote: z.boolean().default(true),
  /** After promotion: rewards of the promoted version before a rollback can be decided, and before the end. */
  rollback_min_samples: z.int().min(1).max(100_000).default(20),
  monitor_samples: z.int().min(1).max(1_000_000).default(200),
});
export type ExperimentCreateInput = z.input<typeof experimentCreateSchema>;
export type ExperimentCreate = z.infer<typeof experimentCreateSchema>;

/** Where an experiment is: splitting traffic, watching the promoted version, or over. */
export const EXPERIMENT_STATUSES = ['running', 'monitoring', 'completed', 'rolled_back', 'stopped'] as const;
export type ExperimentStatus = (typeof EXPERIMENT_STATUSES)[number];

/** One arm: a version, its Beta posterior's evidence and how many runs it was given. */
export interface ExperimentArm {
  readonly version: number;
  /** Sum of rewards (scores in [0, 1]) and of their complements: Beta(1 + successes, 1 + failures). */
  successes: number;
  failures: number;
  rewards: number;
  assigned: number;
  /** Share of new runs it gets (Thompson sampling: its probability of being the best arm). */
  weight: number;
  /** The registered model version its runs call (null: the agent's configured model); absent without `models`. */
  model?: ArmModel | null;
}

/** A registered model version an arm names, with the provider's model id. */
export interface ArmModel {
  readonly name: string;
  readonly version: number;
  readonly model: string;
}

/** An experiment as stored and shown. */
export interface ExperimentRecord {
  readonly id: string;
  readonly tenant: string;
  readonly agent: string;
  readonly template: string;
  readonly control: number;
  readonly config: ExperimentCreate;
  status: ExperimentStatus;
  arms: ExperimentArm[];
  /** The version moved to `production` by the experiment, and the one it replaced. */
  promoted?: number;
  previous?: number;
  /** The agent's model switch when a model arm was promoted (null: none), restored by a rollback. */
  switched_from?: { name: string; version: number } | null;
  /** Rewards of the promoted version after its promotion. */
  after: { successes: number; failures: number; rewards: number };
  /** The last decision's reason. */
  reason?: string;
  readonly created_at: string;
  updated_at: string;
  /** Events written so far. */
  events: number;
}

/** A reward the feedback owner forwards: one scored feedback on a run the experiment assigned. */
export const experimentRewardSchema = z.object({
  feedback_id: z.string().min(1),
  run_id: z.string().min(1),
  version: z.int().min(1),
  key: z.string(),
  score: z.number().min(0).max(1),
});
export type ExperimentReward = z.infer<typeof experimentRewardSchema>;

/** Runs a node assigned to versions since its last report. */
export const experimentAssignedSchema = z.object({
  runs: z.array(z.object({ run_id: z.string().min(1), version: z.int().min(1) })).max(10_000),
});
export type ExperimentAssigned = z.infer<typeof experimentAssignedSchema>;

/** A promote by hand: `version` (default: the best arm so far). */
export const experimentPromoteSchema = z.strictObject({ version: z.int().min(1).optional() });

/** The create message an experiment actor takes: the client's body with the id. */
export const experimentCreateMessageSchema = experimentCreateSchema.extend({ id: z.string().regex(EXPERIMENT_ID) });

/** Payload schema of each message type of an experiment actor. */
export const EXPERIMENT_SCHEMAS = {
  [EXPERIMENT_CREATE]: experimentCreateMessageSchema,
  [EXPERIMENT_GET]: z.unknown(),
  [EXPERIMENT_STOP]: z.unknown(),
  [EXPERIMENT_PROMOTE]: experimentPromoteSchema,
  [EXPERIMENT_REWARD]: experimentRewardSchema,
  [EXPERIMENT_ASSIGNED]: experimentAssignedSchema,
} as const;

/** Kinds of experiment events. */
export type ExperimentEventType = 'created' | 'assigned' | 'reward' | 'promoted' | 'rolled_back' | 'completed' | 'stopped';

/** One event of an experiment (stored in order and published on its topic); run-tagged when a run caused it. */
export interface ExperimentEvent {
  readonly experiment: string;
  readonly seq: number;
  readonly type: ExperimentEventType;
  readonly at: string;
  readonly run_id?: string;
  readonly version?: number;
  readonly data?: Readonly<Record<string, unknown>>;
  /** The experiment after the event (status, weights, posteriors): on the topic, not in the stored log. */
  readonly state?: ExperimentRecord;
}
