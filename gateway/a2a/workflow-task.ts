/**
 * How a workflow run looks as an A2A task (docs/gateway-mcp-a2a.md, "Workflows as skills"): task id = run id, context
 * id = the run's thread. Each step event is a working status update (a data part `{event, step, …}`, metadata
 * `{event, step}`); a waiting `human` step puts the task in input-required with its question; the run's output is
 * the `output` artifact (text for a string, else a data part) and the completed status message.
 */
import type { WorkflowLogEvent } from '../../actors/index.js';
import { TaskFold } from './task-view.js';
import type { Part, StreamResponse } from './types.js';

/** Step events shown as working status updates, and the fields each carries. */
const STEP_FIELDS: Readonly<Record<string, readonly string[]>> = {
  'step.started': ['attempt', 'visit'],
  'step.completed': ['output'],
  'step.skipped': [],
  'step.failed': ['error', 'attempt', 'willRetry'],
};

/** The parts showing a value: a string as text, anything else as a data part. */
export function valueParts(value: unknown): Part[] {
  return typeof value === 'string' ? [{ text: value }] : [{ data: value ?? null }];
}

/** The line a person reads at a waiting human step. */
export function describeQuestion(step: string, question: string): string {
  return (
    `${question} (step ${step}: answer yes to approve, no to reject, ` +
    'or a data part {"approve": true, "arguments": {…}} to go on with an edited value)'
  );
}

/** A task built up from its workflow run's journalled events. */
export class WorkflowTaskView extends TaskFold {
  /** Each step's status as its events said. */
  private readonly steps: Record<string, string> = {};
  private output: { value: unknown } | undefined;

  /** Folds one event in (old or repeated seqs are ignored); returns the stream events it makes. */
  apply(e: WorkflowLogEvent): StreamResponse[] {
    if (e.seq <= this.lastSeq) return [];
    this.lastSeq = e.seq;
    const step = typeof e['step'] === 'string' ? e['step'] : undefined;
    const fields = STEP_FIELDS[e.type];
    if (fields !== undefined && step !== undefined) {
      this.steps[step] = e.type === 'step.failed' && e['willRetry'] === true ? 'retrying' : e.type.slice('step.'.length);
      const data: Record<string, unknown> = { event: e.type, step };
      for (const f of fields) if (e[f] !== undefined) data[f] = e[f];
      return [this.update('TASK_STATE_WORKING', this.agentMessage([{ data }]), { event: e.type, step })];
    }
    switch (e.type) {
      case 'workflow.started':
        return [this.update('TASK_STATE_WORKING', undefined, { event: e.type })];
      case 'step.waiting': {
        if (step === undefined) return [];
        this.steps[step] = 'waiting';
        const question = String(e['question'] ?? '');
        const parts: Part[] = [{ text: describeQuestion(step, question) }, { data: { step, question, value: e['value'] ?? null } }];
        return [this.update('TASK_STATE_INPUT_REQUIRED', this.agentMessage(parts), { event: e.type, step })];
      }
      case 'workflow.completed': {
        this.output = { value: e['output'] };
        const parts = valueParts(e['output']);
        const answer = this.agentMessage(parts);
        this.history.push(answer);
        return [
          {
            artifactUpdate: { taskId: this.id, contextId: this.contextId, artifact: this.artifact(parts), append: false, lastChunk: true },
          },
          this.update('TASK_STATE_COMPLETED', answer, { event: e.type }),
        ];
      }
      case 'workflow.failed':
        return [
          this.update('TASK_STATE_FAILED', this.agentMessage([{ text: String(e['error'] ?? 'workflow failed') }]), { event: e.type }),
        ];
      case 'workflow.cancelled':
        return [this.update('TASK_STATE_CANCELED', this.agentMessage([{ text: String(e['reason'] ?? 'cancelled') }]), { event: e.type })];
      default:
        return [];
    }
  }

  /** The follow could not read the run's events: the task fails, naming why (never a silent gap). */
  lost(error: string): StreamResponse[] {
    return [this.update('TASK_STATE_FAILED', this.agentMessage([{ text: error }]), { event: 'events.lost' })];
  }

  protected outputParts(): Part[] | undefined {
    return this.output === undefined ? undefined : valueParts(this.output.value);
  }

  protected metadata(): Record<string, unknown> {
    return { workflow: this.agent, steps: { ...this.steps } };
  }
}
