/**
 * One run's events in seq order, exactly once: the persisted log (RunStore) first, then live
 * events from the run's topic. It subscribes before reading the log, so nothing falls between
 * the two; a gap in the live events (an event published before its log entry was readable, or
 * one lost in transit) is filled from the log. A gap that stays open ends the feed through
 * `onLost` with the missing seqs: it is never skipped.
 */
import type { RunEvent } from '../../protocols/index.js';
import { systemClock, type ActorSystem, type Clock, type Subscription, type TimerHandle } from '../../runtime/index.js';
import { subscribeRun, type RunReads } from '../../actors/index.js';

/** Events `from..to` of a run could not be delivered; the feed has stopped. */
export type FeedLost = (from: number, to: number) => void;

/** How long a gap may stay open (re-reading the log meanwhile) before the feed gives up. */
const GAP_RETRY_MS = 50;
const GAP_GIVE_UP_MS = 2_000;

/** A run's events in order; call {@link RunFeed.close} when done. */
export class RunFeed {
  private readonly buffer = new Map<number, RunEvent>();
  private next: number;
  private sub: Subscription | undefined;
  private gapTimer: TimerHandle | undefined;
  private gapSince = 0;
  private closed = false;
  /** Highest seq known to exist (an event that came as an unreadable stub counts). */
  private known = 0;
  /** Called once if a gap cannot be filled. */
  onLost: FeedLost | undefined;

  private constructor(
    private readonly system: ActorSystem,
    private readonly store: RunReads,
    private readonly tenant: string,
    private readonly runId: string,
    afterSeq: number,
    private readonly deliver: (e: RunEvent, caughtUp: boolean) => void,
    private readonly clock: Clock,
  ) {
    this.next = afterSeq + 1;
  }

  /**
   * Subscribes, then delivers the logged events after `afterSeq`; resolves with the highest seq
   * delivered from the log once they are out. `deliver` gets `caughtUp` true when no later
   * event is known yet. `fresh`: the run is about to be created, so there is no log yet.
   */
  static async open(
    system: ActorSystem,
    store: RunReads,
    tenant: string,
    runId: string,
    afterSeq: number,
    deliver: (e: RunEvent, caughtUp: boolean) => void,
    fresh = false,
    clock: Clock = systemClock,
  ): Promise<{ feed: RunFeed; logged: number }> {
    const feed = new RunFeed(system, store, tenant, runId, afterSeq, deliver, clock);
    feed.sub = subscribeRun(
      system,
      store,
      tenant,
      runId,
      (e) => feed.add([e]),
      (seq) => feed.expect(seq),
    );
    if (fresh) return { feed, logged: afterSeq }; // a run not created yet has no log to read
    try {
      const logged = await store.events(tenant, runId, afterSeq);
      feed.add(logged);
      return { feed, logged: logged.at(-1)?.seq ?? afterSeq };
    } catch (e) {
      feed.close();
      throw e;
    }
  }

  /** Highest seq delivered so far. */
  get delivered(): number {
    return this.next - 1;
  }

  close(): void {
    this.closed = true;
    this.sub?.unsubscribe();
    if (this.gapTimer !== undefined) this.clock.clearTimer(this.gapTimer);
    this.gapTimer = undefined;
    this.buffer.clear();
  }

  private add(events: readonly RunEvent[]): void {
    if (this.closed) return;
    for (const e of events) if (e !== undefined && e.run_id === this.runId && e.seq >= this.next) this.buffer.set(e.seq, e);
    this.drain();
  }

  private expect(seq: number): void {
    if (this.closed || seq < this.next) return;
    this.known = Math.max(this.known, seq);
    this.drain();
  }

  private gapOpen(): boolean {
    return this.buffer.size > 0 || this.known >= this.next;
  }

  private drain(): void {
    while (!this.closed) {
      const e = this.buffer.get(this.next);
      if (e === undefined) break;
      this.buffer.delete(this.next);
      this.next++;
      this.deliver(e, this.buffer.size === 0);
    }
    if (this.closed || !this.gapOpen()) {
      this.gapSince = 0;
      return;
    }
    if (this.gapTimer === undefined) {
      if (this.gapSince === 0) this.gapSince = this.clock.now();
      this.gapTimer = this.clock.setTimer(GAP_RETRY_MS, () => void this.fillGap());
    }
  }

  private async fillGap(): Promise<void> {
    this.gapTimer = undefined;
    if (this.closed) return;
    try {
      this.add(await this.store.events(this.tenant, this.runId, this.next - 1));
    } catch (e) {
      this.system.warn(`acp: run ${this.runId}: reading its event log failed: ${(e as Error).message}`);
    }
    if (this.closed || !this.gapOpen() || this.buffer.has(this.next)) return;
    if (this.clock.now() - this.gapSince >= GAP_GIVE_UP_MS) {
      const last = this.buffer.size > 0 ? Math.min(...this.buffer.keys()) - 1 : this.known;
      this.system.warn(`acp: run ${this.runId}: events ${this.next}..${last} never arrived; the stream ends with an error`);
      const from = this.next;
      const lost = this.onLost;
      this.close();
      lost?.(from, last);
      return;
    }
    this.gapTimer ??= this.clock.setTimer(GAP_RETRY_MS, () => void this.fillGap());
  }
}
