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
import { isConsumerExists, isStreamExists, isTransient } from './errors.js';
import type { MeshNames } from './subjects.js';

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

/** Nanoseconds, as JetStream's API counts durations. */
export const ns = (ms: number): number => ms * 1_000_000;

const FETCH_EXPIRES_MS = 1_000;
/** Heartbeat interval asked of the server for a continuous pull. */
const IDLE_HEARTBEAT_MS = 1_000;
/** Pause before a pull that ended or failed is tried again. */
const RESUME_MS = 250;
/** Pauses between checks that a consumer has a leader again: 50 ms doubling to 400 ms. */
const CHECK = { initialMs: 50, maxMs: 400 } as const;

const sleep = (clock: Clock, n: number): Promise<void> => new Promise((r) => clock.setTimer(n, r));

/** Creates (or, for a pool, joins) the durable consumer of `address` and starts offering its messages to `sink`. */
export async function openIntake(
  c: IntakeContext,
  tenant: string,
  address: string,
  durable: string,
  sink: MailboxSink,
  shared: boolean,
): Promise<Intake> {
  const stream = c.names.mailboxStream;
  try {
    await c.jsm.consumers.add(stream, {
      durable_name: durable,
      filter_subject: c.names.mailbox(tenant, address),
      ack_policy: AckPolicy.Explicit,
      deliver_policy: DeliverPolicy.All,
      ack_wait: ns(c.ackWaitMs),
      max_ack_pending: c.capacity,
      max_deliver: -1,
    });
  } catch (e) {
    if (!shared || !(isConsumerExists(e) || isStreamExists(e))) throw e;
  }
  const consumer = await c.js.consumers.get(stream, durable);
  let stopped = false;
  const isStopped = (): boolean => stopped;
  // A single activation consumes continuously: messages it pulled but never saw stay unacked and
  // its successor recreates the consumer, so they come again at once. A pool member fetches in
  // batches and always finishes the batch it asked for: nothing it pulled waits out an ack_wait
  // before another member may take it (a drain hands over with zero redeliveries).
  const messages: AsyncIterable<JsMsg> & { close?: () => Promise<void | Error> } = shared
    ? fetchLoop(c, consumer, isStopped)
    : consumeLoop(c, consumer, durable, isStopped, Math.min(c.capacity, 256), address);
  const held = new Set<JsMsg>();
  let wake!: () => void;
  const stopping = new Promise<void>((r) => (wake = r));
  const keepAlive = setInterval(
    () => {
      for (const m of held) m.working();
    },
    Math.max(100, c.ackWaitMs / 2),
  );
  const loop = (async () => {
    for await (const m of messages) {
      let env: Envelope;
      try {
        env = c.codec.decode(m.data);
      } catch (e) {
        m.term('undecodable');
        await c.undecodable(tenant, address, m, e);
        continue;
      }
      held.add(m);
      const receipt: Receipt = {
        redeliveries: Math.max(0, m.info.deliveryCount - 1),
        ack: () => {
          held.delete(m);
          m.ack();
        },
        nak: (delayMs?: number) => {
          held.delete(m);
          m.nak(delayMs);
        },
      };
      while (!sink.offer(env, receipt)) {
        if (!sink.accepting) {
          receipt.nak();
          break;
        }
        await Promise.race([sink.waitForSpace(), stopping]);
      }
    }
  })().catch((e: unknown) => {
    if (!stopped && !c.closed()) c.warn(`consumer of ${address} ended: ${(e as Error).message}`);
  });
  return {
    stop: async () => {
      if (stopped) return;
      stopped = true;
      await messages.close?.().catch(() => undefined);
      wake();
      await loop;
    },
    dispose: () => clearInterval(keepAlive),
  };
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
): AsyncIterable<JsMsg> & { close(): Promise<void> } {
  let current: { close(): Promise<void | Error> } | undefined;
  const done = (): boolean => stopped() || c.closed();
  async function* run(): AsyncGenerator<JsMsg> {
    await untilAnswers(c, durable, done);
    while (!done()) {
      let stalled: string | undefined;
      let unwatch = (): void => undefined;
      try {
        // Heartbeats every second: a pull nobody answers is noticed after two of them (not the default half of the expiry).
        const messages = await consumer.consume({ max_messages: max, expires: 5_000, idle_heartbeat: IDLE_HEARTBEAT_MS });
        current = messages;
        unwatch = endWhenStalled(c, messages, (why) => (stalled = why));
        for await (const m of messages) yield m;
      } catch (e) {
        if (done()) return;
        c.warn(`consumer of ${address} interrupted (${(e as Error).message}); resuming`);
        await sleep(c.clock, RESUME_MS);
      } finally {
        unwatch();
      }
      if (done()) return;
      if (stalled !== undefined) c.warn(`consumer of ${address}: ${stalled}; pulling again once it answers`);
      await untilAnswers(c, durable, done);
    }
  }
  const it = run();
  return {
    [Symbol.asyncIterator]: () => it,
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

/**
 * Resolves once the consumer answers an info request naming its leader (a pull sent to a consumer without one, just
 * created or re-electing, is never answered), or `done()`. A consumer without a leader does not answer at all, so each
 * check waits only a little longer than the one before (250 ms up to the request timeout), not the full timeout.
 */
async function untilAnswers(c: IntakeContext, durable: string, done: () => boolean): Promise<void> {
  const subject = `$JS.API.CONSUMER.INFO.${c.names.mailboxStream}.${durable}`;
  for (let attempt = 1; !done(); attempt++) {
    const timeout = Math.min(c.requestTimeoutMs, 125 * 2 ** attempt);
    const info = await c.connection
      .request(subject, undefined, { timeout })
      .then((m) => m.json<{ error?: unknown; cluster?: { leader?: string } }>())
      .catch(() => undefined);
    if (info !== undefined && info.error === undefined && (info.cluster === undefined || (info.cluster.leader ?? '') !== '')) return;
    if (!done()) await sleep(c.clock, backoffDelay(attempt, CHECK));
  }
}

/** Pool intake: batches of `poolBatch`, each finished before the next, until stopped. */
async function* fetchLoop(c: IntakeContext, consumer: Consumer, stopped: () => boolean): AsyncGenerator<JsMsg> {
  const done = (): boolean => stopped() || c.closed();
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
      for await (const m of batch) yield m;
    } catch (e) {
      if (done()) return;
      if (!isTransient(e)) c.warn(`pool fetch ended: ${(e as Error).message}`);
    }
  }
}
