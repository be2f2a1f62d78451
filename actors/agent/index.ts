/** Agent actors: definitions, the run loop, and waiting for runs. */
export { agentBehavior } from './behavior.js';
export type { AgentState } from './behavior.js';
export { AgentRun } from './run.js';
export type { RunHost, RunEnd, ResumeValue } from './run.js';
export type { AgentDefinition, Prices } from './definition.js';
export { waitForRun } from './wait.js';
export type { RunResult } from './wait.js';
