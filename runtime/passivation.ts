/**
 * Idle passivation (ADR 0036). An actor that may sleep (its behavior has `canPassivate`, the mesh activated it on
 * demand, its idle timeout is above 0) is passivated once it has had no message for that long: snapshot, address
 * released, cell dropped. Idleness costs the message path nothing per message: a cell stamps the clock once per
 * burst (message-loop.ts), and one coarse sweep per node compares the stamps with the clock every quarter of the
 * shortest idle timeout, so an actor sleeps between one and one and a quarter timeouts after its last message.
 */
import type { ActorCell } from './cell.js';
import type { Clock, TimerHandle } from './clock.js';

/** Shortest pause between two sweeps (a tiny idle timeout in a test must not make the sweep spin). */
const MIN_SWEEP_MS = 10;

/** The idle sweep of one node. */
export class Passivator {
  private readonly cells = new Set<ActorCell>();
  private timer: TimerHandle | undefined;
  private sweepMs = Number.POSITIVE_INFINITY;
  private stopped = false;
  /** Actors passivated on this node so far. */
  passivations = 0;

  constructor(
    private readonly clock: Clock,
    /** False while nothing could wake a sleeping actor (no mesh node installed its activator yet). */
    private readonly canWake: () => boolean,
  ) {}

  /** Watches a cell that may passivate (from its activation until it is forgotten). */
  track(cell: ActorCell): void {
    if (this.stopped) return;
    this.cells.add(cell);
    this.sweepMs = Math.min(this.sweepMs, Math.max(MIN_SWEEP_MS, Math.floor(cell.options.idleTimeoutMs / 4)));
    if (this.timer === undefined) this.arm();
  }

  untrack(cell: ActorCell): void {
    this.cells.delete(cell);
  }

  /** Cells watched now (passivatable actors awake on this node). */
  get size(): number {
    return this.cells.size;
  }

  /** Passivates every watched cell idle past its timeout; returns how many began to. */
  sweep(): number {
    if (this.stopped || !this.canWake()) return 0;
    const now = this.clock.now();
    let n = 0;
    for (const cell of this.cells)
      if (cell.passivateIfIdle(now)) {
        this.cells.delete(cell);
        n++;
      }
    this.passivations += n;
    return n;
  }

  /** Stops sweeping (drain, shutdown): what is awake stays awake. */
  stop(): void {
    this.stopped = true;
    if (this.timer !== undefined) this.clock.clearTimer(this.timer);
    this.timer = undefined;
    this.cells.clear();
  }

  private arm(): void {
    this.timer = this.clock.setTimer(this.sweepMs, () => {
      this.timer = undefined;
      this.sweep();
      // No timer while nothing may sleep: a node without passivating actors schedules nothing.
      if (this.cells.size > 0 && !this.stopped) this.arm();
    });
  }
}
