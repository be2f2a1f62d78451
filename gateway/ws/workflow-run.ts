/**
 * A workflow run on one `/ws` connection (docs/workflows.md, "Clients"): `run.start` with `agent: <workflow>` asks
 * `workflow/<name>`, and its events come as the frames an agent run sends — each workflow event as `run.event`
 * (`event` = its type), an agent step's tokens as `run.event` `token` with the step, a waiting human step as
 * `run.interrupted` (answered with `run.resume`), and the end as `run.completed`, `run.failed` or `run.cancelled`.
 * The events come in seq order, each once, from the run's journal and the bus (subscribeWorkflowRun), so a client that
 * reconnects with `hello.resume {run_id, after_seq}` gets exactly the events after that seq.
 */
import { randomUUID } from 'node:crypto';
import { subscribeWorkflowRun, type WorkflowLogEvent } from '../../actors/index.js';
import { RUN_CREATE, runTopic, type RunEvent } from '../../protocols/index.js';
import type { ActorSystem, Subscription } from '../../runtime/index.js';

/** Where the frames go: false from `send` when the connection is gone. */
export interface WorkflowSink {
  send(frame: object): boolean;
  /** The run ended (or the connection went): forget it. */
  ended(runId: string): void;
}

/** The frame of one workflow event (`undefined` for none); `end` when it is the run's last. */
export function workflowFrame(e: WorkflowLogEvent): { frame: object; end: boolean } {
  const base = { run_id: e['run_id'], seq: e.seq };
  switch (e.type) {
    case 'workflow.completed':
      return { frame: { type: 'run.completed', ...base, output: e['output'] ?? null }, end: true };
    case 'workflow.failed':
      return { frame: { type: 'run.failed', ...base, error: e['error'] ?? 'workflow failed' }, end: true };
    case 'workflow.cancelled':
      return { frame: { type: 'run.cancelled', ...base }, end: true };
    case 'step.waiting':
      return {
        frame: { type: 'run.interrupted', ...base, interrupt: { step: e['step'], question: e['question'], value: e['value'] } },
        end: false,
      };
    default:
      return { frame: { type: 'run.event', ...base, event: e.type, data: e }, end: false };
  }
}

/** Follows one workflow run's events (and its agent steps' tokens) onto a connection until it ends. */
export class WorkflowWsRun {
  private readonly subs: Subscription[] = [];
  private done = false;
  /** Frames heard before `release` (the client gets `run.created` first). */
  private held: object[] | undefined = [];

  constructor(
    readonly workflow: string,
    readonly runId: string,
    private readonly tenant: string,
    private readonly system: ActorSystem,
    private readonly sink: WorkflowSink,
    /** Events up to this seq are not sent (a resume's `after_seq`; 0 for a new run). */
    afterSeq = 0,
  ) {
    this.subs.push(
      subscribeWorkflowRun(system, tenant, workflow, runId, afterSeq, {
        event: (e) => {
          if (this.unsubscribed) return;
          const { frame, end } = workflowFrame(e);
          if (!this.deliver(frame) || end) this.stop();
        },
        failed: (message) => {
          if (this.unsubscribed) return;
          system.warn(`ws: ${message}`);
          this.deliver({ type: 'error', code: 'unavailable', run_id: runId, message });
          this.stop();
        },
      }),
      system.subscribe(
        `${runTopic(runId)}.>`,
        (env) => {
          const e = env.payload as RunEvent;
          if (e.event !== 'token' || this.unsubscribed) return;
          if (!this.deliver({ type: 'run.event', run_id: runId, event: 'token', agent_run_id: e.run_id, agent: e.agent, data: e.data }))
            this.stop();
        },
        { tenant },
      ),
    );
  }

  /** Starts a run of `workflow` (subscribed first, so no event is missed); answers its run and thread ids. */
  static async start(
    system: ActorSystem,
    ref: Parameters<ActorSystem['ask']>[0],
    tenant: string,
    workflow: string,
    payload: { input: unknown; thread_id?: string; config?: unknown; metadata?: Record<string, unknown> },
    sink: WorkflowSink,
    options: Parameters<ActorSystem['ask']>[3],
  ): Promise<{ run: WorkflowWsRun; thread_id: string }> {
    const runId = randomUUID();
    const run = new WorkflowWsRun(workflow, runId, tenant, system, sink);
    try {
      const created = await system.ask<{ thread_id: string }>(ref, RUN_CREATE, { ...payload, run_id: runId }, options);
      return { run, thread_id: created.thread_id };
    } catch (e) {
      run.stop();
      throw e;
    }
  }

  /** Sends the frames held so far, then every frame as it comes. */
  release(): void {
    const held = this.held ?? [];
    this.held = undefined;
    for (const f of held) if (!this.sink.send(f)) return this.stop();
    if (this.ending) this.stop();
  }

  private ending = false;

  private deliver(frame: object): boolean {
    if (this.held === undefined) return this.sink.send(frame);
    this.held.push(frame);
    return true;
  }

  /** Stops following (once the held frames are out, when it is asked to before `release`). */
  stop(): void {
    if (!this.unsubscribed) for (const s of this.subs) s.unsubscribe();
    this.unsubscribed = true;
    if (this.held !== undefined) {
      this.ending = true;
      return;
    }
    if (this.done) return;
    this.done = true;
    this.sink.ended(this.runId);
  }

  private unsubscribed = false;
}
