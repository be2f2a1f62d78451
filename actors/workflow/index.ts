// Public surface of the workflow kind (docs/workflows.md): the compiler to XState machines and its types.
export { compileWorkflow, firstState, resumeWorkflow, stepIds } from './machine.js';
export type { CompileOptions, FirstState, WorkflowMachine } from './machine.js';
export { compileTemplate as compileWorkflowTemplate, compileCondition as compileWorkflowCondition, toPlain } from './expr.js';
export type { ExprScope, StepView, Template } from './expr.js';
export { deadlineLogic, backoffMs } from './timers.js';
export type { DeadlineInput, DeadlineEvent } from './timers.js';
export type {
  StepStatus,
  StepRecord,
  WorkflowContext,
  WorkflowInput,
  HumanAnswer,
  WorkflowEvent,
  WorkflowEmitted,
  StepRequest,
  StepExecutor,
  WorkflowOutput,
} from './types.js';
export { workflowKind } from './kind.js';
export { workflowBehavior, workflowTopic, WORKFLOW_STATE } from './behavior.js';
export type { WorkflowBehaviorOptions, WorkflowState } from './behavior.js';
export { WorkflowJournal } from './journal.js';
export type { WorkflowRunRecord, WorkflowLogEvent, StepEntry, StepKey } from './journal.js';
export { meshExecutor, agentRunId } from './executor.js';
export type { MeshExecutorOptions } from './executor.js';
export { checkInput, inputFromText } from './input.js';
export { ScheduleDriver, WORKFLOW_TICK, latestTick, nextTick, scheduleRunId, topicRunId } from './triggers.js';
export type { ScheduleDriverOptions } from './triggers.js';
export { subscribeWorkflowRun, WORKFLOW_END_EVENTS } from './follow.js';
export type { WorkflowRunFollower } from './follow.js';
