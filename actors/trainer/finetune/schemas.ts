/**
 * The contracts of fine-tune jobs and the model registry (docs/trainers.md, "Fine-tuning"): what a client asks for,
 * the job record the job actor keeps, a registered model version and an agent's model override, and the message
 * types of `trainer/ft-<id>` and `trainer/models`.
 */
import { z } from 'zod';
import { exportRequestSchema } from '../datasets/export.js';

/** Message types of a job actor (`trainer/ft-<id>`) and of the tenant's registry (`trainer/models`). */
export const FINETUNE_START = 'trainer.finetune.start';
export const FINETUNE_STEP = 'trainer.finetune.step';
export const FINETUNE_GET = 'trainer.finetune.get';
export const FINETUNE_CANCEL = 'trainer.finetune.cancel';
export const MODELS_REGISTER = 'trainer.models.register';
export const MODELS_USE = 'trainer.models.use';
export const MODELS_LIST = 'trainer.models.list';

/** The tenant's model registry actor. */
export const MODELS_ADDRESS = 'trainer/models';
/** The address of job `id`'s actor. */
export const jobAddress = (id: string): string => `trainer/ft-${id}`;
/** A job id: what follows `ft-` in its address. */
export const JOB_ID = /^[A-Za-z0-9_-]{1,64}$/;

const name = z
  .string()
  .min(1)
  .max(64)
  .regex(/^[A-Za-z0-9_.-]+$/, 'letters, digits and _ . -');

/** What a client asks for: the registry name, the base model, the dataset (an export), and provider options. */
export const jobSpecSchema = z.strictObject({
  /** The name the fine-tuned model is registered under (versions count up per name). */
  name,
  base_model: z.string().min(1).max(200),
  provider: z.literal('openai').default('openai'),
  /** The training data: runs exported as `chat` (supervised) or `preference` (DPO). */
  dataset: exportRequestSchema.refine((d) => d.format !== 'eval', { message: 'a fine-tune trains on chat or preference data' }),
  suffix: z.string().min(1).max(18).optional(),
  n_epochs: z.int().min(1).max(50).optional(),
  seed: z.int().optional(),
});
export type JobSpec = z.infer<typeof jobSpecSchema>;

/** The provider's job states, then ours before the provider knows the job (`pending`: exporting and uploading). */
export const JOB_STATES = ['pending', 'uploaded', 'validating_files', 'queued', 'running', 'succeeded', 'failed', 'cancelled'] as const;
export type JobState = (typeof JOB_STATES)[number];
/** States a job never leaves. */
export const TERMINAL_JOB_STATES: ReadonlySet<JobState> = new Set(['succeeded', 'failed', 'cancelled']);

/** One event of the provider's job log. */
export interface JobEvent {
  readonly id: string;
  readonly created_at: number;
  readonly level: string;
  readonly message: string;
}

/** A checkpoint the provider saved. */
export interface JobCheckpoint {
  readonly id: string;
  readonly step: number;
  readonly model: string;
  readonly metrics: Readonly<Record<string, number>>;
}

/** A job as its actor keeps it (storage `finetune`: `[tenant, job, id]`). */
export interface JobRecord {
  readonly id: string;
  readonly tenant: string;
  readonly spec: JobSpec;
  status: JobState;
  created_at: string;
  updated_at: string;
  /** Records in the uploaded file. */
  examples?: number;
  file_id?: string;
  provider_job_id?: string;
  fine_tuned_model?: string;
  trained_tokens?: number;
  /** The newest events (at most 100), oldest first. */
  events: JobEvent[];
  checkpoints: JobCheckpoint[];
  error?: string;
  /** The registered version, once succeeded. */
  model?: { name: string; version: number };
  /** Polls made (a restarted job keeps counting). */
  polls: number;
}

/** A registered model version (storage `models`: `[tenant, model, name, version]`). */
export interface ModelVersion {
  readonly name: string;
  readonly version: number;
  readonly provider: string;
  readonly base_model: string;
  /** The id the provider serves it under (`ft:gpt-4o-mini:…`). */
  readonly model: string;
  readonly job_id: string;
  readonly provider_job_id: string;
  readonly metrics: Readonly<Record<string, number>>;
  readonly created_at: string;
}

/** An agent switched to a registered model (storage `models`: `[tenant, use, agent]`): read by the agent per run. */
export interface ModelUse {
  readonly agent: string;
  readonly name: string;
  readonly version: number;
  readonly model: string;
  readonly provider: string;
  readonly at: string;
}

export const registerSchema = z.object({
  name,
  provider: z.string(),
  base_model: z.string(),
  model: z.string().min(1),
  job_id: z.string(),
  provider_job_id: z.string(),
  metrics: z.record(z.string(), z.number()),
});
export type RegisterModel = z.infer<typeof registerSchema>;

/** Switch `agent` to model `name` (its newest version unless `version` is given); `name: null` switches it back. */
export const useSchema = z.strictObject({
  agent: z.string().min(1).max(128),
  name: name.nullable(),
  version: z.int().min(1).optional(),
});
export type UseModel = z.infer<typeof useSchema>;
