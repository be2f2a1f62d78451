/**
 * One writer per thread (ADR 0018): the thread owner `thread/<shard>` of a tenant is the only actor that changes
 * that tenant's threads in its shard — create, patch metadata, delete, copy, claim for a run, checkpoint, status.
 * Its mailbox orders every write, so a metadata patch racing a run's checkpoint, or two nodes writing one thread,
 * cannot lose an update: each write reads the thread and writes it back before the next one starts. Runs write
 * only while they hold the thread (fencing): a late write of a run that was cancelled, ended or whose thread was
 * deleted is refused, so it cannot bring a thread back or overwrite a newer run's state.
 *
 * Readers (the gateway, tools) read storage directly through {@link RunStore}'s read methods.
 */
import {
  ActorStoppedError,
  ConflictError,
  STOPPED_BEFORE_HANDLING,
  THREAD_CHECKPOINT,
  THREAD_CLAIM,
  THREAD_COPY,
  THREAD_CREATE,
  THREAD_DELETE,
  THREAD_PATCH,
  THREAD_STATUS,
  isTroupeError,
  threadCheckpointWriteSchema,
  threadClaimSchema,
  threadCopySchema,
  threadCreateSchema,
  threadDeleteSchema,
  threadOwnerAddress,
  threadPatchSchema,
  threadStatusWriteSchema,
  type ThreadCheckpointWrite,
  type ThreadClaim,
  type ThreadStatusWrite,
  type ThreadWriteReply,
} from '../../protocols/index.js';
import type { ActorContext, ActorRef, ActorSystem, Behavior, KvBucket, Storage } from '../../runtime/index.js';
import type { ChatMessage } from '../llm/types.js';
import { TERMINAL_RUN_STATUSES, askHandled } from './run-contract.js';
import { RunStore, type RunCheckpoint, type RunFence, type RunRecord, type StoredThread, type ThreadRecord } from './store.js';

/** What a claim is answered with: the run existed already (a redelivered create), or the thread it now holds. */
export type ClaimReply =
  | { readonly existing: { readonly run_id: string; readonly thread_id: string; readonly status: string } }
  | { readonly thread: ThreadRecord };

/** An agent run's first checkpoint as its claim carries it: the checkpoint without messages, and the run's input. */
export interface FirstCheckpoint {
  readonly input: readonly ChatMessage[];
  readonly checkpoint: Omit<RunCheckpoint, 'messages' | 'thread_id'>;
}

/** The state of a thread owner. */
export interface ThreadOwnerState {
  readonly store: RunStore;
}

/** True when the thread is held by a run that has not ended (a held thread refuses another run). */
async function heldBy(store: RunStore, tenant: string, t: ThreadRecord): Promise<string | undefined> {
  if ((t.status !== 'busy' && t.status !== 'interrupted') || t.run_id === undefined) return undefined;
  const holder = await store.getRun(tenant, t.run_id);
  // A holder without a record, or one that ended (its host died before writing the thread's end), does not hold.
  return holder !== undefined && !TERMINAL_RUN_STATUSES.has(holder.status) ? t.run_id : undefined;
}

/** A run may write its thread while it holds it, and (when the write names its driver) while no newer activation drives it. */
async function fence(
  store: RunStore,
  tenant: string,
  threadId: string,
  runId: string,
  driver: RunFence | undefined,
): Promise<StoredThread | ThreadWriteReply> {
  const [t, drives] = await Promise.all([
    store.storedThread(tenant, threadId),
    driver === undefined ? true : store.drives(tenant, runId, driver),
  ]);
  if (t === undefined) return { applied: false, reason: 'missing' };
  if (t.run_id !== runId) return { applied: false, reason: 'held' };
  if (!drives) return { applied: false, reason: 'taken_over' };
  return t;
}

/**
 * The node's storage as a thread owner writes it: every write is refused (before it is sent) once this activation no
 * longer holds its address. A handler reads, then writes; an owner paused in between (a stopped process, a cut link)
 * whose shard was taken over meanwhile would otherwise write over what the next owner wrote — a thread's status, its
 * head. Refused as an actor stopped before handling the message: its sender asks again, and the next owner answers.
 */
export function whileHeld(storage: Storage, ctx: Pick<ActorContext<unknown>, 'holdsAddress' | 'self'>): Storage {
  /** `write`, once this activation is found to hold its address still (a rejected promise, nothing sent, else). */
  const check = <T>(write: () => Promise<T>): Promise<T> =>
    ctx.holdsAddress ? write() : Promise.reject(new ActorStoppedError(`${ctx.self.address} lost its lease; ${STOPPED_BEFORE_HANDLING}`));
  const bucket = (name: string): KvBucket => {
    const b = storage.bucket(name);
    return {
      name: b.name,
      get: (key) => b.get(key),
      list: (prefix, options) => b.list(prefix, options),
      put: (key, value) => check(() => b.put(key, value)),
      putMany: (entries) => check(() => b.putMany(entries)),
      putFenced: (fence, epoch, entries) => check(() => b.putFenced(fence, epoch, entries)),
      delete: (key) => check(() => b.delete(key)),
      deletePrefix: (prefix) => check(() => b.deletePrefix(prefix)),
    };
  };
  const held: Storage = { kind: storage.kind, bucket, close: () => storage.close() };
  return held;
}

/** The behavior of a thread owner (`thread/<shard>`, stateful, one per shard and tenant). */
export function threadOwnerBehavior(): Behavior<ThreadOwnerState> {
  return {
    init: (ctx) => ({ store: new RunStore(whileHeld(ctx.system.storage, ctx)) }),
    // Every write is made inside a handler and kept in storage: an idle owner may always sleep (ADR 0036).
    canPassivate: () => true,
    schemas: {
      [THREAD_CREATE]: threadCreateSchema,
      [THREAD_PATCH]: threadPatchSchema,
      [THREAD_DELETE]: threadDeleteSchema,
      [THREAD_COPY]: threadCopySchema,
      [THREAD_CLAIM]: threadClaimSchema,
      [THREAD_CHECKPOINT]: threadCheckpointWriteSchema,
      [THREAD_STATUS]: threadStatusWriteSchema,
    },
    async receive(msg, ctx) {
      const { store } = ctx.state;
      const tenant = ctx.self.tenant;
      switch (msg.type) {
        case THREAD_CREATE: {
          const p = threadCreateSchema.parse(msg.payload);
          return store.createThread(tenant, {
            ...(p.thread_id === undefined ? {} : { thread_id: p.thread_id }),
            ...(p.metadata === undefined ? {} : { metadata: p.metadata }),
            ...(p.if_exists === undefined ? {} : { ifExists: p.if_exists }),
          });
        }
        case THREAD_PATCH: {
          const p = threadPatchSchema.parse(msg.payload);
          return store.patchThread(tenant, p.thread_id, p.metadata);
        }
        case THREAD_DELETE: {
          const p = threadDeleteSchema.parse(msg.payload);
          return { deleted: await store.deleteThread(tenant, p.thread_id) };
        }
        case THREAD_COPY: {
          const p = threadCopySchema.parse(msg.payload);
          return store.copyThread(tenant, p.from, p.thread_id);
        }
        case THREAD_CLAIM: {
          // Checked against the schema by the message loop already (`schemas`); every field read here is one it names.
          const p = msg.payload as ThreadClaim;
          const run = p.run as unknown as RunRecord;
          const existing = await store.getRun(tenant, run.run_id);
          if (existing !== undefined) {
            if (existing.thread_id !== p.thread_id) throw new ConflictError(`run ${run.run_id} exists on another thread`);
            return { existing: { run_id: run.run_id, thread_id: existing.thread_id, status: existing.status } } satisfies ClaimReply;
          }
          // A thread made for the run is written once, by the status write that ends the claim (one write, not two):
          // a claim that fails before it leaves no empty thread behind.
          const made = (await store.getThread(tenant, p.thread_id)) ?? store.newThread(p.thread_id);
          const holder = await heldBy(store, tenant, made);
          if (holder !== undefined) throw new ConflictError(`thread ${made.thread_id} is busy with run ${holder}`);
          // Another create of the same run id (on another thread's owner) may have found no record either: only one
          // of them makes the run; the other is answered with it, as a create that came after it would be.
          // (A claim of this thread that failed after its marker, tried again, finds its own marker: it goes on.)
          if (!(await store.markMade(tenant, run.run_id, p.thread_id))) {
            const on = await store.madeOn(tenant, run.run_id);
            if (on !== p.thread_id) {
              // A thread this claim made for the run was not written: no lost race leaves an empty thread behind.
              const other = await store.getRun(tenant, run.run_id);
              const threadId = other?.thread_id ?? on ?? p.thread_id;
              return { existing: { run_id: run.run_id, thread_id: threadId, status: other?.status ?? 'running' } } satisfies ClaimReply;
            }
          }
          const thread = p.checkpoint_id === undefined ? made : await store.forkPoint(tenant, made, p.checkpoint_id);
          // An agent's run gets its first checkpoint with its record: the thread's history here, then the input.
          const first =
            p.first === undefined
              ? undefined
              : ({
                  ...(p.first.checkpoint as unknown as Omit<RunCheckpoint, 'messages'>),
                  run_id: run.run_id,
                  thread_id: thread.thread_id,
                  messages: [...thread.values.messages, ...(p.first.input as ChatMessage[])],
                } satisfies RunCheckpoint);
          if (!(await store.putNewRun(tenant, run, first))) {
            // Another claim of the run made it meanwhile: this owner read no record, then lost the thread (its node
            // paused) to the owner that came next. The run it finds is the answer; the thread is that owner's.
            const other = await store.getRun(tenant, run.run_id);
            if (other !== undefined) {
              // Its checkpoint and active marker, written before the record was refused, are not a run's that ended.
              if (TERMINAL_RUN_STATUSES.has(other.status)) await store.release(tenant, first?.agent ?? run.agent, run.run_id);
              if (other.thread_id !== p.thread_id) throw new ConflictError(`run ${run.run_id} exists on another thread`);
              return { existing: { run_id: run.run_id, thread_id: other.thread_id, status: other.status } } satisfies ClaimReply;
            }
            // Only a first checkpoint, of a claim of this thread that stopped before its record (or under way on an
            // owner that lost the thread): this claim makes the run, its checkpoint replacing that one.
            if (!(await store.putNewRun(tenant, run, first, false)))
              throw new ConflictError(`run ${run.run_id} was made by another claim meanwhile; ask again`);
          }
          // The thread just read is the one written: no second read (setThreadStatus sets status, holder, interrupts).
          await store.setThreadStatus(tenant, thread.thread_id, 'busy', run.run_id, [], thread);
          return { thread } satisfies ClaimReply;
        }
        case THREAD_CHECKPOINT: {
          // Checked against the schema by the message loop already (`schemas`): a run's whole conversation, every step,
          // is not parsed twice.
          const p = msg.payload as ThreadCheckpointWrite;
          const t = await fence(store, tenant, p.thread_id, p.run_id, p.driver);
          if (!('thread_id' in t)) return t;
          await store.checkpointThread(
            tenant,
            p.thread_id,
            p.run_id,
            p.messages as unknown as ChatMessage[],
            p.status,
            p.interrupts ?? [],
            p.next ?? [],
            t,
          );
          return { applied: true } satisfies ThreadWriteReply;
        }
        case THREAD_STATUS: {
          const p = msg.payload as ThreadStatusWrite; // checked by the message loop (`schemas`)
          const t = await fence(store, tenant, p.thread_id, p.run_id, p.driver);
          if (!('thread_id' in t)) return t;
          await store.setThreadStatus(tenant, p.thread_id, p.status, p.run_id, p.interrupts ?? [], t);
          return { applied: true } satisfies ThreadWriteReply;
        }
        default:
          return undefined;
      }
    },
  };
}

/** Finds (activating when needed) the actor at `address` in `tenant`. */
export type Resolve = (address: string, tenant: string) => Promise<ActorRef>;

/**
 * How everyone else changes threads: each call is a message to the thread's owner. `resolve` is the catalog's
 * (placement on a mesh); without one the owner is activated on this node unless it is active somewhere already.
 */
export class ThreadOwners {
  private readonly inflight = new Map<string, Promise<ActorRef>>();

  /**
   * `runWrites`: the claims, checkpoints and statuses sent are a local agent's own, made from values checked already
   * (its create's input, its model's replies): trusted, so the owner on this node does not check them again.
   */
  constructor(
    private readonly system: ActorSystem,
    private readonly resolve?: Resolve,
    private readonly timeoutMs = 30_000,
    private readonly runWrites: 'trusted' | 'checked' = 'checked',
  ) {}

  /** The owner of `threadId` in `tenant`. */
  owner(tenant: string, threadId: string): Promise<ActorRef> {
    const address = threadOwnerAddress(threadId);
    if (this.resolve !== undefined) return this.resolve(address, tenant);
    const ref = this.system.ref(address, tenant);
    if (this.system.stateOf(ref) !== undefined) return Promise.resolve(ref);
    const key = `${tenant}\u0000${address}`;
    let p = this.inflight.get(key);
    if (p === undefined) {
      p = this.system
        .spawn(address, threadOwnerBehavior(), { tenant })
        .catch((e: unknown) => {
          if (isTroupeError(e, 'conflict')) return ref; // active already, here or on another node
          throw e;
        })
        .finally(() => this.inflight.delete(key));
      this.inflight.set(key, p);
    }
    return p;
  }

  /** `trusted`: see the constructor's `runWrites`. */
  private ask<R>(tenant: string, threadId: string, type: string, payload: unknown, trusted = false): Promise<R> {
    const options = trusted ? { timeoutMs: this.timeoutMs, trusted } : { timeoutMs: this.timeoutMs };
    return askHandled(
      () => this.owner(tenant, threadId),
      (owner) => owner.ask<R>(type, payload, options),
    );
  }

  /** Makes a thread (`if_exists: do_nothing` returns the existing one; `raise`, the default, is a conflict). */
  create(
    tenant: string,
    init: { thread_id: string; metadata?: Record<string, unknown>; if_exists?: 'raise' | 'do_nothing' },
  ): Promise<ThreadRecord> {
    return this.ask(tenant, init.thread_id, THREAD_CREATE, init);
  }

  /** Merges `metadata` into the thread's (not_found when there is none). */
  patch(tenant: string, threadId: string, metadata: Record<string, unknown>): Promise<ThreadRecord> {
    return this.ask(tenant, threadId, THREAD_PATCH, { thread_id: threadId, metadata });
  }

  /** Deletes a thread and its history; false when there was none. */
  async delete(tenant: string, threadId: string): Promise<boolean> {
    return (await this.ask<{ deleted: boolean }>(tenant, threadId, THREAD_DELETE, { thread_id: threadId })).deleted;
  }

  /** Copies thread `from` (metadata and history) to the new thread `to`, idle. */
  copy(tenant: string, from: string, to: string): Promise<ThreadRecord> {
    return this.ask(tenant, to, THREAD_COPY, { thread_id: to, from });
  }

  /** Claims the thread of `run` for it (made when absent), writing the run's first record; `from`: a fork at that checkpoint. */
  claim(tenant: string, run: RunRecord, from?: string, first?: FirstCheckpoint): Promise<ClaimReply> {
    const claim = {
      thread_id: run.thread_id,
      run,
      ...(from === undefined ? {} : { checkpoint_id: from }),
      ...(first === undefined ? {} : { first }),
    };
    return this.ask(tenant, run.thread_id, THREAD_CLAIM, claim, this.runWrites === 'trusted');
  }

  /** Writes a checkpoint of the run holding the thread. */
  checkpoint(
    tenant: string,
    write: Omit<ThreadCheckpointWrite, 'messages'> & { readonly messages: readonly ChatMessage[] },
  ): Promise<ThreadWriteReply> {
    return this.ask(tenant, write.thread_id, THREAD_CHECKPOINT, write, this.runWrites === 'trusted');
  }

  /** Sets the thread's status for the run holding it. */
  status(tenant: string, write: ThreadStatusWrite): Promise<ThreadWriteReply> {
    return this.ask(tenant, write.thread_id, THREAD_STATUS, write, this.runWrites === 'trusted');
  }
}
