/**
 * The agent actor (`agent/<name>`): turns `acp.run.create` into a run whose events go out on
 * topic `run.<run_id>` with a gap-free `seq`, answers interrupts (`acp.run.resume`) and
 * cancellations, and continues runs handed off to it (`acp.run.continue`). Runs proceed
 * outside the handler, so the actor keeps answering while they wait on models, tools, other
 * agents or humans. Everything a run is persists in the {@link RunStore} — its event log
 * (written before each event is published), its record, a resume checkpoint after every step
 * and the thread's history — so when the actor starts again (after a crash, a restart of the
 * process, or on another node) it picks up every run it held where the checkpoint says.
 */
import { randomUUID } from 'node:crypto';
import { z } from 'zod';
import {
  ActorStoppedError,
  backoffDelay,
  CancelledError,
  eachLimited,
  DeadlineExceededError,
  isTroupeError,
  scrubbedMessage,
  RUN_CANCEL,
  RUN_CONTINUE,
  RUN_CREATE,
  RUN_RESUME,
  TOPIC_MESSAGE,
  ValidationError,
  agentMessageSchema,
  runCancelSchema,
  runContinueSchema,
  runCreateSchema,
  runResumeSchema,
  runOptionsFrom,
  type ModelParams,
  type RenderedPrompt,
  type RunCreate,
  type RunEvent,
  type RunOptions,
} from '../../protocols/index.js';
import { scopedProvider } from '../llm/cache/index.js';
import { baseProviderName, meteredProvider } from '../llm/metered.js';
import {
  BlobStore,
  METER,
  replyLater,
  startSpan,
  tracingEnabled,
  type ActorContext,
  type Behavior,
  type DeferredReply,
  type TimerHandle,
} from '../../runtime/index.js';
import { withBlobSource } from '../llm/media.js';
import { tracedProvider } from '../llm/traced.js';
import type { ChatMessage } from '../llm/types.js';
import type { AgentDefinition } from './definition.js';
import { handOn, makeHost, newLiveRun, resolver, type AgentHost, type LiveRun, type RunServices } from './host.js';
import { AgentRun, type ResumeValue, type RunState } from './run.js';
import { abandonRun, graceLeft, recordLoggedEnd } from './recovery.js';
import { RunStore, isRunTakenOver, runTakenOver, type RunFence, type RunRecord } from './store.js';
import { ThreadOwners, type FirstCheckpoint } from './threads.js';
import { reconcilePending } from './reconcile.js';
import { Admission, DEFAULT_CREATE_CONCURRENCY } from './admission.js';
import { admitRun, endedAt, leaveRuns, newRunRecord, TERMINAL_RUN_STATUSES as TERMINAL, type RunCreated } from './run-contract.js';

/** Runs of one activation restored at once. */
const RESTORE_CONCURRENCY = 8;
/** Pause before a failed restore is tried again. */
const RESTORE_RETRY = { initialMs: 250, maxMs: 5_000, jitter: 0.2 } as const;
/** When a create whose claim's answer did not come back looks for the run it may have made (ms after the failure). */
const CLAIM_LOOKS_MS = [2_000, 10_000, 30_000, 90_000] as const;
/** What driving and restoring a run use of the activation's context. */
type RunContext = Pick<ActorContext<AgentState>, 'system' | 'self' | 'epoch'>;

/** An agent actor's private state: the runs it is driving now (everything else is in the store). */
export interface AgentState {
  readonly runs: Map<string, LiveRun>;
  readonly store: RunStore;
  /** Where thread writes go: each thread's owner (ADR 0018). */
  readonly threads: ThreadOwners;
  /** The creates under way, admitted side by side (ADR 0042). */
  readonly admission: Admission;
  /** Next deletion of finished runs past their retention. */
  pruneTimer?: TimerHandle;
  /**
   * The restore of the runs this agent held when it last stopped, under way beside new work (see init): messages about
   * one run (resume, cancel, continue) wait for it; new runs do not.
   */
  restored?: Promise<void>;
  /** That restore has finished (or given up): until then the agent may not passivate. */
  restoreDone?: boolean;
  /** A prune ran in this activation: with retention set, an agent sleeps only after one (or it would never prune). */
  pruned?: boolean;
  /** The activation stopped: a restore under way drives no more runs. */
  stopped?: boolean;
  /** Runs looked for after a claim whose answer did not come back ({@link CLAIM_LOOKS_MS}). */
  looking?: number;
  /** Runs found with a checkpoint and no record, looked at again once (see restoreOnce). */
  orphanLooked?: Set<string>;
  /** Runs found without a checkpoint, waiting out the grace their create has (recovery.ts claimGrace) before they are ended. */
  graceWaits?: Set<string>;
  /** Runs being restored now (by the activation's restore, or by a create that found one in flight): one restore each. */
  restoring?: Map<string, Promise<void>>;
}

/** True once the activation holding `st` stopped (read through a call: it changes while a restore awaits). */
function isStopped(st: AgentState): boolean {
  return st.stopped === true;
}

/**
 * Hands `value` to a restored run that has not reached its interrupt again: resolves once the run took it and recorded
 * it; rejects when the run stops being driven here first (the caller asks again, of the next activation).
 */
function answerEarly(live: LiveRun, value: ResumeValue): Promise<void> {
  return new Promise<void>((resolve, reject) => {
    const earlier = live.early; // answered again before the first was taken: both hear how the last went
    live.early = {
      value,
      recorded: (done) => {
        earlier?.recorded(done);
        done.then(resolve, reject);
      },
    };
    const signal = live.abort.signal;
    if (signal.aborted) reject(signal.reason);
    else signal.addEventListener('abort', () => reject(signal.reason), { once: true });
  });
}

/** Message an agent sends itself to delete finished runs past `retainRunsMs`; answers `{removed}`. */
export const AGENT_PRUNE = 'agent.prune';

/** The run options of a request's `config`; a bad value is a bad_request naming the field. */
function parseRunOptions(config: Readonly<Record<string, unknown>> | undefined): RunOptions {
  try {
    return runOptionsFrom(config);
  } catch (e) {
    if (!(e instanceof z.ZodError)) throw e;
    const issue = e.issues[0];
    throw new ValidationError(`config.${issue?.path.join('.') ?? ''}: ${issue?.message ?? 'invalid'}`);
  }
}

/** Makes the behavior of an agent actor. */
export function agentBehavior(def: AgentDefinition): Behavior<AgentState> {
  const services: RunServices = { def, specs: new Map() };

  /** The run's system prompt, when the agent renders one (templates, personas; actors/prompt). */
  const renderSystem = async (
    tenant: string,
    metadata: Readonly<Record<string, unknown>>,
    options: RunOptions,
    now: number,
    runId?: string,
  ): Promise<{ text: string; prompt?: RenderedPrompt } | undefined> =>
    def.systemPrompt === undefined
      ? undefined
      : def.systemPrompt({ tenant, metadata, options, now, ...(runId === undefined ? {} : { runId }) });

  /**
   * An audio output format needs the node's text-to-speech: none configured, or its engine missing, refuses the run
   * (bad_request `audio_unavailable`, naming the field) before anything starts.
   */
  const audioAvailable = async (): Promise<void> => {
    const problem =
      def.speech === undefined ? 'no text-to-speech engine is configured on this node (media.speech.tts)' : await def.speech.check();
    if (problem !== undefined)
      throw new ValidationError(`config.output_format: audio_unavailable: ${problem}`, { details: { reason: 'audio_unavailable' } });
  };

  /** The run's model parameters: the agent's, with the request's over them (undefined: nothing set anywhere). */
  const runParams = (options: RunOptions): ModelParams | undefined => {
    const merged: Record<string, unknown> = { ...(def.temperature === undefined ? {} : { temperature: def.temperature }), ...def.params };
    for (const [k, v] of Object.entries(options))
      if (!['persona', 'prompt', 'variables', 'output_format'].includes(k) && v !== undefined) merged[k] = v;
    return Object.keys(merged).length === 0 ? undefined : (merged as ModelParams);
  };

  /** Drives a run from `state` until it ends, is handed off, or the actor stops. */
  const drive = (
    st: AgentState,
    ctx: RunContext,
    record: RunRecord,
    state: RunState,
    depth: number,
    seq: number,
    resumes: number,
    awaiting?: string,
    traceparent?: string,
    answers?: Readonly<Record<string, ResumeValue>>,
  ): AgentHost => {
    const tenant = ctx.self.tenant;
    // The run's `invoke_agent` span: a child of the message that started (or continued) it, on whichever node.
    const span = startSpan(`invoke_agent ${def.name}`, {
      parent: traceparent,
      kind: 'internal',
      attributes: tracingEnabled()
        ? {
            'gen_ai.operation.name': 'invoke_agent',
            'gen_ai.agent.name': def.name,
            'gen_ai.agent.id': ctx.self.address,
            'gen_ai.provider.name': baseProviderName(def.provider.name),
            'gen_ai.request.model': def.model,
            'gen_ai.request.temperature': state.params?.temperature ?? def.temperature,
            'gen_ai.request.max_tokens': state.params?.max_tokens,
            'gen_ai.conversation.id': record.thread_id,
            'troupe.run.id': record.run_id,
            'troupe.run.depth': depth,
            'troupe.run.resumes': resumes,
            'troupe.tenant': tenant,
          }
        : undefined,
    });
    const live = newLiveRun(record, { agent: def.name, epoch: ctx.epoch }, seq, depth, resumes, awaiting, answers);
    if (traceparent !== undefined) live.traceparent = traceparent;
    // The actor stopping leaves the run to its checkpoint (a run waiting for a human would never end here): its span
    // ends now, and the next activation's span continues the trace (`troupe.run.resumes` counts up).
    if (span.recording)
      live.abort.signal.addEventListener(
        'abort',
        () => {
          if (!live.stopping) return;
          span.set({ 'troupe.run.status': 'left' });
          span.end();
        },
        { once: true },
      );
    st.runs.set(record.run_id, live);
    const host = makeHost(services, ctx.system, tenant, st, live);
    const timeout =
      def.runTimeoutMs === undefined
        ? undefined
        : ctx.system.clock.setTimer(def.runTimeoutMs, () => live.abort.abort(new DeadlineExceededError('timeout')));
    // Media parts reach the model through the run's tenant's blobs (ADR 0043); the bytes are read right before the vendor call.
    const blobs = new BlobStore(ctx.system.storage);
    const withBlobs = withBlobSource(def.provider, (ref) => blobs.bytesOf(tenant, ref));
    const metered = meteredProvider(scopedProvider(withBlobs, { tenant, runId: record.run_id, agent: def.name }), ctx.system.meter);
    const provider = span.recording ? tracedProvider(metered, { span, agent: def.name, conversation: record.thread_id }) : metered;
    const run = new AgentRun(def, provider, host, state, depth, live.abort.signal, record.run_id, span, record.thread_id);
    const info = { tenant, runId: record.run_id, threadId: record.thread_id, agent: def.name, metadata: record.metadata };
    /** The run's outcome on its span: its token usage, and an error status unless it succeeded, was handed off or cancelled. */
    const endSpan = (status: string, usage: { promptTokens: number; completionTokens: number }, error: unknown): void => {
      if (!span.recording) return;
      span.set({
        'gen_ai.usage.input_tokens': usage.promptTokens,
        'gen_ai.usage.output_tokens': usage.completionTokens,
        'troupe.run.status': status,
      });
      if (status === 'error' || status === 'timeout')
        span.fail(error ?? status, status === 'timeout' ? 'timeout' : error instanceof Error ? undefined : 'run_error');
    };
    const input =
      state.turns === 0 && state.pending === undefined && def.hooks?.input !== undefined
        ? Promise.resolve(def.hooks.input(state.messages, info))
        : Promise.resolve();
    void input
      .then(() => run.execute())
      .then(async (end) => {
        if (live.stopping) return;
        if (end.status === 'handed_off') {
          await live.chain;
          await st.store.release(tenant, def.name, record.run_id, true);
          return;
        }
        let output = end.output;
        if (end.status === 'success' && output !== undefined && def.hooks?.output !== undefined)
          output = await def.hooks.output(output, info);
        const status = end.status === 'cancelled' && isTroupeError(live.abort.signal.reason, 'deadline_exceeded') ? 'timeout' : end.status;
        endSpan(status, end.usage, end.error);
        await host.finish(status, end.messages, end.usage, {
          output,
          ...(end.outputs === undefined ? {} : { outputs: end.outputs }),
          ...(end.code === undefined ? {} : { code: end.code }),
          error: end.error ?? (status === 'timeout' ? `run exceeded ${def.runTimeoutMs} ms` : undefined),
        });
      })
      .catch(async (e: unknown) => {
        if (live.stopping) return;
        const reason: unknown = live.abort.signal.reason;
        const status = !live.abort.signal.aborted ? 'error' : isTroupeError(reason, 'deadline_exceeded') ? 'timeout' : 'cancelled';
        endSpan(status, state.usage, e);
        await host.finish(status, state.messages, state.usage, { error: scrubbedMessage(e) });
      })
      .catch((e: unknown) => ctx.system.warn(`run ${record.run_id}: could not record its end: ${(e as Error).message}`))
      .finally(() => {
        span.end();
        host.guard?.close();
        if (timeout !== undefined) ctx.system.clock.clearTimer(timeout);
        if (st.runs.get(record.run_id) === live) st.runs.delete(record.run_id);
        if (live.takenOver) void reRestore(st, ctx, live);
      });
    return host;
  };

  /**
   * A run whose write was refused although no newer activation claimed it: an older driver's late event took the seq
   * (store.ts appendEvents). Nobody else drives it, so it is restored again here from what its log holds now.
   */
  const reRestore = async (st: AgentState, ctx: RunContext, live: LiveRun): Promise<void> => {
    const tenant = ctx.self.tenant;
    try {
      if (isStopped(st) || !(await st.store.drives(tenant, live.runId, live.fence))) return;
      ctx.system.warn(`run ${live.runId}: another driver's late event took seq ${live.seq}; restored again from its log`);
      await restoreRun(st, ctx, live.runId);
    } catch (e) {
      ctx.system.warn(`run ${live.runId}: ${(e as Error).message}`);
    }
  };

  /**
   * Writes the finish marker of a run this agent ended whose host stopped between the final record and the marker, so
   * {@link pruneRuns} still finds it: the same key the finish writes (the time of the logged end, `end` when the caller
   * read it already), not a second marker of the one end.
   */
  const markEnded = async (
    store: RunStore,
    tenant: string,
    runId: string,
    record: RunRecord | undefined,
    end?: RunEvent,
  ): Promise<void> => {
    if (def.retainRunsMs === undefined || record === undefined || !TERMINAL.has(record.status) || record.agent !== def.name) return;
    const last = end ?? (await store.events(tenant, runId, Math.max(0, record.last_seq - 1))).findLast((e) => e.event === 'status');
    await store.markFinished(tenant, def.name, runId, endedAt(last, record));
  };

  /**
   * Restores run `runId` again in `ms` (a run found without a checkpoint, left to its create for the grace period),
   * once per run at a time; the agent does not sleep meanwhile (nothing else would wake it for the run).
   */
  const lookAgain = (st: AgentState, ctx: RunContext, runId: string, ms: number): void => {
    const waiting = (st.graceWaits ??= new Set());
    if (waiting.has(runId)) return;
    waiting.add(runId);
    st.looking = (st.looking ?? 0) + 1;
    ctx.system.clock.setTimer(ms, () => {
      waiting.delete(runId);
      st.looking = (st.looking ?? 1) - 1;
      if (!isStopped(st)) void restoreRun(st, ctx, runId).catch((e: unknown) => ctx.system.warn(`run ${runId}: ${(e as Error).message}`));
    });
  };

  /** Restores one run this agent holds (resumes it or ends it with the reason); a run a newer activation claims is left to it. */
  const restoreRun = (st: AgentState, ctx: RunContext, runId: string): Promise<void> => {
    const restoring = (st.restoring ??= new Map());
    let p = restoring.get(runId);
    if (p === undefined) {
      p = restoreOnce(st, ctx, runId).finally(() => restoring.delete(runId));
      restoring.set(runId, p);
    }
    return p;
  };

  const restoreOnce = async (st: AgentState, ctx: RunContext, runId: string): Promise<void> => {
    const tenant = ctx.self.tenant;
    const fence = { agent: def.name, epoch: ctx.epoch };
    // A create of this run under way here (its thread claimed, the run not driven yet) is let finish: it drives the
    // run, or leaves it to be resumed from the checkpoint its claim wrote.
    await st.admission.settled(`run:${runId}`);
    if (isStopped(st) || st.runs.has(runId)) return;
    let unreadable: string | undefined;
    let [cp, record] = await Promise.all([
      st.store.getCheckpoint(tenant, runId).catch((e: unknown) => {
        unreadable = (e as Error).message;
        return undefined;
      }),
      st.store.getRun(tenant, runId),
    ]);
    if (cp === undefined && record !== undefined && !TERMINAL.has(record.status)) {
      // Nothing to resume from (a run's claim writes its first checkpoint, so only an unreadable one, a run from before
      // claims did, or one whose claim is under way on its thread's owner). A missing checkpoint is waited for
      // (claimGrace after the record's last write) before anything is claimed: a create under way elsewhere is not
      // fenced out. Then the run ends with the reason rather than holding its thread for ever — claimed first, and
      // ended from what is read after the claim (recovery.ts abandonRun): an older activation cannot drive it on, nor
      // end it meanwhile unseen; a checkpoint written meanwhile is resumed instead.
      const wait = unreadable === undefined ? graceLeft(record) : 0;
      if (wait > 0) return lookAgain(st, ctx, runId, wait);
      if (!(await st.store.claimRun(tenant, runId, fence))) return;
      const why = unreadable === undefined ? 'its resume checkpoint is missing' : `its resume checkpoint is unreadable (${unreadable})`;
      const reason = `run ${runId} of agent ${def.name} cannot be resumed: ${why}`;
      if (await abandonRun(ctx.system, st, tenant, def.name, runId, reason, { fence, unlessCheckpointed: true })) return;
      [cp, record] = await Promise.all([st.store.getCheckpoint(tenant, runId).catch(() => undefined), st.store.getRun(tenant, runId)]);
      if (cp === undefined) return; // it ended (recorded by the abandon), or is left to a newer activation
    }
    if (cp !== undefined && record === undefined && cp.agent === def.name && !(st.orphanLooked ??= new Set()).has(runId)) {
      // The checkpoint and marker a claim writes before the record: that claim may be under way on its thread's owner
      // (a write of several keys on JetStream is made key by key). Looked at again once it cannot be; released then.
      st.orphanLooked.add(runId);
      ctx.system.clock.setTimer(CLAIM_LOOKS_MS[1], () => {
        if (!isStopped(st)) void restoreRun(st, ctx, runId).catch((e: unknown) => ctx.system.warn(`run ${runId}: ${(e as Error).message}`));
      });
      return;
    }
    if (cp === undefined || record === undefined || TERMINAL.has(record.status) || cp.agent !== def.name) {
      await markEnded(st.store, tenant, runId, record);
      await st.store.release(tenant, def.name, runId, cp !== undefined && cp.agent !== def.name);
      return;
    }
    // Taken over before anything of the run is read: an older activation still driving it is refused from now on,
    // so the log read next is the whole log. A newer activation that claimed it already drives it: left alone.
    if (!(await st.store.claimRun(tenant, runId, fence))) {
      ctx.system.warn(`run ${runId}: a newer activation of agent ${def.name} drives it; this one (epoch ${ctx.epoch}) leaves it`);
      return;
    }
    // Read again now that the run is ours: an older activation may have written between the first read and the claim.
    [cp, record] = await Promise.all([st.store.getCheckpoint(tenant, runId), st.store.getRun(tenant, runId)]);
    if (cp === undefined || record === undefined || TERMINAL.has(record.status)) {
      await markEnded(st.store, tenant, runId, record);
      await st.store.release(tenant, def.name, runId, false);
      return;
    }
    const seq = Math.max(await st.store.lastSeq(tenant, runId), record.last_seq);
    if (cp.handed_to !== undefined) {
      // Handed off, the receiver's claim not seen (this agent holds the marker until it is): handed on again, not driven.
      if (await handOn(ctx.system, resolver(def, ctx.system, tenant), tenant, cp, seq, cp.traceparent, () => isStopped(st)))
        await st.store.release(tenant, def.name, runId, true);
      return;
    }
    // The log, read at most once: what is pending is checked against it.
    let logged: readonly RunEvent[] | undefined;
    const log = async (): Promise<readonly RunEvent[]> => (logged ??= await st.store.events(tenant, runId));
    // The run's end logged, its record not made final (its driver taken over between the two writes): it ended, and
    // is not driven again — the record is made final from the logged end, and the end published for its waiters.
    const end = seq > record.last_seq ? (await log()).at(-1) : undefined;
    const ended = end?.event === 'status' ? (end.data as { status?: string } | undefined)?.status : undefined;
    if (end !== undefined && ended !== undefined && TERMINAL.has(ended)) {
      const final = record;
      await recordLoggedEnd(ctx.system, st, tenant, final, end, fence, () => markEnded(st.store, tenant, runId, final, end));
      ctx.system.warn(`run ${runId} of agent ${def.name}: its end was logged but not recorded; recorded now, not driven again`);
      return;
    }
    // Calls logged (made, or answered) after the checkpoint are not made or announced again.
    const pending = cp.pending === undefined ? undefined : reconcilePending(cp.pending, await log());
    const state: RunState = {
      messages: [...cp.messages],
      turns: cp.turns,
      usage: cp.usage,
      ...(pending === undefined ? {} : { pending: { ...pending, results: { ...pending.results } } }),
      ...(cp.review === undefined ? {} : { review: cp.review }),
      ...(cp.system === undefined ? {} : { system: cp.system }),
      ...(cp.params === undefined ? {} : { params: cp.params }),
      ...(cp.formats === undefined ? {} : { formats: [...cp.formats] }),
    };
    const resumes = cp.resumes + 1;
    // The interrupt it waited for: a tool call's approval, or a guardrail review.
    const awaiting = pending?.awaiting ?? cp.review?.id;
    const interrupted =
      awaiting !== undefined && (record.status === 'interrupted' || (await announced(st, tenant, record, fence, await log())));
    // An interrupted run waits for a human, which is no fault; a running one counts its restarts.
    if (!interrupted && resumes > (def.maxResumes ?? 3)) {
      const live = newLiveRun(record, fence, seq, cp.depth, resumes);
      await makeHost(services, ctx.system, tenant, st, live).finish('error', state.messages, state.usage, {
        error: `run abandoned: its host stopped ${resumes} times while running it`,
      });
      return;
    }
    await st.store.saveCheckpoint(
      tenant,
      { ...cp, ...(pending === undefined ? {} : { pending }), resumes: interrupted ? cp.resumes : resumes },
      false,
      fence,
    );
    if (interrupted) await reassertInterrupt(st, tenant, record, awaiting, fence);
    if (isStopped(st)) return; // claimed, not driven: the next activation takes it up again
    if (st.runs.has(runId)) return; // driven here already: one driver per activation too (the fence allows its own epoch)
    const host = drive(
      st,
      ctx,
      record,
      state,
      cp.depth,
      seq,
      interrupted ? cp.resumes : resumes,
      interrupted ? awaiting : undefined,
      cp.traceparent,
      cp.answers,
    );
    if (!interrupted) host.emit('status', { status: 'running', resumed: resumes });
    ctx.system.log.info(
      {
        event: 'run.resume',
        run_id: runId,
        thread_id: record.thread_id,
        agent: def.name,
        tenant,
        resumes,
        epoch: ctx.epoch,
        interrupted,
      },
      `run ${runId} of ${def.name} resumed here`,
    );
  };

  /** Picks up the runs this agent held when it last stopped. */
  const restore = async (st: AgentState, ctx: ActorContext<AgentState>): Promise<void> => {
    // Runs are restored side by side (each is a handful of storage round trips), a few at a time: a takeover with
    // many runs in flight serves again after the slowest of a batch, not after the sum of them all.
    await eachLimited(await st.store.activeRuns(ctx.self.tenant, def.name), RESTORE_CONCURRENCY, (runId) =>
      restoreRun(st, ctx, runId).catch((e: unknown) => {
        if (!isRunTakenOver(e)) throw e;
        ctx.system.warn(`${(e as Error).message}: this activation leaves it`);
      }),
    );
  };

  /**
   * True when the run's log ends on its `interrupted` status while its record does not say so yet: the host
   * announced the interrupt and stopped before writing the record. The record is brought in line, so the run is
   * restored waiting for the answer (not announced twice).
   */
  const announced = async (
    st: AgentState,
    tenant: string,
    record: RunRecord,
    fence: RunFence,
    events: readonly RunEvent[],
  ): Promise<boolean> => {
    const last = events.findLast((e) => e.event === 'status');
    if ((last?.data as { status?: unknown } | undefined)?.status !== 'interrupted') return false;
    record.status = 'interrupted';
    await st.store.putRun(tenant, record, false, fence);
    return true;
  };

  /**
   * A run restored while it waits for a human: its thread says so too. The thread's write may not have landed when
   * the host stopped (a crash, or its owner stopped first), and it is not announced again, so it is written here.
   */
  const reassertInterrupt = async (st: AgentState, tenant: string, record: RunRecord, callId: string, driver: RunFence): Promise<void> => {
    const t = await st.store.getThread(tenant, record.thread_id);
    if (t === undefined || t.run_id !== record.run_id || t.status === 'interrupted') return;
    const announced = (await st.store.events(tenant, record.run_id)).findLast((e) => e.event === 'interrupt');
    const interrupts = [{ id: callId, run_id: record.run_id, value: announced?.data }];
    await st.threads.status(tenant, { thread_id: record.thread_id, run_id: record.run_id, status: 'interrupted', interrupts, driver });
  };

  /**
   * Admits a run beside the creates already under way (ADR 0042): waits for a slot (the handler, so past the bound the
   * mailbox waits), then answers when the run started; creates of the same run or thread go one after another.
   */
  const admit = async (st: AgentState, ctx: ActorContext<AgentState>, p: RunCreate): Promise<DeferredReply> => {
    const runId = p.run_id ?? randomUUID();
    // Read now: by the time the create's awaits return, the context's message is a later one.
    const traceparent = ctx.message?.traceparent;
    await st.admission.slot();
    const keys = p.thread_id === undefined ? [`run:${runId}`] : [`run:${runId}`, `thread:${p.thread_id}`];
    return replyLater(st.admission.run(keys, () => create(st, ctx, p, runId, traceparent)));
  };

  /** Restores run `runId` of this agent, found in flight and driven by no activation here, once the create that found it ended. */
  const adopt = async (st: AgentState, ctx: ActorContext<AgentState>, runId: string): Promise<void> => {
    try {
      const record = await st.store.getRun(ctx.self.tenant, runId);
      if (record?.agent === def.name && !TERMINAL.has(record.status)) await restoreRun(st, ctx, runId);
    } catch (e) {
      if (!isStopped(st)) ctx.system.warn(`agent ${def.name}: run ${runId} found in flight was not restored: ${(e as Error).message}`);
    }
  };

  /**
   * Looks for run `runId` after a claim of it whose answer did not come back (a thread owner answering late, an
   * election): at {@link CLAIM_LOOKS_MS} from now, adopting it the first time it is there. The activation does not
   * passivate while it looks (it would be the only one to know).
   */
  const adoptLater = (st: AgentState, ctx: ActorContext<AgentState>, runId: string): void => {
    st.looking = (st.looking ?? 0) + 1;
    const look = async (i: number): Promise<void> => {
      const found =
        !isStopped(st) && (st.runs.has(runId) || (await st.store.getRun(ctx.self.tenant, runId).catch(() => undefined)) !== undefined);
      if (found) await adopt(st, ctx, runId);
      const next = CLAIM_LOOKS_MS[i + 1];
      if (found || isStopped(st) || next === undefined) {
        st.looking = (st.looking ?? 1) - 1;
        return;
      }
      ctx.system.clock.setTimer(next - (CLAIM_LOOKS_MS[i] ?? 0), () => void look(i + 1));
    };
    ctx.system.clock.setTimer(CLAIM_LOOKS_MS[0] ?? 0, () => void look(0));
  };

  /** Starts a run (`acp.run.create`, or a message from a subscribed topic). */
  const create = async (
    st: AgentState,
    ctx: ActorContext<AgentState>,
    p: RunCreate,
    runId: string,
    traceparent: string | undefined,
  ): Promise<RunCreated> => {
    const tenant = ctx.self.tenant;
    const now = new Date(ctx.system.clock.now()).toISOString();
    // The prompt is rendered before the thread is claimed: an unknown template or a bad variable refuses the run.
    const options = parseRunOptions(p.config);
    const formats = options.output_format;
    if (formats?.some((f) => f.type === 'audio') === true) await audioAvailable();
    const system = await renderSystem(tenant, p.metadata ?? {}, options, ctx.system.clock.now(), runId);
    const params = runParams(options);
    const depth = typeof p.config?.['depth'] === 'number' ? p.config['depth'] : 0;
    const input = p.input.messages as ChatMessage[];
    // The run's first checkpoint is written by the thread's owner with the record (the messages are the thread's
    // history there, then the input): a create that stops after the claim leaves a run its agent resumes.
    const first: FirstCheckpoint = {
      input,
      checkpoint: {
        run_id: runId,
        agent: def.name,
        depth,
        turns: 0,
        usage: { promptTokens: 0, completionTokens: 0 },
        resumes: 0,
        ...(system === undefined ? {} : { system: system.text }),
        ...(params === undefined ? {} : { params }),
        ...(traceparent === undefined ? {} : { traceparent }),
        ...(formats === undefined ? {} : { formats }),
      },
    };
    const admitted = await admitRun(
      st.store,
      st.threads,
      tenant,
      runId,
      p,
      (threadId) => ({
        ...newRunRecord(runId, threadId, def.name, p.metadata ?? {}, now, p.client),
        ...(system?.prompt === undefined ? {} : { prompt: system.prompt }),
      }),
      first,
    ).catch((e: unknown) => {
      // The claim's outcome is unknown (its answer did not come back in time): it may have gone through, leaving a
      // run this activation does not drive. It is looked for once the claim can no longer land, and driven if found.
      if (e instanceof DeadlineExceededError) adoptLater(st, ctx, runId);
      throw e;
    });
    if ('existing' in admitted) {
      // A run of this agent in flight that no activation here drives (a create that stopped after its thread claim:
      // its ask expired here while the claim went through), found by this create asked again: it is resumed from
      // the checkpoint its claim wrote, not left `running`.
      if (!TERMINAL.has(admitted.existing.status) && !st.runs.has(runId)) void adopt(st, ctx, runId);
      return admitted.existing;
    }
    const { thread, record } = admitted;
    const state: RunState = {
      messages: [...thread.values.messages, ...input],
      turns: 0,
      usage: { promptTokens: 0, completionTokens: 0 },
      ...(system === undefined ? {} : { system: system.text }),
      ...(params === undefined ? {} : { params }),
      ...(formats === undefined ? {} : { formats }),
    };
    const fence = { agent: def.name, epoch: ctx.epoch };
    // An activation that stopped while this create waited starts nothing more: the next one resumes the run from the
    // checkpoint the claim wrote.
    if (isStopped(st)) throw new ActorStoppedError(`agent ${def.name} stopped before run ${runId} started`);
    if (!(await st.store.claimRun(tenant, runId, fence))) throw runTakenOver(runId, fence);
    // Restored here meanwhile (its claim is in storage): driven once, by the restore.
    if (st.runs.has(runId)) return { run_id: runId, thread_id: thread.thread_id, status: 'pending' };
    ctx.system.log.info(
      {
        event: 'run.start',
        run_id: runId,
        thread_id: thread.thread_id,
        agent: def.name,
        tenant,
        depth,
        ...(system?.prompt === undefined ? {} : { template: system.prompt }),
      },
      `run ${runId} of ${def.name} started`,
    );
    const traceId = traceparent?.split('-')[1];
    drive(st, ctx, record, state, depth, 0, 0, undefined, traceparent).emit('status', {
      status: 'running',
      ...(system?.prompt === undefined ? {} : { prompt: system.prompt }),
      // The trace the run belongs to (run timelines link to it; gateway/mesh/timeline.ts).
      ...(traceId === undefined ? {} : { trace_id: traceId }),
    });
    ctx.system.meter.inc(METER.runsStarted);
    return { run_id: runId, thread_id: thread.thread_id, status: 'pending' };
  };

  /**
   * Sends this agent `agent.prune` after `pruneEveryMs`; the first time in an activation after the idle timeout at most,
   * so an agent that passivates (ADR 0036) still prunes before it sleeps.
   */
  const schedulePrune = (ctx: ActorContext<AgentState>, st: AgentState): void => {
    if (st.pruneTimer !== undefined) ctx.system.clock.clearTimer(st.pruneTimer);
    const every = def.pruneEveryMs ?? 600_000;
    const idle = ctx.system.defaults.idleTimeoutMs;
    st.pruneTimer = ctx.system.clock.setTimer(st.pruned !== true && idle > 0 ? Math.min(every, idle) : every, () => {
      ctx.system
        .tell(ctx.self, AGENT_PRUNE)
        .catch((e: unknown) => ctx.system.warn(`agent ${def.name}: prune not sent: ${(e as Error).message}`));
    });
  };

  return {
    async init(ctx) {
      const st: AgentState = {
        runs: new Map(),
        store: new RunStore(ctx.system.storage),
        // The run writes it sends are made here from checked values: the thread's owner, when on this node, trusts them.
        threads: new ThreadOwners(ctx.system, def.resolve, undefined, 'trusted'),
        admission: new Admission(def.maxConcurrentCreates ?? DEFAULT_CREATE_CONCURRENCY),
      };
      // The runs in flight when this agent last stopped are restored beside new work, not before it: after a takeover
      // the agent takes new runs at once instead of after the slowest restore (a storage write waiting out an election,
      // a thread owner taking its own lease over). A restore that fails is tried again while the activation lives.
      st.restored = (async () => {
        for (let attempt = 1; !isStopped(st); attempt++) {
          try {
            await restore(st, ctx);
            return;
          } catch (e) {
            if (isStopped(st)) return;
            ctx.system.warn(`agent ${def.name}: restoring its runs failed (${(e as Error).message}); trying again`);
            await new Promise<void>((r) => ctx.system.clock.setTimer(backoffDelay(attempt, RESTORE_RETRY), r));
          }
        }
      })().finally(() => (st.restoreDone = true));
      for (const pattern of def.subscribe ?? []) ctx.subscribe(pattern);
      if (def.retainRunsMs !== undefined) schedulePrune(ctx, st);
      return st;
    },
    // An idle agent sleeps (ADR 0036) once it drives no run and listens to no topic (a topic message would not wake it);
    // its runs live in the store, so the next activation finds everything it needs.
    canPassivate: (st) =>
      st.runs.size === 0 &&
      st.restoreDone === true &&
      (st.looking ?? 0) === 0 &&
      (def.subscribe ?? []).length === 0 &&
      (st.pruned === true || def.retainRunsMs === undefined),
    stop(ctx) {
      ctx.state.stopped = true;
      if (ctx.state.pruneTimer !== undefined) ctx.system.clock.clearTimer(ctx.state.pruneTimer);
      leaveRuns(ctx.state.runs);
    },
    schemas: {
      [RUN_CREATE]: runCreateSchema,
      [RUN_RESUME]: runResumeSchema,
      [RUN_CANCEL]: runCancelSchema,
      [RUN_CONTINUE]: runContinueSchema,
      [TOPIC_MESSAGE]: agentMessageSchema,
      [AGENT_PRUNE]: z.unknown(),
    },
    async receive(msg, ctx) {
      const st = ctx.state;
      const tenant = ctx.self.tenant;
      switch (msg.type) {
        case RUN_CREATE:
          return admit(st, ctx, runCreateSchema.parse(msg.payload));
        case AGENT_PRUNE: {
          const before = new Date(ctx.system.clock.now() - (def.retainRunsMs ?? Number.POSITIVE_INFINITY)).toISOString();
          const removed = def.retainRunsMs === undefined ? 0 : await st.store.pruneRuns(tenant, def.name, before);
          st.pruned = true;
          schedulePrune(ctx, st);
          return { removed };
        }
        case TOPIC_MESSAGE: {
          const m = agentMessageSchema.parse(msg.payload);
          const topic = msg.to.slice(msg.to.indexOf('/') + 1);
          const depth = m.depth ?? 0;
          if (depth > (def.maxDepth ?? 3))
            throw new ValidationError(
              `message on ${topic} from ${m.from ?? 'a client'} is ${depth} hops from a human, ` +
                `past agent ${def.name}'s limit ${def.maxDepth ?? 3} (agents publishing to each other in a loop?)`,
            );
          // A run no gateway admitted: the tenant's budget holds here too (refused: dead letter `rejected`).
          await def.admit?.(tenant);
          return admit(st, ctx, {
            input: {
              messages: [{ role: 'user', content: `[message on ${topic}${m.from === undefined ? '' : ` from ${m.from}`}]\n${m.content}` }],
            },
            config: { depth },
            metadata: {
              topic,
              ...(m.from === undefined ? {} : { from: m.from }),
              ...(m.run_id === undefined ? {} : { source_run: m.run_id }),
            },
          });
        }
        case RUN_CONTINUE: {
          const p = runContinueSchema.parse(msg.payload);
          await st.restored;
          await st.admission.settled(`run:${p.run_id}`);
          if (st.runs.has(p.run_id)) return { run_id: p.run_id };
          const { record, taken } = await st.store.continuing(tenant, p.run_id, def.name);
          if (taken) return { run_id: p.run_id };
          record.agent = def.name;
          // The receiving agent gets its own turn allowance and its own system prompt (its defaults); usage carries over.
          const system = await renderSystem(tenant, record.metadata, {}, ctx.system.clock.now());
          const params = runParams({});
          const state: RunState = {
            messages: p.messages as unknown as ChatMessage[],
            turns: 0,
            usage: p.usage,
            ...(system === undefined ? {} : { system: system.text }),
            ...(params === undefined ? {} : { params }),
            // The formats asked of the run go with it: the agent that answers delivers them.
            ...(p.formats === undefined ? {} : { formats: p.formats }),
          };
          // Claimed for this agent's activation: a handoff moves the run to this agent's fence.
          const fence = { agent: def.name, epoch: ctx.epoch };
          if (!(await st.store.claimRun(tenant, p.run_id, fence))) throw runTakenOver(p.run_id, fence);
          await st.store.putRun(tenant, record, false, fence);
          await st.store.saveCheckpoint(
            tenant,
            {
              run_id: p.run_id,
              thread_id: p.thread_id,
              agent: def.name,
              depth: p.depth,
              messages: state.messages,
              turns: state.turns,
              usage: state.usage,
              resumes: 0,
              ...(state.system === undefined ? {} : { system: state.system }),
              ...(params === undefined ? {} : { params }),
              ...(state.formats === undefined ? {} : { formats: state.formats }),
              ...(msg.traceparent === undefined ? {} : { traceparent: msg.traceparent }),
            },
            true,
            fence,
          );
          drive(st, ctx, record, state, p.depth, p.seq, 0, undefined, msg.traceparent);
          return { run_id: p.run_id };
        }
        case RUN_RESUME: {
          const p = runResumeSchema.parse(msg.payload);
          await st.restored;
          await st.admission.settled(`run:${p.run_id}`);
          const live = st.runs.get(p.run_id);
          // The same answer again (a caller that did not hear the first reply), already recorded: it was taken.
          const given = JSON.stringify(p.resume);
          if (live?.resume === undefined && Object.values(live?.answers ?? {}).some((a) => JSON.stringify(a) === given))
            return { run_id: p.run_id, status: 'running' };
          if (live === undefined || (live.resume === undefined && live.awaiting === undefined))
            throw new ValidationError(`run ${p.run_id} is not waiting for an answer here`);
          // Acknowledged once recorded: an answer lost with this activation would be waited for again, never sent again.
          await (live.resume !== undefined ? live.resume(p.resume as ResumeValue) : answerEarly(live, p.resume as ResumeValue));
          return { run_id: p.run_id, status: 'running' };
        }
        case RUN_CANCEL: {
          const p = runCancelSchema.parse(msg.payload);
          await st.restored;
          await st.admission.settled(`run:${p.run_id}`);
          const live = st.runs.get(p.run_id);
          if (live === undefined) throw new ValidationError(`run ${p.run_id} is not running here`);
          live.abort.abort(new CancelledError(`run ${p.run_id} cancelled`));
          void live.resume?.({ approve: false, reason: 'run cancelled' }).catch(() => undefined);
          return { run_id: p.run_id, status: 'cancelled' };
        }
        default:
          return undefined;
      }
    },
  };
}
