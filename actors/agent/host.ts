/**
 * What an agent actor gives each of its runs (the {@link RunHost}): events written to the run's
 * log and then published, checkpoints, tool calls, delegation, handoff and interrupts. Every
 * write of one run goes through one chain, so the log, the checkpoints and the published
 * events keep the order the run made them in.
 */
import {
  ActorStoppedError,
  HandlerError,
  RUN_CONTINUE,
  RUN_CREATE,
  TERMINAL_RUN_STATUSES,
  backoffDelay,
  idempotencyKey,
  runTopic,
  type RunEvent,
  type RunEventKind,
  type RunOutputs,
  type RunStatus,
  type ThreadWriteReply,
} from '../../protocols/index.js';
import { BlobStore, METER, type ActorRef, type ActorSystem } from '../../runtime/index.js';
import type { ChatMessage, ToolSpec, Usage } from '../llm/types.js';
import { cancelTopic } from '../tool/runner.js';
import { TOOL_CALL, TOOL_DESCRIBE, type ToolCallResult } from '../tool/types.js';
import type { AgentDefinition } from './definition.js';
import type { ResumeValue, RunHost, RunState } from './run.js';
import { askHandled, chainWrite, endedAt } from './run-contract.js';
import {
  isRunTakenOver,
  runTakenOver,
  type HandingCheckpoint,
  type RunCheckpoint,
  type RunFence,
  type RunRecord,
  type RunStore,
} from './store.js';
import type { ThreadOwners } from './threads.js';
import { UsageStore } from './usage.js';
import { waitForRun } from './wait.js';

/**
 * Resolves once the microtasks queued before it have run: Node runs a `nextTick` callback queued from a microtask
 * after the microtask queue is empty, without a turn of the event loop.
 */
function burstEnd(): Promise<void> {
  return new Promise((resolve) => process.nextTick(resolve));
}

/** How agent `def`'s runs find the actors they call in `tenant` (the catalog's ensure, when it gives one). */
export function resolver(def: AgentDefinition, system: ActorSystem, tenant: string): (address: string) => Promise<ActorRef> {
  return (address) => (def.resolve === undefined ? Promise.resolve(system.ref(address, tenant)) : def.resolve(address, tenant));
}

/** Pauses between asks of a handoff's receiver that did not answer (ms). */
const HAND_ON = { initialMs: 250, maxMs: 5_000, jitter: 0.2 } as const;
/** Asks of a handoff's receiver before the run is left to a restore of its sender. */
const HAND_ON_TRIES = 8;

/**
 * Asks `agent/<cp.handed_to>` to continue the run `cp` hands it (`seq`: the last event logged): resolves true once the
 * receiver answers, which it does after it claimed the run and marked it active (or found it claimed or ended
 * already: the continue is idempotent). Asked again on any failure, up to {@link HAND_ON_TRIES} times; false then, or
 * once `stopped` (the sender's activation stopping: the run is left to its next restore).
 */
export async function handOn(
  system: ActorSystem,
  target: (address: string) => Promise<ActorRef>,
  tenant: string,
  cp: HandingCheckpoint,
  seq: number,
  trace: string | undefined,
  stopped: () => boolean,
): Promise<boolean> {
  const payload = {
    run_id: cp.run_id,
    thread_id: cp.thread_id,
    messages: cp.messages,
    seq,
    depth: cp.depth,
    usage: cp.usage,
    ...(cp.formats === undefined ? {} : { formats: cp.formats }),
  };
  for (let attempt = 1; ; attempt++) {
    try {
      const ref = await target(`agent/${cp.handed_to ?? ''}`);
      await ref.ask(RUN_CONTINUE, payload, { timeoutMs: 10_000, ...(trace === undefined ? {} : { traceparent: trace }) });
      return true;
    } catch (e) {
      system.warn(`run ${cp.run_id}: agent ${cp.handed_to ?? ''} did not take the handoff (attempt ${attempt}): ${(e as Error).message}`);
      if (attempt >= HAND_ON_TRIES || stopped()) return false;
      await new Promise((r) => setTimeout(r, backoffDelay(attempt, HAND_ON)));
    }
  }
}

/** Per-agent things shared by its runs. */
export interface RunServices {
  readonly def: AgentDefinition;
  /** Tool specs already described by their actors. */
  readonly specs: Map<string, ToolSpec>;
}

/** A run this agent is driving now. */
export interface LiveRun {
  readonly runId: string;
  readonly threadId: string;
  seq: number;
  chain: Promise<void>;
  readonly abort: AbortController;
  /** Set while the run waits for a human: takes the answer, resolves once it is recorded (rejects if it was not). */
  resume: ((v: ResumeValue) => Promise<void>) | undefined;
  /**
   * An answer that came before the restored run reached its interrupt again; `recorded` is told how its recording went
   * (the answer is acknowledged only then).
   */
  early: { readonly value: ResumeValue; readonly recorded: (done: Promise<void>) => void } | undefined;
  /**
   * Answers to interrupts of the current step, by id: each is in the checkpoint before it is acknowledged, so a run
   * restored before it got past the interrupt takes the answer rather than waiting for one that was already given.
   */
  answers: Record<string, ResumeValue>;
  /** The call whose interrupt was announced before a restart (not announced again). */
  awaiting: string | undefined;
  /** The actor is stopping: the run is left to its checkpoint, not ended. */
  stopping: boolean;
  /** The activation driving it; every write of the run is fenced by it. */
  readonly fence: RunFence;
  /** A write was refused: a newer activation drives the run now, this one leaves it alone. */
  takenOver: boolean;
  readonly record: RunRecord;
  readonly depth: number;
  readonly resumes: number;
  /** The traceparent the run was started or handed under (kept in its checkpoints). */
  traceparent?: string;
}

/** A run this activation (`fence`) drives from `seq`, not yet waiting for anything. */
export function newLiveRun(
  record: RunRecord,
  fence: RunFence,
  seq: number,
  depth: number,
  resumes: number,
  awaiting?: string,
  answers: Readonly<Record<string, ResumeValue>> = {},
): LiveRun {
  return {
    runId: record.run_id,
    threadId: record.thread_id,
    seq,
    chain: Promise.resolve(),
    abort: new AbortController(),
    resume: undefined,
    early: undefined,
    answers: { ...answers },
    awaiting,
    stopping: false,
    fence,
    takenOver: false,
    record,
    depth,
    resumes,
  };
}

/** A run host that can also record the run's end. */
export interface AgentHost extends RunHost {
  finish(
    status: RunStatus,
    messages: readonly ChatMessage[],
    usage: Usage,
    extra: { output?: string; outputs?: RunOutputs; error?: string; code?: string },
  ): Promise<void>;
}

/** Builds the host of one live run. */
export function makeHost(
  svc: RunServices,
  system: ActorSystem,
  tenant: string,
  writers: { readonly store: RunStore; readonly threads: ThreadOwners },
  live: LiveRun,
): AgentHost {
  const { def } = svc;
  const { store, threads } = writers;
  const { runId, threadId } = live;
  const timeoutMs = def.toolTimeoutMs ?? 30_000;
  const info = { tenant, runId, threadId, agent: def.name, metadata: live.record.metadata };
  const guard = def.hooks?.guard?.(info);
  const target = resolver(def, system, tenant);

  /** The run's checkpoint of `state`, copied now: the run goes on changing its state while the write waits its turn. */
  const checkpointOf = (state: RunState): { -readonly [K in keyof HandingCheckpoint]: HandingCheckpoint[K] } => {
    const cp: { -readonly [K in keyof HandingCheckpoint]: HandingCheckpoint[K] } = {
      run_id: runId,
      thread_id: threadId,
      agent: def.name,
      depth: live.depth,
      messages: [...state.messages],
      turns: state.turns,
      usage: state.usage,
      resumes: live.resumes,
    };
    // Set one by one (no object spread per optional field), in the order the checkpoint always had.
    if (live.traceparent !== undefined) cp.traceparent = live.traceparent;
    if (state.pending !== undefined) cp.pending = { ...state.pending, results: { ...state.pending.results } };
    if (state.review !== undefined) cp.review = state.review;
    if (state.system !== undefined) cp.system = state.system;
    if (state.params !== undefined) cp.params = state.params;
    return cp;
  };

  /**
   * A write the thread's owner refused: the thread was deleted (expected after a cancel), another run holds it, or a
   * newer activation drives this run (then this one stops driving it, as when any other write of it is refused).
   */
  const threadWrite = (reply: ThreadWriteReply): void => {
    if (!reply.applied && reply.reason === 'held') system.warn(`run ${runId}: thread ${threadId} is held by another run; write dropped`);
    if (!reply.applied && reply.reason === 'taken_over') throw runTakenOver(runId, live.fence);
  };

  /** Tool calls this host made for the run (billing's per-tool-call price, gateway/billing). */
  let toolCalls = 0;
  /** The run's tokens in the tenant's usage (by day, agent and model); a failure is reported, never the run's end lost. */
  const recordUsage = async (usage: Usage): Promise<void> => {
    const row = {
      agent: def.name,
      model: def.model,
      input_tokens: usage.promptTokens,
      output_tokens: usage.completionTokens,
      tool_calls: toolCalls,
    };
    await new UsageStore(system.storage)
      .record(tenant, runId, system.clock.now(), row)
      .catch((e: unknown) => system.warn(`run ${runId}: usage not recorded: ${(e as Error).message}`));
  };

  let batch: RunEvent[] | undefined;
  const failed = (e: unknown): void => system.warn(`run ${runId}: ${(e as Error).message}`);
  /**
   * Queues a write behind every earlier one of this run; a failure is reported, and the chain goes on. Once a write is
   * refused by the run's fence (a newer activation drives it), nothing more is written or published.
   */
  const write = (f: () => Promise<unknown>): Promise<void> => {
    batch = undefined; // events emitted after this write go after it
    return chainWrite(system, live, f, failed);
  };
  const { fence } = live;

  // Events made in one burst (a provider's tokens arriving together) are logged in one write and
  // then published in order: whoever sees an event can read it, and all before it, back.
  const topic = runTopic(runId);
  const publishing = { tenant };
  /** Publishes logged events in order (one, the most common burst, with no loop of awaits). */
  const publishEach = async (wire: readonly RunEvent[]): Promise<void> => {
    for (const e of wire) await system.publish(topic, e, publishing);
  };
  const publish = (wire: readonly RunEvent[]): Promise<void> =>
    wire.length === 1 ? system.publish(topic, wire[0], publishing) : publishEach(wire);
  const emit = (kind: RunEventKind, data: unknown): number => {
    const event: RunEvent = {
      run_id: runId,
      thread_id: threadId,
      seq: ++live.seq,
      event: kind,
      agent: def.name,
      data,
      at: system.clock.now(),
    };
    // The node on every event but tokens (a run's tokens are many, and the event before them names the node).
    if (kind !== 'token') event.node = system.node;
    if (batch !== undefined) {
      batch.push(event);
      return event.seq;
    }
    const events = [event];
    const append = (): Promise<void> => {
      if (batch === events) batch = undefined;
      // Published as logged: an event too big for one stored value goes out as a stub readers resolve.
      return store.appendEventsThen(tenant, events, fence, publish);
    };
    // Its place in the chain is taken now. A token's write, once there, waits for the microtasks queued meanwhile to
    // run, so the tokens a provider streams in one burst (and the reply they end in) join it; other events go at once.
    void write(kind === 'token' ? () => burstEnd().then(append) : append);
    batch = events;
    return event.seq;
  };

  const setStatus = (
    status: RunStatus,
    thread: 'busy' | 'interrupted',
    interrupts: { id: string; run_id: string; value: unknown }[] = [],
  ): void => {
    live.record.status = status;
    void write(async () => {
      await store.putRun(tenant, live.record, false, fence);
      threadWrite(await threads.status(tenant, { thread_id: threadId, run_id: runId, status: thread, interrupts, driver: fence }));
    });
  };

  /** The checkpoint this host wrote last (what an answer is recorded beside). */
  let lastCheckpoint: RunCheckpoint | undefined;
  /** Writes the run's checkpoint again with the answers given so far; rejects when the write was refused or failed. */
  const recordAnswers = (): Promise<void> =>
    write(async () => {
      const cp = lastCheckpoint ?? (await store.getCheckpoint(tenant, runId));
      if (cp !== undefined) await store.saveCheckpoint(tenant, (lastCheckpoint = { ...cp, answers: { ...live.answers } }), false, fence);
    });

  return {
    emit,
    now: () => system.clock.now(),
    putBlob: (bytes, mime) => new BlobStore(system.storage).put(tenant, bytes, mime),
    ...(guard === undefined ? {} : { guard }),
    checkpoint(state: RunState, stepEnd: boolean) {
      const cp = checkpointOf(state);
      const messages = cp.messages;
      // A step's end leaves its interrupts behind (call ids repeat across steps); until then their answers stay recorded.
      if (stepEnd) live.answers = {};
      else if (Object.keys(live.answers).length > 0) cp.answers = { ...live.answers };
      lastCheckpoint = cp;
      return write(async () => {
        await store.saveCheckpoint(tenant, cp, false, fence);
        if (stepEnd)
          threadWrite(await threads.checkpoint(tenant, { thread_id: threadId, run_id: runId, messages, status: 'busy', driver: fence }));
      });
    },
    async callTool(name, args, callId, trace) {
      toolCalls++;
      // The tool sees a call id unique in the mesh; cancelling the run cancels the call where it runs. The
      // idempotency key is the same for this call after a resume, so a tool idempotent by key runs it once.
      const id = `${runId}:${callId}`;
      const key = idempotencyKey(runId, callId);
      const cancel = (): void => void system.publish(cancelTopic(id), {}, { tenant }).catch(() => undefined);
      live.abort.signal.addEventListener('abort', cancel, { once: true });
      let outcome = 'error';
      try {
        // A tool whose node stops before the call is handled is asked again where it is activated next (it never ran).
        const result = await askHandled(
          () => target(`tool/${name}`),
          (ref) =>
            ref.ask<ToolCallResult>(
              TOOL_CALL,
              { name, arguments: args, runId, callId: id, idempotencyKey: key },
              { timeoutMs, ...(trace === undefined ? {} : { traceparent: trace }) },
            ),
        );
        if (result.isError !== true) outcome = 'ok';
        return result;
      } finally {
        system.meter.inc(METER.toolCalls, { tool: name, outcome });
        live.abort.signal.removeEventListener('abort', cancel);
      }
    },
    async streamed() {
      // Only a restored run can have streamed before this host drove it.
      if (live.resumes === 0) return undefined;
      let seen: { text: string; fromSeq: number } | undefined;
      for (const e of await store.events(tenant, runId)) {
        if (e.event === 'token') {
          seen ??= { text: '', fromSeq: e.seq };
          seen.text += String((e.data as { text?: unknown } | undefined)?.text ?? '');
        } else if (e.event !== 'status') seen = undefined; // a step (or a rewind) ends the partial reply
      }
      return seen;
    },
    async toolSpecs(names) {
      const out: ToolSpec[] = [];
      for (const name of names) {
        let spec = svc.specs.get(name);
        if (spec === undefined) {
          spec = await target(`tool/${name}`)
            .then((ref) => ref.ask<ToolSpec>(TOOL_DESCRIBE, {}, { timeoutMs }))
            .catch(() => undefined);
          if (spec === undefined) continue; // not reachable now: the model is not offered it
          svc.specs.set(name, spec);
        }
        out.push(spec);
      }
      return out;
    },
    async delegate(agent, question, depth, childId, trace) {
      // The child's id is derived from the call, so a run resumed after a restart joins the
      // child it started before instead of asking again.
      const stop = new AbortController();
      const done = waitForRun(system, childId, tenant, timeoutMs, undefined, AbortSignal.any([stop.signal, live.abort.signal]), store);
      done.catch(() => undefined);
      try {
        const existing = await store.getRun(tenant, childId);
        const outcome = existing !== undefined && TERMINAL_RUN_STATUSES.has(existing.status) ? existing : undefined;
        // A new run inside the mesh is held to the tenant's budget, as the gateway holds the runs it starts.
        if (existing === undefined) await def.admit?.(tenant);
        if (existing === undefined)
          await (
            await target(`agent/${agent}`)
          ).tell(
            RUN_CREATE,
            { run_id: childId, input: { messages: [{ role: 'user', content: question }] }, config: { depth } },
            // The child run's span continues this call's trace, wherever the agent lives.
            trace === undefined ? undefined : { traceparent: trace },
          );
        const end = outcome ?? (await done);
        if (end.status !== 'success') throw new HandlerError(`agent ${agent} ${end.status}: ${end.error ?? 'no answer'}`);
        return end.output ?? '';
      } finally {
        stop.abort();
      }
    },
    async publish(topic, content, depth, trace) {
      await system.publish(
        topic,
        { from: `agent/${def.name}`, content, depth, run_id: runId },
        { tenant, ...(trace === undefined ? {} : { traceparent: trace }) },
      );
    },
    async handoff(agent, state, trace) {
      await live.chain;
      if (live.takenOver) throw new ActorStoppedError(`run ${runId} was taken over by a newer activation`);
      // Where the run is handed, and to whom, written first (fenced): this agent keeps the run's active marker until the
      // receiver has claimed it (ADR 0054), and a restore of this agent that finds `handed_to` hands the run on again.
      // A handoff is decided before a step's calls are laid out and after any review was answered: no pending calls or review.
      const cp = checkpointOf(state);
      if (state.formats !== undefined) cp.formats = state.formats;
      cp.handed_to = agent;
      await write(() => store.saveCheckpoint(tenant, cp, false, fence));
      if (live.takenOver) throw new ActorStoppedError(`run ${runId} was taken over by a newer activation`);
      lastCheckpoint = cp;
      if (!(await handOn(system, target, tenant, cp, live.seq, trace, () => live.abort.signal.aborted))) {
        live.stopping = true; // left to the next restore of this agent, which hands it on again
        throw new ActorStoppedError(`run ${runId}: agent ${agent} did not take it over; left to a restore`);
      }
    },
    waitForResume(callId, interrupt) {
      const given = live.answers[callId];
      if (live.awaiting === callId)
        live.awaiting = undefined; // announced before the restart
      else if (given === undefined) {
        emit('interrupt', interrupt);
        emit('status', { status: 'interrupted', interrupt });
        setStatus('interrupted', 'interrupted', [{ id: callId, run_id: runId, value: interrupt }]);
      }
      const going = (): void => {
        setStatus('running', 'busy');
        emit('status', { status: 'running' });
      };
      // Answered (and recorded) before a restart: the run goes on with that answer.
      if (given !== undefined) {
        if (live.record.status !== 'running') going();
        return Promise.resolve(given);
      }
      return new Promise<ResumeValue>((resolve) => {
        // The answer is acknowledged once it is in the checkpoint: an activation lost after the reply (its lease not
        // renewed in time under load) left the run waiting again for an answer its caller would never send again.
        const answer = (v: ResumeValue): Promise<void> => {
          live.resume = undefined;
          live.answers[callId] = v;
          return recordAnswers().then(
            () => {
              going();
              resolve(v);
            },
            (e: unknown) => {
              // Not recorded: still waiting here (unless this activation stopped driving the run), for the caller to ask again.
              delete live.answers[callId];
              if (!live.stopping) live.resume = answer;
              throw e;
            },
          );
        };
        const early = live.early;
        live.early = undefined;
        if (early !== undefined) early.recorded(answer(early.value));
        else live.resume = answer;
      });
    },
    ...(def.hooks?.route === undefined
      ? {}
      : { route: async (messages: readonly ChatMessage[]) => await def.hooks?.route?.(messages, info) }),
    ...(def.hooks?.beforeModel === undefined
      ? {}
      : {
          beforeModel: async (messages: readonly ChatMessage[]) =>
            def.hooks?.beforeModel === undefined ? messages : await def.hooks.beforeModel(messages, info),
        }),
    async finish(status, messages, usage, extra) {
      const cost =
        ((def.prices?.promptPer1k ?? 0) * usage.promptTokens + (def.prices?.completionPer1k ?? 0) * usage.completionTokens) / 1000;
      const u = { prompt_tokens: usage.promptTokens, completion_tokens: usage.completionTokens, cost };
      const r = live.record;
      Object.assign(
        r,
        { status, usage: u, last_seq: live.seq + 1 },
        extra.output === undefined ? {} : { output: extra.output },
        extra.outputs === undefined ? {} : { outputs: extra.outputs },
        extra.error === undefined ? {} : { error: extra.error },
      );
      const last: RunEvent = {
        run_id: runId,
        thread_id: threadId,
        seq: ++live.seq,
        event: 'status',
        agent: def.name,
        // When it ended: its finish marker is keyed by this time, so a restore that records a logged end writes the
        // same marker, not a second one (behavior.ts, markEnded).
        at: system.clock.now(),
        data: {
          status,
          output: extra.output,
          error: extra.error,
          usage: u,
          ...(extra.outputs === undefined ? {} : { outputs: extra.outputs }),
          ...(extra.code === undefined ? {} : { code: extra.code }),
        },
      };
      // Logged, then the record made final, then published: whoever reads a final record finds
      // the last event in the log, and whoever sees the last event reads a final record.
      await write(async () => {
        const [wire] = await store.appendEvents(tenant, [last], fence);
        await store.putRun(tenant, r, false, fence);
        await recordUsage(usage);
        // The thread's checkpoint and the run's bookkeeping failing (a conversation too big to
        // store) must not keep the last event from its readers: it is reported, and published.
        try {
          const end = status === 'success' || status === 'cancelled' ? 'idle' : 'error';
          const threadEnd = { thread_id: threadId, run_id: runId, messages: [...messages], status: end, driver: fence } as const;
          threadWrite(await threads.checkpoint(tenant, threadEnd));
          await store.release(tenant, def.name, runId);
          if (def.retainRunsMs !== undefined) await store.markFinished(tenant, def.name, runId, endedAt(last, r));
        } catch (e) {
          if (isRunTakenOver(e)) throw e; // a newer activation drives the run: nothing more of this one goes out
          system.warn(`run ${runId}: ${(e as Error).message}`);
        }
        system.meter.inc(METER.runsFinished, { status });
        const took = Date.parse(r.updated_at) - Date.parse(r.created_at);
        system.log.info(
          {
            event: 'run.end',
            run_id: runId,
            thread_id: threadId,
            agent: def.name,
            tenant,
            status,
            duration_ms: Number.isFinite(took) ? took : undefined,
            usage: u,
            ...(extra.error === undefined ? {} : { error: extra.error }),
          },
          `run ${runId} of ${def.name} ended ${status}`,
        );
        await system.publish(topic, wire ?? last, publishing);
      });
      await live.chain;
    },
  };
}
