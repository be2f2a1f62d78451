// The shapes a compiled workflow machine works with (docs/workflows.md): its context, the events it takes and emits,
// and the step executor the durable actor plugs in.

/** Where a step stands. `failed` in a finished run means handled by `onError` (an unhandled failure fails the run). */
export type StepStatus = 'pending' | 'running' | 'waiting' | 'retrying' | 'completed' | 'skipped' | 'failed';

/** One step's record in the machine's context. */
export interface StepRecord {
  status: StepStatus;
  /** Attempts started in the current visit (1 on the first). */
  attempt: number;
  /** Times the state was entered (state-machine form loops; always 1 in a DAG). */
  visit: number;
  output?: unknown;
  error?: string;
}

/** The machine's context: the run's input and metadata, each step's record, the outcome. */
export interface WorkflowContext {
  /** The run's id, handed to the executor with every step (one compiled machine serves every run). */
  runId?: string;
  input: unknown;
  metadata: Record<string, unknown>;
  steps: Record<string, StepRecord>;
  /** Step ids in completion order (the default output is the last one's). */
  completed: string[];
  output?: unknown;
  error?: { step?: string; message: string };
  /** Set when the run ends. */
  status?: 'completed' | 'failed' | 'cancelled';
}

/** What the machine is started with. */
export interface WorkflowInput {
  runId?: string;
  input: unknown;
  metadata?: Record<string, unknown>;
}

/** A person's answer to a `human` step: approve, reject, or an edited value. */
export interface HumanAnswer {
  type: 'answer';
  step: string;
  decision: 'approve' | 'reject' | 'edit';
  value?: unknown;
}

/** Events a running workflow accepts from outside. */
export type WorkflowEvent = HumanAnswer | { type: 'cancel'; reason?: string };

/** Events a workflow emits as it runs (on the event bus and in the run's event log). */
export type WorkflowEmitted =
  | { type: 'workflow.started' }
  | { type: 'step.started'; step: string; attempt: number; visit: number }
  | { type: 'step.waiting'; step: string; question: string; value: unknown }
  | { type: 'step.completed'; step: string; output: unknown }
  | { type: 'step.skipped'; step: string }
  | { type: 'step.failed'; step: string; error: string; attempt: number; willRetry: boolean }
  | { type: 'workflow.completed'; output: unknown }
  | { type: 'workflow.failed'; error: string; step?: string }
  | { type: 'workflow.cancelled'; reason?: string };

/** One step run the executor is asked for: the key (workflow step, visit, attempt) makes it idempotent on restore. */
export interface StepRequest {
  /** The workflow run (when the machine was started with one). */
  readonly runId?: string;
  readonly step: string;
  readonly kind: 'agent' | 'tool' | 'workflow';
  /** The agent, tool or workflow name. */
  readonly target: string;
  readonly input: unknown;
  readonly visit: number;
  readonly attempt: number;
}

/**
 * Runs agent, tool and sub-workflow steps. The durable actor's executor journals the request and the run id it
 * started, so a request seen again after a restore joins that run instead of starting another. Aborting the
 * signal (cancel, timeout) must cancel the run.
 */
export type StepExecutor = (request: StepRequest, signal: AbortSignal) => Promise<unknown>;

/** The result of a finished workflow machine. */
export interface WorkflowOutput {
  status: 'completed' | 'failed' | 'cancelled';
  output?: unknown;
  error?: { step?: string; message: string };
}

/** Message asking a workflow actor for a run's record and its steps (thread state): payload `{ run_id }`. */
export const WORKFLOW_STATE = 'workflow.state';

/** The topic a workflow's events are published on: `workflow.<name>.<event>` (e.g. `workflow.support-flow.step.completed`). */
export function workflowTopic(workflow: string, event: string): string {
  return `workflow.${workflow}.${event}`;
}
