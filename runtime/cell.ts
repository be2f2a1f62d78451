/**
 * An actor cell: one address's mailbox, behavior, state and lifecycle on this node.
 * Messages are handled one at a time in arrival order; a crash keeps the message at the
 * head of the mailbox and reports the failure to the parent as a message; the parent
 * decides (restart, stop, terminate). A message that crashes the actor `maxDeliveries`
 * times becomes a poison dead letter. Nothing queued is dropped without a dead letter.
 */
import {
  TroupeError,
  isTroupeError,
  ActorStoppedError,
  DeadlineExceededError,
  HandlerError,
  PoisonMessageError,
  ValidationError,
  formatIssues,
  toWireError,
  type DeadLetterReason,
  type Envelope,
  type LifecycleState,
  type WireError,
} from '../protocols/index.js';
import { Deque } from './deque.js';
import type { Lifecycle, LifecycleInput } from './lifecycle.js';
import type { ActorContext, Behavior, RestartType, SpawnOptions } from './behavior.js';
import type { Binding, MailboxSink, Receipt } from './transport.js';
import type { CellHost, CellPersistence, CellSnapshot, ResolvedOptions } from './cell-host.js';
import type { ActorRef } from './ref.js';

/** Where a cell is in its life (the runtime's own view; the lifecycle machine is the public one). */
type Mode = 'new' | 'starting' | 'running' | 'suspended' | 'stopping' | 'ended';

/** How an actor ends (see {@link ActorCell.end}). */
export type EndMode = 'stop' | 'terminate' | 'handover' | 'lost' | 'exit';

interface Entry {
  readonly env: Envelope;
  readonly receipt: Receipt | null;
}

const RESOLVED = Promise.resolve();

/**
 * Longest a draining node's actor keeps handling what it already pulled before handing the rest
 * back: a handover's promise is that nothing pulled is delivered twice, so it gets longer than a
 * stop (a loaded node may need more than the stop timeout for a full pool batch).
 */
const HANDOVER_FINISH_MS = 30_000;

/**
 * Error codes that mean "the message was wrong", not "the actor is broken": no restart for these.
 * `encode_error`/`decode_error`: the message's content cannot be stored or sent on (too deep, an
 * unpaired surrogate…) — the sender's error, never a crash that counts towards restart intensity.
 */
const REJECTION_CODES = new Set<string>([
  'bad_request',
  'conflict',
  'not_found',
  'forbidden',
  'unauthorized',
  'too_large',
  'rate_limited',
  'encode_error',
  'decode_error',
]);

function isRejection(e: unknown): e is TroupeError {
  return e instanceof TroupeError && REJECTION_CODES.has(e.code);
}

function isThenable(v: unknown): v is PromiseLike<unknown> {
  return typeof v === 'object' && v !== null && typeof (v as { then?: unknown }).then === 'function';
}

/** One actor on this node. */
export class ActorCell implements MailboxSink {
  readonly queue = new Deque<Entry>();
  private readonly sysQueue = new Deque<Envelope>();
  readonly children: ActorCell[] = [];
  mode: Mode = 'new';
  incarnation = 0;
  lifecycle!: Lifecycle;
  binding: Binding | undefined;
  /** Deliveries of the message currently at the head of the mailbox. */
  private headDeliveries = 0;
  private draining = false;
  private idleScheduled = false;
  private spaceWaiters: (() => void)[] = [];
  private readonly recent = new Set<string>();
  private readonly recentRing: (string | undefined)[];
  private recentAt = 0;
  private afterCurrent: (() => void) | undefined;
  private abort: AbortController | undefined;
  private state: unknown;
  current: Envelope | undefined;
  readonly ctx: ActorContext;
  private readonly cleanupHooks: (() => void)[] = [];
  private exiting = false;
  /** Ended by a normal exit: stays among its parent's children until the supervisor decides. */
  exited = false;
  /** Bumped by every restart decision and by ending: a pending restart or init of an older generation gives up. */
  private generation = 0;
  /** An async init still running (settles within initTimeoutMs); a restart waits for it. */
  private initRunning: Promise<void> | undefined;
  /** Bumped when the actor ends, so a handler still running then cannot touch the mailbox. */
  private epoch = 0;
  /** Snapshot persistence (clustered transports, behaviors with `snapshot`); acks wait for it. */
  persistence: CellPersistence | undefined;
  private deferredAcks: Receipt[] = [];

  constructor(
    readonly host: CellHost,
    readonly ref: ActorRef,
    readonly behavior: Behavior<unknown>,
    readonly options: ResolvedOptions,
    readonly restart: RestartType,
    readonly parent: ActorCell | undefined,
    readonly spawnOptions: SpawnOptions,
  ) {
    this.recentRing = new Array<string | undefined>(options.dedupWindow);
    this.ctx = host.makeContext(this);
  }

  get address(): string {
    return this.ref.address;
  }
  get tenant(): string {
    return this.ref.tenant;
  }
  get lifecycleState(): LifecycleState {
    return this.lifecycle.state;
  }
  get actorState(): unknown {
    return this.state;
  }
  set actorState(s: unknown) {
    this.state = s;
  }
  /** Lazily made, so handlers that never look at it cost nothing. */
  get signal(): AbortSignal {
    this.abort ??= new AbortController();
    return this.abort.signal;
  }

  // ---- MailboxSink -------------------------------------------------------------------

  get accepting(): boolean {
    return this.mode === 'running' || this.mode === 'starting' || this.mode === 'suspended';
  }

  offer(env: Envelope, receipt: Receipt | null): boolean {
    if (this.mode === 'stopping' || this.mode === 'ended') return false;
    if (this.queue.length >= this.options.capacity) return false;
    this.queue.push({ env, receipt });
    if (!this.draining && this.mode === 'running') {
      this.draining = true;
      void RESOLVED.then(this.drainFn);
    }
    return true;
  }

  waitForSpace(): Promise<void> {
    return new Promise((resolve) => this.spaceWaiters.push(resolve));
  }

  /** Queues a system message (child failures): unbounded, handled before user messages. */
  offerSystem(env: Envelope): void {
    if (this.mode === 'ended') return;
    this.sysQueue.push(env);
    this.kick();
  }

  private kick(): void {
    if (!this.draining && this.mode === 'running') {
      this.draining = true;
      void RESOLVED.then(this.drainFn);
    }
  }

  // ---- start / handle ------------------------------------------------------------------

  /** Runs `init` for a new incarnation; resolves when ready, rejects when init fails. */
  async start(): Promise<void> {
    this.incarnation++;
    const generation = this.generation;
    this.mode = 'starting';
    this.transition('START');
    this.state = undefined;
    let state: unknown;
    try {
      let restored: CellSnapshot | undefined;
      try {
        restored = this.persistence === undefined ? undefined : await this.persistence.load();
      } catch (e) {
        // The store (not the actor) failed, or a newer owner exists: not a crash of this actor.
        throw isTroupeError(e, 'conflict')
          ? e
          : new TroupeError('unavailable', `${this.address}: snapshot store unavailable: ${(e as Error).message}`, { cause: e });
      }
      if (generation !== this.generation) return;
      if (restored !== undefined) {
        for (const id of restored.recent) this.remember(id);
        const r = this.behavior.restore === undefined ? restored.state : this.behavior.restore(restored.state, this.ctx);
        state = isThenable(r) ? await this.withTimeout(r, this.options.initTimeoutMs, 'restore') : r;
      } else {
        const init = this.behavior.init?.(this.ctx);
        if (isThenable(init)) {
          const running = this.withTimeout(init, this.options.initTimeoutMs, 'init');
          this.initRunning = running.then(
            () => undefined,
            () => undefined,
          );
          state = await running;
        } else state = init;
      }
    } catch (e) {
      if (generation !== this.generation) return; // a newer restart or an end superseded this init
      if (this.mode === 'starting') {
        this.mode = 'suspended';
        this.transition('FAIL', toWireError(e, 'handler_failed'));
      }
      throw e;
    }
    if (generation !== this.generation || this.mode !== 'starting') return;
    this.state = state;
    this.mode = 'running';
    this.transition('STARTED');
    if (this.queue.length > 0 || this.sysQueue.length > 0) this.kick();
  }

  private readonly drainFn = (): void => {
    void this.drain();
  };

  private async drain(): Promise<void> {
    if (this.lifecycle.state === 'ready') this.transition('BUSY');
    for (;;) {
      if (this.mode !== 'running' && this.mode !== 'stopping') break;
      let env: Envelope;
      let entry: Entry | undefined;
      if (this.sysQueue.length > 0) env = this.sysQueue.shift() as Envelope;
      else if (this.mode === 'running' && this.queue.length > 0) {
        entry = this.queue.peek() as Entry;
        env = entry.env;
        const redelivered = this.headDeliveries + (entry.receipt?.redeliveries ?? 0);
        if (redelivered > 0) env = { ...env, attempt: env.attempt + redelivered };
        // Only a redelivering transport or a caller-chosen id can repeat a message; ids this node
        // generated for in-process delivery cannot, so they skip the dedup bookkeeping.
        if ((entry.receipt !== null || !env.id.startsWith(this.host.idPrefix)) && this.recent.has(env.id)) {
          this.removeHead(entry);
          continue;
        }
        if (env.deadline !== undefined && env.deadline <= this.host.clock.now()) {
          this.giveUp(
            entry,
            'deadline_expired',
            new DeadlineExceededError(`deadline of ${env.type} passed before ${this.address} handled it`),
          );
          continue;
        }
        const schema = this.behavior.schemas?.[env.type];
        if (this.behavior.schemas !== undefined && !env.type.startsWith('sys.')) {
          const parsed = schema?.safeParse(env.payload);
          if (parsed === undefined || !parsed.success) {
            const why =
              parsed === undefined
                ? `${this.address} does not accept messages of type ${env.type}`
                : `invalid ${env.type} payload: ${formatIssues(parsed.error.issues)}`;
            this.giveUp(entry, 'invalid', new ValidationError(why));
            continue;
          }
        }
      } else break;

      this.current = env;
      const epoch = this.epoch;
      let result: unknown;
      try {
        result = this.behavior.receive(env, this.ctx);
        if (isThenable(result)) result = await this.withTimeout(result, this.options.handlerTimeoutMs, env.type);
      } catch (e) {
        if (epoch !== this.epoch) return; // the actor ended meanwhile; the message was dead-lettered
        this.current = undefined;
        if (entry !== undefined && isRejection(e)) {
          // The sender's fault (bad input, a conflict…): answered as an error, not an actor crash.
          this.reject(entry, e);
          continue;
        }
        this.crash(e, entry);
        break;
      }
      if (epoch !== this.epoch) return;
      this.current = undefined;
      if (entry !== undefined) {
        this.removeHead(entry);
        if (env.replyTo !== undefined) this.host.reply(env, { ok: true, value: result });
      }
      if (this.deferredAcks.length >= 64 && !(await this.flush())) return;
      if (this.afterCurrent !== undefined) break;
    }
    if (this.deferredAcks.length > 0 && !(await this.flush())) return;
    this.draining = false;
    const after = this.afterCurrent;
    if (after !== undefined) {
      this.afterCurrent = undefined;
      after();
      return;
    }
    if (this.mode === 'running' && (this.queue.length > 0 || this.sysQueue.length > 0)) return this.kick();
    this.scheduleIdle();
  }

  private scheduleIdle(): void {
    if (this.idleScheduled || this.lifecycle.state !== 'busy') return;
    this.idleScheduled = true;
    setImmediate(() => {
      this.idleScheduled = false;
      if (!this.draining && this.lifecycle.state === 'busy') this.transition('IDLE');
    });
  }

  private withTimeout(p: PromiseLike<unknown>, ms: number, what: string): Promise<unknown> {
    return new Promise((resolve, reject) => {
      const timer = this.host.clock.setTimer(ms, () => {
        this.abort?.abort(new HandlerError(`${what} timed out`));
        this.abort = undefined;
        reject(new HandlerError(`${this.address}: ${what} did not finish within ${ms} ms`, { details: { timeout: true } }));
      });
      p.then(
        (v) => {
          this.host.clock.clearTimer(timer);
          resolve(v);
        },
        (e: unknown) => {
          this.host.clock.clearTimer(timer);
          reject(e);
        },
      );
    });
  }

  private removeHead(entry: Entry): void {
    this.queue.shift();
    this.headDeliveries = 0;
    if (entry.receipt !== null) {
      if (this.persistence === undefined) entry.receipt.ack();
      else this.deferredAcks.push(entry.receipt);
    }
    if (entry.receipt !== null || !entry.env.id.startsWith(this.host.idPrefix)) this.remember(entry.env.id);
    if (this.spaceWaiters.length > 0) this.wakeSenders();
  }

  /**
   * Saves a snapshot, then acks what it covers. A refused (fenced) save means another node
   * owns the actor now: this activation ends at once without acking. Returns false then.
   */
  private async flush(): Promise<boolean> {
    const p = this.persistence;
    if (p === undefined) return true;
    const acks = this.deferredAcks;
    this.deferredAcks = [];
    const epoch = this.epoch;
    try {
      await p.save(this.snapshotData());
    } catch (e) {
      if (epoch !== this.epoch) return false;
      this.host.warn(`${this.address}: snapshot refused (${(e as Error).message}); ending this activation`);
      for (const r of acks) r.nak();
      void this.end('lost');
      return false;
    }
    for (const r of acks) r.ack();
    return epoch === this.epoch;
  }

  /** What a snapshot holds: the behavior's view of the state and the last handled ids. */
  private snapshotData(): CellSnapshot {
    const state = this.behavior.snapshot === undefined ? this.state : this.behavior.snapshot(this.state);
    return { state, recent: this.recentIds(256) };
  }

  /** The most recent handled ids, newest last. */
  private recentIds(max: number): string[] {
    const n = this.recentRing.length;
    const out: string[] = [];
    for (let i = Math.min(max, n); i >= 1; i--) {
      const id = this.recentRing[(this.recentAt - i + n) % n];
      if (id !== undefined) out.push(id);
    }
    return out;
  }

  /** Wakes every blocked sender; each re-offers (pool waiters may be parked on several members). */
  private wakeSenders(): void {
    const waiters = this.spaceWaiters;
    this.spaceWaiters = [];
    for (const w of waiters) w();
  }

  private remember(id: string): void {
    const n = this.recentRing.length;
    if (n === 0) return;
    const old = this.recentRing[this.recentAt];
    if (old !== undefined) this.recent.delete(old);
    this.recentRing[this.recentAt] = id;
    this.recent.add(id);
    this.recentAt = (this.recentAt + 1) % n;
  }

  /** Removes the head message into dead letters and answers its asker with `error`. */
  private giveUp(entry: Entry, reason: DeadLetterReason, error: TroupeError, deliveries = this.headDeliveries): void {
    this.queue.shift();
    this.headDeliveries = 0;
    this.host.deadLetter(entry.env, reason, error, deliveries);
    entry.receipt?.ack();
    if (entry.env.replyTo !== undefined) this.host.reply(entry.env, { ok: false, error: toWireError(error) });
    if (this.spaceWaiters.length > 0) this.wakeSenders();
  }

  /** Answers a refused message with its error; a refused `tell` becomes a `rejected` dead letter. */
  private reject(entry: Entry, error: TroupeError): void {
    if (entry.env.replyTo === undefined) this.host.deadLetter(entry.env, 'rejected', error, this.headDeliveries + 1);
    else this.host.reply(entry.env, { ok: false, error: toWireError(error) });
    this.removeHead(entry);
  }

  private crash(e: unknown, entry: Entry | undefined): void {
    const wire = toWireError(e, 'handler_failed');
    if (entry !== undefined) {
      this.headDeliveries++;
      const total = this.headDeliveries + (entry.receipt?.redeliveries ?? 0);
      if (total >= this.options.maxDeliveries) {
        const reason: DeadLetterReason = (e as TroupeError | undefined)?.details?.['timeout'] === true ? 'handler_timeout' : 'poison';
        this.giveUp(
          entry,
          reason,
          new PoisonMessageError(`${entry.env.type} crashed ${this.address} on ${total} deliveries; last error: ${wire.message}`, {
            details: { lastError: wire },
          }),
          total,
        );
      }
    }
    this.fail(wire);
  }

  /** Marks the cell failed and reports to the parent (or escalates to the system). */
  fail(error: WireError): void {
    if (this.mode === 'ended' || this.mode === 'suspended') return;
    this.mode = 'suspended';
    this.transition('FAIL', error);
    this.host.childFailed(this, error);
  }

  // ---- supervision controls --------------------------------------------------------------

  /** Restarts after `delayMs`: cleanup, children ended, fresh state from `init`, mailbox kept. */
  restartAfter(delayMs: number): void {
    if (this.mode === 'ended' && this.exited) {
      void this.revive(delayMs, ++this.generation);
      return;
    }
    if (this.mode === 'ended' || this.mode === 'stopping') return;
    const generation = ++this.generation;
    const go = (): void => {
      if (generation !== this.generation || this.mode === 'ended' || this.mode === 'stopping') return;
      this.mode = 'suspended';
      this.transition('RESTART');
      void this.restartNow(delayMs, generation);
    };
    if (this.draining && this.current !== undefined) this.afterCurrent = go;
    else go();
  }

  private async restartNow(delayMs: number, generation: number): Promise<void> {
    // Failure reports queued for the old incarnation (e.g. from children it is about to end) are stale.
    this.sysQueue.drainAll();
    await this.cleanup();
    await this.host.endChildren(this, 'terminate');
    this.sysQueue.drainAll();
    if (delayMs > 0) await new Promise<void>((r) => this.host.clock.setTimer(delayMs, r));
    // Never two inits of one actor at once: an abandoned one is awaited (bounded by its timeout).
    await this.initRunning;
    if (generation !== this.generation || this.mode !== 'suspended') return;
    try {
      await this.start();
    } catch (e) {
      if (generation !== this.generation) return;
      // Storage down or the address taken over: give the activation up without a verdict on the actor.
      if (isTroupeError(e, 'unavailable') || isTroupeError(e, 'conflict')) void this.end('lost');
      else if (this.mode === 'suspended') this.host.childFailed(this, toWireError(e, 'handler_failed'));
    }
  }

  /** Starts an exited actor again in place (same position among its siblings, mailbox kept). */
  private async revive(delayMs: number, generation: number): Promise<void> {
    if (delayMs > 0) await new Promise<void>((r) => this.host.clock.setTimer(delayMs, r));
    if (generation !== this.generation || this.mode !== 'ended' || !this.exited) return;
    this.exited = false;
    this.exiting = false;
    this.mode = 'new';
    try {
      await this.host.reactivate(this);
      await this.start();
    } catch (e) {
      if (generation !== this.generation) return;
      if (this.mode === 'new') {
        this.mode = 'ended';
        this.host.forget(this);
        this.host.warn(`${this.address} could not be started again: ${(e as Error).message}`);
      } else if (this.mode === 'suspended') this.host.childFailed(this, toWireError(e, 'handler_failed'));
    }
  }

  /**
   * Ends the actor.
   * - `stop`: take no more, handle what is queued (up to the stop timeout), snapshot, release;
   *   what is left is dead-lettered (`actor_stopped`).
   * - `terminate`: at once; the queue is dead-lettered.
   * - `handover` (node drain): like stop, but what is left goes back to the transport for the
   *   next owner instead of to dead letters.
   * - `lost` (lease taken, save fenced): at once, nothing acked or written; the new owner has it.
   * - `exit` (the actor ended itself): after the current message; the queue is dead-lettered.
   */
  async end(how: EndMode): Promise<void> {
    this.generation++;
    if (this.mode === 'ended' && this.exited && how !== 'exit') {
      this.exited = false;
      this.host.forget(this);
      return;
    }
    if (this.mode === 'ended' || this.mode === 'stopping') return;
    const graceful = how === 'stop' || how === 'handover' || how === 'exit';
    const wasRunning = this.mode === 'running';
    this.transition(graceful ? 'STOP' : 'TERMINATE');
    if ((how === 'stop' || how === 'handover') && wasRunning) {
      // Keep handling while the transport hands over what it already pulled for us.
      await this.binding?.stopIntake();
      await this.finishQueue(how === 'handover' ? Math.max(this.options.stopTimeoutMs, HANDOVER_FINISH_MS) : this.options.stopTimeoutMs);
    } else {
      this.mode = 'stopping';
      this.wakeSenders();
      await this.binding?.stopIntake();
    }
    this.mode = 'stopping';
    // A handler still running now is abandoned: its signal aborts and its message is handled below.
    this.epoch++;
    this.draining = false;
    this.current = undefined;
    this.afterCurrent = undefined;
    await this.host.endChildren(this, how);
    await this.cleanup();
    if (how !== 'lost' && this.persistence !== undefined && wasRunning) {
      const acks = this.deferredAcks;
      this.deferredAcks = [];
      try {
        await this.persistence.save(this.snapshotData());
        for (const r of acks) r.ack();
      } catch (e) {
        this.host.warn(`${this.address}: final snapshot refused: ${(e as Error).message}`);
        for (const r of acks) r.nak();
      }
    } else {
      for (const r of this.deferredAcks.splice(0)) r.nak();
    }
    const stopped = new ActorStoppedError(`${this.address} stopped before handling the message`);
    for (const entry of this.queue.drainAll()) {
      if ((how === 'handover' || how === 'lost') && entry.receipt !== null) {
        entry.receipt.nak();
        continue;
      }
      this.host.deadLetter(entry.env, 'actor_stopped', stopped, 0);
      entry.receipt?.ack();
      if (entry.env.replyTo !== undefined) this.host.reply(entry.env, { ok: false, error: toWireError(stopped) });
    }
    this.sysQueue.drainAll();
    this.wakeSenders();
    await this.binding?.release(how === 'handover' ? 'handover' : how === 'lost' ? 'abandon' : 'gone');
    this.binding = undefined;
    this.mode = 'ended';
    if (graceful) this.transition('STOPPED');
    if (how === 'exit' && this.parent !== undefined && this.parent.mode !== 'ended') this.exited = true;
    else this.host.forget(this);
  }

  private async finishQueue(timeoutMs: number): Promise<void> {
    const deadline = this.host.clock.now() + timeoutMs;
    while ((this.queue.length > 0 || this.draining) && this.host.clock.now() < deadline && this.mode === 'running') {
      if (!this.draining) this.kick();
      await new Promise<void>((r) => setImmediate(r));
    }
  }

  /** Registers a hook run whenever the incarnation ends (restart or stop). */
  onCleanup(hook: () => void): void {
    this.cleanupHooks.push(hook);
  }

  /** Normal exit: after the current message the actor ends and its parent hears CHILD_EXITED. */
  exit(): void {
    if (this.exiting || this.mode === 'ended') return;
    this.exiting = true;
    const go = (): void => {
      void this.end('exit').then(() => this.host.childExited(this));
    };
    if (this.draining && this.current !== undefined) this.afterCurrent = go;
    else go();
  }

  private async cleanup(): Promise<void> {
    for (const hook of this.cleanupHooks) hook();
    this.abort?.abort(new ActorStoppedError(`${this.address} stopped`));
    this.abort = undefined;
    if (this.behavior.stop === undefined || this.incarnation === 0) return;
    try {
      await this.behavior.stop(this.ctx);
    } catch (e) {
      this.host.warn(`${this.address}: stop hook threw: ${(e as Error)?.message ?? String(e)}`);
    }
  }

  private transition(input: LifecycleInput, error?: WireError): void {
    this.lifecycle.send(input, error);
  }
}
