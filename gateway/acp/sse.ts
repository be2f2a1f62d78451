/**
 * Server-sent events on a node:http response: `event`/`data`/`id` frames, comment heartbeats
 * (the 1.x SDK uses them to detect half-open connections), and a bound on what a slow reader
 * may leave buffered — past it the stream is closed rather than held in memory.
 */
import type { ServerResponse } from 'node:http';
import { systemClock, type Clock } from '../../runtime/index.js';
import { every, type Repeating } from '../clock.js';
import type { SseEvent } from './translate.js';

/** Heartbeat period; well under the SDK's 30 s idle ceiling. */
export const HEARTBEAT_MS = 10_000;
/** Bytes a reader may leave unread before the stream is cut (default of `gateway.limits.sendBufferBytes`). */
export const MAX_BUFFERED = 4 * 1024 * 1024;

/** An open event stream. */
export class SseStream {
  private readonly heartbeat: Repeating;
  private done = false;

  constructor(
    private readonly res: ServerResponse,
    headers: Record<string, string> = {},
    private readonly maxBuffered = MAX_BUFFERED,
    clock: Clock = systemClock,
  ) {
    res.writeHead(200, {
      'content-type': 'text/event-stream; charset=utf-8',
      'cache-control': 'no-cache',
      connection: 'keep-alive',
      'x-accel-buffering': 'no',
      ...headers,
    });
    res.flushHeaders();
    this.heartbeat = every(clock, HEARTBEAT_MS, () => this.raw(': heartbeat\n\n'), { unref: true });
    res.on('close', () => this.stop());
  }

  /** False once the client went away or the stream was ended. */
  get open(): boolean {
    return !this.done;
  }

  /** Sends events (dropped once closed). */
  send(events: readonly SseEvent[]): void {
    for (const e of events)
      this.raw(`event: ${e.event}\ndata: ${JSON.stringify(e.data ?? null)}\n${e.id === undefined ? '' : `id: ${e.id}\n`}\n`);
  }

  /** Ends the stream. */
  end(): void {
    if (this.done) return;
    this.stop();
    this.res.end();
  }

  private raw(text: string): void {
    if (this.done) return;
    // A frame bigger than the whole bound still goes out when nothing is queued (a big event is
    // delivered whole to a reader that keeps up); a reader behind it is cut off, and the socket
    // destroyed at once, so what it held (queued frames, the run's feed) is released now.
    if (this.res.writableLength > 0 && this.res.writableLength + Buffer.byteLength(text) > this.maxBuffered) {
      this.stop();
      this.res.destroy();
      return;
    }
    this.res.write(text);
  }

  private stop(): void {
    this.done = true;
    this.heartbeat.stop();
  }
}
