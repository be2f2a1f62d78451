/** The trainer kind: feedback on runs (and, as they land, experiments, optimisation and fine-tune jobs). */
export { trainerKind, TRAINER_KIND } from './kind.js';
export { feedbackBehavior, aggregates, templateOfRun, templateLabel, FEEDBACK_BUCKET } from './feedback.js';
export type { FeedbackState } from './feedback.js';
export * from './eval/index.js';
export * from './experiments/index.js';
export * from './optimize/index.js';
