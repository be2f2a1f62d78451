/**
 * Properties of how workflow runs look to clients (gateway/acp/workflow-*.ts, gateway/ws/workflow-run.ts): an agent
 * step's run id gives back its step for any step id and only for runs of that workflow run; every workflow event maps
 * to frames and SSE events carrying its run and seq, whatever fields it holds.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { agentRunId } from '../../actors/workflow/index.js';
import { stepOfAgentRun, tokenEvent } from '../../gateway/acp/workflow-tokens.js';
import { workflowEvents } from '../../gateway/acp/workflow-view.js';
import { streamModes } from '../../gateway/acp/schemas.js';
import { workflowFrame } from '../../gateway/ws/workflow-run.js';

const id = fc.stringMatching(/^[A-Za-z0-9_-]{1,24}$/);
const TYPES = [
  'workflow.started',
  'step.started',
  'step.waiting',
  'step.completed',
  'step.skipped',
  'step.failed',
  'workflow.completed',
  'workflow.failed',
  'workflow.cancelled',
];

describe('workflow client views', () => {
  it('an agent step run id names its step, and no other run owns it', () => {
    fc.assert(
      fc.property(
        fc.uuid(),
        fc.uuid(),
        id,
        fc.integer({ min: 1, max: 99 }),
        fc.integer({ min: 1, max: 99 }),
        (run, other, step, visit, attempt) => {
          const agentRun = agentRunId(run, { step, visit, attempt });
          expect(stepOfAgentRun(run, agentRun)).toBe(step);
          if (other !== run) expect(stepOfAgentRun(other, agentRun)).toBeUndefined();
          const ev = tokenEvent(
            { tenant: 't', workflow: 'w', runId: run, threadId: 'th' },
            { run_id: agentRun, thread_id: 'th', seq: 1, event: 'token', agent: 'a', data: { text: 'x' } },
          );
          expect((ev?.data as [unknown, { langgraph_node: string }])[1].langgraph_node).toBe(step);
        },
      ),
    );
  });

  it('every workflow event, with any fields, becomes frames of its run and seq; only the ends end a /ws run', () => {
    fc.assert(
      fc.property(
        fc.constantFrom(...TYPES),
        fc.uuid(),
        fc.integer({ min: 1, max: 1e6 }),
        fc.dictionary(id, fc.jsonValue()),
        (type, run, seq, extra) => {
          const e = { ...extra, type, run_id: run, seq, step: 's' };
          const { frame, end } = workflowFrame(e);
          expect(frame).toMatchObject({ run_id: run, seq });
          expect(end).toBe(type === 'workflow.completed' || type === 'workflow.failed' || type === 'workflow.cancelled');
          const sse = workflowEvents(e, streamModes(['updates', 'values', 'custom']));
          expect(sse.map((s) => s.id)).toEqual(sse.map((_, i) => (i === 0 ? String(seq) : `${seq}.${i}`)));
          expect(sse.some((s) => s.event === 'custom')).toBe(true);
          expect(sse.some((s) => JSON.stringify(s.data).includes('__interrupt__'))).toBe(type === 'step.waiting');
          expect(() => JSON.stringify(sse)).not.toThrow();
        },
      ),
    );
  });
});
