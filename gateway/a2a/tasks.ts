/**
 * The tasks this gateway node follows. A task is followed (subscribed to its run's topic)
 * from just before its run is created or resumed until it ends or waits for input, so streams
 * and blocking sends see every event. Followed tasks sit in a bounded map per node; a task
 * that is not there is rebuilt from the mesh's stored runs (its run record and event
 * log), so a task started on one node can be read, resumed or cancelled on any other.
 */
import { WorkflowJournal, runReads, subscribeRun, subscribeWorkflowRun, type RunReads } from '../../actors/index.js';
import type { RunEvent } from '../../protocols/index.js';
import type { ActorSystem, Clock, Subscription, TimerHandle } from '../../runtime/index.js';
import { TaskView } from './task-view.js';
import { WorkflowTaskView } from './workflow-task.js';
import { TERMINAL_STATES, messageSchema, type Message, type StreamResponse } from './types.js';

/** Called with each stream event of a task, and with `undefined` when following stops. */
export type TaskListener = (event: StreamResponse | undefined) => void;

/** A task this node knows. */
export interface TrackedTask {
  readonly tenant: string;
  /** An agent run's view, or a workflow run's (docs/gateway-mcp-a2a.md, "Workflows as skills"). */
  readonly view: TaskView | WorkflowTaskView;
  readonly listeners: Set<TaskListener>;
  sub: Subscription | undefined;
  timer: TimerHandle | undefined;
}

/** True when the task will not move without the user (ended, or waiting for input). */
export function settled(t: TrackedTask): boolean {
  return TERMINAL_STATES.has(t.view.state) || t.view.state === 'TASK_STATE_INPUT_REQUIRED';
}

/** Options of {@link TaskBook}. */
export interface TaskBookOptions {
  /** Tasks kept in memory per node, least recently used dropped first (default 1,000; the run store has them all). */
  readonly maxTasks?: number;
  /** Longest a run is followed (default 10 min); a stream open that long ends then. */
  readonly followMs?: number;
  /** Time and timers (follow cap, wait timeouts, task timestamps); default the system's clock. */
  readonly clock?: Clock;
}

/** The node's tasks: a bounded map keyed by tenant and task id, backed by the run store. */
export class TaskBook {
  private readonly tasks = new Map<string, TrackedTask>();
  private readonly contexts = new Map<string, string>();
  private readonly store: RunReads;
  private readonly workflows: WorkflowJournal;
  private readonly maxTasks: number;
  private readonly followMs: number;

  /** The gateway's clock. */
  readonly clock: Clock;

  constructor(
    private readonly system: ActorSystem,
    options: TaskBookOptions = {},
  ) {
    this.store = runReads(system.storage);
    this.workflows = new WorkflowJournal(system.storage);
    this.maxTasks = options.maxTasks ?? 1_000;
    this.followMs = options.followMs ?? 600_000;
    this.clock = options.clock ?? system.clock;
  }

  /** Number of tasks held in memory. */
  get size(): number {
    return this.tasks.size;
  }

  /** Adds a new task (it becomes the most recent of its context). */
  add(tenant: string, view: TaskView | WorkflowTaskView): TrackedTask {
    const t: TrackedTask = { tenant, view, listeners: new Set(), sub: undefined, timer: undefined };
    this.remember(t);
    return t;
  }

  /** The agent of the newest task in a context this node has seen. */
  agentOfContext(tenant: string, contextId: string): string | undefined {
    return this.contexts.get(`${tenant}|${contextId}`);
  }

  /**
   * The task `id` of `tenant`: the followed one when this node follows it, else the stored run
   * (fresher when another node moved it on), else what this node last saw; undefined when none.
   */
  async find(tenant: string, id: string): Promise<TrackedTask | undefined> {
    const local = this.tasks.get(`${tenant}|${id}`);
    if (local?.sub !== undefined) return this.touch(local);
    const view = (await this.storedRun(tenant, id)) ?? (await this.storedWorkflowRun(tenant, id));
    if (view === undefined) return local === undefined ? undefined : this.touch(local);
    if (local !== undefined && local.view.lastSeq >= view.lastSeq) return this.touch(local);
    return this.add(tenant, view);
  }

  /** The task of an agent run, rebuilt from its record and event log. */
  private async storedRun(tenant: string, id: string): Promise<TaskView | undefined> {
    const record = await this.store.getRun(tenant, id).catch(() => undefined);
    if (record === undefined) return undefined;
    const view = new TaskView(id, record.thread_id, firstMessage(record.metadata), record.assistant_id, this.clock);
    for (const e of await this.store.events(tenant, id)) view.apply(e);
    return view;
  }

  /** The task of a workflow run, rebuilt from its journal. */
  private async storedWorkflowRun(tenant: string, id: string): Promise<WorkflowTaskView | undefined> {
    const record = await this.workflows.getRun(tenant, id).catch(() => undefined);
    if (record === undefined) return undefined;
    const view = new WorkflowTaskView(id, record.thread_id, firstMessage(record.metadata), record.workflow, this.clock);
    for (const e of await this.workflows.events(tenant, id)) view.apply(e);
    return view;
  }

  /** Follows the task's run (idempotent): events update the view and go to the listeners. */
  follow(t: TrackedTask): void {
    if (t.sub !== undefined) return;
    const deliver = (events: StreamResponse[]): void => {
      for (const u of events) for (const l of [...t.listeners]) l(u);
      if (settled(t)) this.unfollow(t);
    };
    const view = t.view;
    if (view instanceof WorkflowTaskView) {
      t.sub = subscribeWorkflowRun(this.system, t.tenant, view.agent, view.id, view.lastSeq, {
        event: (e) => deliver(view.apply(e)),
        failed: (error) => deliver(view.lost(error)),
      });
    } else {
      const apply = (e: RunEvent): void => deliver(view.apply(e));
      // An event that cannot be delivered whole fails the task, naming it: never a silent gap.
      const lost = (seq: number, err: Error): void =>
        apply({
          run_id: view.id,
          thread_id: view.contextId,
          seq,
          event: 'status',
          agent: view.agent,
          data: { status: 'error', error: `event ${seq} of the run could not be delivered: ${err.message}` },
        });
      t.sub = subscribeRun(this.system, this.store, t.tenant, view.id, apply, lost);
    }
    t.timer = this.clock.setTimer(this.followMs, () => this.unfollow(t));
  }

  /** Stops following; listeners hear `undefined`. */
  unfollow(t: TrackedTask): void {
    t.sub?.unsubscribe();
    t.sub = undefined;
    if (t.timer !== undefined) this.clock.clearTimer(t.timer);
    t.timer = undefined;
    for (const l of [...t.listeners]) l(undefined);
  }

  /** Resolves when `until` holds (default: the task is settled), the task is no longer followed, or after `timeoutMs`. */
  whenSettled(t: TrackedTask, timeoutMs: number, until: (t: TrackedTask) => boolean = settled): Promise<void> {
    if (until(t) || t.sub === undefined) return Promise.resolve();
    return new Promise<void>((resolve) => {
      const done = (): void => {
        t.listeners.delete(listener);
        this.clock.clearTimer(timer);
        resolve();
      };
      const listener: TaskListener = (e) => {
        if (e === undefined || until(t)) done();
      };
      const timer = this.clock.setTimer(timeoutMs, done);
      t.listeners.add(listener);
    });
  }

  /** Records a user message of the task (its answer to input-required). */
  addUserMessage(t: TrackedTask, m: Message): void {
    t.view.addUserMessage(m);
  }

  private touch(t: TrackedTask): TrackedTask {
    this.remember(t);
    return t;
  }

  private remember(t: TrackedTask): void {
    const key = `${t.tenant}|${t.view.id}`;
    this.tasks.delete(key);
    this.tasks.set(key, t);
    const ctx = `${t.tenant}|${t.view.contextId}`;
    this.contexts.delete(ctx);
    this.contexts.set(ctx, t.view.agent);
    while (this.tasks.size > this.maxTasks) {
      const [oldest, task] = this.tasks.entries().next().value as [string, TrackedTask];
      this.tasks.delete(oldest);
      this.unfollow(task);
    }
    while (this.contexts.size > this.maxTasks) this.contexts.delete(this.contexts.keys().next().value as string);
  }

  /** Stops following every task (the gateway is shutting down). */
  close(): void {
    for (const t of this.tasks.values()) this.unfollow(t);
  }
}

/** The first user message of a task, kept in its run's metadata (`a2a.message`). */
function firstMessage(metadata: Record<string, unknown> | undefined): Message | undefined {
  const stored = (metadata?.['a2a'] as { message?: unknown } | undefined)?.message;
  const first = messageSchema.safeParse(stored);
  return first.success ? first.data : undefined;
}
