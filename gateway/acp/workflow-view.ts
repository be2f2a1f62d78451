/**
 * How a workflow run looks to LangGraph clients (docs/workflows.md, "Clients"): its values are the run's input, each
 * step's status and output, and the run's output; each workflow event becomes `updates` (per step) and `custom`.
 */
import type { StepRecord, WorkflowEmitted, WorkflowLogEvent, WorkflowRunRecord } from '../../actors/index.js';
import type { StreamMode } from './schemas.js';
import type { SseEvent } from './translate.js';
import { lgInterrupt } from './translate.js';

/** The workflow actor's `workflow.state` answer, with what each waiting human step asks. */
export type WorkflowView = Omit<WorkflowRunRecord, 'snapshot'> & {
  readonly steps: Record<string, StepRecord>;
  /** Waiting step → its question and the value shown (from its `step.waiting` event). */
  waiting?: Record<string, { question: string; value: unknown }>;
};

/** The run's state as LangGraph `values`: `{input, steps: {id: {status, output?, error?}}, output?}`. */
export function workflowValues(view: WorkflowView): Record<string, unknown> {
  const steps: Record<string, unknown> = {};
  for (const [id, s] of Object.entries(view.steps))
    steps[id] = {
      status: s.status,
      ...(s.output === undefined ? {} : { output: s.output }),
      ...(s.error === undefined ? {} : { error: s.error }),
    };
  return { input: view.input, steps, ...(view.output === undefined ? {} : { output: view.output }) };
}

/** The interrupt of a waiting human step (its id is stable: run and step). */
export function stepInterrupt(runId: string, step: string, question: unknown, value: unknown): ReturnType<typeof lgInterrupt> {
  return lgInterrupt(`${runId}:${step}`, { step, question, value });
}

/**
 * The SSE events one workflow event makes in the requested modes. Each frame has its own id for `Last-Event-ID`: the
 * event's seq, then `seq.1`, `seq.2`… for its further frames (as agent runs' frames, translate.ts).
 */
export function workflowEvents(logged: WorkflowLogEvent, modes: ReadonlySet<StreamMode>): SseEvent[] {
  return numberFrames(logged.seq, workflowFrames(logged, modes));
}

/** Ids for the frames of event `seq`: `seq`, then `seq.1`, `seq.2`… */
export function numberFrames(seq: number, frames: readonly SseEvent[]): SseEvent[] {
  return frames.map((f, i) => ({ ...f, id: i === 0 ? String(seq) : `${seq}.${i}` }));
}

function workflowFrames(logged: WorkflowLogEvent, modes: ReadonlySet<StreamMode>): SseEvent[] {
  const e = logged as unknown as WorkflowEmitted & { seq: number; run_id: string };
  const out: SseEvent[] = [];
  if (modes.has('custom')) out.push({ event: 'custom', data: logged });
  if (!modes.has('updates')) {
    if (e.type === 'step.waiting' && modes.has('values'))
      out.push({ event: 'values', data: { __interrupt__: [stepInterrupt(e.run_id, e.step, e.question, e.value)] } });
    return out;
  }
  switch (e.type) {
    case 'step.completed':
      out.push({ event: 'updates', data: { [e.step]: { status: 'completed', output: e.output } } });
      break;
    case 'step.skipped':
      out.push({ event: 'updates', data: { [e.step]: { status: 'skipped' } } });
      break;
    case 'step.failed':
      out.push({ event: 'updates', data: { [e.step]: { status: 'failed', error: e.error, willRetry: e.willRetry } } });
      break;
    case 'step.waiting': {
      const it = stepInterrupt(e.run_id, e.step, e.question, e.value);
      out.push({ event: 'updates', data: { __interrupt__: [it] } });
      if (modes.has('values')) out.push({ event: 'values', data: { __interrupt__: [it] } });
      break;
    }
    default:
      break;
  }
  return out;
}
