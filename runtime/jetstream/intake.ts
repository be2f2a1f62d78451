/**
 * The consuming side of a JetStream binding: a durable pull consumer per address, whose messages
 * are offered to the actor's mailbox and acked only after the handler finished. A single activation
 * consumes continuously; a pool member fetches small batches and always finishes the batch it took.
 */
import {
  AckPolicy,
  DeliverPolicy,
  type Consumer,
  type ConsumerMessages,
  type JetStreamClient,
  type JetStreamManager,
  type JsMsg,
} from '@nats-io/jetstream';
import { backoffDelay, type Codec, type Envelope } from '../../protocols/index.js';
import type { NatsConnection } from '@nats-io/transport-node';
import type { Clock } from '../clock.js';
import type { MailboxSink, Receipt } from '../transport.js';
import { JsErrCode, isConsumerExists, isStreamExists, isTransient } from './errors.js';
import type { MeshNames } from './subjects.js';
import { Deque } from '../deque.js';

/** The consuming side of a binding. */
export interface Intake {
  /** Stops pulling; messages already pulled are still offered (or handed back by a sink that is ending). */
  stop(): Promise<void>;
  /** Ends the `working()` pings of messages still queued locally (when the address is released). */
  dispose(): void;
}

/** What an intake needs from its transport. */
export interface IntakeContext {
  readonly js: JetStreamClient;
  readonly connection: NatsConnection;
  /** Bound on one JetStream request. */
  readonly requestTimeoutMs: number;
  readonly jsm: JetStreamManager;
  readonly names: MeshNames;
  readonly codec: Codec;
  readonly clock: Clock;
  /** Mailbox capacity: the most messages one consumer holds unacked. */
  readonly capacity: number;
  readonly ackWaitMs: number;
  /** Messages a pool member pulls at a time. */
  readonly poolBatch: number;
  /** True once the transport is closing. */
  closed(): boolean;
  /** Records a message that could not be decoded as a dead letter. */
  undecodable(tenant: string, address: string, m: JsMsg, e: unknown): Promise<void>;
  /** Calls `fn` whenever the connection came back after a disconnect (another server); returns the unsubscribe. */
  onReconnect(fn: () => void): () => void;
  warn(message: string): void;
}

/** A running pull loop: `done` settles when it ended (stopped, or the transport closed); `close` ends the current pull. */
interface Pulling {
  readonly done: Promise<void>;
  close(): Promise<void>;
}

/** Nanoseconds, as JetStream's API counts durations. */
export const ns = (ms: number): number => ms * 1_000_000;

const FETCH_EXPIRES_MS = 1_000;
/** Heartbeat interval asked of the server for a continuous pull. */
const IDLE_HEARTBEAT_MS = 1_000;
/** Pause before a pull that ended or failed is tried again. */
const RESUME_MS = 250;
/** Pauses between checks that a consumer has a leader again: 50 ms doubling to 400 ms. */
const CHECK = { initialMs: 50, maxMs: 400 } as const;
/**
 * Bound on one such check: 250 ms doubling to 800 ms (and never past the request timeout). A consumer without a leader
 * does not answer, so a check sent just before its election ended waits out its bound: at the 2 s request timeout the
 * pull resumed up to 2.4 s after the election.
 */
const CHECK_TIMEOUT_MAX_MS = 800;
const checkTimeout = (c: IntakeContext, attempt: number): number => Math.min(c.requestTimeoutMs, CHECK_TIMEOUT_MAX_MS, 125 * 2 ** attempt);
/**
 * A settlement (ack or nak) the consumer may have missed — made after the intake stopped or while its pull stalled, or
 * shortly before a stall was noticed — is sent again as a request until the consumer's leader confirms it, for this long.
 */
const CONFIRM_MS = 15_000;
/** Bound on one confirmation request, and the pause before the next. */
const CONFIRM_TIMEOUT_MS = 500;
const CONFIRM_PAUSE_MS = 250;
/** Settlements made this recently before a stall was noticed are confirmed too (two missed 1 s heartbeats, and margin). */
const RECENT_MS = 3_000;
/** Most confirmations one intake has in flight. */
const MAX_CONFIRMING = 256;
/** A consumer that answers again only after this long is named in a warning when its pull resumes. */
const SLOW_ANSWER_MS = 2_000;
/** How long a new holder waits for an existing consumer to answer with a leader before re-creating it. */
const KEEP_WAIT_MS = 8_000;
/** How long a new holder waits for the last holder's hand-backs to land (while it is alive) before re-creating. */
const SETTLE_WAIT_MS = 1_000;

const encoder = new TextEncoder();

const sleep = (clock: Clock, n: number): Promise<void> => new Promise((r) => clock.setTimer(n, r));

/** Creates (or, for a pool, joins) the durable consumer of `address` and starts offering its messages to `sink`. */
export async function openIntake(
  c: IntakeContext,
  tenant: string,
  address: string,
  durable: string,
  sink: MailboxSink,
  shared: boolean,
  /** The durable consumer exists and is kept as it is (a single activation's takeover, see {@link keepConsumer}). */
  keep = false,
): Promise<Intake> {
  const stream = c.names.mailboxStream;
  if (!keep)
    try {
      await c.jsm.consumers.add(stream, consumerConfig(c, tenant, address, durable));
    } catch (e) {
      if (!shared || !(isConsumerExists(e) || isStreamExists(e))) throw e;
    }
  const consumer = await c.js.consumers.get(stream, durable);
  let stopped = false;
  const isStopped = (): boolean => stopped;
  // A single activation's settlements that the consumer may have missed are confirmed (see CONFIRM_MS): the next holder
  // then finds nothing pending and keeps the consumer instead of re-creating it (a new consumer elects a leader first).
  let disrupted = false;
  // The ack subjects of the last RECENT_MS, in two generations (O(1) per ack, no object per ack and no message kept
  // alive): the older one is dropped when a new one starts.
  let recent = new Settled();
  let older = new Settled();
  let generationAt = c.clock.now();
  // Confirmations in flight are capped: what is left unconfirmed beyond is found pending by the next holder, which then
  // re-creates the consumer (as every takeover did before).
  let confirming = 0;
  const confirmOne = (reply: string, nak: boolean, delayMs?: number): void => {
    if (confirming >= MAX_CONFIRMING) return;
    confirming++;
    void confirm(c, reply, nak, delayMs).finally(() => confirming--);
  };
  const held = new Set<JsMsg>();
  const settle = (m: JsMsg, nak: boolean, delayMs?: number): void => {
    held.delete(m);
    if (nak) m.nak(delayMs);
    else m.ack();
    if (shared) return;
    const reply = ackSubject(m);
    if (reply === undefined) return;
    if (stopped || disrupted) {
      confirmOne(reply, nak, delayMs);
      return;
    }
    if (nak) return;
    const now = c.clock.now();
    if (now - generationAt > RECENT_MS) {
      older = recent;
      recent = new Settled();
      generationAt = now;
    }
    recent.add(reply, now);
  };
  const confirmRecent = (): void => {
    const now = c.clock.now();
    // Newest first: the cap on confirmations in flight keeps the ones most likely missed.
    for (const g of [recent, older])
      for (let i = g.replies.length - 1; i >= 0; i--) if (now - (g.at[i] as number) <= RECENT_MS) confirmOne(g.replies[i] as string, false);
    older = new Settled();
    recent = new Settled();
  };
  const disruption = (on: boolean): void => {
    disrupted = on;
    if (on) confirmRecent();
  };
  let wake!: () => void;
  const stopping = new Promise<void>((r) => (wake = r));
  // Messages pulled while the mailbox was full wait here, in arrival order, until it has room.
  const backlog = new Deque<{ env: Envelope; receipt: Receipt }>();
  let flushing: Promise<void> | undefined;
  /** Hands one message to the mailbox (or back to the stream, when the actor is ending); false when the mailbox is full. */
  const offer = (env: Envelope, receipt: Receipt): boolean => {
    if (sink.offer(env, receipt)) return true;
    if (sink.accepting) return false;
    receipt.nak();
    return true;
  };
  const flush = async (): Promise<void> => {
    for (let head = backlog.peek(); head !== undefined; head = backlog.peek()) {
      if (offer(head.env, head.receipt)) backlog.shift();
      // Once stopping, only room (or the actor ending) moves the backlog on.
      else await (stopped ? sink.waitForSpace() : Promise.race([sink.waitForSpace(), stopping]));
    }
    flushing = undefined;
  };
  /** Takes one pulled message: decoded and offered at once, in the client's dispatch (no async iteration per message). */
  const take = (m: JsMsg): void => {
    let env: Envelope;
    try {
      env = c.codec.decode(m.data);
    } catch (e) {
      m.term('undecodable');
      void c.undecodable(tenant, address, m, e);
      return;
    }
    held.add(m);
    const receipt = new PulledReceipt(m, settle);
    if (backlog.length === 0 && offer(env, receipt)) return;
    backlog.push({ env, receipt });
    flushing ??= flush();
  };
  // A single activation consumes continuously: messages it pulled but never saw stay unacked and
  // its successor recreates the consumer, so they come again at once. A pool member fetches in
  // batches and always finishes the batch it asked for: nothing it pulled waits out an ack_wait
  // before another member may take it (a drain hands over with zero redeliveries).
  const pulling = shared
    ? fetchLoop(c, consumer, isStopped, take, () => flushing)
    : consumeLoop(c, consumer, durable, isStopped, Math.min(c.capacity, 256), address, disruption, take);
  const keepAlive = setInterval(
    () => {
      for (const m of held) m.working();
    },
    Math.max(100, c.ackWaitMs / 2),
  );
  const loop = pulling.done
    .then(() => flushing)
    .catch((e: unknown) => {
      if (!stopped && !c.closed()) c.warn(`consumer of ${address} ended: ${(e as Error).message}`);
    });
  return {
    stop: async () => {
      if (stopped) return;
      stopped = true;
      if (!shared) confirmRecent();
      await pulling.close().catch(() => undefined);
      wake();
      await loop;
    },
    dispose: () => clearInterval(keepAlive),
  };
}

/** The ack subject of a pulled message (nats.js' message implementation has it; its interface does not name it). */
function ackSubject(m: JsMsg): string | undefined {
  const reply = (m as JsMsg & { readonly reply?: string }).reply;
  return reply === undefined || reply === '' ? undefined : reply;
}

/**
 * Where the stream's name stands in an ack subject of `tokens` tokens: `$JS.ACK.<stream>.<consumer>.<delivered>.<seq>.
 * <dseq>.<time>.<pending>` (9), or the same after a domain and an account hash (11 or more); -1 for any other count.
 */
function streamToken(tokens: number): number {
  return tokens === 9 ? 2 : tokens >= 11 ? 4 : -1;
}

/**
 * How many times a pulled message was delivered, read from its ack subject: `$JS.ACK.<stream>.<consumer>.<n>.…` (9
 * tokens) or `$JS.ACK.<domain>.<hash>.<stream>.<consumer>.<n>.…` (11 or more). nats.js' `info` splits the subject and
 * parses five numbers for every message; this reads one. Anything unexpected is left to nats.js.
 */
export function deliveryCount(m: JsMsg): number {
  const reply = ackSubject(m);
  if (reply !== undefined && reply.startsWith('$JS.ACK.')) {
    let dots = 0;
    for (let i = reply.indexOf('.'); i !== -1; i = reply.indexOf('.', i + 1)) dots++;
    const first = streamToken(dots + 1);
    const index = first < 0 ? -1 : first + 2;
    let start = 0;
    for (let t = 0; t < index; t++) start = reply.indexOf('.', start) + 1;
    let n = 0;
    let digits = 0;
    for (let i = start; index > 0 && i < reply.length; i++, digits++) {
      const d = reply.charCodeAt(i) - 48;
      if (d < 0 || d > 9) break;
      n = n * 10 + d;
    }
    if (digits > 0 && reply.charCodeAt(start + digits) === 46) return n;
  }
  return m.info.deliveryCount;
}

/** Ack subjects settled in one generation, and when (parallel arrays: nothing allocated per ack). */
class Settled {
  readonly replies: string[] = [];
  readonly at: number[] = [];
  add(reply: string, at: number): void {
    this.replies.push(reply);
    this.at.push(at);
  }
}

/** The receipt of one pulled message; a class, so a message costs one small object and no closures. */
class PulledReceipt implements Receipt {
  readonly redeliveries: number;
  constructor(
    private readonly m: JsMsg,
    private readonly settle: (m: JsMsg, nak: boolean, delayMs?: number) => void,
  ) {
    this.redeliveries = Math.max(0, deliveryCount(m) - 1);
  }
  ack(): void {
    this.settle(this.m, false);
  }
  nak(delayMs?: number): void {
    this.settle(this.m, true, delayMs);
  }
}

/**
 * Single-activation intake: a continuous pull that survives server restarts and leader elections. When the client
 * reports two missed heartbeats (the pull is parked on a consumer leader that died, or on one still being elected),
 * or the connection moved to another server, this pull is ended at once and a new one starts as soon as the consumer
 * answers again. (Left to itself, nats.js checks the consumer again only every `expires`, 5 s, after a failed check.)
 */
function consumeLoop(
  c: IntakeContext,
  consumer: Consumer,
  durable: string,
  stopped: () => boolean,
  max: number,
  address: string,
  /** Told when a pull stalls (true) and when a new one starts (false). */
  disruption: (on: boolean) => void,
  take: (m: JsMsg) => void,
): Pulling {
  let current: ConsumerMessages | undefined;
  const done = (): boolean => stopped() || c.closed();
  async function run(): Promise<void> {
    await untilAnswers(c, durable, done);
    while (!done()) {
      let stalled: string | undefined;
      let unwatch = (): void => undefined;
      try {
        // Heartbeats every second: a pull nobody answers is noticed after two of them (not the default half of the expiry).
        // Messages come to `take` from the client's dispatch, one call each: no async iterator between them and the mailbox.
        const messages = await consumer.consume({ max_messages: max, expires: 5_000, idle_heartbeat: IDLE_HEARTBEAT_MS, callback: take });
        current = messages;
        // Stopped while the pull was being set up: end it here (the stop found nothing to close).
        if (done()) await messages.close();
        disruption(false);
        unwatch = endWhenStalled(c, messages, (why) => {
          stalled = why;
          disruption(true);
        });
        const ended = await messages.closed();
        if (ended instanceof Error) throw ended;
      } catch (e) {
        if (done()) return;
        disruption(true);
        c.warn(`consumer of ${address} interrupted (${(e as Error).message}); resuming`);
        await sleep(c.clock, RESUME_MS);
      } finally {
        unwatch();
      }
      if (done()) return;
      if (stalled !== undefined) c.warn(`consumer of ${address}: ${stalled}; pulling again once it answers`);
      const waitFrom = c.clock.now();
      await untilAnswers(c, durable, done);
      // Where a recovery's time went (the chaos run's node traces): a consumer that took long to answer again.
      const waited = c.clock.now() - waitFrom;
      if (stalled !== undefined && waited >= SLOW_ANSWER_MS && !done())
        c.warn(`consumer of ${address} answered again after ${waited} ms; pulling`);
    }
  }
  return {
    done: run(),
    close: async () => {
      await current?.close().catch(() => undefined);
    },
  };
}

/**
 * Ends `messages` (messages it already received are still yielded first) when the client reports missed heartbeats
 * or a vanished consumer, or the connection reconnects; `why` hears the reason. Returns the function ending the watch.
 */
function endWhenStalled(c: IntakeContext, messages: ConsumerMessages, why: (reason: string) => void): () => void {
  let active = true;
  const end = (reason: string): void => {
    if (!active) return;
    active = false;
    why(reason);
    void messages.close().catch(() => undefined);
  };
  const offReconnect = c.onReconnect(() => end('reconnected to another server'));
  void (async () => {
    for await (const s of messages.status()) {
      if (!active) return;
      if (s.type === 'heartbeats_missed' || s.type === 'consumer_not_found' || s.type === 'consumer_deleted') end(s.type.replace('_', ' '));
    }
  })().catch(() => undefined);
  return () => {
    active = false;
    offReconnect();
  };
}

/** The durable consumer of a single activation or pool. */
function consumerConfig(c: IntakeContext, tenant: string, address: string, durable: string) {
  return {
    durable_name: durable,
    filter_subject: c.names.mailbox(tenant, address),
    ack_policy: AckPolicy.Explicit,
    deliver_policy: DeliverPolicy.All,
    ack_wait: ns(c.ackWaitMs),
    max_ack_pending: c.capacity,
    max_deliver: -1,
  };
}

/**
 * Sends an ack or nak again as a request until the consumer's leader answers it (or {@link CONFIRM_MS} passed): one sent
 * while the consumer had no leader (its server died, it was electing) is otherwise lost, and the message stays pending
 * until its ack wait ends. Repeating a settlement is harmless: the server ignores one for a message no longer pending.
 */
export async function confirm(c: IntakeContext, reply: string, nak: boolean, delayMs?: number): Promise<void> {
  const body = !nak ? '+ACK' : delayMs === undefined || delayMs <= 0 ? '-NAK' : `-NAK ${JSON.stringify({ delay: ns(delayMs) })}`;
  const data = encoder.encode(body);
  const deadline = c.clock.now() + CONFIRM_MS;
  while (!c.closed() && c.clock.now() < deadline) {
    const there = await stillStored(c, reply);
    if (there === 'gone') return;
    if (there === 'same') {
      const ok = await c.connection.request(reply, data, { timeout: CONFIRM_TIMEOUT_MS }).then(
        () => true,
        () => false,
      );
      if (ok) return;
    }
    await sleep(c.clock, CONFIRM_PAUSE_MS);
  }
}

/**
 * Whether the message an ack subject names is still in the mailbox stream as that same message: `gone` once it was
 * settled (a work queue removes it) or its sequence now holds another message, `unknown` without an answer (no leader).
 * JetStream settles by sequence alone: a server that lost its last writes (a single server killed before it flushed
 * them) or a re-created stream gives the sequence to the next message published, which an old ack subject would then
 * settle without anyone having seen it. The stored time in the ack subject tells the two messages apart.
 */
async function stillStored(c: IntakeContext, reply: string): Promise<'same' | 'gone' | 'unknown'> {
  const target = ackTarget(reply);
  if (target === undefined) return 'same';
  const answer = await c.connection
    .request(`$JS.API.STREAM.MSG.GET.${target.stream}`, encoder.encode(JSON.stringify({ seq: target.seq })), {
      timeout: CONFIRM_TIMEOUT_MS,
    })
    .then((m) => m.json<{ error?: { err_code?: number }; message?: { time?: string } }>())
    .catch(() => undefined);
  if (answer === undefined) return 'unknown';
  if (answer.error !== undefined) return answer.error.err_code === JsErrCode.NoMessageFound ? 'gone' : 'unknown';
  return answer.message?.time !== undefined && rfc3339Nanos(answer.message.time) === target.storedNs ? 'same' : 'gone';
}

/**
 * The stream, stream sequence and stored time (Unix nanoseconds, in digits) an ack subject names:
 * `$JS.ACK.<stream>.<consumer>.<delivered>.<seq>.<dseq>.<time>.<pending>` (9 tokens) or the same after a domain and an
 * account hash (11 or more). Undefined for anything else.
 */
export function ackTarget(reply: string): { stream: string; seq: number; storedNs: string } | undefined {
  if (!reply.startsWith('$JS.ACK.')) return undefined;
  const t = reply.split('.');
  const at = streamToken(t.length);
  if (at < 0) return undefined;
  const stream = t[at] as string;
  const seq = Number(t[at + 3]);
  const storedNs = t[at + 5] as string;
  if (stream === '' || !Number.isSafeInteger(seq) || seq <= 0 || !/^\d+$/.test(storedNs)) return undefined;
  return { stream, seq, storedNs: storedNs.replace(/^0+(?=\d)/, '') };
}

/** Unix nanoseconds (in digits) of an RFC 3339 time with up to nine fractional digits, as JetStream writes them. */
export function rfc3339Nanos(time: string): string | undefined {
  const m = /^(\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d)(?:\.(\d{1,9}))?(Z|[+-]\d\d:\d\d)$/.exec(time);
  if (m === null) return undefined;
  const ms = Date.parse(`${m[1] as string}${m[3] as string}`);
  if (!Number.isFinite(ms)) return undefined;
  return (BigInt(ms) * 1_000_000n + BigInt((m[2] ?? '').padEnd(9, '0'))).toString();
}

/** What a consumer info request answers (the fields used here). */
interface ConsumerInfoReply {
  error?: { err_code?: number };
  cluster?: { leader?: string };
  num_ack_pending?: number;
  num_waiting?: number;
  config?: { filter_subject?: string; ack_policy?: string; deliver_policy?: string; ack_wait?: number; max_ack_pending?: number };
}

/**
 * Whether a new single activation may keep its address's durable consumer as it is, instead of deleting and re-creating
 * it: it exists with this configuration, has a leader, holds no message delivered to the last holder and not yet
 * settled, and no pull of the last holder is parked on it. Keeping it needs no leader election (a new R3 consumer waits
 * 0.4–4 s for its first one on a busy 2.9 cluster); re-creating it redelivers at once whatever the last holder left
 * unsettled and drops its parked pulls. While the last holder is alive (`holderAlive`: it fenced itself, it did not
 * die), its hand-backs may still be landing (see {@link confirm}) and its pulls expiring: they are waited for briefly.
 * False whenever in doubt (no answer with a leader in time, another configuration, a pending message, a parked pull).
 */
export async function keepConsumer(
  c: IntakeContext,
  tenant: string,
  address: string,
  durable: string,
  holderAlive: boolean,
): Promise<{ keep: boolean; why: string }> {
  const subject = `$JS.API.CONSUMER.INFO.${c.names.mailboxStream}.${durable}`;
  const want = consumerConfig(c, tenant, address, durable);
  const start = c.clock.now();
  let settledBy: number | undefined;
  for (let attempt = 1; !c.closed(); attempt++) {
    const info = await c.connection
      .request(subject, undefined, { timeout: checkTimeout(c, attempt) })
      .then((m) => m.json<ConsumerInfoReply>())
      .catch(() => undefined);
    const now = c.clock.now();
    if (info?.error !== undefined && info.error.err_code === JsErrCode.ConsumerNotFound) return { keep: false, why: 'no consumer' };
    if (info !== undefined && info.error === undefined && (info.cluster === undefined || (info.cluster.leader ?? '') !== '')) {
      const cfg = info.config;
      if (
        cfg === undefined ||
        cfg.filter_subject !== want.filter_subject ||
        cfg.ack_policy !== want.ack_policy ||
        cfg.deliver_policy !== want.deliver_policy ||
        cfg.ack_wait !== want.ack_wait ||
        cfg.max_ack_pending !== want.max_ack_pending
      )
        return { keep: false, why: 'another configuration' };
      // A pull still parked on the consumer can only be the last holder's (a paused process, a cut link, or one closed
      // but not yet expired): kept, it could be handed a new message that then waits out the ack wait.
      const pending = info.num_ack_pending ?? 0;
      const waiting = info.num_waiting ?? 0;
      if (pending === 0 && waiting === 0) return { keep: true, why: 'nothing pending' };
      settledBy ??= now + (holderAlive ? SETTLE_WAIT_MS : 0);
      if (now >= settledBy)
        return {
          keep: false,
          why:
            pending > 0 ? `${pending} message(s) left unsettled by the last holder` : `${waiting} pull(s) of the last holder parked on it`,
        };
      await sleep(c.clock, 100);
      continue;
    }
    if (now - start >= KEEP_WAIT_MS) return { keep: false, why: `no answer naming a leader within ${KEEP_WAIT_MS} ms` };
    await sleep(c.clock, backoffDelay(attempt, CHECK));
  }
  return { keep: false, why: 'transport closed' };
}

/**
 * Resolves once the consumer answers an info request naming its leader (a pull sent to a consumer without one, just
 * created or re-electing, is never answered), or `done()`. A consumer without a leader does not answer at all, so each
 * check waits only a little longer than the one before (250 ms up to 800 ms), not the full request timeout.
 */
async function untilAnswers(c: IntakeContext, durable: string, done: () => boolean): Promise<void> {
  const subject = `$JS.API.CONSUMER.INFO.${c.names.mailboxStream}.${durable}`;
  for (let attempt = 1; !done(); attempt++) {
    const info = await c.connection
      .request(subject, undefined, { timeout: checkTimeout(c, attempt) })
      .then((m) => m.json<{ error?: unknown; cluster?: { leader?: string } }>())
      .catch(() => undefined);
    if (info !== undefined && info.error === undefined && (info.cluster === undefined || (info.cluster.leader ?? '') !== '')) return;
    if (!done()) await sleep(c.clock, backoffDelay(attempt, CHECK));
  }
}

/**
 * Pool intake: batches of `poolBatch`, each finished before the next, until stopped. A batch counts as finished once the
 * mailbox took all of it (`backlog()` is undefined, or settles when it is).
 */
function fetchLoop(
  c: IntakeContext,
  consumer: Consumer,
  stopped: () => boolean,
  take: (m: JsMsg) => void,
  backlog: () => Promise<void> | undefined,
): Pulling {
  const done = (): boolean => stopped() || c.closed();
  async function run(): Promise<void> {
    while (!done()) {
      let batch: AsyncIterable<JsMsg>;
      try {
        batch = await consumer.fetch({ max_messages: c.poolBatch, expires: FETCH_EXPIRES_MS });
      } catch (e) {
        if (done()) return;
        if (!isTransient(e)) c.warn(`pool fetch failed: ${(e as Error).message}`);
        await sleep(c.clock, RESUME_MS);
        continue;
      }
      try {
        for await (const m of batch) {
          take(m);
          await backlog();
        }
      } catch (e) {
        if (done()) return;
        if (!isTransient(e)) c.warn(`pool fetch ended: ${(e as Error).message}`);
      }
    }
  }
  return { done: run(), close: () => Promise.resolve() };
}
