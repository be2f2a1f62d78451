/** Agent actors: definitions, the run loop, persisted runs and threads, and waiting for runs. */
export { agentBehavior } from './behavior.js';
export type { AgentState } from './behavior.js';
export { AgentRun } from './run.js';
export type { RunHost, RunEnd, RunState, ResumeValue } from './run.js';
export type { AgentDefinition, AgentHooks, HookInfo, Prices } from './definition.js';
export { waitForRun } from './wait.js';
export type { RunResult } from './wait.js';
export { RunStore } from './store.js';
export { subscribeRun } from './live.js';
export type { LostEvent } from './live.js';
export { SEGMENT_BYTES, isStoredStub } from './event-log.js';
export type { WireEvent } from './event-log.js';
export type { RunRecord, RunCheckpoint, ThreadRecord, ThreadCheckpoint, ThreadStatus, PendingInterrupt, PendingCalls } from './store.js';
export { agentKind, AGENT_HOOKS } from './kind.js';
export { admitRun, leaveRuns, newRunRecord, TERMINAL_RUN_STATUSES } from './run-contract.js';
export type { RunCreated } from './run-contract.js';
