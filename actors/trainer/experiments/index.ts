/** Prompt experiments: the bandit, the experiment actor, the node's assignment router, the read model (ADR 0032). */
export {
  seeded,
  seedOf,
  sampleBeta,
  sampleGamma,
  posteriorMean,
  thompsonWeights,
  allocate,
  liftInterval,
  decideRunning,
  decideMonitoring,
} from './bandit.js';
export type { Random, Evidence, Decision, DecisionConfig } from './bandit.js';
export { experimentBehavior } from './actor.js';
export type { ExperimentState, ExperimentDeps, ExperimentCreateMessage } from './actor.js';
export { ExperimentRouter, REFRESH_MS, REPORT_MS } from './router.js';
export type { Assignment } from './router.js';
export { ExperimentStore, EXPERIMENTS_BUCKET } from './store.js';
