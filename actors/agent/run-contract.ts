/**
 * What every kind that runs the ACP run contract (local agents, remote agents) shares: admitting a
 * new run on a thread — the same create again (a redelivery or a client retry) names the same run,
 * and a thread held by a run that has not ended refuses a second one (multitask `reject`) — the
 * record a new run starts with, and leaving runs to their checkpoints when the actor stops.
 */
import { randomUUID } from 'node:crypto';
import { ActorStoppedError, backoffDelay, isTroupeError, stoppedBeforeHandling, type RunEvent } from '../../protocols/index.js';
import type { ActorRef, ActorSystem } from '../../runtime/index.js';
import { isRunTakenOver, type RunFence, type RunRecord, type RunStore, type ThreadRecord } from './store.js';
import type { FirstCheckpoint, ThreadOwners } from './threads.js';

/** Statuses that end a run (the wire vocabulary's, re-exported for the kinds that run runs). */
export { TERMINAL_RUN_STATUSES } from '../../protocols/index.js';

/** What a create is answered with. */
export interface RunCreated {
  readonly run_id: string;
  readonly thread_id: string;
  readonly status: string;
}

/**
 * The run `runId` if it exists already (`existing`), else the thread it now holds: the thread's owner makes it when
 * absent, refuses (`conflict`) when a run that has not ended holds it, and writes the run's first record with the
 * claim (`record(threadId)`), so two creates racing on one thread cannot both start. A run on another thread than
 * the one named (`create.thread_id`) is a conflict. With `create.checkpoint_id` the run forks the thread there: the
 * thread answered carries that checkpoint's messages, and the run's checkpoints name it as their parent. With `first`
 * (an agent's run) the owner writes the run's first checkpoint, marked active, with the record.
 */
export async function admitRun(
  store: RunStore,
  threads: ThreadOwners,
  tenant: string,
  runId: string,
  create: { readonly thread_id?: string | undefined; readonly checkpoint_id?: string | undefined },
  record: (threadId: string) => RunRecord,
  first?: FirstCheckpoint,
): Promise<{ existing: RunCreated } | { thread: ThreadRecord; record: RunRecord }> {
  const threadId = create.thread_id;
  // No read of the run first: the thread's owner reads it before it claims anything, and answers `existing` (or, when
  // it is on another thread, conflict) — a create costs one read of the run, not two.
  const r = record(threadId ?? randomUUID());
  const claimed = await threads.claim(tenant, r, create.checkpoint_id, first).catch(async (e: unknown) => {
    // A create that named no thread, asked again (its first ask's answer lost), picks a new thread at random: the run
    // its first ask made is on the other one. That is the same run, not a conflict.
    const made = threadId === undefined && isTroupeError(e, 'conflict') ? await store.getRun(tenant, runId) : undefined;
    if (made === undefined) throw e;
    return { existing: { run_id: runId, thread_id: made.thread_id, status: made.status } };
  });
  return 'existing' in claimed ? claimed : { thread: claimed.thread, record: r };
}

/** The record of a run `agent` starts now (status `running`, no event logged yet). */
export function newRunRecord(
  runId: string,
  threadId: string,
  agent: string,
  metadata: Record<string, unknown>,
  now: string,
  client?: Record<string, unknown>,
): RunRecord {
  return {
    ...(client === undefined ? {} : { client }),
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

/** What a host needs of a live run to stop driving it when a newer activation took it over. */
export interface FencedRun {
  readonly runId: string;
  readonly fence: RunFence;
  stopping: boolean;
  readonly abort: AbortController;
  /** Set once a write of the run was refused by its fence: no more writes, events or end. */
  takenOver: boolean;
}

/**
 * Queues `fn`, one write of a run, on the run's chain (ADR 0007, one driver per run): nothing is written once the run
 * was taken over, and the first refusal by the run's fence leaves the run where it is — marked stopping (so it is not
 * ended as failed), aborted, with one warning — exactly as when the actor stops: the newer activation drives it on.
 * Any other failure is reported with `warn`, and the chain goes on. Returns the write's own outcome.
 */
export function chainWrite(
  system: ActorSystem,
  live: FencedRun & { chain: Promise<void> },
  fn: () => Promise<unknown>,
  warn: (e: unknown) => void,
): Promise<void> {
  // An activation that stopped driving the run (its actor stopping, or taken over) asks for nothing more to be written:
  // what it queued before goes on, anything after is the next activation's to do (from the log and checkpoint).
  if (live.stopping) {
    const refused = Promise.reject(new ActorStoppedError(`run ${live.runId} is no longer driven by this activation`));
    refused.catch(() => undefined); // awaited by whoever cares; a `void` write is not an unhandled rejection
    return refused;
  }
  // What `fn` resolves with is no one's (typed void): no step of its own to drop it.
  const p = live.chain.then(() =>
    live.takenOver ? Promise.reject(new ActorStoppedError(`run ${live.runId} was taken over by a newer activation`)) : fn(),
  ) as Promise<void>;
  // Registered before anyone else awaits `p`: the run is marked taken over before its driver sees the error.
  live.chain = p.catch((e: unknown) => {
    if (live.takenOver) return;
    if (!isRunTakenOver(e)) return warn(e);
    live.takenOver = true;
    live.stopping = true;
    system.warn(`${(e as Error).message}: this activation stops driving it`);
    live.abort.abort(new ActorStoppedError(`run ${live.runId} was taken over by a newer activation`));
  });
  return p;
}

/**
 * The time a run's finish marker is keyed by (ISO): when its end event was made, so every writer of the marker — the
 * host that ended the run, a restore that records an end it finds logged — writes the one key; the record's last
 * update for ends logged before events carried their time.
 */
export function endedAt(end: Pick<RunEvent, 'at'> | undefined, record: Pick<RunRecord, 'updated_at'>): string {
  return end?.at === undefined ? record.updated_at : new Date(end.at).toISOString();
}

/** Pauses between asks of an actor that stopped before handling them ({@link askHandled}). */
const ASK_AGAIN = { initialMs: 100, maxMs: 1_000, jitter: 0.2 } as const;

/**
 * Asks the actor `resolve` finds, again (found anew, up to 4 asks in all) while the answer is that it stopped before
 * handling the message — its node stopping or draining: the message did nothing, and the actor is activated again
 * elsewhere. Any other failure is the caller's, as is the last.
 */
export async function askHandled<R>(resolve: () => Promise<ActorRef>, ask: (ref: ActorRef) => Promise<R>): Promise<R> {
  for (let attempt = 1; ; attempt++) {
    try {
      return await ask(await resolve());
    } catch (e) {
      if (!stoppedBeforeHandling(e) || attempt >= 4) throw e;
      await new Promise((r) => setTimeout(r, backoffDelay(attempt, ASK_AGAIN)));
    }
  }
}
