/**
 * The agent actor (`agent/<name>`): turns `acp.run.create` into a run whose events go out on
 * topic `run.<run_id>` with a gap-free `seq`, keeps each thread's history across runs, answers
 * interrupts (`acp.run.resume`) and cancellations, and continues runs handed off to it
 * (`acp.run.continue`). Runs proceed outside the handler, so the actor keeps answering while
 * they wait on models, tools, other agents or humans.
 */
import { randomUUID } from 'node:crypto';
import { z } from 'zod';
import {
  ConflictError,
  RUN_CANCEL,
  RUN_CONTINUE,
  RUN_CREATE,
  RUN_RESUME,
  ValidationError,
  runCancelSchema,
  runCreateSchema,
  runResumeSchema,
  runTopic,
  type RunEvent,
  type RunEventKind,
} from '../../protocols/index.js';
import type { ActorContext, Behavior } from '../../runtime/index.js';
import type { ChatMessage, ToolSpec, Usage } from '../llm/types.js';
import { TOOL_CALL, TOOL_DESCRIBE, type ToolCallResult } from '../tool/types.js';
import type { AgentDefinition } from './definition.js';
import { AgentRun, type ResumeValue, type RunHost } from './run.js';
import { waitForRun } from './wait.js';

interface LiveRun {
  readonly runId: string;
  readonly threadId: string;
  seq: number;
  chain: Promise<void>;
  readonly abort: AbortController;
  resume: ((v: ResumeValue) => void) | undefined;
}

/** An agent actor's private state. */
export interface AgentState {
  readonly threads: Map<string, ChatMessage[]>;
  readonly runs: Map<string, LiveRun>;
}

const continueSchema = z.object({
  run_id: z.string().min(1),
  thread_id: z.string().min(1),
  messages: z.array(z.record(z.string(), z.unknown())),
  seq: z.number().int().nonnegative(),
  depth: z.number().int().nonnegative(),
  usage: z.object({ promptTokens: z.number(), completionTokens: z.number() }),
});

/**
 * Keeps a thread's history, most recently used last; past `max` threads the least recently used
 * is dropped (in-memory history only: durable thread memory belongs to the memory actors).
 */
function remember(threads: Map<string, ChatMessage[]>, id: string, messages: ChatMessage[], max: number): void {
  threads.delete(id);
  threads.set(id, messages);
  while (threads.size > max) threads.delete(threads.keys().next().value as string);
}

/** Makes the behavior of an agent actor. */
export function agentBehavior(def: AgentDefinition): Behavior<AgentState> {
  const specCache = new Map<string, ToolSpec>();
  const cost = (u: Usage): number => ((def.prices?.promptPer1k ?? 0) * u.promptTokens + (def.prices?.completionPer1k ?? 0) * u.completionTokens) / 1000;

  const start = (ctx: ActorContext<AgentState>, runId: string, threadId: string, messages: ChatMessage[], depth: number, seq: number, usage?: Usage): void => {
    const { system } = ctx;
    const tenant = ctx.self.tenant;
    const live: LiveRun = { runId, threadId, seq, chain: Promise.resolve(), abort: new AbortController(), resume: undefined };
    ctx.state.runs.set(runId, live);
    const emit = (kind: RunEventKind, data: unknown): void => {
      const event: RunEvent = { run_id: runId, thread_id: threadId, seq: ++live.seq, event: kind, agent: def.name, data };
      // Published one after another, so a run's events arrive in seq order on every transport.
      live.chain = live.chain.then(() => system.publish(runTopic(runId), event, { tenant })).catch((e: unknown) => system.warn(`run ${runId}: event ${event.seq} not published: ${(e as Error).message}`));
    };
    const timeoutMs = def.toolTimeoutMs ?? 30_000;
    const host: RunHost = {
      emit,
      callTool: (name, args, callId) => system.ref(`tool/${name}`, tenant).ask<ToolCallResult>(TOOL_CALL, { name, arguments: args, runId, callId }, { timeoutMs }),
      toolSpecs: async (names) => {
        const out: ToolSpec[] = [];
        for (const name of names) {
          let spec = specCache.get(name);
          if (spec === undefined) {
            spec = await system.ref(`tool/${name}`, tenant).ask<ToolSpec>(TOOL_DESCRIBE, {}, { timeoutMs }).catch(() => undefined);
            if (spec === undefined) continue; // not reachable now: the model is not offered it
            specCache.set(name, spec);
          }
          out.push(spec);
        }
        return out;
      },
      delegate: async (agent, question, childDepth) => {
        const child = randomUUID();
        const done = waitForRun(system, child, tenant, timeoutMs);
        await system.ref(`agent/${agent}`, tenant).tell(RUN_CREATE, { run_id: child, input: { messages: [{ role: 'user', content: question }] }, config: { depth: childDepth } });
        const outcome = await done;
        if (outcome.status !== 'success') throw new Error(`agent ${agent} ${outcome.status}: ${outcome.error ?? 'no answer'}`);
        return outcome.output ?? '';
      },
      handoff: async (agent, msgs, u) => {
        await live.chain;
        await system.ref(`agent/${agent}`, tenant).tell(RUN_CONTINUE, { run_id: runId, thread_id: threadId, messages: msgs, seq: live.seq, depth, usage: u });
      },
      waitForResume: (interrupt) => {
        emit('interrupt', interrupt);
        emit('status', { status: 'interrupted', interrupt });
        return new Promise<ResumeValue>((resolve) => {
          live.resume = (v) => {
            live.resume = undefined;
            emit('status', { status: 'running' });
            resolve(v);
          };
        });
      },
    };
    if (seq === 0) emit('status', { status: 'running' });
    const run = new AgentRun(def, def.provider, host, messages, depth, live.abort.signal, usage);
    void run
      .execute()
      .then(
        (end) => {
          remember(ctx.state.threads, threadId, [...end.messages], def.maxThreads ?? 10_000);
          if (end.status === 'handed_off') return;
          const u = { prompt_tokens: end.usage.promptTokens, completion_tokens: end.usage.completionTokens, cost: cost(end.usage) };
          emit('status', { status: end.status, output: end.output, error: end.error, usage: u });
        },
        (e: unknown) => emit('status', { status: live.abort.signal.aborted ? 'cancelled' : 'error', error: (e as Error)?.message ?? String(e) }),
      )
      .finally(() => ctx.state.runs.delete(runId));
  };

  return {
    init: () => ({ threads: new Map(), runs: new Map() }),
    schemas: { [RUN_CREATE]: runCreateSchema, [RUN_RESUME]: runResumeSchema, [RUN_CANCEL]: runCancelSchema, [RUN_CONTINUE]: continueSchema },
    receive(msg, ctx) {
      const st = ctx.state;
      switch (msg.type) {
        case RUN_CREATE: {
          const p = runCreateSchema.parse(msg.payload);
          const runId = p.run_id ?? randomUUID();
          const threadId = p.thread_id ?? randomUUID();
          if (st.runs.has(runId)) throw new ConflictError(`run ${runId} exists`);
          for (const r of st.runs.values()) if (r.threadId === threadId) throw new ConflictError(`thread ${threadId} is busy with run ${r.runId}`);
          const history = st.threads.get(threadId) ?? [];
          const depth = typeof p.config?.['depth'] === 'number' ? p.config['depth'] : 0;
          start(ctx, runId, threadId, [...history, ...p.input.messages], depth, 0);
          return { run_id: runId, thread_id: threadId, status: 'pending' };
        }
        case RUN_CONTINUE: {
          const p = continueSchema.parse(msg.payload);
          start(ctx, p.run_id, p.thread_id, p.messages as unknown as ChatMessage[], p.depth, p.seq, p.usage);
          return { run_id: p.run_id };
        }
        case RUN_RESUME: {
          const p = runResumeSchema.parse(msg.payload);
          const live = st.runs.get(p.run_id);
          if (live?.resume === undefined) throw new ValidationError(`run ${p.run_id} is not waiting for an answer here`);
          live.resume(p.resume);
          return { run_id: p.run_id, status: 'running' };
        }
        case RUN_CANCEL: {
          const p = runCancelSchema.parse(msg.payload);
          const live = st.runs.get(p.run_id);
          if (live === undefined) throw new ValidationError(`run ${p.run_id} is not running here`);
          live.abort.abort(new Error('cancelled'));
          live.resume?.({ approve: false, reason: 'run cancelled' });
          return { run_id: p.run_id, status: 'cancelled' };
        }
        default:
          return undefined;
      }
    },
  };
}
