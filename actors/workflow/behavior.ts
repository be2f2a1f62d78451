// The durable workflow actor `workflow/<name>` (docs/workflows.md, ADR 0031): one stateful activation per tenant runs
// every run of the workflow as an XState actor. After each transition the run's record takes the persisted
// snapshot (fenced by the activation's epoch); an activation restores the runs that had not ended, and their step
// attempts continue from the journal (executor.ts).
import { randomUUID } from 'node:crypto';
import { createActor, type Actor, type Snapshot } from 'xstate';
import { z } from 'zod';
import type { WorkflowDefinition } from '../../config/index.js';
import {
  ConflictError,
  RUN_CANCEL,
  RUN_CREATE,
  RUN_RESUME,
  TOPIC_MESSAGE,
  ValidationError,
  runCancelSchema,
  runCreateSchema,
  runResumeSchema,
  scrubbedMessage,
  type RunCreate,
  type RunEvent,
} from '../../protocols/index.js';
import { startSpan, tracingEnabled, type ActorContext, type ActorRef, type Behavior, type TraceSpan } from '../../runtime/index.js';
import { runReads, type RunReads } from '../agent/index.js';
import { meshExecutor } from './executor.js';
import { WORKFLOW_TICK, type ScheduleDriver } from './triggers.js';
import { startTriggers, topicMessage, type RunStart } from './trigger-run.js';
import { checkInput, inputFromText } from './input.js';
import { WorkflowJournal, type WorkflowLogEvent, type WorkflowRunRecord } from './journal.js';
import { compileWorkflow, firstState, resumeWorkflow, type WorkflowMachine } from './machine.js';
import { persistedSnapshot } from './snapshots.js';
import { WORKFLOW_STATE, workflowTopic, type HumanAnswer, type StepExecutor, type WorkflowContext, type WorkflowEmitted } from './types.js';

export { WORKFLOW_STATE, workflowTopic };

/** What the actor needs besides its definition. */
export interface WorkflowBehaviorOptions {
  readonly def: WorkflowDefinition;
  /** The ref of `address` in `tenant`, activated where its kind is hosted. */
  resolve(address: string, tenant: string): Promise<ActorRef>;
  /** Hears each event of an agent step's run (the gateway streams tokens through it). */
  onAgentEvent?(runId: string, step: string, e: RunEvent): void;
}

interface LiveRun {
  readonly actor: Actor<WorkflowMachine>;
  record: WorkflowRunRecord;
  chain: Promise<void>;
  seq: number;
  /** Events emitted since the last write: logged, then the record, then published (a reader of the last event finds the record final). */
  pending: WorkflowLogEvent[];
  /** A write is queued and has not begun: it will take the snapshot and events of transitions made until it does. */
  queued: boolean;
  /** The run's `invoke_workflow` span (this activation's part of it; the no-op span while tracing is off). */
  readonly span: TraceSpan;
  /**
   * A new run's first write (its record with the started machine's snapshot, fenced): true once written, false when
   * a newer activation holds the run. Its step attempts wait for it (nothing is asked of the mesh for a run that
   * has no record); undefined once settled, and for a restored run.
   */
  claim?: Promise<boolean>;
  /** Settles `claim`: taken by the first write queued. */
  claiming?: Claiming;
}

/** The settling side of a new run's claim. */
interface Claiming {
  resolve(ok: boolean): void;
  reject(e: unknown): void;
}

/** The actor's state: its live runs, and the restore of the runs an earlier activation left. */
export interface WorkflowState {
  readonly runs: Map<string, LiveRun>;
  /** Each live run's step executor, by run id (one compiled machine serves every run of the activation). */
  readonly executors: Map<string, StepExecutor>;
  machine?: WorkflowMachine;
  readonly journal: WorkflowJournal;
  /** Reads of the agent runs its steps start (shared by its runs' executors). */
  readonly agentRuns: RunReads;
  restored: Promise<void>;
  stopped: boolean;
  /** The schedule triggers' driver (those naming this tenant; docs/workflows.md, "Triggers"). */
  schedule?: ScheduleDriver;
  /** The ref of an address in the activation's tenant (its runs' executors share it). */
  readonly resolve: (address: string) => Promise<ActorRef>;
  /** True once the activation stops (its runs' executors leave their step runs running then). */
  readonly leaving: () => boolean;
}

const STATUS = { completed: 'success', failed: 'error', cancelled: 'cancelled' } as const;
/** Statuses of a run that has not ended. */
const ACTIVE: ReadonlySet<WorkflowRunRecord['status']> = new Set(['running', 'interrupted']);

/** The behavior of `workflow/<def.name>`. */
export function workflowBehavior(o: WorkflowBehaviorOptions): Behavior<WorkflowState> {
  const { def } = o;
  // The last time formatted: a run's record is written a few times within the same millisecond.
  let lastMs = Number.NaN;
  let lastIso = '';
  const now = (ctx: ActorContext<WorkflowState>) => {
    const ms = ctx.system.clock.now();
    if (ms !== lastMs) [lastMs, lastIso] = [ms, new Date(ms).toISOString()];
    return lastIso;
  };

  const topics = new Map<string, string>();
  const topicOf = (type: string) => {
    let t = topics.get(type);
    if (t === undefined) topics.set(type, (t = workflowTopic(def.name, type)));
    return t;
  };

  /** Logs an event the run's machine emitted (numbered in the run), to be written with its next record. */
  function logEvent(live: LiveRun, ev: WorkflowEmitted): void {
    const { record } = live;
    live.pending.push({ seq: ++live.seq, workflow: def.name, run_id: record.run_id, thread_id: record.thread_id, ...ev });
  }

  /** Drops a run this activation no longer drives (ended, or never claimed). */
  const forget = (ctx: ActorContext<WorkflowState>, id: string) => {
    ctx.state.runs.delete(id);
    ctx.state.executors.delete(id);
  };

  /** Queues a write of the run's record with its snapshot and the events emitted since the last one; the first one claims a new run. */
  const persist = (ctx: ActorContext<WorkflowState>, live: LiveRun) => {
    const tenant = ctx.self.tenant;
    if (live.queued) return;
    live.queued = true;
    let claiming = live.claiming;
    live.claiming = undefined;
    live.chain = live.chain
      .then(async () => {
        live.queued = false;
        if (ctx.state.stopped) return claiming?.resolve(false);
        const snap = live.actor.getSnapshot();
        const r = live.record;
        r.snapshot = persistedSnapshot(live.actor);
        r.updated_at = now(ctx);
        let waiting = false;
        for (const id in snap.context.steps) if (snap.context.steps[id]?.status === 'waiting') waiting = true;
        r.status = snap.status === 'done' ? STATUS[snap.output?.status ?? 'failed'] : waiting ? 'interrupted' : 'running';
        if (snap.output?.output !== undefined) r.output = snap.output.output;
        if (snap.output?.error !== undefined) r.error = snap.output.error.message;
        const events = live.pending.splice(0);
        r.last_seq = events.at(-1)?.seq ?? r.last_seq;
        // The events are logged before the record in one write (a reader of the last event finds the record final).
        if (!(await ctx.state.journal.putRun(tenant, r, events))) {
          if (claiming !== undefined) {
            // A new run that a newer activation already holds: this one never drove it (startRun answers a conflict).
            live.actor.stop();
            forget(ctx, r.run_id);
            claiming.resolve(false);
            claiming = undefined;
            return;
          }
          ctx.state.stopped = true;
          ctx.system.warn(`workflow run ${r.run_id} was taken over by a newer activation: this one stops driving it`);
          live.actor.stop();
          return;
        }
        claiming?.resolve(true);
        claiming = undefined;
        if (snap.status === 'done') {
          forget(ctx, r.run_id);
          live.span.set({ 'troupe.run.status': r.status });
          if (r.status === 'error') live.span.fail(new Error(r.error ?? 'workflow failed'), 'workflow_failed');
          live.span.end();
        }
        // Awaited in turn (no closure or promise per event for its failure); each topic is built once per event type.
        const options = { tenant };
        for (const e of events) {
          try {
            await ctx.system.publish(topicOf(e.type), e, options);
          } catch (err) {
            ctx.system.warn(`workflow ${def.name}: cannot publish ${e.type}: ${scrubbedMessage(err)}`);
          }
        }
      })
      .catch((e: unknown) => {
        if (claiming !== undefined) {
          live.actor.stop();
          forget(ctx, live.record.run_id);
          claiming.reject(e);
        } else ctx.system.warn(`workflow run ${live.record.run_id}: cannot journal: ${scrubbedMessage(e)}`);
      });
  };

  /**
   * Drives `record`'s run here: a restored run (it has a snapshot) goes on from it; a new one is claimed by its first
   * write (`claim`), which its step attempts wait for.
   */
  const launch = (ctx: ActorContext<WorkflowState>, record: WorkflowRunRecord): LiveRun => {
    const tenant = ctx.self.tenant;
    // The run's `invoke_workflow` span: a child of the request that started the run; its steps' agent and tool runs are
    // its children, on whichever node they run. A re-activated run opens a new span under the same parent.
    const span = startSpan(`invoke_workflow ${def.name}`, {
      parent: record.traceparent,
      kind: 'internal',
      attributes: tracingEnabled()
        ? {
            'gen_ai.operation.name': 'invoke_workflow',
            'gen_ai.conversation.id': record.thread_id,
            'troupe.workflow.name': def.name,
            'troupe.run.id': record.run_id,
            'troupe.tenant': tenant,
          }
        : undefined,
    });
    // Options written out, absent ones undefined: an object spread followed by properties it lacks is V8's slow path (a
    // new hidden class per object; step-node.ts), and this runs once per run.
    const hear = o.onAgentEvent;
    const execute = meshExecutor({
      traceparent: span.traceparent,
      system: ctx.system,
      journal: ctx.state.journal,
      runs: ctx.state.agentRuns,
      tenant,
      workflow: def.name,
      runId: record.run_id,
      resolve: ctx.state.resolve,
      leaving: ctx.state.leaving,
      onAgentEvent: hear === undefined ? undefined : (step, e) => hear(record.run_id, step, e),
    });
    ctx.state.executors.set(record.run_id, execute);
    ctx.state.machine ??= compileWorkflow(def, {
      clock: ctx.system.clock,
      execute: (req, signal) => {
        const run = req.runId === undefined ? undefined : ctx.state.executors.get(req.runId);
        if (run === undefined) return Promise.reject(new Error(`workflow run ${req.runId ?? '?'} is not live here`));
        // A new run's attempts start once its first record is written (the record comes before any step journal entry).
        const claim = req.runId === undefined ? undefined : ctx.state.runs.get(req.runId)?.claim;
        if (claim === undefined) return run(req, signal);
        return claim.then((ok) =>
          ok ? run(req, signal) : Promise.reject(new Error(`workflow run ${req.runId ?? '?'} is driven elsewhere`)),
        );
      },
    });
    const machine = ctx.state.machine;
    const input = { runId: record.run_id, input: record.input, metadata: record.metadata };
    // A new run of a definition whose first state does not depend on the input starts from that state (worked out
    // once), restored with its own context, instead of taking the initial transition itself.
    const first = record.snapshot === undefined ? firstState(machine) : undefined;
    const from = record.snapshot ?? first?.snapshot(input);
    const actor =
      from === undefined
        ? createActor(machine, { input })
        : createActor(machine, { snapshot: from as Snapshot<unknown> } as never as { input: never });
    const live: LiveRun = { actor, record, chain: Promise.resolve(), seq: record.last_seq ?? 0, pending: [], queued: false, span };
    if (record.snapshot === undefined) {
      // Set before the actor starts: its entry actions start the first attempts, which wait for the claim.
      live.claim = new Promise<boolean>((resolve, reject) => {
        live.claiming = { resolve, reject };
      });
      live.claim.then(
        () => (live.claim = undefined),
        () => undefined,
      );
    }
    ctx.state.runs.set(record.run_id, live);
    actor.on('*', (e) => logEvent(live, e as WorkflowEmitted));
    actor.subscribe(
      () => persist(ctx, live),
      (err: unknown) => ctx.system.warn(`workflow run failed: ${scrubbedMessage(err)}`),
    );
    // A run started from the reused first state: what its initial transition emitted, as that transition would have.
    if (first !== undefined) for (const ev of first.emitted) logEvent(live, ev);
    actor.start();
    // A restored run: the step attempts its snapshot shows running start again (joined through the journal). A run
    // started from the reused first state: its first attempts start, as its initial transition's entry actions would.
    if (record.snapshot !== undefined) resumeWorkflow(actor);
    else first?.start(actor);
    persist(ctx, live);
    return live;
  };

  const restoreActive = async (ctx: ActorContext<WorkflowState>) => {
    const tenant = ctx.self.tenant;
    for (const id of await ctx.state.journal.activeRuns(tenant, def.name)) {
      const r = await ctx.state.journal.getRun(tenant, id);
      if (ctx.state.runs.has(id)) continue;
      // A marker left by a crash between two writes (journal.ts, putRun): a run that never got its record, or had ended.
      if (r === undefined || !ACTIVE.has(r.status)) await ctx.state.journal.dropMarker(tenant, def.name, id);
      else launch(ctx, { ...r, epoch: ctx.epoch });
    }
  };

  /** Starts run `runId` (or answers the one that exists): its input checked first, so a refused input starts nothing. */
  const startRun = async (ctx: ActorContext<WorkflowState>, a: RunStart) => {
    const tenant = ctx.self.tenant;
    const existing = await ctx.state.journal.getRun(tenant, a.runId);
    if (existing !== undefined) {
      // Not ended and not driven here (its active marker was lost): asked for again, it goes on.
      if (ACTIVE.has(existing.status) && !ctx.state.runs.has(a.runId)) launch(ctx, { ...existing, epoch: ctx.epoch });
      return { run_id: a.runId, thread_id: existing.thread_id, status: existing.status };
    }
    const input = a.input();
    checkInput(def, input);
    const at = now(ctx);
    const record: WorkflowRunRecord = {
      run_id: a.runId,
      thread_id: a.threadId ?? randomUUID(),
      workflow: def.name,
      status: 'running',
      created_at: at,
      updated_at: at,
      input,
      metadata: { ...a.metadata, tenant },
      snapshot: undefined,
      epoch: ctx.epoch,
      traceparent: a.traceparent, // not stored when undefined
    };
    // One write claims the run and records its started machine (its first attempts wait for it: ADR 0041).
    if (!(await launch(ctx, record).claim)) throw new ConflictError(`workflow run ${a.runId} is driven elsewhere`);
    return { run_id: a.runId, thread_id: record.thread_id, status: 'running' };
  };

  const liveRun = async (ctx: ActorContext<WorkflowState>, runId: string) => {
    await ctx.state.restored;
    const live = ctx.state.runs.get(runId);
    if (live === undefined) throw new ValidationError(`workflow run ${runId} is not running here`);
    return live;
  };

  return {
    init(ctx) {
      const state: WorkflowState = {
        runs: new Map(),
        executors: new Map(),
        journal: new WorkflowJournal(ctx.system.storage),
        agentRuns: runReads(ctx.system.storage),
        restored: Promise.resolve(),
        stopped: false,
        resolve: (address) => o.resolve(address, ctx.self.tenant),
        leaving: () => ctx.state.stopped,
      };
      ctx.state = state;
      state.restored = restoreActive(ctx);
      state.restored.catch((e: unknown) => ctx.system.warn(`workflow ${def.name}: cannot restore runs: ${scrubbedMessage(e)}`));
      // The schedule and topic triggers that name this tenant (trigger-run.ts).
      const driver = startTriggers(def, ctx, (a) => startRun(ctx, a));
      if (driver !== undefined) state.schedule = driver;
      return state;
    },
    stop(ctx) {
      ctx.state.stopped = true;
      ctx.state.schedule?.stop();
      for (const live of ctx.state.runs.values()) {
        live.actor.stop();
        live.span.set({ 'troupe.run.status': 'left' }); // the next activation's span continues the run
        live.span.end();
      }
      ctx.state.runs.clear();
      ctx.state.executors.clear();
    },
    schemas: {
      [RUN_CREATE]: runCreateSchema,
      [RUN_RESUME]: runResumeSchema,
      [RUN_CANCEL]: runCancelSchema,
      [WORKFLOW_STATE]: z.object({ run_id: z.string().min(1).max(128) }),
      [WORKFLOW_TICK]: z.unknown(),
      [TOPIC_MESSAGE]: z.unknown(),
    },
    async receive(msg, ctx) {
      const tenant = ctx.self.tenant;
      switch (msg.type) {
        case RUN_CREATE: {
          // Checked against `runCreateSchema` by the mailbox before it got here (the schemas above): not parsed again.
          // (Parsing drops unknown keys and checks; none of the fields read here differs between the two.)
          const p = msg.payload as RunCreate;
          await ctx.state.restored;
          const text = p.input.messages.at(-1)?.content ?? '';
          const config = p.config as { input?: unknown } | undefined;
          return startRun(ctx, {
            runId: p.run_id ?? randomUUID(),
            threadId: p.thread_id,
            input: () => (config?.input !== undefined ? config.input : inputFromText(def, text)),
            metadata: p.metadata ?? {},
            traceparent: msg.traceparent,
          });
        }
        case WORKFLOW_TICK:
          await ctx.state.restored;
          await ctx.state.schedule?.tick();
          return undefined;
        case TOPIC_MESSAGE:
          await ctx.state.restored;
          return topicMessage(def, msg, ctx, (a) => startRun(ctx, a));
        case RUN_RESUME: {
          const p = runResumeSchema.parse(msg.payload);
          const live = await liveRun(ctx, p.run_id);
          const step = Object.entries(live.actor.getSnapshot().context.steps).find(([, s]) => s.status === 'waiting')?.[0];
          if (step === undefined) throw new ValidationError(`workflow run ${p.run_id} is not waiting for an answer`);
          const r = p.resume;
          const answer: HumanAnswer =
            r.approve === false
              ? { type: 'answer', step, decision: 'reject' }
              : 'arguments' in r
                ? { type: 'answer', step, decision: 'edit', value: r.arguments }
                : { type: 'answer', step, decision: 'approve' };
          live.actor.send(answer);
          return { run_id: p.run_id, status: 'running' };
        }
        case RUN_CANCEL: {
          const p = runCancelSchema.parse(msg.payload);
          const live = await liveRun(ctx, p.run_id);
          live.actor.send({ type: 'cancel', reason: `run ${p.run_id} cancelled` });
          await live.chain;
          return { run_id: p.run_id, status: 'cancelled' };
        }
        case WORKFLOW_STATE: {
          const { run_id } = z.object({ run_id: z.string() }).parse(msg.payload);
          await ctx.state.restored;
          const live = ctx.state.runs.get(run_id);
          if (live !== undefined) await live.chain;
          const r = await ctx.state.journal.getRun(tenant, run_id);
          if (r === undefined) throw new ValidationError(`workflow run ${run_id} not found`);
          const ctxOf = (r.snapshot as { context?: WorkflowContext } | undefined)?.context;
          return { ...r, snapshot: undefined, steps: ctxOf?.steps ?? {} };
        }
        default:
          return undefined;
      }
    },
  };
}
