/**
 * The message loop of an actor cell: handles the mailbox one message at a time in arrival order,
 * system messages first. A message is dropped when its id is in the dedup window, dead-lettered when
 * its deadline passed or its payload fails the behavior's schema, refused (an error reply, no crash)
 * when the handler throws a rejection, and kept at the head when the handler crashes: after
 * `maxDeliveries` crashes it becomes a poison dead letter. Acks of a snapshotting cell wait for the
 * snapshot that covers them.
 */
import {
  TroupeError,
  DeadlineExceededError,
  HandlerError,
  PoisonMessageError,
  ValidationError,
  formatIssues,
  toWireError,
  type DeadLetterReason,
  type Envelope,
  type ReplyPayload,
  type WireError,
} from '../protocols/index.js';
import { DeferredReply, type ActorContext, type Behavior } from './behavior.js';
import type { CellHost, ResolvedOptions } from './cell-host.js';
import type { TimerHandle } from './clock.js';
import { SNAPSHOT_RECENT_IDS, type CellPersistence, type CellSnapshot } from './cell-persistence.js';
import type { EndMode } from './cell-states.js';
import { DedupWindow } from './dedup-window.js';
import type { Lifecycle, LifecycleInput } from './lifecycle.js';
import { Mailbox, type Entry } from './mailbox.js';
import type { ActorRef } from './ref.js';
import type { Receipt } from './transport.js';
import { isTrusted } from './trusted.js';

/** What a trusted payload's check answers (it is not made: trusted.ts). */
const TRUSTED = { success: true } as const;

/** Handled messages whose acks wait for a snapshot: past this many, the cell saves before it goes on. */
const ACK_BATCH = 64;

/**
 * How long a cell's mailbox stays empty before the cell goes from busy back to ready. A burst of messages is one
 * BUSY and one IDLE, not two lifecycle transitions per message: at mesh rates (a message every 0.3–3 ms) an IDLE at
 * the first empty turn of the event loop came between every two messages and cost more than the message itself.
 */
export const IDLE_AFTER_MS = 10;

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
  'budget_exceeded',
  'encode_error',
  'decode_error',
]);

function isRejection(e: unknown): e is TroupeError {
  return e instanceof TroupeError && REJECTION_CODES.has(e.code);
}

/** True for a promise or any other thenable (what an async handler, init or restore returns). */
export function isThenable(v: unknown): v is PromiseLike<unknown> {
  return typeof v === 'object' && v !== null && typeof (v as { then?: unknown }).then === 'function';
}

/** A message whose answer waits for deferred work (ADR 0042): taken off the queue, not yet acked or answered. */
interface Pending {
  readonly entry: Entry;
  /** The work failed (a crash): the message goes back to the queue when the incarnation restarts or ends. */
  failed: boolean;
  /** Settles (never rejects) when the work did. */
  readonly done: Promise<void>;
}

/** The handling half of a cell; {@link ActorCell} adds starting, restarting and ending. */
export abstract class MessageLoop extends Mailbox {
  /** The message being handled now. */
  current: Envelope | undefined;
  lifecycle!: Lifecycle;
  /** Snapshot persistence (clustered transports, behaviors with `snapshot`); acks wait for it. */
  persistence: CellPersistence | undefined;
  protected state: unknown;
  /** Deliveries of the message currently at the head of the mailbox. */
  protected headDeliveries = 0;
  /** Bumped when the actor ends, so a handler still running then cannot touch the mailbox. */
  protected epoch = 0;
  /** Runs once the current message is handled (a restart or an exit asked for while handling). */
  protected afterCurrent: (() => void) | undefined;
  protected abort: AbortController | undefined;
  /** Receipts of handled messages that wait for the next snapshot before they are acked (and their askers answered). */
  protected deferredAcks: Receipt[] = [];
  protected readonly dedup: DedupWindow;
  /** A deferred receipt carries an answer: the next snapshot is saved at once, not after a batch. */
  private answerWaits = false;
  /**
   * When the mailbox last ran empty (clock ms): what passivation measures idleness from (ADR 0036), and the start of the
   * quiet the IDLE timer waits out.
   */
  lastActive = 0;
  private idleTimer: TimerHandle | undefined;
  /** Messages answered later (ADR 0042), in the order they were taken: their work runs beside the next messages. */
  protected readonly pending = new Set<Pending>();
  abstract readonly ctx: ActorContext;

  constructor(
    readonly host: CellHost,
    readonly ref: ActorRef,
    readonly behavior: Behavior<unknown>,
    readonly options: ResolvedOptions,
  ) {
    super(options.capacity);
    this.dedup = new DedupWindow(options.dedupWindow);
  }

  get address(): string {
    return this.ref.address;
  }
  get tenant(): string {
    return this.ref.tenant;
  }

  /** Marks the cell failed and reports to the parent (or escalates to the system). */
  abstract fail(error: WireError): void;
  /** False once this activation may no longer act (its binding's lease lapsed); asked before every message. */
  protected abstract mayAct(): boolean;
  /** Ends an activation that found itself fenced (its queue is handed back unhandled). */
  protected abstract fenced(): void;
  /** Ends the actor (see {@link EndMode}). */
  abstract end(how: EndMode): Promise<void>;

  protected async drain(): Promise<void> {
    if (this.lifecycle.state === 'ready') this.transition('BUSY');
    for (;;) {
      if (this.mode !== 'running' && this.mode !== 'stopping') break;
      let env: Envelope;
      let entry: Entry | undefined;
      if (this.sysQueue.length > 0) env = this.sysQueue.shift() as Envelope;
      else if (this.mode === 'running' && this.queue.length > 0) {
        entry = this.queue.peek() as Entry;
        env = entry.env;
        const redelivered = this.headDeliveries + (entry.receipt?.redeliveries ?? 0) + (entry.deliveries ?? 0);
        if (redelivered > 0) env = { ...env, attempt: env.attempt + redelivered };
        // Only a redelivering transport or a caller-chosen id can repeat a message; ids this node
        // generated for in-process delivery cannot, so they skip the dedup bookkeeping. A deferred message that came
        // back to the queue (its work crashed) was remembered when taken: it is not a repeat of itself.
        if (
          entry.deliveries === undefined &&
          (entry.receipt !== null || !env.id.startsWith(this.host.idPrefix)) &&
          this.dedup.has(env.id)
        ) {
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
          // A payload this process's own code made is not checked again (trusted.ts); its type still has to be one listed.
          const parsed = schema === undefined ? undefined : isTrusted(env) ? TRUSTED : schema.safeParse(env.payload);
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
      // A self-fenced activation (its lease may be another node's by now) handles and acks nothing more (ADR 0020).
      if (entry !== undefined && !this.mayAct()) {
        this.fenced();
        return;
      }

      this.current = env;
      const epoch = this.epoch;
      let result: unknown;
      try {
        result = this.behavior.receive(env, this.ctx);
        if (isThenable(result)) result = await this.withTimeout(result, this.options.handlerTimeoutMs, env.type);
        // A system message has nobody to answer later: its work is awaited here like an async handler's.
        if (result instanceof DeferredReply && entry === undefined)
          result = await this.withTimeout(result.work, this.options.handlerTimeoutMs, env.type);
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
      if (result instanceof DeferredReply && entry !== undefined) this.takeDeferred(entry, result.work, env.type);
      else if (entry !== undefined) this.removeHead(entry, env.replyTo === undefined ? undefined : { ok: true, value: result });
      // An asker waits for the snapshot: save now rather than after the batch (tells still share one save).
      if ((this.deferredAcks.length >= ACK_BATCH || this.answerWaits) && !(await this.flush())) return;
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

  /**
   * Goes IDLE once the mailbox has stayed empty for {@link IDLE_AFTER_MS}. One timer serves a whole burst: a drain that
   * ends only moves `lastActive`, and the timer re-arms for what is left of the quiet period when it finds it moved.
   */
  private scheduleIdle(): void {
    // Once per burst, not per message: the idle sweep (passivation.ts) compares it with the clock.
    this.lastActive = this.host.clock.now();
    if (this.lifecycle.state !== 'busy') return;
    if (this.idleTimer === undefined) this.idleTimer = this.host.clock.setTimer(IDLE_AFTER_MS, this.idleCheck);
  }

  private readonly idleCheck = (): void => {
    this.idleTimer = undefined;
    // A drain running now schedules its own check when it ends.
    if (this.draining || this.lifecycle.state !== 'busy') return;
    const left = this.lastActive + IDLE_AFTER_MS - this.host.clock.now();
    if (left > 0) this.idleTimer = this.host.clock.setTimer(left, this.idleCheck);
    else this.transition('IDLE');
  };

  /**
   * Settles like `p`, or rejects with a `handler_failed` timeout after `ms` — and aborts the handler's signal, unless
   * `p` is deferred work (ADR 0042), which runs beside later handlers whose signal is not its own.
   */
  protected withTimeout(p: PromiseLike<unknown>, ms: number, what: string, deferred = false): Promise<unknown> {
    return new Promise((resolve, reject) => {
      const timer = this.host.clock.setTimer(ms, () => {
        if (!deferred) {
          this.abort?.abort(new HandlerError(`${what} timed out`));
          this.abort = undefined;
        }
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

  /**
   * Takes the handled head message off the mailbox and answers its asker with `reply`. With snapshot persistence the ack
   * and the answer both wait for the next saved snapshot: an asker never hears of an effect that a failed save (a takeover,
   * an outage, a restart) loses; the message is then delivered again instead and answered by whoever handles it.
   */
  private removeHead(entry: Entry, reply?: ReplyPayload): void {
    this.queue.shift();
    this.headDeliveries = 0;
    this.answer(entry, reply);
    if (entry.receipt !== null || !entry.env.id.startsWith(this.host.idPrefix)) this.dedup.remember(entry.env.id);
    if (this.spaceWaiters.length > 0) this.wakeSenders();
  }

  /** Acks a handled message and answers its asker (both after the next snapshot, when the cell saves them). */
  private answer(entry: Entry, reply?: ReplyPayload): void {
    const r = entry.receipt;
    if (r !== null && this.persistence !== undefined) {
      if (reply !== undefined) this.answerWaits = true;
      const answer = reply === undefined ? undefined : (): void => this.host.reply(entry.env, reply);
      this.deferredAcks.push(
        answer === undefined
          ? r
          : {
              redeliveries: r.redeliveries,
              ack: () => {
                r.ack();
                answer();
              },
              nak: (delayMs) => r.nak(delayMs),
            },
      );
    } else {
      r?.ack();
      if (reply !== undefined) this.host.reply(entry.env, reply);
    }
  }

  /**
   * Takes the head message whose handler returned a deferred reply (ADR 0042): off the queue and into the dedup window
   * now, so the next message is handled at once; acked and answered when `work` settles. The work is bounded by the
   * handler timeout. A rejection answers the asker; any other failure is a crash of the actor, and the message goes
   * back to the queue for the next incarnation (a poison dead letter after `maxDeliveries`).
   */
  private takeDeferred(entry: Entry, work: PromiseLike<unknown>, type: string): void {
    this.queue.shift();
    if (this.headDeliveries > 0) entry.deliveries = (entry.deliveries ?? 0) + this.headDeliveries;
    this.headDeliveries = 0;
    if (entry.receipt !== null || !entry.env.id.startsWith(this.host.idPrefix)) this.dedup.remember(entry.env.id);
    if (this.spaceWaiters.length > 0) this.wakeSenders();
    const asks = entry.env.replyTo !== undefined;
    let settle!: () => void;
    const p: Pending = { entry, failed: false, done: new Promise<void>((r) => (settle = r)) };
    this.pending.add(p);
    this.withTimeout(work, this.options.handlerTimeoutMs, type, true).then(
      (value) => {
        settle();
        if (!this.pending.delete(p)) return; // the incarnation ended meanwhile: the message was handed on
        this.answer(entry, asks ? { ok: true, value } : undefined);
        this.flushSoon();
      },
      (e: unknown) => {
        settle();
        if (!this.pending.has(p)) return;
        if (isRejection(e)) {
          this.pending.delete(p);
          if (!asks) this.host.deadLetter(entry.env, 'rejected', e, (entry.deliveries ?? 0) + 1);
          this.answer(entry, asks ? { ok: false, error: toWireError(e) } : undefined);
          this.flushSoon();
          return;
        }
        const wire = toWireError(e, 'handler_failed');
        entry.deliveries = (entry.deliveries ?? 0) + 1;
        const total = entry.deliveries + (entry.receipt?.redeliveries ?? 0);
        if (total >= this.options.maxDeliveries) {
          this.pending.delete(p);
          this.poison(entry, e, wire, total);
        } else p.failed = true;
        this.fail(wire);
      },
    );
  }

  /** A deferred answer waits for a snapshot: save it now (a drain under way saves before its next message). */
  private flushSoon(): void {
    if (this.persistence === undefined || this.deferredAcks.length === 0) return;
    this.answerWaits = true;
    this.kick();
  }

  /** True while deferred work runs that has not failed (a graceful stop waits for it). */
  protected get deferredRunning(): boolean {
    for (const p of this.pending) if (!p.failed) return true;
    return false;
  }

  /** Waits until every deferred work in flight settled (each is bounded by the handler timeout): a restart waits for it. */
  protected async settlePending(): Promise<void> {
    while ([...this.pending].some((p) => !p.failed)) await Promise.all([...this.pending].map((p) => p.done));
  }

  /**
   * Puts the messages still waiting for deferred work back at the front of the queue, in the order they were taken
   * (the incarnation restarts or ends): the next incarnation handles them again, or the end treats them like any
   * queued message. Work that settles later answers nobody.
   */
  protected requeuePending(): void {
    if (this.pending.size === 0) return;
    const back = [...this.pending].map((p) => p.entry);
    this.pending.clear();
    const rest = this.queue.drainAll();
    for (const e of back) {
      e.deliveries ??= 0;
      this.queue.push(e);
    }
    for (const e of rest) this.queue.push(e);
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
    this.answerWaits = false;
    const epoch = this.epoch;
    try {
      await p.save(this.snapshotData());
    } catch (e) {
      if (epoch !== this.epoch) {
        // This activation ended meanwhile (fenced): hand what the save covered back at once, for the next holder.
        for (const r of acks) r.nak();
        return false;
      }
      this.host.warn(`${this.address}: snapshot refused (${(e as Error).message}); ending this activation`);
      for (const r of acks) r.nak();
      void this.end('lost');
      return false;
    }
    for (const r of acks) r.ack();
    return epoch === this.epoch;
  }

  /** What a snapshot holds: the behavior's view of the state and the last handled ids. */
  protected snapshotData(): CellSnapshot {
    const state = this.behavior.snapshot === undefined ? this.state : this.behavior.snapshot(this.state);
    return { state, recent: this.dedup.newest(SNAPSHOT_RECENT_IDS) };
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
    this.removeHead(entry, entry.env.replyTo === undefined ? undefined : { ok: false, error: toWireError(error) });
  }

  /** A crash: the message stays at the head (a poison dead letter after `maxDeliveries`), the cell fails. */
  private crash(e: unknown, entry: Entry | undefined): void {
    const wire = toWireError(e, 'handler_failed');
    if (entry !== undefined) {
      this.headDeliveries++;
      const total = this.headDeliveries + (entry.receipt?.redeliveries ?? 0) + (entry.deliveries ?? 0);
      if (total >= this.options.maxDeliveries) {
        this.queue.shift();
        this.headDeliveries = 0;
        this.poison(entry, e, wire, total);
      }
    }
    this.fail(wire);
  }

  /** Gives a message that crashed the actor `total` times up: a poison (or handler-timeout) dead letter, its asker answered. */
  private poison(entry: Entry, e: unknown, wire: WireError, total: number): void {
    const reason: DeadLetterReason = (e as TroupeError | undefined)?.details?.['timeout'] === true ? 'handler_timeout' : 'poison';
    const error = new PoisonMessageError(`${entry.env.type} crashed ${this.address} on ${total} deliveries; last error: ${wire.message}`, {
      details: { lastError: wire },
    });
    this.host.deadLetter(entry.env, reason, error, total);
    entry.receipt?.ack();
    if (entry.env.replyTo !== undefined) this.host.reply(entry.env, { ok: false, error: toWireError(error) });
    if (this.spaceWaiters.length > 0) this.wakeSenders();
  }

  protected transition(input: LifecycleInput, error?: WireError): void {
    this.lifecycle.send(input, error);
  }
}
