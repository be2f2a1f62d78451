/**
 * Workflows on `/acp` (docs/workflows.md, "Clients"): a workflow is an assistant whose id is its name. A run is
 * `acp.run.create` to `workflow/<name>`; its events (the run's journal, in order) stream as `updates` per step,
 * `values` (the steps' outputs) and `custom` (each workflow event); a waiting `human` step is an interrupt, answered
 * with `command: {resume}`. The thread remembers its latest workflow run in its metadata (`workflow_run_id`).
 */
import { randomUUID } from 'node:crypto';
import type { ServerResponse } from 'node:http';
import { WorkflowJournal, type StepRecord, type WorkflowRunRecord } from '../../actors/index.js';
import {
  ConflictError,
  NotFoundError,
  RUN_CANCEL,
  RUN_CREATE,
  RUN_RESUME,
  isTroupeError,
  type ThreadRecord,
} from '../../protocols/index.js';
import { withThreadOwner } from '../auth/index.js';
import { sendJson, unprocessableError } from '../http.js';
import { requestTraceparent, traced } from '../trace.js';
import type { Principal } from '../types.js';
import type { RunCreateBody, StreamMode } from './schemas.js';
import { streamModes, toResumeValue } from './schemas.js';
import { runLocation, type AcpCall, type AcpContext } from './session.js';
import { SseStream } from './sse.js';
import type { lgInterrupt, SseEvent } from './translate.js';
import { WorkflowFollow, workflowView } from './workflow-follow.js';
import { TokenFeed } from './workflow-tokens.js';
import { numberFrames, stepInterrupt, workflowEvents, workflowValues, type WorkflowView } from './workflow-view.js';

/** Thread metadata naming the thread's latest workflow run. */
export const WORKFLOW_RUN_KEY = 'workflow_run_id';

/** True when `name` is a workflow this mesh serves. */
export function isWorkflow(ctx: AcpContext, name: string): boolean {
  return ctx.deps.workflows?.().includes(name) ?? false;
}

/** The workflow run `runId` of `tenant`, if there is one. */
export function workflowRun(ctx: AcpContext, tenant: string, runId: string): Promise<WorkflowRunRecord | undefined> {
  return new WorkflowJournal(ctx.deps.system.storage).getRun(tenant, runId);
}

/** A workflow as LangGraph's `Assistant` (id = graph id = the workflow's name). */
export function lgWorkflowAssistant(name: string, at: string): Record<string, unknown> {
  return {
    assistant_id: name,
    graph_id: name,
    name,
    description: `workflow ${name}`,
    config: {},
    context: {},
    metadata: { kind: 'workflow', created_by: 'system' },
    version: 1,
    created_at: at,
    updated_at: at,
  };
}

/** A workflow run as LangGraph's `Run`. */
export function lgWorkflowRun(r: WorkflowRunRecord): Record<string, unknown> {
  return {
    run_id: r.run_id,
    thread_id: r.thread_id,
    assistant_id: r.workflow,
    created_at: r.created_at,
    updated_at: r.updated_at,
    status: r.status === 'cancelled' ? 'interrupted' : r.status,
    metadata: r.metadata,
    kwargs: {},
    multitask_strategy: 'reject',
  };
}

function ended(status: WorkflowRunRecord['status']): boolean {
  return status === 'success' || status === 'error' || status === 'cancelled';
}

/** Handles a run-creating endpoint whose assistant is a workflow (or a resume on a workflow's thread). */
export async function createWorkflowRun(
  ctx: AcpContext,
  call: AcpCall,
  threadId: string | undefined,
  kind: 'create' | 'stream' | 'wait',
  body: RunCreateBody,
): Promise<void> {
  const tenant = call.principal.tenant;
  const workflow = body.assistant_id;
  const modes = streamModes(body.stream_mode);
  const resuming = body.command?.resume !== undefined;
  if (threadId === undefined && resuming)
    throw unprocessableError('command.resume needs the thread of the interrupted run: POST /threads/{thread_id}/runs');
  const thread = await threadFor(ctx, call.principal, threadId, workflow, body.if_not_exists === 'create');
  const ref = await ctx.deps.ensure(`workflow/${workflow}`, tenant);
  let runId: string;
  let afterSeq = 0;
  let feed: TokenFeed | undefined;
  // Tokens are heard from before the run is asked for, so the first agent step's first tokens are not missed.
  const listen = (id: string) => {
    if (kind === 'stream' && modes.has('messages-tuple'))
      feed = new TokenFeed(ctx, { tenant, workflow, runId: id, threadId: thread.thread_id });
  };
  try {
    if (resuming) {
      const id = thread.metadata[WORKFLOW_RUN_KEY];
      const run = typeof id === 'string' ? await workflowRun(ctx, tenant, id) : undefined;
      if (run === undefined || run.status !== 'interrupted')
        throw new ConflictError(`thread ${thread.thread_id} has no workflow run waiting for an answer`);
      runId = run.run_id;
      afterSeq = run.last_seq ?? 0;
      const answer = toResumeValue(body.command?.resume);
      listen(runId);
      try {
        await ref.ask(RUN_RESUME, { run_id: runId, resume: answer });
      } catch (e) {
        if (isTroupeError(e, 'bad_request')) throw new ConflictError(`workflow run ${runId} is not waiting for an answer: ${e.message}`);
        throw e;
      }
    } else {
      const prior = thread.metadata[WORKFLOW_RUN_KEY];
      const held = typeof prior === 'string' ? await workflowRun(ctx, tenant, prior) : undefined;
      if (held !== undefined && !ended(held.status))
        throw new ConflictError(`thread ${thread.thread_id} has workflow run ${held.run_id} that has not ended (${held.status})`);
      await ctx.deps.admit?.(tenant);
      runId = randomUUID();
      listen(runId);
      await ref.ask(
        RUN_CREATE,
        {
          run_id: runId,
          thread_id: thread.thread_id,
          input: { messages: [{ role: 'user', content: typeof body.input === 'string' ? body.input : '' }] },
          config: { input: runInput(body.input) },
          metadata: body.metadata ?? {},
        },
        traced({}, requestTraceparent(call.req)),
      );
      await ctx.threads.patch(tenant, thread.thread_id, { [WORKFLOW_RUN_KEY]: runId });
    }
  } catch (e) {
    feed?.close();
    throw e;
  }
  const location = runLocation(ctx, thread.thread_id, runId, false);
  if (kind === 'create') {
    const r = await workflowRun(ctx, tenant, runId);
    if (r === undefined) throw new NotFoundError(`workflow run ${runId} not found`);
    sendJson(call.res, 200, lgWorkflowRun(r), { 'content-location': location });
    return;
  }
  const res = call.res;
  const follow = new WorkflowFollow(ctx, tenant, workflow, runId, afterSeq);
  if (kind === 'wait') {
    const view = await follow.untilStopped();
    sendJson(res, 200, finalValues(view), { 'content-location': location });
    return;
  }
  try {
    await streamWorkflowRun(ctx, res, follow, modes, location, body.on_disconnect === 'cancel', feed);
  } finally {
    feed?.close();
  }
}

/** The run's input from the body: a JSON object is the input itself; `{messages}` becomes the last message's text. */
function runInput(input: unknown): unknown {
  if (input === null || input === undefined) return {};
  if (typeof input !== 'object' || Array.isArray(input)) return input;
  const o = input as Record<string, unknown>;
  const messages = o['messages'];
  if (!Array.isArray(messages)) return o;
  const last = messages.at(-1) as { content?: unknown } | undefined;
  return typeof last?.content === 'string' ? last.content : '';
}

async function threadFor(
  ctx: AcpContext,
  principal: Principal,
  threadId: string | undefined,
  workflow: string,
  create: boolean,
): Promise<ThreadRecord> {
  const tenant = principal.tenant;
  const metadata = withThreadOwner({ graph_id: workflow, assistant_id: workflow }, principal);
  if (threadId === undefined) return ctx.threads.create(tenant, { thread_id: randomUUID(), metadata });
  const t = await ctx.store.getThread(tenant, threadId);
  if (t !== undefined) return t;
  if (create) return ctx.threads.create(tenant, { thread_id: threadId, if_exists: 'do_nothing', metadata });
  throw new NotFoundError(`thread ${threadId} not found`);
}

/** What `wait`/`join` answer: the values, with `__interrupt__` or `__error__` when the run stopped so. */
export function finalValues(view: WorkflowView): Record<string, unknown> {
  const v = workflowValues(view);
  if (view.status === 'interrupted') v['__interrupt__'] = interruptsOf(view);
  if (view.status === 'error') v['__error__'] = { error: 'WorkflowError', message: view.error ?? 'workflow failed' };
  return v;
}

/** The waiting human steps of a run as LangGraph interrupts. */
export function interruptsOf(view: WorkflowView): ReturnType<typeof lgInterrupt>[] {
  return Object.entries(view.steps)
    .filter(([, s]: [string, StepRecord]) => s.status === 'waiting')
    .map(([step]) => stepInterrupt(view.run_id, step, view.waiting?.[step]?.question, view.waiting?.[step]?.value));
}

/**
 * Streams a workflow run's events as SSE until it ends or waits for a person (or the client leaves). `Location` names
 * the run's join stream: a client whose connection drops reconnects there with `Last-Event-ID` (the id of the last
 * frame it got, `seq` or `seq.i`) and gets the frames after it, each once. `from` is that frame on a join (its
 * `metadata` frame is not sent again); agent steps' tokens are live only (they are not in the workflow's journal).
 */
export async function streamWorkflowRun(
  ctx: AcpContext,
  res: ServerResponse,
  follow: WorkflowFollow,
  modes: ReadonlySet<StreamMode>,
  location: string,
  cancelOnDisconnect: boolean,
  tokens?: TokenFeed,
  from?: { seq: number; index: number },
): Promise<void> {
  // The join stream with the same modes, so the frames (and their ids) it sends after `Last-Event-ID` are these ones'.
  const query = [...modes].map((m) => `stream_mode=${encodeURIComponent(m)}`).join('&');
  const rejoin = `${location.startsWith(ctx.prefix) ? location.slice(ctx.prefix.length) : location}/stream?${query}`;
  const stream = new SseStream(res, { 'content-location': location, location: rejoin }, ctx.sendBufferBytes, ctx.clock);
  let done = false;
  res.on('close', () => {
    if (done || !cancelOnDisconnect) return;
    cancelWorkflowRun(ctx, follow.tenant, follow.workflow, follow.runId).catch((e: unknown) =>
      ctx.deps.system.warn(`acp: cancel of workflow run ${follow.runId} on disconnect failed: ${(e as Error).message}`),
    );
  });
  if (from === undefined || from.index < 0) stream.send([{ event: 'metadata', data: { run_id: follow.runId, attempt: 1 } }]);
  tokens?.attach((e) => stream.send([e]));
  const view = await follow.run(
    async (e) => {
      const frames: SseEvent[] = workflowEvents(e, modes);
      if (modes.has('values') && (e.type === 'step.completed' || e.type === 'step.skipped'))
        frames.push({ event: 'values', data: workflowValues(await workflowView(ctx, follow.tenant, follow.workflow, follow.runId)) });
      const numbered = numberFrames(e.seq, frames);
      // The frames of the event the client saw part of: only those after the last one it got.
      stream.send(from !== undefined && e.seq === from.seq ? numbered.slice(from.index + 1) : numbered);
    },
    () => stream.open,
  );
  done = true;
  if (modes.has('values')) stream.send([{ event: 'values', data: finalValues(view) }]);
  if (view.status === 'error')
    stream.send([{ event: 'error', data: { error: 'WorkflowError', message: view.error ?? 'workflow failed' } }]);
  stream.end();
}

/** Cancels a workflow run: the workflow actor cancels the step runs it started. */
export async function cancelWorkflowRun(ctx: AcpContext, tenant: string, workflow: string, runId: string): Promise<void> {
  const ref = await ctx.deps.ensure(`workflow/${workflow}`, tenant);
  try {
    await ref.ask(RUN_CANCEL, { run_id: runId });
  } catch (e) {
    if (isTroupeError(e, 'bad_request')) throw new ConflictError(`workflow run ${runId} is not running: ${e.message}`);
    throw e;
  }
}
