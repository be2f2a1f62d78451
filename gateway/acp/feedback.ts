/**
 * Feedback over ACP: `POST /runs/{run_id}/feedback` (and under `/threads/{thread_id}/runs/{run_id}`) with the
 * LangSmith feedback body → 200 and the stored record; `GET` on the same path lists the run's feedback;
 * `GET /feedback/stats[?agent=]` the aggregates per agent, template version and key. A bad body is 422 naming the
 * field; an unknown run, or another tenant's, 404.
 */
import { NotFoundError, feedbackInputSchema } from '../../protocols/index.js';
import { addFeedback, feedbackStats, listFeedback } from '../feedback/index.js';
import { readBody, readJson, sendJson, unprocessableError } from '../http.js';
import { parseBody } from './schemas.js';
import type { AcpCall, AcpContext } from './session.js';

/** A thread-scoped path must name the run's own thread. */
async function runOf(ctx: AcpContext, call: AcpCall): Promise<string> {
  const runId = call.params['run_id'] as string;
  const threadId = call.params['thread_id'];
  if (threadId !== undefined && (await ctx.store.getRun(call.principal.tenant, runId))?.thread_id !== threadId)
    throw new NotFoundError(`run ${runId} not found in thread ${threadId}`);
  return runId;
}

/** `POST …/runs/{run_id}/feedback`. */
export async function postFeedback(ctx: AcpContext, call: AcpCall): Promise<void> {
  const body = parseBody(feedbackInputSchema, await readJson(call.req), 'feedback');
  const runId = await runOf(ctx, call);
  if (body.run_id !== undefined && body.run_id !== runId)
    throw unprocessableError(`invalid feedback: run_id ${JSON.stringify(body.run_id)} is not the run ${JSON.stringify(runId)}`);
  sendJson(call.res, 200, await addFeedback(ctx.deps, call.principal, runId, body));
}

/** `GET …/runs/{run_id}/feedback`. */
export async function getFeedback(ctx: AcpContext, call: AcpCall): Promise<void> {
  await readBody(call.req);
  sendJson(call.res, 200, await listFeedback(ctx.deps, call.principal, await runOf(ctx, call)));
}

/** `GET /feedback/stats[?agent=]`. */
export async function getFeedbackStats(ctx: AcpContext, call: AcpCall): Promise<void> {
  await readBody(call.req);
  const agent = call.query.get('agent') ?? undefined;
  sendJson(call.res, 200, await feedbackStats(ctx.deps, call.principal, agent === '' ? undefined : agent));
}
