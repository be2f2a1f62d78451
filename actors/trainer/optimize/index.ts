/** Prompt optimisation: candidates as exact data, the search, the durable job actor (ADR 0032). */
export {
  demosText,
  bodyOf,
  withInstructions,
  withDemos,
  splitCases,
  pickDemos,
  DEMOS_VARIABLE,
  INSTRUCTIONS_VARIABLE,
} from './candidates.js';
export type { Demo } from './candidates.js';
export { runCaseOn, feedbackDemos } from './cases.js';
export { search, teacherPrompt } from './search.js';
export type { SearchIo } from './search.js';
export { optimizeBehavior, OPTIMIZATIONS_BUCKET } from './job.js';
export type { OptimizeDeps, OptimizeState, CaseScore } from './job.js';
export { OptimizationStore } from './store.js';
