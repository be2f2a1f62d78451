/** Fine-tune jobs and the model registry (docs/trainers.md, "Fine-tuning", ADR 0033). */
export * from './schemas.js';
export { openaiFineTuning, fineTuningFromEnv } from './client.js';
export type { FineTuneApi, ProviderJob } from './client.js';
export { ModelRegistry, modelsBehavior, MODELS_BUCKET } from './registry.js';
export { jobBehavior, jobTopic, FINETUNE_BUCKET, ACTIVE_JOBS } from './job.js';
export type { JobServices, JobActorState } from './job.js';
export { modelOverride } from './override.js';
export { resumeJobs } from './resume.js';
