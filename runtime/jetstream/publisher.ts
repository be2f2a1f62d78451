/**
 * Mailbox publishes with their stream acknowledgement, on one reply subscription per connection. nats.js' `js.publish`
 * is a request: per publish it makes a request object, a timer, two promises, and on success an Error (with a stack
 * trace) for the cancel that follows every answered request, then parses the acknowledgement as JSON into an object.
 * On the mesh hop that was about a fifth of the sender's CPU (ADR 0040). Here a publish is one `nc.publish` with a
 * reply subject, one map entry and one promise; one timer serves every publish waiting (they share a timeout, so they
 * expire in the order they were made). The errors are nats.js' own classes, so {@link isTransient} and
 * {@link isPerSubjectLimit} read them as they read `js.publish`'s.
 *
 * A publish not answered within `resendMs` is sent again, same message id and reply subject, until it is answered or
 * its timeout ends: the first answer settles it, the stream stores it once (deduplicated by id). A publish that reached
 * the stream's replicas while they elected a leader is dropped and never answered; resent, it is stored within
 * `resendMs` of the election's end instead of after the rest of the timeout (a mailbox-leader kill held every ask
 * sent shortly before the election ended 1.3 s longer so).
 */
import { JetStreamApiError, JetStreamError } from '@nats-io/jetstream';
import {
  ClosedConnectionError,
  NoRespondersError,
  RequestError,
  TimeoutError,
  createInbox,
  headers,
  type Msg,
  type MsgHdrs,
  type NatsConnection,
  type Subscription,
} from '@nats-io/transport-node';

/** The JetStream message id header (deduplication within the stream's duplicate window). */
const MSG_ID = 'Nats-Msg-Id';
const decoder = new TextDecoder();

interface Waiting {
  resolve(): void;
  reject(e: Error): void;
  readonly subject: string;
  readonly data: Uint8Array;
  readonly headers: MsgHdrs;
  readonly expires: number;
  /** When it was last sent (performance.now()). */
  sent: number;
}

/** What the stream answers a publish with (the fields read here). */
interface PubAck {
  stream?: string;
  error?: { code: number; err_code: number; description: string };
}

/**
 * The answer to a publish as an error, or undefined when the stream stored it (or had it already: a duplicate id).
 * Exported for its tests: the same verdicts as `js.publish` on every answer the server gives.
 */
export function pubAckError(m: Pick<Msg, 'data' | 'headers'>, subject: string): Error | undefined {
  if (m.data.length === 0) {
    if (m.headers?.code === 503) return new RequestError(`no responders: '${subject}'`, { cause: new NoRespondersError(subject) });
    return new JetStreamError('invalid ack response');
  }
  let ack: PubAck;
  try {
    ack = JSON.parse(decoder.decode(m.data)) as PubAck;
  } catch (e) {
    return new JetStreamError('invalid ack response', { cause: e });
  }
  if (typeof ack !== 'object' || ack === null) return new JetStreamError('invalid ack response');
  if (ack.error !== undefined) return new JetStreamApiError(ack.error);
  if (typeof ack.stream !== 'string' || ack.stream === '') return new JetStreamError('invalid ack response');
  return undefined;
}

/** Publishes into streams and waits for their acknowledgements (see the module comment). */
export class StreamPublisher {
  private readonly inbox: string;
  private readonly waiting = new Map<string, Waiting>();
  private readonly sub: Subscription;
  private seq = 0;
  private timer: ReturnType<typeof setTimeout> | undefined;
  private closed = false;

  constructor(
    private readonly nc: NatsConnection,
    /** How long a publish waits for its acknowledgement before it fails with a TimeoutError. */
    private readonly timeoutMs: number,
    /** The connection's inbox prefix (its `inboxPrefix` option), when it has its own. */
    inboxPrefix?: string,
    /** A publish still unanswered this long after it was sent is sent again (see the module comment); default: never. */
    private readonly resendMs = timeoutMs,
  ) {
    this.inbox = `${createInbox(inboxPrefix)}.`;
    this.sub = nc.subscribe(`${this.inbox}*`, { callback: (err, m) => void (err === null && this.answer(m)) });
  }

  /** Resolves once the stream stored `data` on `subject` under `msgID` (or had it already); rejects as `js.publish` would. */
  publish(subject: string, data: Uint8Array, msgID: string): Promise<void> {
    if (this.closed) return Promise.reject(new ClosedConnectionError());
    const token = (this.seq++).toString(36);
    const h = headers();
    h.set(MSG_ID, msgID);
    return new Promise<void>((resolve, reject) => {
      try {
        this.nc.publish(subject, data, { reply: this.inbox + token, headers: h });
      } catch (e) {
        reject(e as Error);
        return;
      }
      const now = performance.now();
      this.waiting.set(token, { resolve, reject, subject, data, headers: h, expires: now + this.timeoutMs, sent: now });
      this.timer ??= setTimeout(this.sweep, Math.min(this.timeoutMs, this.resendMs));
    });
  }

  /** Fails every publish still waiting (the connection is closing); later publishes fail at once. */
  close(): void {
    this.closed = true;
    if (this.timer !== undefined) clearTimeout(this.timer);
    this.timer = undefined;
    const e = new ClosedConnectionError();
    for (const w of this.waiting.values()) w.reject(e);
    this.waiting.clear();
    this.sub.unsubscribe();
  }

  private answer(m: Msg): void {
    const token = m.subject.slice(this.inbox.length);
    const w = this.waiting.get(token);
    if (w === undefined) return;
    this.waiting.delete(token);
    const e = pubAckError(m, w.subject);
    if (e === undefined) w.resolve();
    else w.reject(e);
  }

  /**
   * Fails the publishes past their time and sends again those unanswered for `resendMs`, in the order they were last
   * sent (one that is sent again moves to the end), then waits for the next one due. They share one timeout and one
   * resend pause, so the first in the map is the first due (a resent one's timeout may come up to `resendMs` late).
   */
  private readonly sweep = (): void => {
    this.timer = undefined;
    const now = performance.now();
    for (const [token, w] of this.waiting) {
      const due = Math.min(w.expires, w.sent + this.resendMs);
      if (due > now) {
        this.timer = setTimeout(this.sweep, Math.ceil(due - now));
        return;
      }
      this.waiting.delete(token);
      if (now >= w.expires) {
        w.reject(new TimeoutError());
        continue;
      }
      try {
        this.nc.publish(w.subject, w.data, { reply: this.inbox + token, headers: w.headers });
      } catch {
        // The connection is closing: the publish fails at its timeout (or at close).
      }
      w.sent = now;
      this.waiting.set(token, w);
    }
  };
}
