/**
 * Where runs and threads persist (ADR 0007): each run's event log, its record and resume
 * checkpoint, and each thread's record and checkpoint history — all in `system.storage`, so on
 * the embedded default they survive a restart (lmdb in the data dir) and on a cluster any node
 * can read them and resume a run (JetStream KV). Every key starts with the tenant.
 */
import { randomUUID } from 'node:crypto';
import {
  ConflictError,
  NotFoundError,
  TERMINAL_RUN_STATUSES,
  type ChatMessage,
  type PendingInterrupt,
  type RunCheckpoint,
  type RunEvent,
  type RunRecord,
  type ThreadCheckpoint,
  type ThreadRecord,
  type ThreadStatus,
} from '../../protocols/index.js';
import { fenceEpoch, seqKey, type KvBucket, type Storage, type StorageEntry } from '../../runtime/index.js';
import { SEGMENT_BYTES, isStoredStub, layOut, readStoredEvent, type WireEvent } from './event-log.js';

// The records are wire contracts (protocols/records.ts), re-exported here for the agent runtime.
export type {
  ThreadStatus,
  PendingInterrupt,
  ThreadRecord,
  ThreadCheckpoint,
  RunRecord,
  PendingCalls,
  RunCheckpoint,
} from '../../protocols/index.js';

let nowMs = Number.NaN;
let nowIso = '';
/** The time now, ISO 8601: made once per millisecond (one step of a run stamps several records within one). */
function now(): string {
  const ms = Date.now();
  if (ms !== nowMs) {
    nowMs = ms;
    nowIso = new Date(ms).toISOString();
  }
  return nowIso;
}

/**
 * First key segment of the global index of active runs `[~active, tenant, agent, run]` in the `runs` bucket. A tenant
 * is `[A-Za-z0-9_-]` (protocols/address.ts), so this segment can be no tenant's, and the index shares the markers'
 * bucket: on lmdb and memory it is written in the same atomic `putMany` as the marker.
 */
const ACTIVE_INDEX = '~active';
/** The fence key of a new run's first write: no driver has this name, so it is never written (putNewRun). */
const NEW_RUN = '~new';
/** `[~indexed, tenant]`: the tenant's markers from before the index are indexed. */
const INDEXED = '~indexed';

/**
 * A checkpoint of a run being handed off (ADR 0054): `handed_to` names the receiving agent. Written by the sender,
 * fenced, before it asks the receiver to continue; the sender keeps its active marker until the receiver answers (after
 * its claim), and a restore of the sender that finds it hands the run on again instead of driving it. The receiver's
 * first checkpoint replaces it.
 */
export type HandingCheckpoint = RunCheckpoint & { readonly handed_to?: string };

/**
 * Who drives a run (ADR 0007, one driver per run): the agent and the epoch of its activation (`ActorContext.epoch`).
 * The fence `[tenant, driver, run, agent]` holds the epoch of the activation that last claimed the run; every write
 * made with a fence is refused once a higher epoch claimed it. Agents have their own fences: epochs of two agents
 * (a handoff) are not comparable.
 */
export interface RunFence {
  readonly agent: string;
  readonly epoch: number;
}

/** A write of a run refused because a newer activation of its agent drives it now. */
export function runTakenOver(runId: string, fence: RunFence): ConflictError {
  return new ConflictError(`run ${runId} is driven by a newer activation of agent ${fence.agent} (this one has epoch ${fence.epoch})`, {
    details: { fenced: true, run_id: runId, epoch: fence.epoch },
  });
}

/** True for the error of a write refused by a run's fence ({@link runTakenOver}). */
export function isRunTakenOver(e: unknown): boolean {
  return e instanceof ConflictError && e.details?.['fenced'] === true;
}

/** A run the global index lists as active. */
export interface ActiveRun {
  readonly tenant: string;
  readonly agent: string;
  readonly runId: string;
  readonly threadId: string;
}

/** A thread as stored: its values live in its newest checkpoint, not twice. */
export type StoredThread = Omit<ThreadRecord, 'values'>;

function stored(t: StoredThread): StoredThread {
  if (!('values' in t)) return t;
  const { values: _values, ...rest } = t as ThreadRecord;
  return rest;
}

/** Reads and writes runs and threads of every tenant in one storage. */
export class RunStore {
  private readonly runs: KvBucket;
  private readonly threads: KvBucket;

  /** `segmentBytes`: largest stored value of a run log (default {@link SEGMENT_BYTES}). */
  constructor(
    storage: Storage,
    private readonly segmentBytes = SEGMENT_BYTES,
  ) {
    this.runs = storage.bucket('runs');
    this.threads = storage.bucket('threads');
  }

  // ---- threads ----

  /** Makes a thread (or returns the existing one when `ifExists` is `do_nothing`). */
  async createThread(
    tenant: string,
    init: { thread_id?: string; metadata?: Record<string, unknown>; ifExists?: 'raise' | 'do_nothing' } = {},
  ): Promise<ThreadRecord> {
    return (await this.ensureThread(tenant, init)).thread;
  }

  /** {@link createThread}, saying whether this call made the thread (false: it existed, with `ifExists: 'do_nothing'`). */
  async ensureThread(
    tenant: string,
    init: { thread_id?: string; metadata?: Record<string, unknown>; ifExists?: 'raise' | 'do_nothing' } = {},
  ): Promise<{ thread: ThreadRecord; created: boolean }> {
    const id = init.thread_id ?? randomUUID();
    const existing = await this.getThread(tenant, id);
    if (existing !== undefined) {
      if (init.ifExists === 'do_nothing') return { thread: existing, created: false };
      throw new ConflictError(`thread ${id} exists`);
    }
    const t = this.newThread(id, init.metadata);
    await this.putThread(tenant, t);
    return { thread: t, created: true };
  }

  /** The record of a new thread (idle, empty), not written. */
  newThread(id: string, metadata: Record<string, unknown> = {}): ThreadRecord {
    const at = now();
    return {
      thread_id: id,
      created_at: at,
      updated_at: at,
      metadata,
      status: 'idle',
      values: { messages: [] },
      interrupts: [],
      checkpoints: 0,
    };
  }

  /** The thread with its values (the newest checkpoint's messages, which are stored once, in the history). */
  async getThread(tenant: string, id: string): Promise<ThreadRecord | undefined> {
    const t = await this.threads.get<ThreadRecord>([tenant, 't', id]);
    return t === undefined ? undefined : this.hydrate(tenant, t);
  }

  /**
   * The thread as stored, without its values (its messages are not read): for writes that replace or keep them, so a
   * run's step does not decode the whole conversation to write the next checkpoint of it.
   */
  storedThread(tenant: string, id: string): Promise<StoredThread | undefined> {
    return this.threads.get<StoredThread>([tenant, 't', id]);
  }

  private async hydrate(tenant: string, t: ThreadRecord): Promise<ThreadRecord> {
    const latest =
      t.checkpoints === 0 ? undefined : await this.threads.get<ThreadCheckpoint>([tenant, 'h', t.thread_id, seqKey(t.checkpoints - 1)]);
    // A fork moved the thread's head to an older checkpoint (forkPoint) and its run wrote none yet: the head's messages.
    const head =
      latest === undefined || t.checkpoint_id === undefined || latest.checkpoint_id === t.checkpoint_id
        ? latest
        : await this.checkpoint(tenant, t.thread_id, t.checkpoint_id);
    t.values = { messages: head?.messages ?? [] };
    return t;
  }

  /** The checkpoint `checkpointId` of a thread's history, if it has one. */
  async checkpoint(tenant: string, threadId: string, checkpointId: string): Promise<ThreadCheckpoint | undefined> {
    const all = await this.threads.list<ThreadCheckpoint>([tenant, 'h', threadId]);
    return all.find((e) => e.value.checkpoint_id === checkpointId)?.value;
  }

  /**
   * A fork (the thread owner's, for a run claiming the thread): the thread's head moves to its checkpoint `checkpointId`
   * — the thread answered carries that checkpoint's messages, and the next checkpoint written names it as its parent, so
   * the history branches there while every older checkpoint stays readable. not_found when the history has no such one.
   * The record is written by the claim's status write that follows.
   */
  async forkPoint(tenant: string, t: ThreadRecord, checkpointId: string): Promise<ThreadRecord> {
    if (checkpointId === t.checkpoint_id) return t;
    const cp = await this.checkpoint(tenant, t.thread_id, checkpointId);
    if (cp === undefined) throw new NotFoundError(`checkpoint ${checkpointId} of thread ${t.thread_id} not found`);
    t.checkpoint_id = cp.checkpoint_id;
    t.values = { messages: [...cp.messages] };
    return t;
  }

  /** The thread, or not_found. */
  async thread(tenant: string, id: string): Promise<ThreadRecord> {
    const t = await this.getThread(tenant, id);
    if (t === undefined) throw new NotFoundError(`thread ${id} not found`);
    return t;
  }

  async putThread(tenant: string, t: StoredThread): Promise<void> {
    await this.threads.put([tenant, 't', t.thread_id], stored(t));
  }

  /** Merges `metadata` into the thread's. */
  async patchThread(tenant: string, id: string, metadata: Record<string, unknown>): Promise<ThreadRecord> {
    const t = await this.thread(tenant, id);
    t.metadata = { ...t.metadata, ...metadata };
    t.updated_at = now();
    await this.putThread(tenant, t);
    return t;
  }

  /** Removes a thread and its history; false when there was none. */
  async deleteThread(tenant: string, id: string): Promise<boolean> {
    const existed = await this.threads.delete([tenant, 't', id]);
    await this.threads.deletePrefix([tenant, 'h', id]);
    return existed;
  }

  /** Threads of a tenant, newest first, filtered by metadata (equality per key) and status. */
  async searchThreads(
    tenant: string,
    q: { metadata?: Record<string, unknown>; status?: ThreadStatus; limit?: number; offset?: number } = {},
  ): Promise<ThreadRecord[]> {
    const all = (await this.threads.list<ThreadRecord>([tenant, 't'])).map((e) => e.value);
    const hits = all.filter(
      (t) =>
        (q.status === undefined || t.status === q.status) &&
        Object.entries(q.metadata ?? {}).every(([k, v]) => JSON.stringify(t.metadata[k]) === JSON.stringify(v)),
    );
    hits.sort((a, b) => (a.created_at < b.created_at ? 1 : a.created_at > b.created_at ? -1 : 0));
    const offset = q.offset ?? 0;
    return Promise.all(hits.slice(offset, offset + (q.limit ?? 10)).map((t) => this.hydrate(tenant, t)));
  }

  /** Appends a checkpoint to a thread's history and makes its messages the thread's values. */
  async checkpointThread(
    tenant: string,
    threadId: string,
    runId: string,
    messages: readonly ChatMessage[],
    status: ThreadStatus,
    interrupts: PendingInterrupt[] = [],
    next: string[] = [],
    read?: StoredThread,
  ): Promise<ThreadCheckpoint> {
    // The messages written become its values: those read before (if any) are replaced, not needed.
    const t = (read ?? (await this.threadOrNew(tenant, threadId))) as ThreadRecord;
    const cp: ThreadCheckpoint = {
      checkpoint_id: randomUUID(),
      ...(t.checkpoint_id === undefined ? {} : { parent_checkpoint_id: t.checkpoint_id }),
      thread_id: threadId,
      run_id: runId,
      step: t.checkpoints,
      created_at: now(),
      // Not copied: storage stores a copy of what it is given.
      messages: messages as ChatMessage[],
      next,
      interrupts,
      metadata: { run_id: runId, step: t.checkpoints, source: 'loop' },
    };
    // The messages written are its values: they live in the checkpoint, not in the record (nothing to set on `t`).
    t.status = status;
    t.interrupts = interrupts;
    t.checkpoints++;
    t.checkpoint_id = cp.checkpoint_id;
    t.updated_at = cp.created_at;
    // Cleared, not deleted (a deleted key turns the record into a slow dictionary object); storage drops undefined keys.
    if (status === 'busy' || status === 'interrupted') t.run_id = runId;
    else t.run_id = undefined;
    await this.threads.putMany([
      { key: [tenant, 'h', threadId, seqKey(cp.step)], value: cp },
      { key: [tenant, 't', threadId], value: stored(t) },
    ]);
    return cp;
  }

  /** The thread, made (idle, empty) when there is none. */
  private async threadOrNew(tenant: string, threadId: string): Promise<ThreadRecord> {
    return (await this.getThread(tenant, threadId)) ?? (await this.createThread(tenant, { thread_id: threadId, ifExists: 'do_nothing' }));
  }

  /** Sets a thread's status without a new checkpoint (a run started or failed). */
  async setThreadStatus(
    tenant: string,
    threadId: string,
    status: ThreadStatus,
    runId?: string,
    interrupts: PendingInterrupt[] = [],
    read?: StoredThread,
  ): Promise<void> {
    const t = read ?? (await this.threadOrNew(tenant, threadId));
    t.status = status;
    t.updated_at = now();
    if (runId !== undefined) t.run_id = runId;
    else t.run_id = undefined; // cleared, not deleted: as in checkpointThread
    t.interrupts = interrupts;
    await this.putThread(tenant, t);
  }

  /**
   * Copies thread `from` to the new thread `to`: its metadata and whole history (checkpoint ids kept, so a client
   * can find the same state in both), idle and held by no run. Conflict when `to` exists, not_found without `from`.
   */
  async copyThread(tenant: string, from: string, to: string): Promise<ThreadRecord> {
    const source = await this.thread(tenant, from);
    if ((await this.threads.get([tenant, 't', to])) !== undefined) throw new ConflictError(`thread ${to} exists`);
    const history = await this.threads.list<ThreadCheckpoint>([tenant, 'h', from]);
    const at = now();
    const copy: ThreadRecord = {
      thread_id: to,
      created_at: at,
      updated_at: at,
      metadata: { ...source.metadata },
      status: 'idle',
      values: { messages: [...source.values.messages] },
      interrupts: [],
      checkpoints: source.checkpoints,
      ...(source.checkpoint_id === undefined ? {} : { checkpoint_id: source.checkpoint_id }),
    };
    // The history first, the record last: a reader never finds the copy without its checkpoints.
    const entries = history.map((e) => ({ key: [tenant, 'h', to, e.key[3] as string], value: { ...e.value, thread_id: to } }));
    for (let i = 0; i < entries.length; i += 64) await this.threads.putMany(entries.slice(i, i + 64));
    await this.putThread(tenant, copy);
    return copy;
  }

  /** A thread's checkpoints, newest first. */
  async history(tenant: string, threadId: string, limit = 10): Promise<ThreadCheckpoint[]> {
    const all = await this.threads.list<ThreadCheckpoint>([tenant, 'h', threadId]);
    return all
      .map((e) => e.value)
      .reverse()
      .slice(0, limit);
  }

  // ---- runs ----

  getRun(tenant: string, runId: string): Promise<RunRecord | undefined> {
    return this.runs.get<RunRecord>([tenant, 'run', runId]);
  }

  /** The run, or not_found. */
  async run(tenant: string, runId: string): Promise<RunRecord> {
    const r = await this.getRun(tenant, runId);
    if (r === undefined) throw new NotFoundError(`run ${runId} not found`);
    return r;
  }

  /**
   * The run a continue asks `agent` to take, and whether `agent` took it already: asked again (ADR 0054: the sender asks
   * until it hears the answer, and a restore of it hands the run on again), a run claimed by `agent` (its checkpoint is
   * `agent`'s, not a handing one) or that ended is not driven again.
   */
  async continuing(tenant: string, runId: string, agent: string): Promise<{ readonly record: RunRecord; readonly taken: boolean }> {
    const [record, held] = await Promise.all([this.run(tenant, runId), this.getCheckpoint(tenant, runId)]);
    return { record, taken: TERMINAL_RUN_STATUSES.has(record.status) || (held?.agent === agent && held.handed_to === undefined) };
  }

  /** Writes a run's record; a new run is also listed under its thread. With `fence`, refused once a newer driver claimed it. */
  async putRun(tenant: string, r: RunRecord, isNew = false, fence?: RunFence): Promise<void> {
    r.updated_at = now();
    const entries: StorageEntry[] = [{ key: [tenant, 'run', r.run_id], value: r }];
    if (isNew) entries.push({ key: [tenant, 'by-thread', r.thread_id, r.run_id], value: r.created_at });
    if (fence !== undefined) return this.fenced(tenant, r.run_id, fence, entries);
    if (!isNew) return this.runs.put(entries[0]?.key as string[], r);
    await this.runs.putMany(entries);
  }

  /**
   * Writes a new run's first record, listed under its thread. With `cp` (an agent's run: its first resume checkpoint)
   * the checkpoint goes in the same write, marked active on its agent, before the record (a write of several keys on
   * JetStream is made in order, not atomically): a create that stops after its thread claim, before it drives the run,
   * leaves a run that its agent's next activation and recovery at start-up find and resume from the start — not one
   * left `running` with no actor driving it, nor one ended `error` for want of a checkpoint. False, and the record not
   * written, when the run has a record already, or (`cpOnce`) another first checkpoint: another claim made the run.
   */
  async putNewRun(tenant: string, run: RunRecord, cp?: RunCheckpoint, cpOnce = true): Promise<boolean> {
    // Not set on `run`: it may be the message of the create that sent it (the memory transport passes it by reference).
    const r = { ...run, updated_at: now() };
    // A run without a first checkpoint (a remote agent's: it has none before its server names the task) is marked
    // active all the same: a create that stops before its checkpoint leaves a run recovery finds and, once it is no
    // longer young (its create may be under way elsewhere), ends `error` with the reason (recovery.ts abandonRun).
    const entries: StorageEntry[] =
      cp === undefined ? this.markerEntries(tenant, r.agent, r.run_id, r.thread_id) : this.checkpointEntries(tenant, cp, true);
    if (cpOnce && cp !== undefined && entries[0] !== undefined) entries[0] = { ...entries[0], once: true };
    entries.push(
      { key: [tenant, 'by-thread', r.thread_id, r.run_id], value: r.created_at },
      { key: [tenant, 'run', r.run_id], value: r, once: true },
    );
    // Written once, with no fence (a key nobody writes, any epoch): a thread owner whose claim read no record and
    // then lost its thread (its node paused) must not, when it wakes, put the run back to its first checkpoint and
    // `running` after the owner that came next made it and its agent drove it — perhaps to its end.
    return this.runs.putFenced([tenant, 'driver', r.run_id, NEW_RUN], Number.MAX_SAFE_INTEGER, entries);
  }

  /**
   * Claims run `runId` for the activation `fence` names (a create, a restore, a continue after a handoff): false when
   * a newer activation of that agent claimed it already. Every later write of the run made with the fence is refused
   * once a newer activation claims it.
   */
  async claimRun(tenant: string, runId: string, fence: RunFence, entries: readonly StorageEntry[] = []): Promise<boolean> {
    const key = [tenant, 'driver', runId, fence.agent];
    return this.runs.putFenced(key, fence.epoch, [{ key, value: { epoch: fence.epoch, at: now() } }, ...entries]);
  }

  /** Claims a new run (see {@link claimRun}) and saves its first checkpoint, marked active, in the same write. */
  async claimNewRun(tenant: string, cp: RunCheckpoint, fence: RunFence): Promise<boolean> {
    return this.claimRun(tenant, cp.run_id, fence, this.checkpointEntries(tenant, cp, true));
  }

  /** True unless a newer activation of `fence.agent` than `fence` claimed run `runId`. */
  async drives(tenant: string, runId: string, fence: RunFence): Promise<boolean> {
    return (await this.driverEpoch(tenant, runId, fence.agent)) <= fence.epoch;
  }

  /**
   * Writes `entries` of run `runId` unless a newer activation than `fence` claimed it (then throws {@link runTakenOver}),
   * resolving with `result` in the same step that checks the answer.
   */
  private fenced<T = void>(
    tenant: string,
    runId: string,
    fence: RunFence,
    entries: readonly StorageEntry[],
    then?: () => T | PromiseLike<T>,
  ): Promise<T> {
    return this.runs.putFenced([tenant, 'driver', runId, fence.agent], fence.epoch, entries).then((applied) => {
      if (!applied) throw runTakenOver(runId, fence);
      return then === undefined ? (undefined as T) : then();
    });
  }

  /** Runs of a thread, newest first. */
  async threadRuns(tenant: string, threadId: string, limit = 10): Promise<RunRecord[]> {
    const ids = await this.runs.list<string>([tenant, 'by-thread', threadId]);
    const out: RunRecord[] = [];
    for (const e of ids) {
      const r = await this.getRun(tenant, e.key[3] as string);
      if (r !== undefined) out.push(r);
    }
    out.sort((a, b) => (a.created_at < b.created_at ? 1 : a.created_at > b.created_at ? -1 : 0));
    return out.slice(0, limit);
  }

  /**
   * Appends events (consecutive seqs of one run) to its log: segments keyed by their first seq,
   * each under {@link SEGMENT_BYTES}, and any event bigger than that stored out of line (chunks
   * first, then the segments, so a stub is never readable before its body). Returns the events as
   * they are to be published (stubs for out-of-line ones). Idempotent by seq: the same events
   * written again lay out the same way and replace themselves. With `fence`, refused (nothing written) once a newer
   * driver claimed the run, and refused ({@link runTakenOver}) where another event already holds a segment's seq: an
   * older driver's write that passed its fence's check before the claim and lands late (JetStream writes key by key)
   * and the newer driver's event at that seq cannot both be logged. The driver refused stops; a newer one that is
   * refused so (its fence still holds) restores the run again from what the log holds now (behavior.ts).
   */
  appendEvents(tenant: string, events: readonly RunEvent[], fence?: RunFence): Promise<readonly WireEvent[]> {
    return this.appendEventsThen(tenant, events, fence, undefined);
  }

  /**
   * {@link appendEvents}, then `next` with the events as logged, called in the step that checks the fence's answer (a
   * run's host publishes each logged burst so: one promise less per burst than awaiting the append, then publishing).
   */
  appendEventsThen<T = readonly WireEvent[]>(
    tenant: string,
    events: readonly RunEvent[],
    fence: RunFence | undefined,
    next: ((wire: readonly WireEvent[]) => T | PromiseLike<T>) | undefined,
  ): Promise<T> {
    const hand = (wire: readonly WireEvent[]): T | PromiseLike<T> => (next === undefined ? (wire as T) : next(wire));
    if (events.length === 0) return Promise.resolve([]).then(hand);
    // Chained, not awaited (every step of every run passes here, and each await is a promise more); what throws at
    // once (a value the codec refuses) is a rejection, as from an async function.
    try {
      const { entries, wire } = layOut(tenant, events, this.segmentBytes);
      if (fence === undefined) {
        const written =
          entries.length === 1
            ? this.runs.put((entries[0] as StorageEntry).key, (entries[0] as StorageEntry).value)
            : this.runs.putMany(entries);
        return written.then(() => hand(wire));
      }
      // The fence's answer checked in the same step that hands the events on.
      return this.fenced(tenant, (events[0] as RunEvent).run_id, fence, entries, () => hand(wire));
    } catch (e) {
      return Promise.reject(e as Error);
    }
  }

  /** A run's events after `afterSeq`, in seq order, whole (out-of-line ones read back from their chunks). */
  async events(tenant: string, runId: string, afterSeq = 0): Promise<RunEvent[]> {
    const segments = await this.runs.list<WireEvent[]>([tenant, 'ev', runId]);
    const out: RunEvent[] = [];
    for (const seg of segments)
      for (const e of seg.value) if (e.seq > afterSeq) out.push(isStoredStub(e) ? await readStoredEvent(this.runs, tenant, e) : e);
    return out;
  }

  /** The whole event a published stub stands for. */
  storedEvent(tenant: string, stub: WireEvent & { stored: number }): Promise<RunEvent> {
    return readStoredEvent(this.runs, tenant, stub);
  }

  /** Highest seq in a run's log (0 for none). */
  async lastSeq(tenant: string, runId: string): Promise<number> {
    const segments = await this.runs.list<RunEvent[]>([tenant, 'ev', runId]);
    return segments.at(-1)?.value.at(-1)?.seq ?? 0;
  }

  /**
   * Saves where a run is (with `fence`: refused once a newer driver claimed it); `mark` also marks it active on its
   * agent (found again when the agent restarts) and lists it in the global index of active runs (found again when a
   * node starts, without knowing tenants: recovery.ts). The index goes before the marker (JetStream writes a
   * `putMany` in order), so a marker is never without its entry.
   */
  async saveCheckpoint(tenant: string, cp: RunCheckpoint, mark = false, fence?: RunFence): Promise<void> {
    if (fence !== undefined) return this.fenced(tenant, cp.run_id, fence, this.checkpointEntries(tenant, cp, mark));
    if (!mark) return this.runs.put([tenant, 'cp', cp.run_id], cp);
    await this.runs.putMany(this.checkpointEntries(tenant, cp, true));
  }

  private checkpointEntries(tenant: string, cp: RunCheckpoint, mark: boolean): StorageEntry[] {
    const entries: StorageEntry[] = [{ key: [tenant, 'cp', cp.run_id], value: cp }];
    if (mark) entries.push(...this.markerEntries(tenant, cp.agent, cp.run_id, cp.thread_id));
    return entries;
  }

  /** A run's index entry, then its active marker on `agent` (a marker is never without its entry). */
  private markerEntries(tenant: string, agent: string, runId: string, threadId: string): StorageEntry[] {
    return [
      { key: [ACTIVE_INDEX, tenant, agent, runId], value: threadId },
      { key: [tenant, 'active', agent, runId], value: threadId },
    ];
  }

  /** The epoch of the activation of `agent` that last claimed run `runId` (0 when none did). */
  async driverEpoch(tenant: string, runId: string, agent: string): Promise<number> {
    return fenceEpoch(await this.runs.get([tenant, 'driver', runId, agent]));
  }

  getCheckpoint(tenant: string, runId: string): Promise<HandingCheckpoint | undefined> {
    return this.runs.get<HandingCheckpoint>([tenant, 'cp', runId]);
  }

  /** Ids of runs that were in progress on `agent` when it last stopped. */
  async activeRuns(tenant: string, agent: string): Promise<string[]> {
    return (await this.runs.list([tenant, 'active', agent])).map((e) => e.key[3] as string);
  }

  /** Every run the global index lists as active, of every tenant and agent (in key order: tenant, agent, run). */
  async indexedRuns(): Promise<ActiveRun[]> {
    return (await this.runs.list<string>([ACTIVE_INDEX])).map((e) => ({
      tenant: e.key[1] as string,
      agent: e.key[2] as string,
      runId: e.key[3] as string,
      threadId: e.value,
    }));
  }

  /** True while `agent` holds run `runId` (its active marker is there). */
  async isActive(tenant: string, agent: string, runId: string): Promise<boolean> {
    return (await this.runs.get([tenant, 'active', agent, runId])) !== undefined;
  }

  /** Drops an index entry whose marker is gone (a process died between the two writes of a `putMany` on JetStream). */
  async unindex(tenant: string, agent: string, runId: string): Promise<void> {
    await this.runs.delete([ACTIVE_INDEX, tenant, agent, runId]);
  }

  /**
   * Indexes the active markers of `tenant` written before the global index existed, once per tenant (a flag remembers
   * it). Returns how many markers it indexed.
   */
  async indexMarkers(tenant: string): Promise<number> {
    const flag = [INDEXED, tenant];
    if ((await this.runs.get(flag)) !== undefined) return 0;
    const markers = await this.runs.list<string>([tenant, 'active']);
    const entries = markers.map((e) => ({ key: [ACTIVE_INDEX, tenant, e.key[2] as string, e.key[3] as string], value: e.value }));
    for (let i = 0; i < entries.length; i += 64) await this.runs.putMany(entries.slice(i, i + 64));
    await this.runs.put(flag, new Date().toISOString());
    return entries.length;
  }

  /**
   * Marks run `runId` made on thread `threadId`, create-only (`putFenced` at epoch 0 over a marker carrying epoch 1: an
   * existing marker refuses it, atomically on memory and lmdb, by compare-and-set on JetStream). False when another
   * create made the run first: two creates of one run id that both found no record (two activations of an agent, one
   * about to lose its lease) cannot both write its first record and both drive it.
   */
  async markMade(tenant: string, runId: string, threadId: string): Promise<boolean> {
    const key = [tenant, 'made', runId];
    return this.runs.putFenced(key, 0, [{ key, value: { epoch: 1, thread_id: threadId } }]);
  }

  /** The thread the create that made run `runId` named ({@link markMade}), if one made it. */
  async madeOn(tenant: string, runId: string): Promise<string | undefined> {
    return (await this.runs.get<{ thread_id: string }>([tenant, 'made', runId]))?.thread_id;
  }

  /** Marks a run finished at `at` (ISO time), so {@link pruneRuns} finds it when it is old enough. */
  async markFinished(tenant: string, agent: string, runId: string, at: string): Promise<void> {
    await this.runs.put([tenant, 'done', agent, at, runId], runId);
  }

  /**
   * Deletes the runs `agent` finished before `before` (ISO time): their event logs, records and
   * resume state (threads and their history stay). Returns how many runs went.
   */
  async pruneRuns(tenant: string, agent: string, before: string, limit = 1000): Promise<number> {
    let n = 0;
    for (const e of await this.runs.list<string>([tenant, 'done', agent])) {
      if ((e.key[3] as string) >= before || n >= limit) break;
      const runId = e.key[4] as string;
      const record = await this.getRun(tenant, runId);
      await this.runs.deletePrefix([tenant, 'ev', runId]);
      await this.runs.deletePrefix([tenant, 'evbody', runId]);
      await this.runs.deletePrefix([tenant, 'driver', runId]);
      await this.runs.delete([tenant, 'cp', runId]);
      if (record !== undefined) await this.runs.delete([tenant, 'by-thread', record.thread_id, runId]);
      await this.runs.delete([tenant, 'run', runId]);
      await this.runs.delete([tenant, 'made', runId]);
      await this.runs.delete(e.key);
      n++;
    }
    return n;
  }

  /** Forgets a run's resume state on `agent` (it ended or moved to another agent): its marker, then its index entry. */
  async release(tenant: string, agent: string, runId: string, keepCheckpoint = false): Promise<void> {
    await this.runs.delete([tenant, 'active', agent, runId]);
    await this.runs.delete([ACTIVE_INDEX, tenant, agent, runId]);
    if (!keepCheckpoint) await this.runs.delete([tenant, 'cp', runId]);
  }
}

/** What readers of runs and threads may do (the gateway, tools): read. Writes go through each thread's owner (ADR 0018). */
export type RunReads = Pick<
  RunStore,
  | 'getThread'
  | 'thread'
  | 'searchThreads'
  | 'history'
  | 'checkpoint'
  | 'getRun'
  | 'run'
  | 'threadRuns'
  | 'events'
  | 'storedEvent'
  | 'lastSeq'
  | 'getCheckpoint'
>;

/** A read model over `storage`'s runs and threads. */
export function runReads(storage: Storage): RunReads {
  return new RunStore(storage);
}
