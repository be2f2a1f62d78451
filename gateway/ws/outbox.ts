/**
 * The outbound side of one WebSocket: every frame passes one bound — bytes queued on the socket
 * plus frames not yet flushed — and a client past it is closed as a slow consumer (4008), so a
 * connection never holds more than the limit plus one frame. Frames sent in one event-loop turn
 * leave in one socket write (cork/uncork).
 */
import { WebSocket } from 'ws';
import { systemClock, type Clock, type TimerHandle } from '../../runtime/index.js';
import { unref } from '../clock.js';
import type { GatewayMetrics } from '../ops/index.js';
import type { WsLimits } from './context.js';
import { CLOSE } from './frames.js';

/** Bounded, batched sending on one WebSocket. */
export class Outbox {
  /** Most bytes ever queued for this client (stays under the limit plus one frame). */
  peakBufferedBytes = 0;
  /** True once a close started (or the socket ended): nothing more is sent. */
  closing = false;
  private pending = 0;
  private corked = false;
  private killTimer: TimerHandle | undefined;
  private readonly sentOne = (): void => {
    this.pending--;
  };

  constructor(
    private readonly ws: WebSocket,
    private readonly limits: Pick<WsLimits, 'sendBufferBytes' | 'sendBufferFrames' | 'closeTimeoutMs'>,
    private readonly metrics: GatewayMetrics,
    /** Called once when a close starts (the session drops its subscriptions). */
    private readonly onClosing: () => void,
    private readonly clock: Clock = systemClock,
  ) {}

  /** Sends a frame; false when the socket is closing or just got closed as a slow consumer. */
  send(frame: object): boolean {
    if (this.closing || this.ws.readyState !== WebSocket.OPEN) return false;
    const text = JSON.stringify(frame);
    const queued = this.ws.bufferedAmount + Buffer.byteLength(text);
    const { sendBufferBytes, sendBufferFrames } = this.limits;
    // One frame larger than the whole buffer still goes out when nothing else is queued (a big
    // event is delivered whole to a reader that keeps up); a reader behind it is closed.
    const backlog = this.pending > 0 || this.ws.bufferedAmount > 0;
    if (this.pending >= sendBufferFrames || (queued > sendBufferBytes && backlog)) {
      this.close(CLOSE.SLOW_CONSUMER, `slow consumer: more than ${sendBufferBytes} bytes or ${sendBufferFrames} frames queued`);
      return false;
    }
    if (queued > this.peakBufferedBytes) this.peakBufferedBytes = queued;
    this.pending++;
    this.cork();
    this.ws.send(text, this.sentOne);
    this.metrics.framesOut.inc();
    return true;
  }

  /** Closes with `code`; the socket is destroyed if the close handshake does not finish in time. */
  close(code: number, reason: string): void {
    if (this.closing) return;
    this.closing = true;
    this.metrics.wsCloses.inc({ code: String(code) });
    this.onClosing();
    this.ws.close(code, reason);
    this.killTimer = this.clock.setTimer(this.limits.closeTimeoutMs, () => this.ws.terminate());
    unref(this.killTimer);
  }

  /** The socket ended: stop sending, forget the kill timer. */
  ended(): void {
    this.closing = true;
    if (this.killTimer !== undefined) this.clock.clearTimer(this.killTimer);
  }

  private cork(): void {
    if (this.corked) return;
    const socket = this.socket();
    if (socket === undefined) return;
    this.corked = true;
    socket.cork();
    process.nextTick(this.uncork);
  }

  /** Made once: a burst's uncork allocates no closure. */
  private readonly uncork = (): void => {
    this.corked = false;
    this.socket()?.uncork();
  };

  private socket(): { cork(): void; uncork(): void } | undefined {
    return (this.ws as unknown as { _socket?: { cork(): void; uncork(): void } })._socket;
  }
}
