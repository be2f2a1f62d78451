/**
 * An actor cell: one address's mailbox, behavior, state and lifecycle on this node.
 * Messages are handled one at a time in arrival order; a crash keeps the message at the
 * head of the mailbox and reports the failure to the parent as a message; the parent
 * decides (restart, stop, terminate). A message that crashes the actor `maxDeliveries`
 * times becomes a poison dead letter. Nothing queued is dropped without a dead letter.
 */
import {
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
  type TroupeError,
  type WireError,
} from '../protocols/index.js';
import { Deque } from './deque.js';
import type { Lifecycle, LifecycleInput } from './lifecycle.js';
import type { ActorContext, Behavior, RestartType, SpawnOptions } from './behavior.js';
import type { Binding, MailboxSink, Receipt } from './transport.js';
import type { CellHost, ResolvedOptions } from './cell-host.js';
import type { ActorRef } from './ref.js';

/** Where a cell is in its life (the runtime's own view; the lifecycle machine is the public one). */
type Mode = 'new' | 'starting' | 'running' | 'suspended' | 'stopping' | 'ended';

interface Entry {
  readonly env: Envelope;
  readonly receipt: Receipt | null;
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
  /** Children that exited normally, kept so the supervisor can start them again. */
  readonly exitedSpecs = new Map<string, { behavior: Behavior<unknown>; options: SpawnOptions; restart: RestartType }>();
  private readonly cleanupHooks: (() => void)[] = [];
  private exiting = false;
  /** Bumped when the actor ends, so a handler still running then cannot touch the mailbox. */
  private epoch = 0;

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

  offer(env: Envelope, receipt: Receipt | null): boolean {
    if (this.mode === 'stopping' || this.mode === 'ended') return false;
    if (this.queue.length >= this.options.capacity) return false;
    this.queue.push({ env, receipt });
    if (!this.draining && this.mode === 'running') {
      this.draining = true;
      queueMicrotask(this.drainFn);
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
      queueMicrotask(this.drainFn);
    }
  }

  // ---- start / handle ------------------------------------------------------------------

  /** Runs `init` for a new incarnation; resolves when ready, rejects when init fails. */
  async start(): Promise<void> {
    this.incarnation++;
    this.mode = 'starting';
    this.transition('START');
    this.state = undefined;
    try {
      const init = this.behavior.init?.(this.ctx);
      this.state = isThenable(init) ? await this.withTimeout(init, this.options.initTimeoutMs, 'init') : init;
    } catch (e) {
      if (this.mode === 'starting') {
        this.mode = 'suspended';
        this.transition('FAIL', toWireError(e, 'handler_failed'));
      }
      throw e;
    }
    if (this.mode !== 'starting') return;
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
        if (this.recent.has(env.id)) {
          this.removeHead(entry);
          continue;
        }
        if (env.deadline !== undefined && env.deadline <= this.host.clock.now()) {
          this.giveUp(entry, 'deadline_expired', new DeadlineExceededError(`deadline of ${env.type} passed before ${this.address} handled it`));
          continue;
        }
        const schema = this.behavior.schemas?.[env.type];
        if (this.behavior.schemas !== undefined && !env.type.startsWith('sys.')) {
          const parsed = schema?.safeParse(env.payload);
          if (parsed === undefined || !parsed.success) {
            const why = parsed === undefined ? `${this.address} does not accept messages of type ${env.type}` : `invalid ${env.type} payload: ${formatIssues(parsed.error.issues)}`;
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
        this.crash(e, entry);
        break;
      }
      if (epoch !== this.epoch) return;
      this.current = undefined;
      if (entry !== undefined) {
        this.removeHead(entry);
        if (env.replyTo !== undefined) this.host.reply(env, { ok: true, value: result });
      }
      if (this.afterCurrent !== undefined) break;
    }
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
    entry.receipt?.ack();
    this.remember(entry.env.id);
    if (this.spaceWaiters.length > 0) this.wakeSenders();
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
          new PoisonMessageError(`${entry.env.type} crashed ${this.address} on ${total} deliveries; last error: ${wire.message}`, { details: { lastError: wire } }),
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
    if (this.mode === 'ended' || this.mode === 'stopping') return;
    const go = (): void => {
      if (this.mode === 'ended' || this.mode === 'stopping') return;
      this.mode = 'suspended';
      this.transition('RESTART');
      void this.restartNow(delayMs);
    };
    if (this.draining && this.current !== undefined) this.afterCurrent = go;
    else go();
  }

  private async restartNow(delayMs: number): Promise<void> {
    await this.cleanup();
    await this.host.endChildren(this, false);
    if (delayMs > 0) await new Promise<void>((r) => this.host.clock.setTimer(delayMs, r));
    if (this.mode !== 'suspended') return;
    try {
      await this.start();
    } catch (e) {
      if (this.mode === 'suspended') this.host.childFailed(this, toWireError(e, 'handler_failed'));
    }
  }

  /**
   * Ends the actor. Graceful: stop taking messages, handle what is queued (up to the stop
   * timeout), then clean up. Otherwise at once. Whatever is still queued becomes dead letters.
   */
  async end(graceful: boolean, drainQueue = graceful): Promise<void> {
    if (this.mode === 'ended' || this.mode === 'stopping') return;
    const wasRunning = this.mode === 'running';
    this.mode = 'stopping';
    this.transition(graceful ? 'STOP' : 'TERMINATE');
    await this.binding?.unbind();
    this.binding = undefined;
    if (drainQueue && wasRunning) await this.finishQueue();
    // A handler still running now is abandoned: its signal aborts and its message is dead-lettered below.
    this.epoch++;
    this.draining = false;
    this.current = undefined;
    this.afterCurrent = undefined;
    await this.host.endChildren(this, graceful);
    await this.cleanup();
    const stopped = new ActorStoppedError(`${this.address} stopped before handling the message`);
    for (const entry of this.queue.drainAll()) {
      this.host.deadLetter(entry.env, 'actor_stopped', stopped, 0);
      entry.receipt?.ack();
      if (entry.env.replyTo !== undefined) this.host.reply(entry.env, { ok: false, error: toWireError(stopped) });
    }
    this.sysQueue.drainAll();
    for (const w of this.spaceWaiters.splice(0)) w();
    this.mode = 'ended';
    if (graceful) this.transition('STOPPED');
    if (this.exiting) this.parent?.exitedSpecs.set(this.address, { behavior: this.behavior, options: this.spawnOptions, restart: this.restart });
    this.host.forget(this);
  }

  private async finishQueue(): Promise<void> {
    const deadline = this.host.clock.now() + this.options.stopTimeoutMs;
    this.mode = 'running';
    while ((this.queue.length > 0 || this.draining) && this.host.clock.now() < deadline && this.mode === 'running') {
      if (!this.draining) this.kick();
      await new Promise<void>((r) => setImmediate(r));
    }
    if (this.mode === 'running') this.mode = 'stopping';
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
      void this.end(true, false).then(() => this.host.childExited(this));
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
