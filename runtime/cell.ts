/**
 * An actor cell: one address's mailbox, behavior, state and lifecycle on this node. This file holds
 * its life: starting (init, or restore from a snapshot), failing, restarting, exiting and ending.
 * Messages are taken in by the mailbox (mailbox.ts) and handled by the message loop (message-loop.ts):
 * a crash keeps the message at the head of the mailbox and reports the failure to the parent as a
 * message; the parent decides (restart, stop, terminate). Nothing queued is dropped without a dead letter.
 */
import {
  TroupeError,
  isTroupeError,
  ActorStoppedError,
  STOPPED_BEFORE_HANDLING,
  toWireError,
  type LifecycleState,
  type WireError,
} from '../protocols/index.js';
import type { ActorContext, Behavior, RestartType, SpawnOptions } from './behavior.js';
import type { CellHost, ResolvedOptions } from './cell-host.js';
import type { CellSnapshot } from './cell-persistence.js';
import { isOver, type EndMode } from './cell-states.js';
import { MessageLoop, isThenable } from './message-loop.js';
import type { ActorRef } from './ref.js';
import type { Binding } from './transport.js';

export type { EndMode } from './cell-states.js';

/**
 * Longest a draining node's actor keeps handling what it already pulled before handing the rest
 * back: a handover's promise is that nothing pulled is delivered twice, so it gets longer than a
 * stop (a loaded node may need more than the stop timeout for a full pool batch).
 */
const HANDOVER_FINISH_MS = 30_000;

/** One actor on this node. */
export class ActorCell extends MessageLoop {
  readonly children: ActorCell[] = [];
  incarnation = 0;
  binding: Binding | undefined;
  readonly ctx: ActorContext;
  private readonly cleanupHooks: (() => void)[] = [];
  /** `exit()` was called: the cell ends once the current message is handled. */
  private exiting = false;
  /** Bumped by every restart decision and by ending: a pending restart or init of an older generation gives up. */
  private generation = 0;
  /** An async init still running (settles within initTimeoutMs); a restart waits for it. */
  private initRunning: Promise<void> | undefined;

  constructor(
    host: CellHost,
    ref: ActorRef,
    behavior: Behavior<unknown>,
    options: ResolvedOptions,
    readonly restart: RestartType,
    readonly parent: ActorCell | undefined,
    readonly spawnOptions: SpawnOptions,
  ) {
    super(host, ref, behavior, options);
    this.ctx = host.makeContext(this);
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

  // ---- start -----------------------------------------------------------------------------

  /** Runs `init` (or restores the last snapshot) for a new incarnation; resolves when ready, rejects when that fails. */
  async start(): Promise<void> {
    this.incarnation++;
    const generation = this.generation;
    this.mode = 'starting';
    this.transition('START');
    this.state = undefined;
    if (this.persistence !== undefined) {
      // A restart goes back to the last saved snapshot: what was handled since is not in it, so it must come again (its
      // acks and answers were waiting for a save) and its ids must not be dropped as repeats.
      for (const r of this.deferredAcks.splice(0)) r.nak();
      this.dedup.clear();
    }
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
        for (const id of restored.recent) this.dedup.remember(id);
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
    this.lastActive = this.host.clock.now();
    this.transition('STARTED');
    if (this.queue.length > 0 || this.sysQueue.length > 0) this.kick();
  }

  /** Marks the cell failed and reports to the parent (or escalates to the system). */
  fail(error: WireError): void {
    if (isOver(this.mode) || this.mode === 'suspended') return;
    this.mode = 'suspended';
    this.transition('FAIL', error);
    this.host.childFailed(this, error);
  }

  protected mayAct(): boolean {
    return this.binding?.valid?.() ?? true;
  }

  /** Whether this activation still holds its address (its lease trusted on a mesh): `ActorContext.holdsAddress`. */
  holdsAddress(): boolean {
    return !isOver(this.mode) && this.mayAct();
  }

  protected fenced(): void {
    this.host.warn(`${this.address}: lease not renewed in time; this activation stops before handling more`);
    void this.end('lost');
  }

  // ---- supervision controls --------------------------------------------------------------

  /** Restarts after `delayMs`: cleanup, children ended, fresh state from `init`, mailbox kept. */
  restartAfter(delayMs: number): void {
    if (this.mode === 'exited') {
      void this.revive(delayMs, ++this.generation);
      return;
    }
    if (this.mode === 'ended' || this.mode === 'stopping') return;
    const generation = ++this.generation;
    const go = (): void => {
      if (generation !== this.generation || isOver(this.mode) || this.mode === 'stopping') return;
      this.mode = 'suspended';
      this.transition('RESTART');
      void this.restartNow(delayMs, generation);
    };
    if (this.draining && this.current !== undefined) this.afterCurrent = go;
    else go();
  }

  private async restartNow(delayMs: number, generation: number): Promise<void> {
    // Deferred work in flight (ADR 0042) ends in the incarnation that began it, as the current message does: what
    // succeeds is answered; what failed goes back to the queue for the next incarnation.
    await this.settlePending();
    if (generation !== this.generation || this.mode !== 'suspended') return;
    this.requeuePending();
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
    if (generation !== this.generation || this.mode !== 'exited') return;
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

  // ---- ending ----------------------------------------------------------------------------

  /** Ends the actor; `how` says what becomes of its queue, snapshot and lease (see {@link EndMode}). */
  async end(how: EndMode): Promise<void> {
    this.generation++;
    if (this.mode === 'exited' && how !== 'exit') {
      this.mode = 'ended';
      this.host.forget(this);
      return;
    }
    if (isOver(this.mode) || this.mode === 'stopping') return;
    const graceful = how === 'stop' || how === 'handover' || how === 'exit' || how === 'passivate';
    const wasRunning = this.mode === 'running';
    this.transition(graceful ? 'STOP' : 'TERMINATE');
    if ((how === 'stop' || how === 'handover' || how === 'passivate') && wasRunning) {
      // Keep handling while the transport hands over what it already pulled for us.
      await this.binding?.stopIntake(how === 'passivate' ? 'passivate' : undefined);
      await this.finishQueue(how === 'handover' ? Math.max(this.options.stopTimeoutMs, HANDOVER_FINISH_MS) : this.options.stopTimeoutMs);
    } else {
      this.mode = 'stopping';
      this.wakeSenders();
      await this.binding?.stopIntake();
    }
    this.mode = 'stopping';
    // A handler still running now is abandoned: its signal aborts and its message is handled below; so are the messages
    // whose deferred work (ADR 0042) has not settled: they go back to the queue and are handled with it below.
    this.epoch++;
    this.requeuePending();
    this.draining = false;
    this.current = undefined;
    this.afterCurrent = undefined;
    await this.host.endChildren(this, how);
    await this.cleanup();
    // A store that only parks sleeping actors (the in-process transport) is written by passivation alone.
    if (how !== 'lost' && this.persistence !== undefined && wasRunning && (how === 'passivate' || this.persistence.parkOnly !== true)) {
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
    const stopped = new ActorStoppedError(`${this.address} ${STOPPED_BEFORE_HANDLING}`);
    for (const entry of this.queue.drainAll()) {
      if ((how === 'handover' || how === 'lost' || how === 'passivate') && entry.receipt !== null) {
        entry.receipt.nak();
        continue;
      }
      this.host.deadLetter(entry.env, 'actor_stopped', stopped, 0);
      entry.receipt?.ack();
      if (entry.env.replyTo !== undefined) this.host.reply(entry.env, { ok: false, error: toWireError(stopped) });
    }
    this.sysQueue.drainAll();
    this.wakeSenders();
    if (how === 'passivate') {
      // Forgotten before the address is released: the message that wakes it may activate it here again at once.
      const binding = this.binding;
      this.binding = undefined;
      this.mode = 'ended';
      this.transition('STOPPED');
      this.host.forget(this);
      await binding?.release('passivate');
      return;
    }
    await this.binding?.release(how === 'handover' ? 'handover' : how === 'lost' ? 'abandon' : 'gone');
    this.binding = undefined;
    this.mode = 'ended';
    if (graceful) this.transition('STOPPED');
    // A normal exit under a live parent waits among its siblings for the supervisor's decision.
    if (how === 'exit' && this.parent !== undefined && !isOver(this.parent.mode)) this.mode = 'exited';
    else this.host.forget(this);
  }

  /**
   * Passivates the actor when it has had no message for its idle timeout and may sleep now (ADR 0036): nothing queued
   * or being handled, no children, and its behavior's `canPassivate` agrees. True when passivation began.
   */
  passivateIfIdle(now: number): boolean {
    const idle = this.options.idleTimeoutMs;
    if (idle <= 0 || this.mode !== 'running' || this.draining || this.exiting || now - this.lastActive < idle) return false;
    if (this.queue.length > 0 || this.sysQueue.length > 0 || this.children.length > 0 || this.pending.size > 0) return false;
    const may = this.behavior.canPassivate;
    if (may === undefined || !may.call(this.behavior, this.state)) return false;
    void this.end('passivate');
    return true;
  }

  private async finishQueue(timeoutMs: number): Promise<void> {
    const deadline = this.host.clock.now() + timeoutMs;
    while (
      (this.queue.length > 0 || this.draining || this.deferredRunning) &&
      this.host.clock.now() < deadline &&
      this.mode === 'running'
    ) {
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
    if (this.exiting || isOver(this.mode)) return;
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
}
