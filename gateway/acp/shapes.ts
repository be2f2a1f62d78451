/**
 * What ACP answers look like: our thread, checkpoint and run records in LangGraph's shapes
 * (Thread, ThreadState, Run, Assistant), plus the small per-run record the ACP part keeps so
 * any node can rebuild a run's state from its event log (the thread's messages before the run
 * and the run's input).
 */
import type { AgentInfo } from '../types.js';
import { systemClock, type Clock } from '../../runtime/index.js';
import { isoNow } from '../clock.js';
import type { ChatMessage, PendingInterrupt, RunRecord, RunStatus, ThreadCheckpoint, ThreadRecord } from '../../protocols/index.js';
import { toValues } from './messages.js';
import { storedCheckpoint, storedRun, storedThread } from './stored.js';
import { interruptId, lgInterrupt, type LgInterrupt } from './translate.js';
import type { StreamMode } from './schemas.js';

/** What the ACP part remembers about a run it started (bucket `acp`, key `[tenant, 'run', id]`). */
export interface AcpRunRecord {
  readonly run_id: string;
  readonly thread_id: string;
  readonly assistant_id: string;
  readonly created_at: string;
  readonly metadata: Record<string, unknown>;
  /** Messages the thread had when the run started (its values are a prefix-extension of them). */
  readonly prev_len: number;
  /** The run's input, as appended to the thread. */
  readonly input: ChatMessage[];
  readonly stream_mode: StreamMode[];
  /** A stateless run's thread, deleted when the run ends. */
  readonly temporary: boolean;
}

/**
 * A run status as LangGraph names it: ours plus `cancelled`, which LangGraph reports as
 * `interrupted` (what its own cancel with `action=interrupt` leaves behind).
 */
export function lgRunStatus(s: RunStatus): string {
  return s === 'cancelled' ? 'interrupted' : s;
}

function lgInterrupts(list: readonly PendingInterrupt[]): LgInterrupt[] {
  return list.map((p) => lgInterrupt(interruptId(p.value, p.id), p.value));
}

/** A thread's pending interrupts keyed by task (our run), as `Thread.interrupts`. */
function interruptMap(list: readonly PendingInterrupt[]): Record<string, LgInterrupt[]> {
  const out: Record<string, LgInterrupt[]> = {};
  for (const p of list) (out[p.run_id] ??= []).push(...lgInterrupts([p]));
  return out;
}

/** A thread as `Thread`. */
export function lgThread(t: ThreadRecord): Record<string, unknown> {
  storedThread(t);
  return {
    thread_id: t.thread_id,
    created_at: t.created_at,
    updated_at: t.updated_at,
    state_updated_at: t.updated_at,
    metadata: t.metadata,
    status: t.status,
    values: toValues(t.thread_id, t.values.messages),
    interrupts: interruptMap(t.interrupts),
    config: {},
    error: null,
  };
}

function checkpointRef(threadId: string, id: string | undefined): Record<string, unknown> {
  return { thread_id: threadId, checkpoint_ns: '', checkpoint_id: id ?? null, checkpoint_map: null };
}

function tasks(runId: string | undefined, interrupts: readonly PendingInterrupt[]): Record<string, unknown>[] {
  if (interrupts.length === 0) return [];
  return [
    {
      id: runId ?? interrupts[0]?.run_id ?? 'tools',
      name: 'tools',
      path: ['__pregel_pull', 'tools'],
      error: null,
      interrupts: lgInterrupts(interrupts),
      checkpoint: null,
      state: null,
      result: null,
    },
  ];
}

/** A history entry as `ThreadState`. */
export function lgCheckpointState(cp: ThreadCheckpoint): Record<string, unknown> {
  storedCheckpoint(cp);
  return {
    values: toValues(cp.thread_id, cp.messages),
    next: cp.next.length > 0 ? cp.next : cp.interrupts.length > 0 ? ['tools'] : [],
    tasks: tasks(cp.run_id, cp.interrupts),
    checkpoint: checkpointRef(cp.thread_id, cp.checkpoint_id),
    parent_checkpoint: cp.parent_checkpoint_id === undefined ? null : checkpointRef(cp.thread_id, cp.parent_checkpoint_id),
    metadata: { ...cp.metadata, thread_id: cp.thread_id },
    created_at: cp.created_at,
    parent_config: null,
  };
}

/** A thread's current state as `ThreadState` (`latest` is its newest checkpoint, if any). */
export function lgThreadState(t: ThreadRecord, latest: ThreadCheckpoint | undefined): Record<string, unknown> {
  storedThread(t);
  if (latest !== undefined) storedCheckpoint(latest);
  return {
    values: toValues(t.thread_id, t.values.messages),
    next: t.status === 'interrupted' ? ['tools'] : t.status === 'busy' ? ['agent'] : [],
    tasks: tasks(t.run_id, t.interrupts),
    checkpoint: checkpointRef(t.thread_id, t.checkpoint_id),
    parent_checkpoint: latest?.parent_checkpoint_id === undefined ? null : checkpointRef(t.thread_id, latest.parent_checkpoint_id),
    metadata: latest === undefined ? { thread_id: t.thread_id, step: -1, source: 'input' } : { ...latest.metadata, thread_id: t.thread_id },
    created_at: latest?.created_at ?? t.created_at,
    parent_config: null,
  };
}

/** A run as `Run`, from the agent's record or, before that exists, from ours. */
/** What of an {@link AcpRunRecord} the run record keeps (`acp.run.create`'s `client`). */
export function clientRecord(r: AcpRunRecord): Record<string, unknown> {
  return { prev_len: r.prev_len, input: r.input, stream_mode: r.stream_mode, temporary: r.temporary };
}

/** The ACP record of a run this route started, rebuilt from its run record (undefined for runs started elsewhere). */
export function acpRecordOf(run: RunRecord | undefined): AcpRunRecord | undefined {
  const c = run?.client;
  if (run === undefined || c === undefined) return undefined;
  const { prev_len, input, stream_mode, temporary } = c;
  if (typeof prev_len !== 'number' || !Array.isArray(input) || !Array.isArray(stream_mode) || typeof temporary !== 'boolean')
    return undefined;
  return {
    run_id: run.run_id,
    thread_id: run.thread_id,
    assistant_id: run.assistant_id,
    created_at: run.created_at,
    metadata: run.metadata,
    prev_len,
    input: input as ChatMessage[],
    stream_mode: stream_mode as StreamMode[],
    temporary,
  };
}

export function lgRun(r: RunRecord | undefined, acp: AcpRunRecord | undefined, clock: Clock = systemClock): Record<string, unknown> {
  const base = (r === undefined ? undefined : storedRun(r)) ?? {
    run_id: acp?.run_id ?? '',
    thread_id: acp?.thread_id ?? '',
    assistant_id: acp?.assistant_id ?? '',
    status: 'pending' as RunStatus,
    created_at: acp?.created_at ?? isoNow(clock),
    updated_at: acp?.created_at ?? isoNow(clock),
    metadata: acp?.metadata ?? {},
  };
  return {
    run_id: base.run_id,
    thread_id: base.thread_id,
    assistant_id: base.assistant_id,
    created_at: base.created_at,
    updated_at: base.updated_at,
    status: lgRunStatus(base.status),
    metadata: { ...(acp?.metadata ?? {}), ...base.metadata },
    multitask_strategy: 'reject',
    // The prompt template version the run rendered (docs/prompts.md).
    kwargs: { stream_mode: acp?.stream_mode ?? ['values'], ...(r?.prompt === undefined ? {} : { prompt: r.prompt }) },
  };
}

/** An agent as `Assistant` (`assistant_id` = `graph_id` = the agent's name). */
export function lgAssistant(a: AgentInfo, at: string): Record<string, unknown> {
  return {
    assistant_id: a.name,
    graph_id: a.name,
    name: a.name,
    description: a.description,
    config: { configurable: { model: a.model } },
    context: {},
    metadata: { tools: [...a.tools], handoffs: [...a.handoffs], delegates: [...a.delegates], model: a.model, created_by: 'system' },
    version: 1,
    created_at: at,
    updated_at: at,
  };
}
