/**
 * Recovery at start-up (ADR 0007, addendum): an agent resumes its runs in `init`, but only once something activates
 * it. When a node starts, and when a node of its mesh is gone, {@link RunRecovery} reads the global index of active
 * runs (store.ts) and ensures `agent/<name>` in each tenant that has runs in flight — through the catalog's ensure,
 * so on a mesh the actor lands on its placed node — and the agent's own restore drives the runs on. A run no actor
 * can drive any more (its agent is no longer configured) is ended here as `error` with the reason
 * ({@link abandonRun}). Activations are bounded per tenant and overall, and tenants take turns, so one tenant with
 * thousands of runs in flight does not starve another.
 */
import { DEFAULT_TENANT, backoffDelay, isTroupeError, runTopic, type RunEvent } from '../../protocols/index.js';
import type { ActorSystem, TimerHandle } from '../../runtime/index.js';
import { TERMINAL_RUN_STATUSES } from './run-contract.js';
import { RunStore, isRunTakenOver, type ActiveRun, type RunFence, type RunRecord } from './store.js';
import type { WireEvent } from './event-log.js';
import { ThreadOwners, type Resolve } from './threads.js';

/** What a recovery needs. */
export interface RecoveryOptions {
  readonly system: ActorSystem;
  /** Finds or activates an actor (the catalog's ensure); rejects `not_found` for an agent no kind serves. */
  readonly resolve: Resolve;
  /** Tenants whose active markers from before the global index existed are indexed once (default: the default tenant). */
  readonly tenants?: readonly string[];
  /** Most activations (or abandoned runs ended) at once per tenant (default 4). */
  readonly perTenant?: number;
  /** Most at once over every tenant (default 16). */
  readonly concurrency?: number;
  /** Largest random delay before a pass, so the nodes of a mesh do not all start theirs together (default 250 ms). */
  readonly jitterMs?: number;
  /** Delay before the pass that follows a node leaving the mesh (default 1 s; the placement sweep goes first). */
  readonly afterNodeGoneMs?: number;
  /**
   * Longest delay before a pass that retries agents that could not be reached (default 5 s; at most 8 retries in a row).
   * The first retry comes after 1 s (or `retryMs`, when shorter), each next one after twice as long: a pass that failed
   * on a NATS election is retried once the election is likely over, not 5 s later.
   */
  readonly retryMs?: number;
}

/** What one pass did. */
export interface RecoveryReport {
  /** Agents ensured (activated, or found active) in some tenant. */
  readonly ensured: number;
  /** Runs ended as `error` because no actor could drive them. */
  readonly abandoned: number;
  /** Index entries dropped because their marker was gone. */
  readonly cleaned: number;
  /** Agents that could not be reached (retried by a later pass). */
  readonly failed: number;
}

/** How long a run found without a checkpoint is left to its create, which may still be under way on another node (ms). */
export const claimGrace = { ms: 30_000 };

/** Ms left before run `record`, found without a checkpoint, counts as abandoned ({@link claimGrace}; 0 when it does). */
export function graceLeft(record: Pick<RunRecord, 'updated_at'>): number {
  const at = Date.parse(record.updated_at);
  return Number.isNaN(at) ? 0 : Math.max(0, at + claimGrace.ms - Date.now());
}

/** What writes an abandoned run's end: the run store, and the thread owners that release its thread. */
export interface RunWriters {
  readonly store: RunStore;
  readonly threads: ThreadOwners;
}

/**
 * Records a run's end that its log holds and its record does not (its driver stopped between the two writes): the
 * record made final from `end` (fenced), the thread's status following it, `beforeRelease` (a finish marker), the
 * active marker released, the end published for its waiters.
 */
export async function recordLoggedEnd(
  system: ActorSystem,
  writers: RunWriters,
  tenant: string,
  record: RunRecord,
  end: RunEvent,
  fence: RunFence,
  beforeRelease?: () => Promise<void>,
): Promise<void> {
  const data = end.data as { status: string; error?: string; output?: unknown; usage?: RunRecord['usage'] };
  Object.assign(
    record,
    { status: data.status, last_seq: end.seq },
    data.usage === undefined ? {} : { usage: data.usage },
    data.output === undefined ? {} : { output: data.output },
    data.error === undefined ? {} : { error: data.error },
  );
  await writers.store.putRun(tenant, record, false, fence);
  // The thread's status follows the run's end (its history keeps the checkpoint's messages: the last step's are in
  // the run's log).
  const status = data.status === 'success' || data.status === 'cancelled' ? 'idle' : 'error';
  await writers.threads
    .status(tenant, { thread_id: record.thread_id, run_id: record.run_id, status, driver: fence })
    .catch((e: unknown) => system.warn(`run ${record.run_id}: its thread was not released: ${(e as Error).message}`));
  await beforeRelease?.();
  await writers.store.release(tenant, fence.agent, record.run_id, false);
  await system.publish(runTopic(record.run_id), end, { tenant });
}

/** The run's end if its log's last event is one (a terminal `status`). */
function loggedEnd(log: readonly RunEvent[]): RunEvent | undefined {
  const last = log.at(-1);
  const status = last?.event === 'status' ? (last.data as { status?: string } | undefined)?.status : undefined;
  return status !== undefined && TERMINAL_RUN_STATUSES.has(status) ? last : undefined;
}

/** Most times an abandon reads the run again after its end's seq was taken by a late write. */
const ABANDON_TRIES = 3;

/**
 * Ends a run no actor can drive as `error` with `reason`, as its host would have: the final `status` event logged,
 * the record made final, the thread released through its owner (fenced: only while the run holds it), the run's
 * active marker released, then the event published (so `join` and waiters return). A run already ended or without
 * a record is only released; an end its log holds is recorded instead. Returns true when it ended the run.
 *
 * A run without a checkpoint (its create stopped between its thread claim and its first checkpoint, or is still under
 * way on another node) is left to its create for {@link claimGrace} after its record's last write: the abandon is
 * made again then, and ends it only if it still has none.
 *
 * Compare-and-set: every write is fenced by `fence` (default: the epoch of the activation that last claimed the run),
 * and the end is logged once at the seq after the log's last event — a driver that logs an event or its end meanwhile
 * takes that seq first and the abandon is refused, reads the run again and goes by what it finds. The end is never
 * written over a run that ended, nor over a run whose driver checkpoints meanwhile (`unlessCheckpointed`).
 */
export async function abandonRun(
  system: ActorSystem,
  writers: RunWriters,
  tenant: string,
  agent: string,
  runId: string,
  reason: string,
  options: { readonly fence?: RunFence; readonly unlessCheckpointed?: boolean } = {},
): Promise<boolean> {
  const { store } = writers;
  const fence = options.fence ?? { agent, epoch: await store.driverEpoch(tenant, runId, agent) };
  for (let attempt = 1; ; attempt++) {
    const record = await store.getRun(tenant, runId);
    if (record === undefined || TERMINAL_RUN_STATUSES.has(record.status)) {
      await store.release(tenant, agent, runId);
      return false;
    }
    let unreadable = false;
    const cp = await store.getCheckpoint(tenant, runId).catch(() => {
      unreadable = true;
      return undefined;
    });
    if (cp !== undefined && options.unlessCheckpointed === true) return false;
    if (cp === undefined && !unreadable) {
      const wait = graceLeft(record);
      if (wait > 0) {
        system.clock.setTimer(wait, () => {
          // With the fence read now: an activation that claims the run meanwhile is left to end or resume it.
          abandonRun(system, writers, tenant, agent, runId, reason, { ...options, fence }).catch((e: unknown) =>
            system.warn(`run ${runId}: not abandoned: ${(e as Error).message}`),
          );
        });
        return false;
      }
    }
    // An event that cannot be read back (a torn out-of-line body) does not keep the run from ending: its seq is known.
    const log = await store.events(tenant, runId, record.last_seq).catch(() => undefined);
    const end = log === undefined ? undefined : loggedEnd(log);
    if (end !== undefined) {
      await recordLoggedEnd(system, writers, tenant, record, end, fence);
      return false;
    }
    const seq = Math.max(log === undefined ? await store.lastSeq(tenant, runId) : (log.at(-1)?.seq ?? 0), record.last_seq) + 1;
    const usage = record.usage ?? { prompt_tokens: 0, completion_tokens: 0, cost: 0 };
    const last: RunEvent = {
      run_id: runId,
      thread_id: record.thread_id,
      seq,
      event: 'status',
      agent,
      data: { status: 'error', error: reason, usage },
    };
    let wire: WireEvent | undefined;
    try {
      [wire] = await store.appendEvents(tenant, [last], fence);
    } catch (e) {
      // Its seq taken (a driver's event, or its end) or a newer activation claimed the run: read again, or leave it.
      if (!isRunTakenOver(e) || attempt >= ABANDON_TRIES || !(await store.drives(tenant, runId, fence))) return false;
      continue;
    }
    Object.assign(record, { status: 'error', error: reason, last_seq: seq, usage });
    try {
      await store.putRun(tenant, record, false, fence);
    } catch (e) {
      // A newer activation claimed it since: its restore finds the end logged and records it.
      if (isRunTakenOver(e)) return false;
      throw e;
    }
    try {
      const messages = cp?.messages ?? (await store.getThread(tenant, record.thread_id))?.values.messages ?? [];
      await writers.threads.checkpoint(tenant, {
        thread_id: record.thread_id,
        run_id: runId,
        messages: [...messages],
        status: 'error',
        driver: fence,
      });
    } catch (e) {
      system.warn(`run ${runId}: its thread ${record.thread_id} was not released: ${(e as Error).message}`);
    }
    await store.release(tenant, agent, runId);
    await system.publish(runTopic(runId), wire ?? last, { tenant });
    return true;
  }
}

/** A semaphore whose waiters are served first come, first served (so tenants waiting for a slot take turns). */
class Slots {
  private free: number;
  private readonly waiting: (() => void)[] = [];

  constructor(n: number) {
    this.free = n;
  }

  async take(): Promise<void> {
    if (this.free > 0) {
      this.free--;
      return;
    }
    await new Promise<void>((r) => this.waiting.push(r));
  }

  give(): void {
    const next = this.waiting.shift();
    if (next !== undefined) next();
    else this.free++;
  }
}

type Task = () => Promise<void>;

/** The first retry of a pass that could not reach an agent (ms), and most retries in a row. */
const FIRST_RETRY_MS = 1_000;
const MAX_RETRIES = 8;

/** Resumes the runs storage records as active, on node start and when a node of the mesh is gone. */
export class RunRecovery {
  private readonly store: RunStore;
  private readonly threads: ThreadOwners;
  private timer: TimerHandle | undefined;
  private current: Promise<RecoveryReport> | undefined;
  private again = false;
  private retries = 0;
  private closed = false;
  private unwatch: (() => void) | undefined;

  constructor(private readonly options: RecoveryOptions) {
    this.store = new RunStore(options.system.storage);
    this.threads = new ThreadOwners(options.system, options.resolve);
  }

  /** Schedules the first pass (after a jitter) and a pass whenever a node leaves the mesh or is declared dead. */
  start(): void {
    this.schedule(0);
    this.unwatch = this.options.system.transport.cluster?.membership.onChange((e) => {
      if (e.type === 'dead' || e.type === 'leave') this.schedule(this.options.afterNodeGoneMs ?? 1_000);
    });
  }

  /** Stops scheduling passes and waits for the one under way (it stops taking new work). */
  async close(): Promise<void> {
    this.closed = true;
    this.unwatch?.();
    if (this.timer !== undefined) this.options.system.clock.clearTimer(this.timer);
    this.timer = undefined;
    await this.current?.catch(() => undefined);
  }

  private schedule(delayMs: number): void {
    if (this.closed || this.timer !== undefined) return;
    const jitter = Math.floor(Math.random() * (this.options.jitterMs ?? 250));
    this.timer = this.options.system.clock.setTimer(delayMs + jitter, () => {
      this.timer = undefined;
      this.pass().catch((e: unknown) => this.options.system.warn(`run recovery: ${(e as Error).message}`));
    });
  }

  /** One pass over the index (a pass asked for while one runs follows it). */
  async pass(): Promise<RecoveryReport> {
    if (this.current !== undefined) {
      this.again = true;
      return this.current;
    }
    this.current = this.once().finally(() => {
      this.current = undefined;
    });
    const report = await this.current;
    if (this.again) {
      this.again = false;
      this.schedule(0);
    } else if (report.failed > 0 && this.retries < MAX_RETRIES) {
      const maxMs = this.options.retryMs ?? 5_000;
      this.schedule(backoffDelay(++this.retries, { initialMs: Math.min(FIRST_RETRY_MS, maxMs), maxMs }));
    } else if (report.failed === 0) this.retries = 0;
    return report;
  }

  private async once(): Promise<RecoveryReport> {
    const { system } = this.options;
    for (const tenant of new Set([DEFAULT_TENANT, ...(this.options.tenants ?? [])])) await this.store.indexMarkers(tenant);
    const byTenant = new Map<string, Map<string, ActiveRun[]>>();
    for (const run of await this.store.indexedRuns()) {
      const agents = byTenant.get(run.tenant) ?? new Map<string, ActiveRun[]>();
      byTenant.set(run.tenant, agents);
      agents.set(run.agent, [...(agents.get(run.agent) ?? []), run]);
    }
    const report: Counts = { ensured: 0, abandoned: 0, cleaned: 0, failed: 0 };
    const slots = new Slots(this.options.concurrency ?? 16);
    /** Runs `tasks` of `tenant`, at most `perTenant` at once, each holding one of the shared slots. */
    const pool = async (tenant: string, tasks: Task[]): Promise<void> => {
      const worker = async (): Promise<void> => {
        for (let task = tasks.shift(); task !== undefined && !this.closed; task = tasks.shift()) {
          await slots.take();
          try {
            await task();
          } catch (e) {
            system.warn(`run recovery in tenant ${tenant}: ${(e as Error).message}`);
          } finally {
            slots.give();
          }
        }
      };
      await Promise.all(Array.from({ length: this.options.perTenant ?? 4 }, worker));
    };
    await Promise.all(
      [...byTenant].map(async ([tenant, agents]) => {
        // First every agent is ensured (its restore resumes its runs); then the runs of agents no kind serves end.
        const orphans: Task[] = [];
        await pool(
          tenant,
          [...agents].map(
            ([agent, runs]) =>
              () =>
                this.recoverAgent(tenant, agent, runs, orphans, report),
          ),
        );
        await pool(tenant, orphans);
      }),
    );
    return report;
  }

  /** Ensures `agent/<agent>` in `tenant` (its restore resumes `runs`), or adds ending them to `orphans` when no kind serves it. */
  private async recoverAgent(tenant: string, agent: string, runs: readonly ActiveRun[], orphans: Task[], report: Counts): Promise<void> {
    const live: ActiveRun[] = [];
    for (const r of runs) {
      if (await this.store.isActive(tenant, agent, r.runId)) live.push(r);
      else {
        await this.store.unindex(tenant, agent, r.runId);
        report.cleaned++;
      }
    }
    if (live.length === 0) return;
    try {
      await this.options.resolve(`agent/${agent}`, tenant);
      report.ensured++;
    } catch (e) {
      if (!isTroupeError(e, 'not_found')) {
        report.failed++;
        this.options.system.warn(`run recovery: agent ${agent} in tenant ${tenant} not reached: ${(e as Error).message}`);
        return;
      }
      const reason = `agent ${agent} is no longer configured: run abandoned after a restart`;
      const writers = { store: this.store, threads: this.threads };
      for (const r of live)
        orphans.push(async () => {
          if (await abandonRun(this.options.system, writers, tenant, agent, r.runId, reason)) report.abandoned++;
        });
    }
  }
}

type Counts = { -readonly [K in keyof RecoveryReport]: RecoveryReport[K] };

const running = new WeakMap<ActorSystem, RunRecovery>();

/**
 * The recovery of `system`, started on the first call: every kind whose actors hold runs (local and remote agents)
 * calls this from its `start`, and one recovery serves them all (they share the index and the `agent/<name>` space).
 */
export function startRecovery(options: RecoveryOptions): RunRecovery {
  let r = running.get(options.system);
  if (r === undefined) {
    r = new RunRecovery(options);
    running.set(options.system, r);
    r.start();
  }
  return r;
}

/** Stops the recovery of `system` (from the kinds' `close`); the next {@link startRecovery} makes a new one. */
export async function stopRecovery(system: ActorSystem): Promise<void> {
  const r = running.get(system);
  running.delete(system);
  await r?.close();
}
