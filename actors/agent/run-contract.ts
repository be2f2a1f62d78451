/**
 * What every kind that runs the ACP run contract (local agents, remote agents) shares: admitting a
 * new run on a thread — the same create again (a redelivery or a client retry) names the same run,
 * and a thread held by a run that has not ended refuses a second one (multitask `reject`) — the
 * record a new run starts with, and leaving runs to their checkpoints when the actor stops.
 */
import { ActorStoppedError, ConflictError } from '../../protocols/index.js';
import type { RunRecord, RunStore, ThreadRecord } from './store.js';

/** Statuses that end a run. */
export const TERMINAL_RUN_STATUSES: ReadonlySet<string> = new Set(['success', 'error', 'cancelled', 'timeout']);

/** What a create is answered with. */
export interface RunCreated {
  readonly run_id: string;
  readonly thread_id: string;
  readonly status: string;
}

/**
 * The run `runId` if it exists already (`existing`), else the thread to run on (made when absent),
 * or `conflict` when that thread is held by a run that has not ended, or the run is on another thread.
 */
export async function admitRun(
  store: RunStore,
  tenant: string,
  runId: string,
  threadId: string | undefined,
): Promise<{ existing: RunCreated } | { thread: ThreadRecord }> {
  const existing = await store.getRun(tenant, runId);
  if (existing !== undefined) {
    if (threadId !== undefined && threadId !== existing.thread_id) throw new ConflictError(`run ${runId} exists on another thread`);
    return { existing: { run_id: runId, thread_id: existing.thread_id, status: existing.status } };
  }
  const thread = await store.createThread(tenant, { thread_id: threadId, ifExists: 'do_nothing' });
  if ((thread.status === 'busy' || thread.status === 'interrupted') && thread.run_id !== undefined) {
    const holder = await store.getRun(tenant, thread.run_id);
    if (holder !== undefined && !TERMINAL_RUN_STATUSES.has(holder.status))
      throw new ConflictError(`thread ${thread.thread_id} is busy with run ${thread.run_id}`);
  }
  return { thread };
}

/** The record of a run `agent` starts now (status `running`, no event logged yet). */
export function newRunRecord(runId: string, threadId: string, agent: string, metadata: Record<string, unknown>, now: string): RunRecord {
  return {
    run_id: runId,
    thread_id: threadId,
    assistant_id: agent,
    agent,
    status: 'running',
    created_at: now,
    updated_at: now,
    metadata,
    multitask_strategy: 'reject',
    last_seq: 0,
  };
}

/**
 * Leaves every live run to its checkpoint when the actor stops: each is marked stopping (so it is not
 * ended) and aborted; the next activation, here or on another node, picks them up again.
 */
export function leaveRuns(runs: Map<string, { stopping: boolean; readonly abort: AbortController }>): void {
  for (const live of runs.values()) {
    live.stopping = true;
    live.abort.abort(new ActorStoppedError('agent stopping'));
  }
  runs.clear();
}
