/**
 * One HTTP caller following one run: the run's events in order ({@link RunFeed}) through a
 * {@link RunTranslator}, with a quiet prefix (events replayed only to rebuild the state, not
 * sent) and a point before which the run's stopping does not count (a resumed run stopped at its
 * previous interrupt). `done` resolves when the run stops: it ended, or waits for a human.
 */
import type { ChatMessage } from '../../protocols/index.js';
import type { RunReads, ThreadOwners } from '../../actors/index.js';
import type { Clock } from '../../runtime/index.js';
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { GatewayDeps, Principal } from '../types.js';
import { sleep } from '../clock.js';
import { RunFeed } from './feed.js';
import type { StreamMode } from './schemas.js';
import { acpRecordOf, type AcpRunRecord } from './shapes.js';
import { RunTranslator, type SseEvent } from './translate.js';

/** What every ACP handler shares. */
export interface AcpContext {
  readonly deps: GatewayDeps;
  /** Runs and threads, read only: every change is a message to the thread's owner (ADR 0018). */
  readonly store: RunReads;
  /** Where thread changes go: each thread's owner actor. */
  readonly threads: ThreadOwners;
  /** When this route started (assistants' timestamps). */
  readonly startedAt: string;
  /** Where the route is mounted (`/acp`), for `Content-Location`. */
  readonly prefix: string;
  /** Bytes an SSE reader may leave unread before its stream is cut (`gateway.limits.sendBufferBytes`). */
  readonly sendBufferBytes?: number;
  /** Time and timers (heartbeats, wait timeouts, gap retries, timestamps): `deps.clock`, else the system clock. */
  readonly clock: Clock;
}

/** The path of a run (a stateless run's has no thread), as `Content-Location` names it. */
export function runLocation(ctx: AcpContext, threadId: string, runId: string, temporary: boolean): string {
  return temporary ? `${ctx.prefix}/runs/${runId}` : `${ctx.prefix}/threads/${threadId}/runs/${runId}`;
}

/** One request as a handler sees it. */
export interface AcpCall {
  readonly req: IncomingMessage;
  readonly res: ServerResponse;
  readonly principal: Principal;
  /** Path parameters by name (`thread_id`, `run_id`, …), decoded. */
  readonly params: Readonly<Record<string, string>>;
  readonly query: URLSearchParams;
}

/** Where a session starts. */
export interface SessionSpec {
  readonly tenant: string;
  readonly runId: string;
  readonly threadId: string;
  readonly assistantId: string;
  /** The thread's messages before the run, with the run's input. */
  readonly base: readonly ChatMessage[];
  readonly modes: ReadonlySet<StreamMode>;
  /** Events up to this seq rebuild the state but are not sent (Infinity: send nothing). */
  readonly quietUpTo?: number;
  /** Frames of event `quietUpTo` after this index are sent after all (a client resuming mid-event). */
  readonly resumeIndex?: number;
  /** No `metadata`/state opening: the client is resuming a stream it already had. */
  readonly noOpening?: boolean;
  /** Read the log after this seq (default 0: all of it). */
  readonly afterSeq?: number;
  /** The run is about to be created: there is no log to read yet. */
  readonly fresh?: boolean;
}

/** A caller following a run. */
export class RunSession {
  readonly translator: RunTranslator;
  /** Events up to this seq are not sent. */
  quietUpTo: number;
  /** The run stopping at or before this seq does not end the session. */
  endAfter = Number.POSITIVE_INFINITY;
  readonly done: Promise<void>;
  private resolveDone!: () => void;
  private feed: RunFeed | undefined;
  private out: SseEvent[] = [];
  private sink: ((events: readonly SseEvent[]) => void) | undefined;
  private caughtUp = true;
  private finished = false;
  private opened = false;
  private settling = false;
  /** Set when events could not be delivered: the session ended with an `error` event saying which. */
  lost: string | undefined;

  private constructor(
    private readonly ctx: AcpContext,
    private readonly spec: SessionSpec,
  ) {
    this.translator = new RunTranslator(
      { runId: spec.runId, threadId: spec.threadId, assistantId: spec.assistantId },
      spec.base,
      spec.modes,
    );
    this.quietUpTo = spec.quietUpTo ?? 0;
    this.opened = spec.noOpening === true;
    this.done = new Promise<void>((resolve) => (this.resolveDone = resolve));
  }

  /**
   * Opens a session: subscribes, replays the logged events, and returns with `logged` (the
   * highest logged seq). Set {@link endAfter} (and perhaps {@link quietUpTo}) before the run moves.
   */
  static async open(ctx: AcpContext, spec: SessionSpec, endAfter?: number): Promise<{ session: RunSession; logged: number }> {
    const s = new RunSession(ctx, spec);
    if (endAfter !== undefined) s.endAfter = endAfter;
    const { feed, logged } = await RunFeed.open(
      ctx.deps.system,
      ctx.store,
      spec.tenant,
      spec.runId,
      spec.afterSeq ?? 0,
      (e, caughtUp) => {
        s.caughtUp = caughtUp;
        const partial = spec.resumeIndex !== undefined && e.seq === s.quietUpTo;
        if (e.seq > s.quietUpTo || partial) s.opening();
        const frames = s.translator.apply(e);
        const send = e.seq > s.quietUpTo ? frames : partial ? frames.slice((spec.resumeIndex ?? 0) + 1) : [];
        if (send.length > 0) s.emit(send);
        s.check();
      },
      spec.fresh === true,
      ctx.clock,
    );
    s.feed = feed;
    feed.onLost = (from, to) => s.fail(from, to);
    return { session: s, logged };
  }

  /** Lets the run's stopping count from after `seq` on (and checks whether it already has). */
  armEnd(seq: number): void {
    this.endAfter = seq;
    this.check();
  }

  /** Sends the opening (`metadata`, the state so far), buffered and future events to `sink`. */
  attach(sink: (events: readonly SseEvent[]) => void): void {
    this.opening();
    this.sink = sink;
    if (this.out.length > 0) sink(this.out);
    this.out = [];
  }

  /** Stops following the run (the run itself goes on). */
  close(): void {
    this.feed?.close();
    this.feed = undefined;
    this.finish();
  }

  /** Events `from..to` cannot be delivered: an `error` event names them and the session ends. */
  private fail(from: number, to: number): void {
    if (this.finished) return;
    this.lost = `events ${from}..${to} of run ${this.spec.runId} could not be delivered (not in the run's log); the stream ends here`;
    this.emit([{ event: 'error', data: { error: 'EventsLost', message: this.lost } }]);
    this.feed = undefined;
    this.finish();
  }

  /** Queues the opening events once, with the state as it is before the first sent event. */
  private opening(): void {
    if (this.opened) return;
    this.opened = true;
    this.emit(this.translator.opening());
  }

  private emit(events: readonly SseEvent[]): void {
    if (this.sink !== undefined) this.sink(events);
    else this.out.push(...events);
  }

  private check(): void {
    if (this.finished || this.settling || !this.translator.ended || !this.caughtUp || this.translator.lastSeq <= this.endAfter) return;
    if (this.translator.status !== 'interrupted') {
      this.finish();
      return;
    }
    // The agent records the thread as interrupted just after it publishes the interrupt: wait for
    // that, so a caller who resumes as soon as the stream ends finds the thread interrupted.
    this.settling = true;
    void waitInterrupted(this.ctx, this.spec.tenant, this.spec.threadId, this.spec.runId).finally(() => {
      this.settling = false;
      this.finish();
    });
  }

  private finish(): void {
    if (this.finished) return;
    this.finished = true;
    this.resolveDone();
  }
}

/** Resolves once thread `threadId` shows run `runId` as interrupted (or after about 2 s). */
export async function waitInterrupted(ctx: AcpContext, tenant: string, threadId: string, runId: string): Promise<boolean> {
  for (let i = 0; i < 200; i++) {
    const t = await ctx.store.getThread(tenant, threadId).catch(() => undefined);
    if (t === undefined || (t.status === 'interrupted' && t.run_id === runId)) return t !== undefined;
    if (t.run_id !== undefined && t.run_id !== runId) return false;
    await sleep(ctx.clock, 10);
  }
  return false;
}

/** The ACP record of a run, if this part started it (from what the run record keeps of the request). */
export async function getRecord(ctx: AcpContext, tenant: string, runId: string): Promise<AcpRunRecord | undefined> {
  return acpRecordOf(await ctx.store.getRun(tenant, runId));
}

/**
 * The state a run started from: the thread's first `prev_len` messages and the run's input
 * (undefined for a run this part did not start).
 */
export async function runBase(ctx: AcpContext, tenant: string, rec: AcpRunRecord | undefined): Promise<ChatMessage[] | undefined> {
  if (rec === undefined) return undefined;
  const t = await ctx.store.getThread(tenant, rec.thread_id);
  return [...(t?.values.messages ?? []).slice(0, rec.prev_len), ...rec.input];
}
