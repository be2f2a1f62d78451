/**
 * The intake side of an actor cell: its two queues, what it admits in which state, senders blocked
 * on a full mailbox, and scheduling the drain. How queued messages are handled is the message loop
 * (message-loop.ts); how the cell starts, restarts and ends is the cell (cell.ts). The three are one
 * object at run time (one concrete class), so no message pays for the split.
 */
import type { Envelope } from '../protocols/index.js';
import { isOver, type CellMode } from './cell-states.js';
import { Deque } from './deque.js';
import type { MailboxSink, Receipt } from './transport.js';

/** A queued user message and the transport's receipt for it (null: in-process, nothing to ack). */
export interface Entry {
  readonly env: Envelope;
  readonly receipt: Receipt | null;
  /**
   * Handlings of this message that crashed before it went back to the queue (a deferred reply's work that failed, or
   * was still pending when the incarnation ended; ADR 0042). Absent for a message never handled here.
   */
  deliveries?: number;
}

const RESOLVED = Promise.resolve();

/** A cell's mailbox: bounded user queue, unbounded system queue, blocked senders. */
export abstract class Mailbox implements MailboxSink {
  /** User messages in arrival order; the head stays until handled (a crash keeps it there). */
  protected readonly queue = new Deque<Entry>();
  /** System messages (a child failed or exited): unbounded, handled before user messages. */
  protected readonly sysQueue = new Deque<Envelope>();
  mode: CellMode = 'new';
  /** A drain is scheduled or running. */
  protected draining = false;
  /** Senders waiting for room (see {@link waitForSpace}). */
  protected spaceWaiters: (() => void)[] = [];

  /** Most user messages queued at once. */
  constructor(readonly capacity: number) {}

  /** Handles the queues until they are empty or the cell cannot go on (the message loop). */
  protected abstract drain(): Promise<void>;

  private readonly drainFn = (): void => {
    void this.drain();
  };

  /** Messages waiting in this mailbox (user and system; the one being handled stays at the head until handled). */
  get depth(): number {
    return this.queue.length + this.sysQueue.length;
  }

  get accepting(): boolean {
    return this.mode === 'running' || this.mode === 'starting' || this.mode === 'suspended';
  }

  offer(env: Envelope, receipt: Receipt | null): boolean {
    const mode = this.mode;
    // A cell queues until it stops: while new, starting or suspended too (it handles them once running).
    if (mode !== 'running' && mode !== 'starting' && mode !== 'suspended' && mode !== 'new') return false;
    if (this.queue.length >= this.capacity) return false;
    this.queue.push({ env, receipt });
    if (!this.draining && mode === 'running') {
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
    if (isOver(this.mode)) return;
    this.sysQueue.push(env);
    this.kick();
  }

  /** Schedules a drain when the cell runs and none is scheduled. */
  protected kick(): void {
    if (!this.draining && this.mode === 'running') {
      this.draining = true;
      void RESOLVED.then(this.drainFn);
    }
  }

  /** Wakes every blocked sender; each re-offers (pool waiters may be parked on several members). */
  protected wakeSenders(): void {
    const waiters = this.spaceWaiters;
    this.spaceWaiters = [];
    for (const w of waiters) w();
  }
}
