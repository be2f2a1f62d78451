/**
 * One run's events on one connection: live events from topic `run.<id>` merged with the run's
 * durable log (RunStore), so a client sees every event after its `after_seq` in order, exactly
 * once — also when it reconnects to another node. Subscribe first, then read the log; events are
 * released strictly in `seq` order and duplicates are dropped. A gap (an event published before
 * the subscription but not yet readable in the log) is filled by re-reading the log; one that
 * stays unfilled ends the stream with an `error` frame naming the missing seqs, never a skip.
 */
import type { RunEvent } from '../../protocols/index.js';
import { BlobStore, systemClock, type ActorSystem, type Clock, type Subscription, type TimerHandle } from '../../runtime/index.js';
import { subscribeRun, type RunReads } from '../../actors/index.js';
import type { RunAudioFrame } from './frames.js';

/** Statuses that end a run. */
export const TERMINAL_STATUSES: ReadonlySet<string> = new Set(['success', 'error', 'timeout', 'cancelled']);

/** Where a run stream delivers: the session's bounded send path. */
export interface RunSink {
  /** Sends a frame; false when the connection is gone (the stream then stops). */
  send(frame: object): boolean;
  /** The run reached its terminal event (or the stream was stopped). */
  ended(stream: RunStream, status: string | undefined): void;
  /** A gap in the log that could not be filled (events lost: should not happen); the stream ends after it. */
  warn(message: string): void;
}

const BACKFILL_DELAYS = [5, 20, 50, 100, 250, 500, 1000, 2000];
/** Bytes of audio in one `run.audio` frame (base64: 64 KiB of text). */
export const AUDIO_CHUNK_BYTES = 48 * 1024;

/** Bridges one run to one connection. */
export class RunStream {
  /** The agent running the run now (follows handoffs). */
  agent: string;
  private next: number;
  private readonly pending = new Map<number, RunEvent>();
  /** Highest seq known to exist (an event that came as an unreadable stub counts). */
  private known = 0;
  private open = false;
  private done = false;
  private readonly sub: Subscription;
  private backfilling = false;
  /** A spoken sentence's bytes are being read and sent: later events wait for them (order holds). */
  private sending = false;
  private timer: TimerHandle | undefined;
  /** Time of the run.start request, for the first-token metric. */
  startedAt: number | undefined;
  firstToken: ((ms: number) => void) | undefined;

  constructor(
    readonly runId: string,
    private readonly tenant: string,
    agent: string,
    afterSeq: number,
    private readonly system: ActorSystem,
    private readonly store: RunReads | undefined,
    private readonly sink: RunSink,
    private readonly clock: Clock = systemClock,
  ) {
    this.agent = agent;
    this.next = afterSeq + 1;
    this.sub = subscribeRun(
      system,
      store,
      tenant,
      runId,
      (e) => this.offer(e),
      (seq) => this.expect(seq),
    );
  }

  /** Starts releasing events (after `run.created` went out). */
  start(): void {
    this.open = true;
    this.flush();
  }

  /**
   * Resume: reads the log after `after_seq` and starts releasing. Resolves false when the run is
   * unknown in this tenant (nothing live, nothing logged), true otherwise.
   */
  async resume(): Promise<boolean> {
    if (this.store === undefined) {
      this.start();
      return true;
    }
    const [record, logged] = await Promise.all([
      this.store.getRun(this.tenant, this.runId),
      this.store.events(this.tenant, this.runId, this.next - 1),
    ]);
    if (record === undefined && logged.length === 0 && this.pending.size === 0) return false;
    if (record !== undefined) this.agent = record.agent;
    for (const e of logged) this.offer(e);
    this.start();
    // Ended, and the client has seen its end already: nothing more will come.
    if (
      !this.done &&
      record !== undefined &&
      TERMINAL_STATUSES.has(record.status) &&
      this.next > record.last_seq &&
      this.pending.size === 0
    ) {
      this.stop();
      this.sink.ended(this, undefined);
    }
    return true;
  }

  /** Stops the stream (connection closed, or run ended). */
  stop(): void {
    if (this.done) return;
    this.done = true;
    this.sub.unsubscribe();
    if (this.timer !== undefined) this.clock.clearTimer(this.timer);
    this.pending.clear();
  }

  private offer(e: RunEvent): void {
    if (this.done || typeof e !== 'object' || e === null || typeof e.seq !== 'number' || e.seq < this.next) return;
    this.pending.set(e.seq, e);
    if (this.open) this.flush();
  }

  /** Event `seq` exists but did not arrive whole: the log must supply it. */
  private expect(seq: number): void {
    if (this.done || seq < this.next) return;
    this.known = Math.max(this.known, seq);
    if (this.open) this.flush();
  }

  private flush(): void {
    if (this.sending) return;
    for (let e = this.pending.get(this.next); e !== undefined && !this.done; e = this.pending.get(this.next)) {
      this.pending.delete(this.next);
      this.next++;
      if (e.event === 'audio') {
        this.sending = true;
        void this.sendAudio(e).finally(() => {
          this.sending = false;
          this.flush();
        });
        return;
      }
      this.emit(e);
    }
    if (!this.done && (this.pending.size > 0 || this.known >= this.next)) this.fillGap(0);
  }

  /** Re-reads the log until the missing events show up (bounded), then flushes. */
  private fillGap(attempt: number): void {
    if (this.backfilling || this.store === undefined) {
      if (this.store === undefined && attempt === 0 && !this.backfilling) {
        // No log to read: waiting cannot help; skip ahead so the stream does not stall.
        this.backfilling = true;
        this.timer = this.clock.setTimer(BACKFILL_DELAYS[BACKFILL_DELAYS.length - 1] as number, () => this.failGap());
      }
      return;
    }
    this.backfilling = true;
    const delay = BACKFILL_DELAYS[attempt];
    if (delay === undefined) {
      this.failGap();
      return;
    }
    this.timer = this.clock.setTimer(delay, () => {
      this.timer = undefined;
      const store = this.store as RunReads;
      store.events(this.tenant, this.runId, this.next - 1).then(
        (logged) => {
          this.backfilling = false;
          for (const e of logged) this.offer(e);
          if (!this.done && (this.pending.size > 0 || this.known >= this.next) && !this.pending.has(this.next)) this.fillGap(attempt + 1);
          else this.flush();
        },
        () => {
          this.backfilling = false;
          this.fillGap(attempt + 1);
        },
      );
    });
  }

  /**
   * The gap stayed open: the stream ends with an `error` frame (`unavailable`, with `run_id` and
   * `missing: [from, to]`) — the client resumes after its last seq later, or gives up; it never
   * sees later events as if none were missing.
   */
  private failGap(): void {
    this.backfilling = false;
    if (this.done || (this.pending.size === 0 && this.known < this.next)) return;
    const last = this.pending.size > 0 ? Math.min(...this.pending.keys()) - 1 : this.known;
    const message =
      `run ${this.runId}: events ${this.next}..${last} could not be delivered (not in the run's log); ` +
      'this stream of the run ends here';
    this.sink.warn(message);
    this.sink.send({ type: 'error', code: 'unavailable', run_id: this.runId, missing: [this.next, last], message });
    this.stop();
    this.sink.ended(this, undefined);
  }

  /**
   * An `audio` event as `run.audio` frames (docs/gateway-websocket.md): a sentence's WAV read from the tenant's blobs
   * and sent in base64 chunks (`part` 0, 1…, `last` on its last); the final event as one frame with the whole answer's
   * blob reference and no bytes. A blob that cannot be read is a frame with `error`; the stream goes on.
   */
  private async sendAudio(e: RunEvent): Promise<void> {
    const d = (e.data ?? {}) as { index?: number; final?: boolean; text?: string; blob?: string; mime?: string; duration_ms?: number };
    const head = { type: 'run.audio', run_id: e.run_id, seq: e.seq, index: d.index ?? 0, mime: d.mime ?? 'audio/wav' } as const;
    if (d.final === true || typeof d.blob !== 'string') {
      const frame: RunAudioFrame = { ...(e.data as object), ...head, final: true };
      if (!this.sink.send(frame)) this.stop();
      return;
    }
    let bytes: Uint8Array;
    try {
      bytes = await new BlobStore(this.system.storage).bytesOf(this.tenant, { blob: d.blob });
    } catch (err) {
      const frame: RunAudioFrame = { ...head, final: false, error: `audio blob ${d.blob} unreadable: ${(err as Error).message}` };
      if (!this.sink.send(frame)) this.stop();
      return;
    }
    const parts = Math.max(1, Math.ceil(bytes.byteLength / AUDIO_CHUNK_BYTES));
    for (let part = 0; part < parts && !this.done; part++) {
      const chunk = bytes.subarray(part * AUDIO_CHUNK_BYTES, (part + 1) * AUDIO_CHUNK_BYTES);
      const frame: RunAudioFrame = {
        ...head,
        final: false,
        part,
        last: part === parts - 1,
        data: Buffer.from(chunk.buffer, chunk.byteOffset, chunk.byteLength).toString('base64'),
        ...(part === 0 && d.text !== undefined ? { text: d.text } : {}),
        ...(part === 0 && d.duration_ms !== undefined ? { duration_ms: d.duration_ms } : {}),
      };
      if (!this.sink.send(frame)) return this.stop();
    }
  }

  private emit(e: RunEvent): void {
    this.agent = e.agent;
    const data = e.data as
      | { status?: string; output?: unknown; outputs?: unknown; error?: unknown; code?: unknown; usage?: unknown; interrupt?: unknown }
      | undefined;
    const status = e.event === 'status' ? data?.status : undefined;
    let frame: object;
    if (status === 'success')
      frame = {
        type: 'run.completed',
        run_id: e.run_id,
        seq: e.seq,
        output: data?.output ?? null,
        usage: data?.usage,
        ...(data?.outputs === undefined ? {} : { outputs: data.outputs }),
      };
    else if (status === 'error' || status === 'timeout')
      frame = {
        type: 'run.failed',
        run_id: e.run_id,
        seq: e.seq,
        error: data?.error ?? status,
        ...(typeof data?.code === 'string' ? { code: data.code } : {}),
      };
    else if (status === 'cancelled') frame = { type: 'run.cancelled', run_id: e.run_id, seq: e.seq };
    else if (status === 'interrupted')
      frame = { type: 'run.interrupted', run_id: e.run_id, seq: e.seq, interrupt: data?.interrupt ?? null };
    else {
      if (e.event === 'token' && this.firstToken !== undefined && this.startedAt !== undefined) {
        this.firstToken(performance.now() - this.startedAt);
        this.firstToken = undefined;
      }
      frame = { type: 'run.event', run_id: e.run_id, seq: e.seq, event: e.event, data: e.data };
    }
    if (!this.sink.send(frame)) {
      this.stop();
      return;
    }
    if (status !== undefined && TERMINAL_STATUSES.has(status)) {
      this.stop();
      this.sink.ended(this, status);
    }
  }
}
