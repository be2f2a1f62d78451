/**
 * The asks of this node that wait for a reply: the ask table, the routing of replies to it, and
 * timeouts. An ask with the default timeout joins a FIFO swept by one timer (they expire in the
 * order they were made); an ask with its own deadline gets its own timer. A reply with no ask
 * waiting (late, or for another incarnation) is only counted.
 */
import { DeadlineExceededError, SystemStoppedError, fromWireError, type Envelope, type ReplyPayload } from '../protocols/index.js';
import type { Clock, TimerHandle } from './clock.js';
import type { SendOptions, Transport } from './transport.js';

interface PendingAsk {
  resolve(value: unknown): void;
  reject(error: Error): void;
  /** Own timer of an ask with a custom deadline; default-timeout asks share the sweeper. */
  timer: TimerHandle | undefined;
  readonly to: string;
  readonly type: string;
  readonly timeoutMs: number;
}

/** The ask table of one node. */
export class PendingAsks {
  private readonly pending = new Map<string, PendingAsk>();
  /** Default-timeout asks by id → deadline, in deadline order. */
  private readonly fifo = new Map<string, number>();
  private sweepTimer: TimerHandle | undefined;

  constructor(
    private readonly transport: Transport,
    private readonly clock: Clock,
    /** Asks fail at once on a full mailbox (a blocked ask would only eat into its own deadline). */
    private readonly failFast: SendOptions,
    private readonly stats: { lateReplies: number },
  ) {}

  /**
   * Sends the ask `env` (to `to`, of `type`; its deadline set) and resolves with the reply's value, or
   * rejects with the reply's error, the send's error or `deadline_exceeded`. `defaultTimeout`: the
   * deadline is the system's default ask timeout, so the shared sweeper serves it.
   */
  ask<R>(env: Envelope, to: string, type: string, defaultTimeout: boolean): Promise<R> {
    return new Promise<R>((resolve, reject) => {
      const id = env.id;
      const deadline = env.deadline as number;
      const p: PendingAsk = {
        resolve: resolve as (v: unknown) => void,
        reject,
        timer: undefined,
        to,
        type,
        timeoutMs: deadline - this.clock.now(),
      };
      if (defaultTimeout) {
        // Asks with the default timeout expire in the order they were made: one timer serves them all.
        this.fifo.set(id, deadline);
        if (this.sweepTimer === undefined) this.sweepTimer = this.clock.setTimer(deadline - this.clock.now(), this.sweep);
      } else {
        p.timer = this.clock.setTimer(p.timeoutMs, () => this.expire(id));
      }
      this.pending.set(id, p);
      this.transport.send(env, this.failFast).then(undefined, (e: unknown) => this.settle(id, undefined, e as Error));
    });
  }

  /** Routes a reply (from this node's inbox) to the ask it answers, by its causation id. */
  onReply(reply: Envelope): void {
    const id = reply.causationId;
    const p = reply.payload as ReplyPayload | undefined;
    if (id === undefined || typeof p !== 'object' || p === null) return;
    if (p.ok === true) this.settle(id, p.value, undefined);
    else this.settle(id, undefined, fromWireError(p.error));
  }

  /** Rejects every waiting ask with `system_stopped` (the node shuts down). */
  rejectAll(): void {
    if (this.sweepTimer !== undefined) this.clock.clearTimer(this.sweepTimer);
    this.fifo.clear();
    for (const [id, p] of this.pending) {
      if (p.timer !== undefined) this.clock.clearTimer(p.timer);
      p.reject(new SystemStoppedError('actor system stopped before the reply came'));
      this.pending.delete(id);
    }
  }

  private expire(id: string): void {
    const p = this.pending.get(id);
    if (p === undefined) return;
    this.pending.delete(id);
    p.reject(new DeadlineExceededError(`no reply from ${p.to} to ${p.type} within ${p.timeoutMs} ms`));
  }

  private readonly sweep = (): void => {
    this.sweepTimer = undefined;
    const now = this.clock.now();
    for (const [id, deadline] of this.fifo) {
      if (deadline > now) {
        this.sweepTimer = this.clock.setTimer(deadline - now, this.sweep);
        return;
      }
      this.fifo.delete(id);
      this.expire(id);
    }
  };

  private settle(id: string, value: unknown, error: Error | undefined): void {
    const p = this.pending.get(id);
    if (p === undefined) {
      this.stats.lateReplies++;
      return;
    }
    this.pending.delete(id);
    if (p.timer !== undefined) this.clock.clearTimer(p.timer);
    else this.fifo.delete(id);
    if (error === undefined) p.resolve(value);
    else p.reject(error);
  }
}
