/** The trainer kind: feedback on runs, eval suites, datasets, fine-tune jobs and the model registry. */
export { trainerKind, TRAINER_KIND } from './kind.js';
export { feedbackBehavior, aggregates, templateOfRun, templateLabel, FEEDBACK_BUCKET } from './feedback.js';
export type { FeedbackState } from './feedback.js';
export * from './eval/index.js';
export * from './datasets/index.js';
export * from './finetune/index.js';
export * from './experiments/index.js';
export * from './optimize/index.js';
