/**
 * Starting runs: `POST /threads/{id}/runs[/stream|/wait]` and the stateless `POST /runs[…]`.
 * A run is `acp.run.create` to `agent/<assistant_id>`; `command: {resume}` on a thread whose run
 * waits for a human is `acp.run.resume` to that run (the same run continues, so its id and
 * `Content-Location` stay). A stateless run gets a thread of its own, deleted when the run ends
 * unless `on_completion: "keep"`.
 */
import { withRunUser } from '../profiles/identity.js';
import { randomUUID } from 'node:crypto';
import { requestTraceparent, traced } from '../trace.js';
import { ConflictError, NotFoundError, RUN_CREATE, RUN_RESUME, TERMINAL_RUN_STATUSES, isTroupeError } from '../../protocols/index.js';
import type { ThreadCheckpoint, ThreadRecord } from '../../protocols/index.js';
import { readJson, sendJson, unprocessableError } from '../http.js';
import { isoNow, unref } from '../clock.js';
import { withThreadOwner } from '../auth/index.js';
import type { AgentInfo, Principal } from '../types.js';
import { parseInputMessages, toChatMessage } from './messages.js';
import { admitMessages } from '../blobs/index.js';
import { parseBody, runCreateBody, streamModes, toResumeValue, type RunCreateBody, type StreamMode } from './schemas.js';
import { getRecord, runBase, runLocation, RunSession, waitInterrupted, type AcpCall, type AcpContext } from './session.js';
import { clientRecord, lgRun, type AcpRunRecord } from './shapes.js';
import { storedCheckpoint } from './stored.js';
import { interruptId } from './translate.js';
import { answerWhenDone, followRun } from './follow.js';
import { createWorkflowRun, isWorkflow } from './workflow-runs.js';

/** Longest a background stateless run is watched for its end (to delete its thread). */
const STATELESS_WATCH_MS = 60 * 60_000;

/** How the caller wants the run: in the background, streamed, or waited for. */
export type RunKind = 'create' | 'stream' | 'wait';

/** The agent named `id`, or 404. */
export function assistantOf(ctx: AcpContext, id: string): AgentInfo {
  const a = ctx.deps.agents().find((x) => x.name === id);
  if (a === undefined) throw new NotFoundError(`assistant ${id} not found`);
  return a;
}

function rejectUnsupported(b: RunCreateBody): void {
  const unsupported = (['interrupt_before', 'interrupt_after'] as const).find(
    (k) => b[k] !== undefined && b[k] !== null && !(Array.isArray(b[k]) && b[k].length === 0),
  );
  if (unsupported !== undefined) throw unprocessableError(`${unsupported} is not supported: agents interrupt through tool approvals`);
  if (b.multitask_strategy !== undefined && b.multitask_strategy !== null && b.multitask_strategy !== 'reject')
    throw unprocessableError(`multitask_strategy ${b.multitask_strategy} is not supported (only "reject")`);
  if (b.command !== undefined && b.command !== null) {
    if (b.command.resume === undefined) throw unprocessableError('command must carry resume (update and goto are not supported)');
    if (b.input !== undefined && b.input !== null) throw unprocessableError('send either input or command, not both');
  }
}

interface Started {
  readonly session: RunSession;
  readonly runId: string;
  readonly threadId: string;
  readonly record: AcpRunRecord | undefined;
}

/** Handles every run-creating endpoint; `threadId` is undefined for the stateless ones. */
export async function createRun(ctx: AcpContext, call: AcpCall, threadId: string | undefined, kind: RunKind): Promise<void> {
  const parsed = parseBody(runCreateBody, await readJson(call.req), 'run');
  rejectUnsupported(parsed);
  const metadata = withRunUser(parsed.metadata ?? undefined, call.principal);
  const body = metadata === undefined ? parsed : { ...parsed, metadata };
  const tenant = call.principal.tenant;
  if (isWorkflow(ctx, body.assistant_id)) return createWorkflowRun(ctx, call, threadId, kind, body);
  const agent = assistantOf(ctx, body.assistant_id);
  const modes = streamModes(body.stream_mode);
  const resuming = body.command?.resume !== undefined;
  if (threadId === undefined && resuming)
    throw unprocessableError('command.resume needs the thread of the interrupted run: POST /threads/{thread_id}/runs');
  const input = resuming ? [] : await admitMessages(ctx.deps, tenant, parseInputMessages(body.input).map(toChatMessage));
  let thread: ThreadRecord;
  const temporary = threadId === undefined && body.on_completion !== 'keep';
  if (threadId === undefined)
    thread = await ctx.threads.create(tenant, { thread_id: randomUUID(), metadata: owned(agent.name, call.principal) });
  else {
    const t = await ctx.store.getThread(tenant, threadId);
    if (t !== undefined) thread = t;
    else if (body.if_not_exists === 'create')
      thread = await ctx.threads.create(tenant, {
        thread_id: threadId,
        if_exists: 'do_nothing',
        metadata: owned(agent.name, call.principal),
      });
    else throw new NotFoundError(`thread ${threadId} not found`);
  }
  let started: Started;
  try {
    started = resuming
      ? await resume(ctx, tenant, thread, body, modes, kind)
      : await start(ctx, tenant, thread, agent, body, input, modes, kind, temporary, requestTraceparent(call.req));
  } catch (e) {
    if (temporary) await ctx.threads.delete(tenant, thread.thread_id).catch(() => false);
    throw e;
  }
  await respond(ctx, call, started, kind, body.on_disconnect === 'cancel');
}

/** The metadata of a thread a run makes: its assistant and its creator (gateway/auth/ownership.ts). */
function owned(assistant: string, principal: Principal): Record<string, unknown> {
  return withThreadOwner({ graph_id: assistant, assistant_id: assistant }, principal);
}

async function start(
  ctx: AcpContext,
  tenant: string,
  thread: ThreadRecord,
  agent: AgentInfo,
  body: RunCreateBody,
  input: AcpRunRecord['input'],
  modes: ReadonlySet<StreamMode>,
  kind: RunKind,
  temporary: boolean,
  traceparent: string | undefined,
): Promise<Started> {
  const threadId = thread.thread_id;
  // Held by a run that has ended (its host died before writing the thread's end) is not held: the agent judges it the same way.
  const holder =
    (thread.status === 'busy' || thread.status === 'interrupted') && thread.run_id !== undefined
      ? await ctx.store.getRun(tenant, thread.run_id)
      : undefined;
  const held = holder !== undefined && !TERMINAL_RUN_STATUSES.has(holder.status);
  if (held && thread.status === 'busy')
    throw new ConflictError(
      `thread ${threadId} is busy with run ${thread.run_id ?? '(unknown)'}; wait for it to finish (multitask_strategy "reject")`,
    );
  if (held)
    throw new ConflictError(
      `thread ${threadId} has run ${thread.run_id ?? '(unknown)'} waiting for an answer to an interrupt: ` +
        'resume it with command: {resume: …} or cancel it',
    );
  // A client may name the checkpoint it continues from: the head (useStream sends it) continues, an older one forks there.
  const from =
    body.checkpoint_id ?? (typeof body.checkpoint?.['checkpoint_id'] === 'string' ? body.checkpoint['checkpoint_id'] : undefined);
  const fork = from != null && from !== thread.checkpoint_id ? await forkPoint(ctx, tenant, threadId, from) : undefined;
  const before = fork?.messages ?? thread.values.messages;
  const runId = randomUUID();
  const record: AcpRunRecord = {
    run_id: runId,
    thread_id: threadId,
    assistant_id: agent.name,
    created_at: isoNow(ctx.clock),
    metadata: body.metadata ?? {},
    prev_len: before.length,
    input,
    stream_mode: [...modes],
    temporary,
  };
  const spec = {
    tenant,
    runId,
    threadId,
    assistantId: agent.name,
    base: [...before, ...input],
    modes,
    quietUpTo: kind === 'stream' ? 0 : Number.POSITIVE_INFINITY,
    fresh: true,
  };
  await ctx.deps.admit?.(tenant); // a tenant past its budget starts no run
  const { session } = await RunSession.open(ctx, spec, 0);
  try {
    const ref = await ctx.deps.ensure(`agent/${agent.name}`, tenant);
    await ref.ask(
      RUN_CREATE,
      {
        run_id: runId,
        thread_id: threadId,
        ...(fork === undefined ? {} : { checkpoint_id: fork.checkpoint_id }),
        input: { messages: input },
        ...(body.metadata ? { metadata: body.metadata } : {}),
        // Model parameters, persona, template and variables of this run (config / config.configurable, docs/prompts.md).
        ...(body.config ? { config: body.config } : {}),
        // Kept on the run record by the agent (the gateway writes no run): what this route needs to show the run later.
        client: clientRecord(record),
      },
      traced({}, traceparent),
    );
  } catch (e) {
    session.close();
    throw e;
  }
  return { session, runId, threadId, record };
}

/**
 * The checkpoint a run forks from (docs/gateway-acp.md, “Forks”): 404 when the thread's history has none such, 422 for
 * one taken in the middle of a step (a model reply whose tool calls have no results yet: no model takes new input there).
 */
async function forkPoint(ctx: AcpContext, tenant: string, threadId: string, checkpointId: string): Promise<ThreadCheckpoint> {
  const cp = await ctx.store.checkpoint(tenant, threadId, checkpointId);
  if (cp === undefined) throw new NotFoundError(`checkpoint ${checkpointId} of thread ${threadId} not found`);
  const last = cp.messages.at(-1);
  if (last?.role === 'assistant' && (last.toolCalls?.length ?? 0) > 0)
    throw unprocessableError(`checkpoint ${checkpointId} is in the middle of a step (tool calls without results): fork from another one`);
  return storedCheckpoint(cp);
}

async function resume(
  ctx: AcpContext,
  tenant: string,
  found: ThreadRecord,
  body: RunCreateBody,
  modes: ReadonlySet<StreamMode>,
  kind: RunKind,
): Promise<Started> {
  const threadId = found.thread_id;
  // A run that just announced its interrupt records the thread as interrupted a moment later.
  const thread =
    found.status === 'busy' &&
    found.run_id !== undefined &&
    (await announcedInterrupt(ctx, tenant, found.run_id)) &&
    (await waitInterrupted(ctx, tenant, threadId, found.run_id))
      ? await ctx.store.thread(tenant, threadId)
      : found;
  const runId = thread.run_id ?? thread.interrupts[0]?.run_id;
  if (thread.status !== 'interrupted' || runId === undefined)
    throw new ConflictError(`thread ${threadId} has no run waiting for an answer (status ${thread.status})`);
  const pending = thread.interrupts.find((i) => i.run_id === runId) ?? thread.interrupts[0];
  const answer = toResumeValue(body.command?.resume, pending === undefined ? undefined : interruptId(pending.value, pending.id));
  const [record, run] = await Promise.all([getRecord(ctx, tenant, runId), ctx.store.getRun(tenant, runId)]);
  const base = await runBase(ctx, tenant, record);
  // A run this part did not start (e.g. over /ws): continue from its checkpoint, which is exact while it waits.
  const cp = base === undefined ? await ctx.store.getCheckpoint(tenant, runId) : undefined;
  const afterSeq = base === undefined ? await ctx.store.lastSeq(tenant, runId) : 0;
  const assistantId = record?.assistant_id ?? run?.assistant_id ?? body.assistant_id;
  const spec = {
    tenant,
    runId,
    threadId,
    assistantId,
    base: base ?? cp?.messages ?? thread.values.messages,
    modes,
    quietUpTo: Number.POSITIVE_INFINITY,
    afterSeq,
  };
  const { session, logged } = await RunSession.open(ctx, spec);
  session.translator.restorePending(cp?.pending);
  if (kind === 'stream') session.quietUpTo = logged;
  session.armEnd(logged);
  try {
    const ref = await ctx.deps.ensure(`agent/${run?.agent ?? assistantId}`, tenant);
    await ref.ask(RUN_RESUME, { run_id: runId, resume: answer });
  } catch (e) {
    session.close();
    if (isTroupeError(e, 'bad_request')) throw new ConflictError(`run ${runId} is not waiting for an answer: ${e.message}`);
    throw e;
  }
  return { session, runId, threadId, record };
}

/** True when the run's latest status event says it waits for a human. */
async function announcedInterrupt(ctx: AcpContext, tenant: string, runId: string): Promise<boolean> {
  const events = await ctx.store.events(tenant, runId);
  const last = events.findLast((e) => e.event === 'status');
  return (last?.data as { status?: unknown } | undefined)?.status === 'interrupted';
}

/** Deletes a stateless run's thread once the run ended (not when it waits for a human). */
async function cleanup(ctx: AcpContext, tenant: string, s: Started): Promise<void> {
  if (s.record?.temporary !== true || s.session.translator.status === 'interrupted' || !s.session.translator.ended) return;
  await ctx.threads
    .delete(tenant, s.threadId)
    .catch((e: unknown) => ctx.deps.system.warn(`acp: deleting stateless thread ${s.threadId} failed: ${(e as Error).message}`));
}

async function respond(ctx: AcpContext, call: AcpCall, s: Started, kind: RunKind, cancelOnDisconnect: boolean): Promise<void> {
  const tenant = call.principal.tenant;
  const location = runLocation(ctx, s.threadId, s.runId, s.record?.temporary === true);
  if (kind === 'create') {
    const run = await ctx.store.getRun(tenant, s.runId).catch(() => undefined);
    sendJson(call.res, 200, lgRun(run, s.record, ctx.clock), { 'content-location': location });
    if (s.record?.temporary === true) {
      // Watch the run to delete its thread at the end, but not forever (a run may never end here).
      const cap = ctx.clock.setTimer(STATELESS_WATCH_MS, () => s.session.close());
      unref(cap);
      void s.session.done
        .then(() => cleanup(ctx, tenant, s))
        .finally(() => {
          ctx.clock.clearTimer(cap);
          s.session.close();
        });
    } else s.session.close();
    return;
  }
  if (kind === 'stream') await followRun(ctx, call, s.session, s.runId, location, cancelOnDisconnect);
  else await answerWhenDone(ctx, call, s.session, s.runId, location, cancelOnDisconnect);
  await cleanup(ctx, tenant, s);
}
