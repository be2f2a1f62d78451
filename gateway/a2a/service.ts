/**
 * The A2A methods over the mesh (ADR 0010). A message runs an agent: the one named by the
 * message's (or the request's) metadata `skill` (or `agent`), else the agent of the context's
 * last task, else the default agent (the first the mesh lists). A message naming a task that
 * waits for input answers its interrupt (RUN_RESUME): a `data` part `{approve, arguments?,
 * reason?}` or metadata `approve` is passed as is; otherwise a text starting with yes/ok/approve
 * approves and any other text rejects, the text being the reason. A message whose metadata carries
 * `feedback` (the LangSmith shape) is feedback on the task its `taskId` names (docs/trainers.md).
 * A skill that is a workflow runs `workflow/<name>` instead: the task is the workflow run (input from the message's
 * one object data part, else its text), a waiting `human` step is its input-required, answered the same way.
 */
import { traced } from '../trace.js';
import { createHash, randomUUID } from 'node:crypto';
import {
  RUN_CANCEL,
  RUN_CREATE,
  RUN_RESUME,
  formatsOfModes,
  isTroupeError,
  outputFormatsSchema,
  type FeedbackInput,
  type OutputFormat,
  type RunResume,
} from '../../protocols/index.js';
import { WorkflowJournal, runReads, type RunReads } from '../../actors/index.js';
import { mayRead } from '../auth/index.js';
import { addFeedback, parseFeedback } from '../feedback/index.js';
import { withRunUser } from '../profiles/index.js';
import type { Clock } from '../../runtime/index.js';
import { clockOf } from '../clock.js';
import type { GatewayDeps, Principal } from '../types.js';
import { RpcError } from './jsonrpc.js';
import { a2aContent } from './parts.js';
import { TaskView } from './task-view.js';
import { WorkflowTaskView } from './workflow-task.js';
import { TaskBook, type TaskListener, type TrackedTask } from './tasks.js';
import { A2A_ERRORS, TERMINAL_STATES, type Message, type SendMessageParams, type StreamResponse, type Task } from './types.js';

/** Options of {@link A2aService}. */
export interface A2aServiceOptions {
  /** Agent a message runs when it names none (default: the first agent the mesh lists). */
  readonly defaultAgent?: string;
  /** Longest a blocking `SendMessage` waits before answering the task as it is (default 5 min). */
  readonly blockingTimeoutMs?: number;
  /** Longest `CancelTask` waits for the run to confirm (default 5 s). */
  readonly cancelWaitMs?: number;
  /** Timeout of the asks to agent actors (default 10 s). */
  readonly askTimeoutMs?: number;
  readonly maxTasks?: number;
  readonly followMs?: number;
}

const YES = /^\s*(y|yes|ok|okay|approve|approved|sure|go ahead|proceed|continue)\b/i;

/** The text a message carries: its text parts, and its data parts as JSON, one per line. */
export function textOf(m: Message): string {
  const lines: string[] = [];
  for (const p of m.parts) {
    if (p.text !== undefined) lines.push(p.text);
    else if (p.data !== undefined) lines.push(JSON.stringify(p.data));
    else if (p.url !== undefined) lines.push(`[file: ${p.url}]`);
    else
      throw new RpcError(
        A2A_ERRORS.CONTENT_TYPE_NOT_SUPPORTED,
        `part of type ${p.raw !== undefined ? `raw ${p.mediaType ?? 'bytes'}` : 'unknown'} is not supported: send text, data or a url`,
      );
  }
  const text = lines.join('\n');
  if (text.trim() === '') throw new RpcError(A2A_ERRORS.INVALID_PARAMS, 'Invalid params: the message has no text');
  return text;
}

/** The answer to an interrupt that message `m` gives (see the module comment). */
export function resumeOf(m: Message, text: string): RunResume['resume'] {
  for (const p of m.parts) {
    const d = p.data as { approve?: unknown; arguments?: unknown; reason?: unknown } | undefined;
    if (typeof d === 'object' && d !== null && typeof d.approve === 'boolean') {
      if (!d.approve) return { approve: false, ...(typeof d.reason === 'string' ? { reason: d.reason } : {}) };
      return typeof d.arguments === 'object' && d.arguments !== null && !Array.isArray(d.arguments)
        ? { approve: true, arguments: d.arguments as Record<string, unknown> }
        : { approve: true };
    }
  }
  const flag = m.metadata?.['approve'];
  if (typeof flag === 'boolean') return flag ? { approve: true } : { approve: false, reason: text };
  return YES.test(text) ? { approve: true } : { approve: false, reason: text };
}

/**
 * The output formats a message asks (docs/adr/0046-output-formats.md): metadata `output_format` (the message's, else the
 * request's), else `configuration.acceptedOutputModes` when they name more than plain text (application/json with
 * metadata `output_schema`). A bad one is -32602 naming the field.
 */
function outputFormatsOf(params: SendMessageParams): OutputFormat[] | undefined {
  const given = params.message.metadata?.['output_format'] ?? params.metadata?.['output_format'];
  if (given !== undefined) {
    const r = outputFormatsSchema.safeParse(given);
    if (r.success) return r.data;
    const issue = r.error.issues[0];
    const at = ['metadata', 'output_format', ...(issue?.path ?? [])].join('.');
    throw new RpcError(A2A_ERRORS.INVALID_PARAMS, `Invalid params: ${at}: ${issue?.message ?? 'invalid'}`);
  }
  const schema = params.message.metadata?.['output_schema'] ?? params.metadata?.['output_schema'];
  const formats = formatsOfModes(
    params.configuration?.acceptedOutputModes ?? [],
    typeof schema === 'object' && schema !== null && !Array.isArray(schema) ? (schema as Record<string, unknown>) : undefined,
  );
  if (!formats.some((f) => f.type !== 'text')) return undefined;
  const r = outputFormatsSchema.safeParse(formats);
  if (!r.success)
    throw new RpcError(A2A_ERRORS.INVALID_PARAMS, `Invalid params: metadata.output_schema: ${r.error.issues[0]?.message ?? 'invalid'}`);
  return r.data;
}

/** The feedback a message's (or the request's) metadata carries. */
function feedbackOf(params: SendMessageParams): unknown {
  return params.message.metadata?.['feedback'] ?? params.metadata?.['feedback'];
}

function named(meta: Record<string, unknown> | undefined): string | undefined {
  const v = meta?.['skill'] ?? meta?.['skillId'] ?? meta?.['agent'];
  return typeof v === 'string' && v !== '' ? v : undefined;
}

/** SendMessage, SendStreamingMessage, GetTask and CancelTask for one gateway node. */
export class A2aService {
  readonly book: TaskBook;
  private readonly runs: RunReads;
  private readonly journal: WorkflowJournal;

  /** The gateway's clock (`deps.clock`, else the system clock): timers, timeouts and task timestamps. */
  get clock(): Clock {
    return this.book.clock;
  }

  constructor(
    private readonly deps: GatewayDeps,
    private readonly options: A2aServiceOptions = {},
  ) {
    this.book = new TaskBook(deps.system, { ...options, clock: clockOf(deps) });
    this.runs = runReads(deps.system.storage);
    this.journal = new WorkflowJournal(deps.system.storage);
  }

  /** True when `name` is a workflow (a skill whose tasks are workflow runs). */
  isWorkflow(name: string): boolean {
    return this.deps.workflows?.().includes(name) ?? false;
  }

  /** The actor a task's run is on: `workflow/<name>` for a workflow run, else `agent/<name>`. */
  private addressOf(view: TaskView | WorkflowTaskView): string {
    return view instanceof WorkflowTaskView ? `workflow/${view.agent}` : `agent/${view.agent}`;
  }

  /** Agent (or workflow) a new message runs (see the module comment); -32602 for an unknown one. */
  chooseAgent(tenant: string, params: SendMessageParams): string {
    const agents = [...this.deps.agents().map((a) => a.name), ...(this.deps.workflows?.() ?? [])];
    const asked = named(params.message.metadata) ?? named(params.metadata);
    if (asked !== undefined) {
      if (!agents.includes(asked))
        throw new RpcError(
          A2A_ERRORS.INVALID_PARAMS,
          `Invalid params: unknown skill ${JSON.stringify(asked)}; the agent card lists the skills`,
        );
      return asked;
    }
    const ctx = params.message.contextId;
    const previous = ctx === undefined ? undefined : this.book.agentOfContext(tenant, ctx);
    const chosen = previous ?? this.options.defaultAgent ?? agents[0];
    if (chosen === undefined || !agents.includes(chosen))
      throw new RpcError(A2A_ERRORS.INVALID_PARAMS, 'Invalid params: this mesh has no agent to run');
    return chosen;
  }

  /**
   * Starts (or resumes) the run a message asks for. `listener` hears the task's events from
   * before the run moves, so nothing is missed; the returned snapshot is the task before that.
   */
  async start(
    principal: Principal,
    params: SendMessageParams,
    listener?: TaskListener,
    /** The request's traceparent: the run continues its trace. */
    trace?: string,
  ): Promise<{ task: TrackedTask; before: Task }> {
    const { tenant } = principal;
    const m = params.message;
    if (m.role !== undefined && m.role !== 'ROLE_USER' && m.role !== 1)
      throw new RpcError(A2A_ERRORS.INVALID_PARAMS, 'Invalid params: message.role must be ROLE_USER');
    const feedback = feedbackOf(params);
    if (feedback !== undefined) return this.feedback(principal, m, feedback);
    if (m.taskId !== undefined && m.taskId !== '') return this.answer(principal, m, textOf(m), listener);
    // Text, data and file parts (ADR 0043): media stored once as blobs of the tenant, the message kept with their URLs.
    const body = await a2aContent(this.deps, tenant, m);

    // A message sent again (same messageId: a client retrying) is the same task, never a second run.
    const runId = `a2a-${createHash('sha256').update(`${tenant}\u0000${m.messageId}`).digest('base64url').slice(0, 32)}`;
    const known = await this.book.find(tenant, runId);
    if (known !== undefined) {
      if (!TERMINAL_STATES.has(known.view.state)) {
        if (listener !== undefined) known.listeners.add(listener);
        this.book.follow(known);
      }
      return { task: known, before: known.view.task() };
    }
    const agent = this.chooseAgent(tenant, params);
    const contextId = m.contextId !== undefined && m.contextId !== '' ? m.contextId : randomUUID();
    const first: Message = { ...body.kept, taskId: runId, contextId, role: 'ROLE_USER' };
    const workflow = this.isWorkflow(agent);
    const formats = workflow ? undefined : outputFormatsOf(params);
    const address = workflow ? `workflow/${agent}` : `agent/${agent}`;
    const ref = await this.deps.ensure(address, tenant).catch((e: unknown) => {
      throw isTroupeError(e, 'not_found')
        ? new RpcError(A2A_ERRORS.INVALID_PARAMS, `Invalid params: unknown skill ${JSON.stringify(agent)}`)
        : e;
    });
    await this.deps.admit?.(tenant); // a tenant past its budget starts no run
    const view = workflow
      ? new WorkflowTaskView(runId, contextId, first, agent, this.book.clock)
      : new TaskView(runId, contextId, first, agent, this.book.clock);
    const task = this.book.add(tenant, view);
    const before = task.view.task();
    if (listener !== undefined) task.listeners.add(listener);
    this.book.follow(task);
    // A workflow's input: the message's one data part when it is an object, else the workflow reads it from the text.
    const data = m.parts.length === 1 ? m.parts[0]?.data : undefined;
    const input =
      workflow && typeof data === 'object' && data !== null && !Array.isArray(data)
        ? { config: { input: data } }
        : formats === undefined
          ? {}
          : { config: { output_format: formats } };
    try {
      await ref.ask(
        RUN_CREATE,
        {
          run_id: runId,
          thread_id: contextId,
          input: { messages: [{ role: 'user', content: body.content, ...(body.parts === undefined ? {} : { parts: body.parts }) }] },
          ...input,
          // The caller is the run's user, so another user of the tenant finds the task only with threads:read:tenant.
          metadata: withRunUser({ a2a: { message: first, skill: agent } }, principal),
        },
        traced({ timeoutMs: this.askTimeoutMs }, trace),
      );
    } catch (e) {
      if (listener !== undefined) task.listeners.delete(listener);
      this.book.unfollow(task);
      if (isTroupeError(e, 'conflict'))
        throw new RpcError(A2A_ERRORS.UNSUPPORTED_OPERATION, `context ${contextId} is busy with another task: ${(e as Error).message}`);
      // A workflow refuses input that does not match its input fields, naming the field.
      if (workflow && isTroupeError(e, 'bad_request')) throw new RpcError(A2A_ERRORS.INVALID_PARAMS, `Invalid params: ${e.message}`);
      // An output format the node cannot deliver (audio without text-to-speech) names the field.
      if (isTroupeError(e, 'bad_request') && e.message.startsWith('config.output_format'))
        throw new RpcError(A2A_ERRORS.INVALID_PARAMS, `Invalid params: ${e.message}`);
      throw e;
    }
    return { task, before };
  }

  /**
   * A message whose metadata carries `feedback` is feedback on the task it names (the task's run): recorded, and the
   * task answered as it is — nothing runs and nothing is resumed. The message's text is the comment when the
   * feedback has none.
   */
  private async feedback(principal: Principal, m: Message, raw: unknown): Promise<{ task: TrackedTask; before: Task }> {
    if (m.taskId === undefined || m.taskId === '')
      throw new RpcError(A2A_ERRORS.INVALID_PARAMS, 'Invalid params: feedback names the task it is about in message.taskId');
    const task = await this.book.find(principal.tenant, m.taskId);
    if (task === undefined) throw new RpcError(A2A_ERRORS.TASK_NOT_FOUND, `Task not found: ${m.taskId}`);
    let input: FeedbackInput;
    try {
      input = parseFeedback(raw);
    } catch (e) {
      throw new RpcError(A2A_ERRORS.INVALID_PARAMS, `Invalid params: ${(e as Error).message}`);
    }
    const text = m.parts
      .map((p) => p.text ?? '')
      .join('\n')
      .trim();
    await addFeedback(this.deps, principal, task.view.id, input.comment === undefined && text !== '' ? { ...input, comment: text } : input);
    return { task, before: task.view.task() };
  }

  /** The task `id` of the caller's tenant, unless it is another user's and the caller lacks `threads:read:tenant`. */
  private async findFor(principal: Principal, id: string): Promise<TrackedTask | undefined> {
    const task = await this.book.find(principal.tenant, id);
    if (task === undefined) return undefined;
    const stored = (r: Promise<{ metadata?: Record<string, unknown> } | undefined>) => r.catch(() => undefined);
    const run =
      task.view instanceof WorkflowTaskView
        ? await stored(this.journal.getRun(principal.tenant, id))
        : await stored(this.runs.getRun(principal.tenant, id));
    return run === undefined || mayRead(principal, run.metadata?.['user']) ? task : undefined;
  }

  private get askTimeoutMs(): number {
    return this.options.askTimeoutMs ?? 10_000;
  }

  /** A message to an existing task: the answer to its interrupt. */
  private async answer(
    principal: Principal,
    m: Message,
    text: string,
    listener?: TaskListener,
  ): Promise<{ task: TrackedTask; before: Task }> {
    const tenant = principal.tenant;
    const task = await this.findFor(principal, m.taskId as string);
    if (task === undefined) throw new RpcError(A2A_ERRORS.TASK_NOT_FOUND, `Task not found: ${m.taskId}`);
    const { view } = task;
    if (m.contextId !== undefined && m.contextId !== '' && m.contextId !== view.contextId)
      throw new RpcError(A2A_ERRORS.INVALID_PARAMS, `Invalid params: task ${view.id} belongs to context ${view.contextId}`);
    if (TERMINAL_STATES.has(view.state))
      throw new RpcError(
        A2A_ERRORS.UNSUPPORTED_OPERATION,
        `Task ${view.id} is in a terminal state (${view.state}); send a new message in context ${view.contextId} to go on`,
      );
    if (view.state !== 'TASK_STATE_INPUT_REQUIRED')
      throw new RpcError(A2A_ERRORS.UNSUPPORTED_OPERATION, `Task ${view.id} is ${view.state}, not waiting for input`);
    const resume = resumeOf(m, text);
    const ref = await this.deps.ensure(this.addressOf(view), tenant);
    this.book.addUserMessage(task, { ...m, taskId: view.id, contextId: view.contextId, role: 'ROLE_USER' });
    // Working from now on: a blocking send waits for what the answer leads to, not the old interrupt.
    view.state = 'TASK_STATE_WORKING';
    const before = view.task();
    if (listener !== undefined) task.listeners.add(listener);
    this.book.follow(task);
    try {
      await ref.ask(RUN_RESUME, { run_id: view.id, resume }, { timeoutMs: this.askTimeoutMs });
    } catch (e) {
      if (listener !== undefined) task.listeners.delete(listener);
      this.book.unfollow(task);
      if (view.state === 'TASK_STATE_WORKING') view.state = 'TASK_STATE_INPUT_REQUIRED';
      if (isTroupeError(e, 'bad_request'))
        throw new RpcError(A2A_ERRORS.UNSUPPORTED_OPERATION, `Task ${view.id} cannot take an answer now: ${(e as Error).message}`);
      throw e;
    }
    return { task, before };
  }

  /** SendMessage: the task once it is settled (or at once with `returnImmediately`). */
  async send(principal: Principal, params: SendMessageParams, trace?: string): Promise<{ task: Task }> {
    const { task } = await this.start(principal, params, undefined, trace);
    if (params.configuration?.returnImmediately !== true && feedbackOf(params) === undefined)
      await this.book.whenSettled(task, this.options.blockingTimeoutMs ?? 300_000);
    return { task: task.view.task(params.configuration?.historyLength) };
  }

  /** GetTask: the task of this tenant, or -32001 (also when it belongs to another tenant). */
  async get(principal: Principal, id: string, historyLength?: number): Promise<Task> {
    const task = await this.findFor(principal, id);
    if (task === undefined) throw new RpcError(A2A_ERRORS.TASK_NOT_FOUND, `Task not found: ${id}`);
    return task.view.task(historyLength);
  }

  /** CancelTask: asks the run's agent to cancel and answers the task (canceled once it confirms). */
  async cancel(principal: Principal, id: string): Promise<Task> {
    const task = await this.findFor(principal, id);
    if (task === undefined) throw new RpcError(A2A_ERRORS.TASK_NOT_FOUND, `Task not found: ${id}`);
    if (TERMINAL_STATES.has(task.view.state))
      throw new RpcError(A2A_ERRORS.TASK_NOT_CANCELABLE, `Task not cancelable: ${id} is ${task.view.state}`);
    this.book.follow(task);
    try {
      const ref = await this.deps.ensure(this.addressOf(task.view), principal.tenant);
      await ref.ask(RUN_CANCEL, { run_id: id }, { timeoutMs: this.askTimeoutMs });
    } catch (e) {
      // The run may have ended meanwhile; only an unfinished task that refuses is an error.
      if (!TERMINAL_STATES.has(task.view.state)) {
        this.book.unfollow(task);
        throw new RpcError(A2A_ERRORS.TASK_NOT_CANCELABLE, `Task not cancelable: ${(e as Error).message}`);
      }
    }
    await this.book.whenSettled(task, this.options.cancelWaitMs ?? 5_000, (t) => TERMINAL_STATES.has(t.view.state));
    return task.view.task();
  }

  /**
   * SubscribeToTask: the task now and, while it is not settled, its events from now on (the run
   * is followed from this node, wherever it runs). -32004 for a finished task.
   */
  async subscribe(principal: Principal, id: string, listener: TaskListener): Promise<{ task: TrackedTask; before: Task }> {
    const task = await this.findFor(principal, id);
    if (task === undefined) throw new RpcError(A2A_ERRORS.TASK_NOT_FOUND, `Task not found: ${id}`);
    if (TERMINAL_STATES.has(task.view.state))
      throw new RpcError(
        A2A_ERRORS.UNSUPPORTED_OPERATION,
        `Task ${id} is in a terminal state (${task.view.state}) and cannot be subscribed to`,
      );
    const before = task.view.task();
    if (task.view.state !== 'TASK_STATE_INPUT_REQUIRED') {
      task.listeners.add(listener);
      this.book.follow(task);
    }
    return { task, before };
  }

  /** True when a stream is finished after `event` (the task ended or waits for input). */
  static ends(event: StreamResponse): boolean {
    if (!('statusUpdate' in event)) return false;
    const state = event.statusUpdate.status.state;
    return TERMINAL_STATES.has(state) || state === 'TASK_STATE_INPUT_REQUIRED';
  }
}
