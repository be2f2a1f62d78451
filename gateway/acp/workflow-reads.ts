/**
 * Reads and cancels of workflow runs on `/acp` (docs/workflows.md, "Clients"): `runs.get`, `runs.join`,
 * `runs.joinStream`, `runs.cancel` and the thread state of a workflow's thread. Each answers `false` when the run or
 * thread is not a workflow's, so the agent handler answers instead.
 */
import { NotFoundError } from '../../protocols/index.js';
import { assertVisible } from '../auth/index.js';
import { readBody, sendJson, unprocessableError } from '../http.js';
import { streamModes } from './schemas.js';
import { parseEventId } from './translate.js';
import { queryModes } from './run-reads.js';
import type { AcpCall, AcpContext } from './session.js';
import {
  WORKFLOW_RUN_KEY,
  cancelWorkflowRun,
  finalValues,
  interruptsOf,
  lgWorkflowRun,
  streamWorkflowRun,
  workflowRun,
} from './workflow-runs.js';
import { WorkflowFollow, workflowView } from './workflow-follow.js';
import { workflowValues } from './workflow-view.js';

type Handler = (ctx: AcpContext, call: AcpCall) => Promise<void>;

async function found(ctx: AcpContext, call: AcpCall) {
  const runId = call.params['run_id'];
  if (runId === undefined) return undefined;
  const r = await workflowRun(ctx, call.principal.tenant, runId);
  if (r === undefined) return undefined;
  assertVisible(call.principal, r, 'user', `run ${runId}`);
  const threadId = call.params['thread_id'];
  if (threadId !== undefined && threadId !== r.thread_id) throw new NotFoundError(`run ${runId} not found`);
  return r;
}

const reads: Record<'get' | 'join' | 'stream' | 'cancel', (ctx: AcpContext, call: AcpCall) => Promise<boolean>> = {
  async get(ctx, call) {
    const r = await found(ctx, call);
    if (r === undefined) return false;
    sendJson(call.res, 200, lgWorkflowRun(r));
    return true;
  },
  async join(ctx, call) {
    const r = await found(ctx, call);
    if (r === undefined) return false;
    const view = await new WorkflowFollow(ctx, call.principal.tenant, r.workflow, r.run_id, r.last_seq ?? 0).untilStopped();
    sendJson(call.res, 200, finalValues(view));
    return true;
  },
  async stream(ctx, call) {
    const r = await found(ctx, call);
    if (r === undefined) return false;
    // `Last-Event-ID` names the last frame the client got (`seq` or `seq.i`): the stream goes on after it.
    const last = call.req.headers['last-event-id'];
    const from = parseEventId(typeof last === 'string' ? last : undefined);
    const follow = new WorkflowFollow(ctx, call.principal.tenant, r.workflow, r.run_id, Math.max(0, from.seq - 1));
    const modes = streamModes(queryModes(call.query));
    const location = `${ctx.prefix}/threads/${r.thread_id}/runs/${r.run_id}`;
    await streamWorkflowRun(ctx, call.res, follow, modes, location, false, undefined, from.index < 0 ? undefined : from);
    return true;
  },
  async cancel(ctx, call) {
    const r = await found(ctx, call);
    if (r === undefined) return false;
    await readBody(call.req);
    const action = call.query.get('action') ?? 'interrupt';
    if (action !== 'interrupt') throw unprocessableError(`cancel action ${JSON.stringify(action)} is not supported (only "interrupt")`);
    await cancelWorkflowRun(ctx, call.principal.tenant, r.workflow, r.run_id);
    sendJson(call.res, 202, undefined);
    return true;
  },
};

/** `handler`, answered by the workflow run named in the path when there is one. */
export function orWorkflowRun(which: keyof typeof reads, handler: Handler): Handler {
  return async (ctx, call) => {
    if (!(await reads[which](ctx, call))) await handler(ctx, call);
  };
}

/** `GET /threads/{id}/state` of a workflow's thread: its latest run's values, next (waiting) steps and interrupts. */
export function orWorkflowThreadState(handler: Handler): Handler {
  return async (ctx, call) => {
    const tenant = call.principal.tenant;
    const t = await ctx.store.getThread(tenant, call.params['thread_id'] as string);
    const runId = t?.metadata[WORKFLOW_RUN_KEY];
    const r = typeof runId === 'string' ? await workflowRun(ctx, tenant, runId) : undefined;
    if (t === undefined || r === undefined) return handler(ctx, call);
    const view = await workflowView(ctx, tenant, r.workflow, r.run_id);
    const interrupts = interruptsOf(view);
    const waiting = Object.entries(view.steps)
      .filter(([, s]) => s.status === 'waiting')
      .map(([id]) => id);
    sendJson(call.res, 200, {
      values: workflowValues(view),
      next: waiting,
      tasks: waiting.map((step) => ({
        id: `${r.run_id}:${step}`,
        name: step,
        interrupts: interrupts.filter((i) => i.id === `${r.run_id}:${step}`),
      })),
      metadata: { ...t.metadata, run_id: r.run_id, status: view.status },
      created_at: view.updated_at,
      checkpoint: { thread_id: t.thread_id, checkpoint_ns: '', checkpoint_id: `${r.run_id}:${view.last_seq ?? 0}` },
      parent_checkpoint: null,
      interrupts,
    });
  };
}
