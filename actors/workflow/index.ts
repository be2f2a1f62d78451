// Public surface of the workflow kind (docs/workflows.md): the compiler to XState machines and its types.
export { compileWorkflow, stepIds } from './machine.js';
export type { CompileOptions, WorkflowMachine } from './machine.js';
export { compileTemplate, compileCondition, toPlain } from './expr.js';
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
