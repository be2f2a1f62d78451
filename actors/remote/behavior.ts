/**
 * The remote agent actor (`agent/<name>` for an agent that lives behind another A2A server). It
 * keeps a local agent's run contract, so every surface, handoff and delegation works with it
 * unchanged: `acp.run.create` sends the input to the remote agent and maps its task onto run
 * events; `acp.run.resume` answers the task's input-required; `acp.run.cancel` cancels the task;
 * `acp.run.continue` takes over a handed-off conversation. The remote task id is kept in the
 * run's checkpoint, so a restarted actor follows the task again (or ends the run with the reason).
 */
import { randomUUID } from 'node:crypto';
import {
  CancelledError,
  DeadlineExceededError,
  UnavailableError,
  RUN_CANCEL,
  RUN_CONTINUE,
  RUN_CREATE,
  RUN_RESUME,
  ValidationError,
  isTroupeError,
  runCancelSchema,
  runContinueSchema,
  runCreateSchema,
  runResumeSchema,
  scrubSecrets,
  scrubbedMessage,
  type RunCreate,
} from '../../protocols/index.js';
import type { ActorContext, Behavior, TimerHandle } from '../../runtime/index.js';
import {
  abandonRun,
  admitRun,
  leaveRuns,
  newRunRecord,
  RunStore,
  runTakenOver,
  TERMINAL_RUN_STATUSES as TERMINAL,
  ThreadOwners,
  type Resolve,
  type RunCreated,
  type RunRecord,
} from '../agent/index.js';
import type { ChatMessage } from '../llm/index.js';
import { answerMessage, firstText, handedOver, remoteClientCache, userMessage, type RemoteTarget } from './client.js';
import { Exchange, type Step } from './follow.js';
import { remoteHost, type RemoteCheckpoint, type RemoteHost, type RemoteLive } from './host.js';

/** A remote agent, as the catalog builds it from config. */
export interface RemoteAgentDefinition extends RemoteTarget {
  readonly name: string;
  readonly description?: string;
  /** Longest a whole run may take before it ends as `error` (default 10 min). */
  readonly runTimeoutMs?: number;
  readonly env?: NodeJS.ProcessEnv;
  /** Finds the actor at an address (the catalog's placement); absent: activated on this node when needed. */
  readonly resolve?: Resolve;
}

/** A remote agent actor's state: the runs it follows now (everything else is in the store). */
export interface RemoteState {
  readonly runs: Map<string, RemoteLive>;
  readonly store: RunStore;
  /** Where thread writes go: each thread's owner (ADR 0018). */
  readonly threads: ThreadOwners;
}

type Ctx = Pick<ActorContext<RemoteState>, 'system' | 'self'>;

/** Makes the behavior of a remote agent actor. */
export function remoteBehavior(def: RemoteAgentDefinition): Behavior<RemoteState> {
  const connect = remoteClientCache(def, def.env);
  const runTimeoutMs = def.runTimeoutMs ?? 600_000;
  const fail = (e: unknown): string => scrubSecrets(`remote agent ${def.name}: ${scrubbedMessage(e)}`);
  const checkpointOf = (runId: string, threadId: string, depth: number, messages: ChatMessage[]): RemoteCheckpoint => {
    const usage = { promptTokens: 0, completionTokens: 0 };
    return { run_id: runId, thread_id: threadId, agent: def.name, depth, messages, turns: 0, usage, resumes: 0 };
  };
  /** Asks the remote server to cancel a task (best effort; a failure is only logged). */
  const cancelRemote = (ctx: Ctx, runId: string, taskId: string): void => {
    void connect()
      .then(({ client }) => client.cancelTask({ tenant: '', id: taskId, metadata: undefined }, { signal: AbortSignal.timeout(10_000) }))
      .catch((e: unknown) => ctx.system.warn(`run ${runId}: remote task ${taskId} not cancelled: ${fail(e)}`));
  };

  /** Follows a run from `step` until it ends, and records the end. */
  const drive = (st: RemoteState, ctx: Ctx, live: RemoteLive, first: Step | { kind: 'await' }): RemoteHost => {
    st.runs.set(live.runId, live);
    const system = ctx.system;
    const host = remoteHost(system, ctx.self.tenant, st, def.name, live);
    // The deadline counts while the remote agent works, not while a human is asked.
    let timer: TimerHandle | undefined;
    const arm = (): void => {
      const late = new DeadlineExceededError(`no answer within ${runTimeoutMs} ms`);
      timer = system.clock.setTimer(runTimeoutMs, () => live.abort.abort(late));
    };
    const disarm = (): void => {
      if (timer !== undefined) system.clock.clearTimer(timer);
      timer = undefined;
    };
    const waitForAnswer = (): Promise<unknown> =>
      new Promise((resolve, reject) => {
        if (live.abort.signal.aborted) {
          reject(live.abort.signal.reason as Error);
          return;
        }
        if (live.early !== undefined) {
          resolve(live.early);
          live.early = undefined;
          return;
        }
        live.resume = (v) => {
          live.resume = undefined;
          resolve(v);
        };
        live.abort.signal.addEventListener('abort', () => reject(live.abort.signal.reason as Error), { once: true });
      });
    const loop = async (): Promise<void> => {
      const remote = await connect();
      let step: Step | { kind: 'await' } = first;
      for (;;) {
        // Cancelled (or stopping) while the card was fetched or between exchanges: no further request.
        live.abort.signal.throwIfAborted();
        if (step.kind === 'await') {
          const answer = await waitForAnswer();
          host.setStatus('running');
          host.emit('status', { status: 'running' });
          step = { kind: 'send', message: answerMessage(answer, live.task, def.skill) };
          continue;
        }
        const ex = new Exchange(remote, live, host, () => void host.checkpoint().catch(() => undefined), system.clock);
        arm();
        const out = await ex.run(step).finally(disarm);
        if (live.stopping) return;
        if (out.state === 'working') {
          if (live.task === undefined)
            throw new UnavailableError('the remote server ended the exchange without naming a task or answering');
          step = { kind: 'follow' };
          continue;
        }
        if (out.state === 'input') {
          live.task = live.task === undefined ? undefined : { ...live.task, interrupt: out.interrupt };
          await host.checkpoint();
          // The record and thread say interrupted before the events do: whoever hears them reads a record that agrees.
          host.setStatus('interrupted', out.interrupt);
          host.emit('interrupt', out.interrupt);
          host.emit('status', { status: 'interrupted', interrupt: out.interrupt });
          step = { kind: 'await' };
          continue;
        }
        if (out.state === 'completed') {
          host.emit('message', { role: 'assistant', content: out.output, tool_calls: [] });
          await host.finish('success', { output: out.output });
        } else await host.finish(out.state === 'canceled' ? 'cancelled' : 'error', { error: scrubSecrets(out.error) });
        return;
      }
    };
    void loop()
      .catch(async (e: unknown) => {
        if (live.stopping) return;
        const reason: unknown = live.abort.signal.reason;
        if (live.abort.signal.aborted && !isTroupeError(reason, 'deadline_exceeded')) return host.finish('cancelled', {});
        const task = live.task;
        if (task !== undefined && live.abort.signal.aborted) cancelRemote(ctx, live.runId, task.taskId);
        await host.finish('error', { error: fail(live.abort.signal.aborted ? reason : e) });
      })
      .catch((e: unknown) => system.warn(`run ${live.runId}: could not record its end: ${(e as Error).message}`))
      .finally(() => {
        disarm();
        if (st.runs.get(live.runId) === live) st.runs.delete(live.runId);
      });
    return host;
  };

  const newLive = (
    record: RunRecord,
    depth: number,
    messages: ChatMessage[],
    seq: number,
    epoch: number,
    task?: RemoteLive['task'],
  ): RemoteLive => ({
    runId: record.run_id,
    threadId: record.thread_id,
    record,
    depth,
    messages,
    seq,
    chain: Promise.resolve(),
    abort: new AbortController(),
    stopping: false,
    fence: { agent: def.name, epoch },
    takenOver: false,
    ...(task === undefined ? {} : { task }),
  });

  /** Follows again the runs this agent held when it last stopped (or ends them with the reason). */
  const restore = async (st: RemoteState, ctx: ActorContext<RemoteState>): Promise<void> => {
    const tenant = ctx.self.tenant;
    for (const runId of await st.store.activeRuns(tenant, def.name)) {
      let unreadable: string | undefined;
      const cp = (await st.store.getCheckpoint(tenant, runId).catch((e: unknown) => {
        unreadable = (e as Error).message;
        return undefined;
      })) as RemoteCheckpoint | undefined;
      const record = await st.store.getRun(tenant, runId);
      if (cp === undefined && record !== undefined && !TERMINAL.has(record.status)) {
        // Claimed first: a create of an older activation still under way cannot start following it once this ends it.
        if (!(await st.store.claimRun(tenant, runId, { agent: def.name, epoch: ctx.epoch }))) continue;
        const why = unreadable === undefined ? 'its resume checkpoint is missing' : `its resume checkpoint is unreadable (${unreadable})`;
        await abandonRun(ctx.system, st, tenant, def.name, runId, `run ${runId} of remote agent ${def.name} cannot be resumed: ${why}`);
        continue;
      }
      if (cp === undefined || record === undefined || TERMINAL.has(record.status) || cp.agent !== def.name) {
        await st.store.release(tenant, def.name, runId, cp !== undefined && cp.agent !== def.name);
        continue;
      }
      // Claimed before its log is read: an older activation still following it is refused from now on.
      if (!(await st.store.claimRun(tenant, runId, { agent: def.name, epoch: ctx.epoch }))) {
        ctx.system.warn(`run ${runId}: a newer activation of remote agent ${def.name} follows it; this one (epoch ${ctx.epoch}) leaves it`);
        continue;
      }
      const seq = Math.max(await st.store.lastSeq(tenant, runId), record.last_seq);
      const live = newLive(record, cp.depth, [...cp.messages], seq, ctx.epoch, cp.remote);
      if (cp.remote === undefined) {
        const why = `remote agent ${def.name}: run lost: its actor stopped before the remote server named the task`;
        await remoteHost(ctx.system, tenant, st, def.name, live).finish('error', { error: why });
        continue;
      }
      const waiting = record.status === 'interrupted' && cp.remote.interrupt !== undefined;
      drive(st, ctx, live, waiting ? { kind: 'await' } : { kind: 'follow' });
    }
  };

  const create = async (st: RemoteState, ctx: ActorContext<RemoteState>, p: RunCreate): Promise<RunCreated> => {
    const tenant = ctx.self.tenant;
    const runId = p.run_id ?? randomUUID();
    const now = new Date(ctx.system.clock.now()).toISOString();
    const metadata = { ...p.metadata, remote: { card: def.card } };
    const admitted = await admitRun(st.store, st.threads, tenant, runId, p, (threadId) =>
      newRunRecord(runId, threadId, def.name, metadata, now, p.client),
    );
    if ('existing' in admitted) return admitted.existing;
    const { thread, record } = admitted;
    const depth = typeof p.config?.['depth'] === 'number' ? p.config['depth'] : 0;
    const input = p.input.messages as ChatMessage[];
    const messages = [...thread.values.messages, ...input];
    const fence = { agent: def.name, epoch: ctx.epoch };
    const cp = checkpointOf(runId, thread.thread_id, depth, messages);
    if (!(await st.store.claimNewRun(tenant, cp, fence))) throw runTakenOver(runId, fence);
    const message = userMessage(firstText(thread.values.messages, input), { skill: def.skill });
    drive(st, ctx, newLive(record, depth, [...messages], 0, ctx.epoch), { kind: 'send', message }).emit('status', { status: 'running' });
    return { run_id: runId, thread_id: thread.thread_id, status: 'pending' };
  };

  return {
    async init(ctx) {
      const st: RemoteState = {
        runs: new Map(),
        store: new RunStore(ctx.system.storage),
        threads: new ThreadOwners(ctx.system, def.resolve),
      };
      await restore(st, ctx);
      return st;
    },
    stop(ctx) {
      // Runs are left as their checkpoints say: the next activation follows their remote tasks again.
      leaveRuns(ctx.state.runs);
    },
    schemas: {
      [RUN_CREATE]: runCreateSchema,
      [RUN_RESUME]: runResumeSchema,
      [RUN_CANCEL]: runCancelSchema,
      [RUN_CONTINUE]: runContinueSchema,
    },
    async receive(msg, ctx) {
      const st = ctx.state;
      const tenant = ctx.self.tenant;
      switch (msg.type) {
        case RUN_CREATE:
          return create(st, ctx, runCreateSchema.parse(msg.payload));
        case RUN_CONTINUE: {
          const p = runContinueSchema.parse(msg.payload);
          if (st.runs.has(p.run_id)) return { run_id: p.run_id };
          const { record, taken } = await st.store.continuing(tenant, p.run_id, def.name);
          if (taken) return { run_id: p.run_id };
          record.agent = def.name;
          record.metadata = { ...record.metadata, remote: { card: def.card } };
          const messages = p.messages as unknown as ChatMessage[];
          const fence = { agent: def.name, epoch: ctx.epoch };
          if (!(await st.store.claimRun(tenant, p.run_id, fence))) throw runTakenOver(p.run_id, fence);
          await st.store.putRun(tenant, record, false, fence);
          await st.store.saveCheckpoint(tenant, checkpointOf(p.run_id, p.thread_id, p.depth, messages), true, fence);
          // The conversation as JSON data, not as lines of `user: …`: no text of it reads as a turn of its own, and the
          // receiving side's injection guard does not take the transcript's speaker labels for forged turns (it did).
          const text =
            'This conversation was handed over to you by another agent. Its messages so far, as JSON:\n' +
            `${handedOver(messages)}\n\nPlease continue it.`;
          const message = userMessage(text, { skill: def.skill });
          drive(st, ctx, newLive(record, p.depth, [...messages], p.seq, ctx.epoch), { kind: 'send', message });
          return { run_id: p.run_id };
        }
        case RUN_RESUME: {
          const p = runResumeSchema.parse(msg.payload);
          const live = st.runs.get(p.run_id);
          const waiting = live !== undefined && (live.resume !== undefined || live.record.status === 'interrupted');
          if (!waiting) throw new ValidationError(`run ${p.run_id} is not waiting for an answer here`);
          if (live.resume !== undefined) live.resume(p.resume);
          else live.early = p.resume;
          return { run_id: p.run_id, status: 'running' };
        }
        case RUN_CANCEL: {
          const p = runCancelSchema.parse(msg.payload);
          const live = st.runs.get(p.run_id);
          if (live === undefined) throw new ValidationError(`run ${p.run_id} is not running here`);
          const task = live.task;
          live.abort.abort(new CancelledError(`run ${p.run_id} cancelled`));
          // Best effort: the run is cancelled here whatever the remote server answers.
          if (task !== undefined) cancelRemote(ctx, p.run_id, task.taskId);
          return { run_id: p.run_id, status: 'cancelled' };
        }
        default:
          return undefined;
      }
    },
  };
}
