/**
 * The run log side of a remote agent's run, held to a local agent's rules (ADR 0007): each event
 * is appended to the run's log before it is published with the next gap-free `seq`; the record,
 * the thread and the resume checkpoint are written through the same chain, so they keep the
 * order the run made them in; the end is logged, then recorded, then published.
 */
import { runTopic, type RunEvent, type RunEventKind, type RunStatus, type ThreadWriteReply } from '../../protocols/index.js';
import type { ActorSystem } from '../../runtime/index.js';
import {
  chainWrite,
  runTakenOver,
  type RunCheckpoint,
  type RunFence,
  type RunRecord,
  type RunStore,
  type ThreadOwners,
} from '../agent/index.js';
import type { ChatMessage } from '../llm/index.js';

/** Where a run stands on the remote server (kept in the run's checkpoint). */
export interface RemoteTaskRef {
  readonly taskId: string;
  readonly contextId: string;
  /** The interrupt announced while the task waits for input. */
  readonly interrupt?: unknown;
}

/** A remote agent's run checkpoint: a local one plus the remote task it follows. */
export interface RemoteCheckpoint extends RunCheckpoint {
  readonly remote?: RemoteTaskRef;
}

/** A run a remote agent is following now. */
export interface RemoteLive {
  readonly runId: string;
  readonly threadId: string;
  readonly record: RunRecord;
  readonly depth: number;
  /** The conversation so far (what the thread shows when the run ends). */
  readonly messages: ChatMessage[];
  seq: number;
  chain: Promise<void>;
  readonly abort: AbortController;
  task?: RemoteTaskRef;
  /** Set while the run waits for a human's answer. */
  resume?: (value: unknown) => void;
  /** An answer that came before the run (picked up again after a restart) was ready to take it. */
  early?: unknown;
  /** The actor is stopping: the run is left to its checkpoint, not ended. */
  stopping: boolean;
  /** The activation following it; every write of the run is fenced by it. */
  readonly fence: RunFence;
  /** A write was refused: a newer activation follows the run now, this one leaves it alone. */
  takenOver: boolean;
}

/** Writes one run's log, record, thread and checkpoint in order. */
export interface RemoteHost {
  emit(kind: RunEventKind, data: unknown): void;
  /** Records the run as interrupted (or running again) on the record and the thread. */
  setStatus(status: 'running' | 'interrupted', interrupt?: unknown): void;
  /** Saves the checkpoint with the remote task (so a restarted actor can follow it), and the record naming the task. */
  checkpoint(): Promise<void>;
  finish(status: RunStatus, extra: { output?: string; error?: string }): Promise<void>;
}

/** Builds the host of one live run of remote agent `agent`. */
export function remoteHost(
  system: ActorSystem,
  tenant: string,
  writers: { readonly store: RunStore; readonly threads: ThreadOwners },
  agent: string,
  live: RemoteLive,
): RemoteHost {
  const { store, threads } = writers;
  const { runId, threadId } = live;
  const { fence } = live;
  /** A thread write refused because a newer activation follows the run: this one stops, as when any write of it is refused. */
  const threadWrite = (reply: ThreadWriteReply): void => {
    if (!reply.applied && reply.reason === 'taken_over') throw runTakenOver(runId, fence);
  };
  // Once a write is refused by the run's fence (a newer activation follows it), nothing more is written or published.
  const write = (fn: () => Promise<void>): Promise<void> => {
    return chainWrite(system, live, fn, (e) => system.warn(`run ${runId}: write failed: ${(e as Error).message}`));
  };
  return {
    emit(kind, data) {
      const event: RunEvent = { run_id: runId, thread_id: threadId, seq: ++live.seq, event: kind, agent, data };
      void write(async () => {
        await store.appendEvents(tenant, [event], fence);
        await system.publish(runTopic(runId), event, { tenant });
      }).catch(() => undefined);
    },
    setStatus(status, interrupt) {
      live.record.status = status;
      const task = live.task;
      const interrupts = status === 'interrupted' && task !== undefined ? [{ id: task.taskId, run_id: runId, value: interrupt }] : [];
      void write(async () => {
        await store.putRun(tenant, live.record, false, fence);
        const thread = status === 'running' ? 'busy' : 'interrupted';
        threadWrite(await threads.status(tenant, { thread_id: threadId, run_id: runId, status: thread, interrupts, driver: fence }));
      }).catch(() => undefined);
    },
    checkpoint() {
      const cp: RemoteCheckpoint = {
        run_id: runId,
        thread_id: threadId,
        agent,
        depth: live.depth,
        messages: [...live.messages],
        turns: 0,
        usage: { promptTokens: 0, completionTokens: 0 },
        resumes: 0,
        ...(live.task === undefined ? {} : { remote: live.task }),
      };
      if (live.task !== undefined) {
        const before = live.record.metadata['remote'] as object | undefined;
        const remote = { ...before, task_id: live.task.taskId, context_id: live.task.contextId };
        live.record.metadata = { ...live.record.metadata, remote };
      }
      return write(async () => {
        await store.saveCheckpoint(tenant, cp, false, fence);
        await store.putRun(tenant, live.record, false, fence);
      });
    },
    async finish(status, extra) {
      const r = live.record;
      const usage = { prompt_tokens: 0, completion_tokens: 0, cost: 0 };
      Object.assign(r, { status, usage, last_seq: live.seq + 1 });
      if (extra.output !== undefined) r.output = extra.output;
      if (extra.error !== undefined) r.error = extra.error;
      const data = { status, output: extra.output, error: extra.error, usage };
      const last: RunEvent = { run_id: runId, thread_id: threadId, seq: ++live.seq, event: 'status', agent, data };
      const answered = status === 'success' && extra.output !== undefined;
      const answer: ChatMessage[] = answered ? [{ role: 'assistant', content: extra.output ?? '' }] : [];
      const messages = [...live.messages, ...answer];
      await write(async () => {
        await store.appendEvents(tenant, [last], fence);
        await store.putRun(tenant, r, false, fence);
        const end = status === 'success' || status === 'cancelled' ? 'idle' : 'error';
        threadWrite(await threads.checkpoint(tenant, { thread_id: threadId, run_id: runId, messages, status: end, driver: fence }));
        await store.release(tenant, agent, runId);
        await system.publish(runTopic(runId), last, { tenant });
      });
      await live.chain;
    },
  };
}
