/**
 * The JetStream transport: mailboxes are subjects of a work-queue stream (durable, deduped
 * by `Nats-Msg-Id` = envelope id, capped per address), each bound address has a durable
 * pull consumer acked only after its handler finished; a single activation holds a lease
 * in the directory bucket, a pool shares one consumer. Replies travel on core NATS to the
 * asker's node inbox; topics are stored in a stream and fanned out to core subscribers.
 */
import { connect, type NatsConnection } from '@nats-io/transport-node';
import { jetstream, jetstreamManager, type JetStreamClient, type JetStreamManager, type JsMsg } from '@nats-io/jetstream';
import { Kvm } from '@nats-io/kv';
import { Codec, ConflictError, DecodeError, SystemStoppedError, toWireError, type Envelope } from '../../protocols/index.js';
import type {
  BindOptions,
  Binding,
  MailboxSink,
  ReleaseMode,
  SendOptions,
  Subscription,
  Transport,
  TransportContext,
} from '../transport.js';
import { assertPattern } from '../topics.js';
import { hostname } from 'node:os';
import type { ClusterServices } from '../cluster.js';
import { JetStreamDeadLetterStore } from './dead-letters.js';
import { KvMembership } from './membership.js';
import { KvStateStore } from './state-store.js';
import { Directory } from './directory.js';
import { MeshNames } from './subjects.js';
import { asTroupeError, isNotFound, retryTransient } from './errors.js';
import type { JetStreamTransportOptions } from './options.js';
import { keepConsumer, openIntake, type Intake, type IntakeContext } from './intake.js';
import { sendToMailbox, wakeAddress, type SenderContext } from './sender.js';
import { ensureStreams } from './streams.js';
import { StreamPublisher } from './publisher.js';
import { DedupWindow } from '../dedup-window.js';

/** Envelope ids each topic subscription remembers to drop a retried publish's second copy. */
const TOPIC_DEDUP_IDS = 1_024;

const ACCEPTED = Promise.resolve();
const VERSION = '0.1.0';
/** How long a bind retries its consumer changes through an outage or election (a stream leader election takes 2–8 s). */
const BIND_RETRY_MS = 12_000;
/** Bound on one lease-taking request (retried at once after it, see Directory.quick), and on one snapshot read. */
const LEASE_REQUEST_MS = 500;
/**
 * A mailbox or stored-topic publish unanswered this long is sent again beside the first (StreamPublisher): one that
 * reached the stream while it elected a leader is never answered, and the election's end is then noticed this soon
 * instead of after the request timeout. Long enough that an answered publish is rarely sent twice on a loaded machine
 * (the copy is deduplicated).
 */
const PUBLISH_RESEND_MS = 500;
/** How long a starting node keeps retrying the making of the mesh's streams and buckets through transient failures. */
const STARTUP_RETRY_MS = 30_000;

/** The JetStream transport of one node. */
export class JetStreamTransport implements Transport {
  readonly kind = 'jetstream';
  readonly names: MeshNames;
  private readonly codec: Codec;
  private readonly capacity: number;
  private readonly ackWaitMs: number;
  private readonly leaseTtlMs: number;
  private readonly poolBatch: number;
  private readonly publishRetryMs: number;
  private readonly requestTimeoutMs: number;
  /** Replicas in use (from options, else detected from the server at start). */
  replicas = 1;
  private nc!: NatsConnection;
  private js!: JetStreamClient;
  private jsm!: JetStreamManager;
  private directory!: Directory;
  private deadLetterStore!: JetStreamDeadLetterStore;
  private ctx!: TransportContext;
  private closed = false;
  private membershipImpl: KvMembership | undefined;
  /** Membership, fenced snapshots and the lease view (after `start`). */
  cluster: ClusterServices | undefined;
  private readonly bindings = new Set<Intake>();
  private readonly subs = new Set<Subscription>();
  private sender: SenderContext | undefined;
  private publisher: StreamPublisher | undefined;
  /** Told when the connection came back after a disconnect (intakes then pull again at once). */
  private readonly reconnectListeners = new Set<() => void>();

  constructor(private readonly options: JetStreamTransportOptions) {
    this.names = new MeshNames(options.prefix ?? 'troupe');
    this.codec = options.codec ?? new Codec();
    this.capacity = options.capacity ?? 1024;
    this.ackWaitMs = options.ackWaitMs ?? 10_000;
    this.leaseTtlMs = options.leaseTtlMs ?? 3_000;
    this.poolBatch = options.poolBatch ?? 8;
    this.publishRetryMs = options.publishRetryMs ?? 30_000;
    this.requestTimeoutMs = options.requestTimeoutMs ?? 2_000;
  }

  get deadLetters(): JetStreamDeadLetterStore {
    return this.deadLetterStore;
  }

  /** The NATS connection (for membership and state stores built on the same link). */
  get connection(): NatsConnection {
    return this.nc;
  }

  /** Connects, makes sure the mesh's streams and buckets exist, joins the membership; NATS failures are `unavailable`. */
  async start(ctx: TransportContext): Promise<void> {
    await this.open(ctx).catch((e: unknown) => {
      throw asTroupeError(e, `jetstream transport of node ${ctx.node} could not start`);
    });
  }

  private async open(ctx: TransportContext): Promise<void> {
    this.ctx = ctx;
    this.nc = await connect({
      servers: this.options.servers,
      name: `troupe:${ctx.node}`,
      maxReconnectAttempts: -1,
      reconnectTimeWait: 250,
      // Else nats.js builds two Errors (stack traces included) per request and publish in case it fails: on the mesh
      // hop that cost as much as the envelope's codec. The transport's own errors say what failed and where.
      noAsyncTraces: true,
      ...this.options.connection,
    });
    this.replicas = this.options.replicas ?? (this.nc.info?.cluster === undefined ? 1 : 3);
    void (async () => {
      for await (const s of this.nc.status()) if (s.type === 'reconnect') for (const fn of [...this.reconnectListeners]) fn();
    })().catch(() => undefined);
    // Short request timeouts: a request sent just before its server died is never answered, and waiting the 5 s default
    // for it outlasts leases (3 s) and makes a stream-leader kill cost a round of takeovers. Every caller retries.
    this.js = jetstream(this.nc, { timeout: this.requestTimeoutMs });
    // Making the mesh's streams and buckets is idempotent: a cluster still forming, electing or slow to answer (a busy
    // machine) gets STARTUP_RETRY_MS before the node gives up starting.
    const startup = <T>(op: () => Promise<T>): Promise<T> => retryTransient(op, STARTUP_RETRY_MS, () => this.closed);
    this.jsm = await startup(() => jetstreamManager(this.nc, { timeout: this.requestTimeoutMs }));
    const jsm = this.jsm;
    await startup(() =>
      ensureStreams(jsm, this.names, {
        replicas: this.replicas,
        capacity: this.capacity,
        topicMaxAgeMs: this.options.topicMaxAgeMs,
        deadLetterMaxAgeMs: this.options.deadLetterMaxAgeMs,
      }),
    );
    const kvm = new Kvm(this.js);
    // Leases and snapshots are read from the stream leader (no direct get): a lagging replica would answer with a revision
    // every compare-and-set then refuses, and a takeover would retry until the replica caught up.
    const kv = await startup(() => kvm.create(this.names.directoryBucket, { history: 1, replicas: this.replicas, allow_direct: false }));
    // Leases are taken on a handle with short request timeouts, retried at once (Directory.quick).
    const leaseKv = await startup(() => new Kvm(jetstream(this.nc, { timeout: LEASE_REQUEST_MS })).open(this.names.directoryBucket));
    this.directory = new Directory(
      kv,
      ctx.node,
      ctx.clock,
      this.leaseTtlMs,
      (m) => process.emitWarning(m, 'TroupeWarning'),
      undefined,
      leaseKv,
    );
    await this.directory.mirror();
    this.deadLetterStore = new JetStreamDeadLetterStore(this.js, this.jsm, this.names, this.codec, this.replicas);
    this.publisher = new StreamPublisher(
      this.nc,
      this.requestTimeoutMs,
      this.options.connection?.inboxPrefix,
      Math.min(this.requestTimeoutMs, PUBLISH_RESEND_MS),
    );
    this.sender = {
      publisher: this.publisher,
      names: this.names,
      codec: this.codec,
      clock: ctx.clock,
      directory: this.directory,
      deadLetters: this.deadLetterStore,
      node: ctx.node,
      publishRetryMs: this.publishRetryMs,
      ...(ctx.wake === undefined ? {} : { wake: ctx.wake }),
      closed: () => this.closed,
    };
    const replicas = this.replicas;
    // Heartbeats confirming a node dead are read from the leader too: a lagging replica's older heartbeat would declare a
    // live holder dead and let its leases be taken while it still trusts them.
    const nodesKv = await startup(() => kvm.create(this.names.nodesBucket, { history: 1, replicas, allow_direct: false }));
    const stateKv = await startup(() => kvm.create(this.names.stateBucket, { history: 1, replicas, allow_direct: false }));
    // Snapshot reads on short requests, retried at once (KvStateStore's `readKv`).
    const stateReadKv = await startup(() => new Kvm(jetstream(this.nc, { timeout: LEASE_REQUEST_MS })).open(this.names.stateBucket));
    const membership = new KvMembership(
      nodesKv,
      { id: ctx.node, host: hostname(), kinds: [], version: VERSION, load: 0, startedAt: ctx.clock.now(), draining: false },
      ctx.clock,
      {
        heartbeatMs: this.options.heartbeatMs ?? 1_000,
        deadAfterMs: this.options.deadAfterMs ?? 3_000,
        announce: this.options.announce !== false,
      },
      (m) => process.emitWarning(m, 'TroupeWarning'),
    );
    await membership.start();
    this.membershipImpl = membership;
    this.directory.liveness = membership;
    const directory = this.directory;
    this.cluster = {
      membership,
      state: new KvStateStore(stateKv, this.names, this.codec, stateReadKv),
      leases: () => directory.leases(),
      pools: () => directory.allPools(),
      leaseTtlMs: this.leaseTtlMs,
    };
    this.nc.subscribe(this.names.inbox(ctx.node), {
      callback: (err, msg) => {
        if (err !== null) return;
        try {
          ctx.onReply(this.codec.decode(msg.data));
        } catch {
          /* a malformed reply has no asker to tell; the asker times out */
        }
      },
    });
  }

  bind(tenant: string, address: string, sink: MailboxSink, options: BindOptions = {}): Promise<Binding> {
    return this.bindAddress(tenant, address, sink, options).catch((e: unknown) => {
      throw asTroupeError(e, `could not bind ${address} in tenant ${tenant}`);
    });
  }

  private async bindAddress(tenant: string, address: string, sink: MailboxSink, options: BindOptions): Promise<Binding> {
    if (this.closed) throw new SystemStoppedError('transport is closed');
    const key = this.names.addressKey(tenant, address);
    const shared = options.shared === true;
    const durable = this.names.consumer(tenant, address, shared);
    let release: (how?: ReleaseMode) => Promise<void>;
    let epoch = 0;
    let valid = (): boolean => true;
    let intake: Intake | undefined;
    let keep = false;
    if (shared) {
      if (this.directory.leaseOf(key) !== undefined)
        throw new ConflictError(`${address} is already active as a single actor in tenant ${tenant}`);
      release = await this.directory.joinPool(tenant, address, key);
    } else {
      if (this.directory.poolMembers(key).length > 0) throw new ConflictError(`${address} is already a pool in tenant ${tenant}`);
      const last = this.directory.leaseOf(key);
      const lease = await this.directory.acquire(tenant, address, key, (reason) => {
        void intake?.stop().then(() => intake?.dispose());
        options.onLost?.(reason);
      });
      epoch = lease.epoch;
      valid = () => lease.valid();
      release = (how) => lease.release(how);
      // A new owner keeps the consumer when the last owner left nothing unsettled in it (no leader election for a new one);
      // else it re-creates it, so messages the last owner held unacked come at once.
      const holderAlive = last !== undefined && last.node !== this.ctx.node && this.membershipImpl?.isLive(last.node) === true;
      const kept = await keepConsumer(this.intakeContext(), tenant, address, durable, holderAlive);
      keep = kept.keep;
      if (!keep && last !== undefined && last.renewedAt > 0)
        process.emitWarning(`taking over ${address}: re-creating its consumer (${kept.why})`, 'TroupeWarning');
      if (!keep)
        try {
          await this.retry(() =>
            this.jsm.consumers.delete(this.names.mailboxStream, durable).catch((e: unknown) => {
              if (!isNotFound(e)) throw e;
              return false;
            }),
          );
        } catch (e) {
          await release('handover').catch(() => undefined);
          throw e;
        }
    }
    try {
      intake = await this.retry(() => openIntake(this.intakeContext(), tenant, address, durable, sink, shared, keep));
    } catch (e) {
      // Leave the address to a retry (here or elsewhere) rather than deleting it: its mailbox stays valid.
      await release('handover').catch(() => undefined);
      throw e;
    }
    const consumer = intake;
    this.bindings.add(consumer);
    return {
      epoch,
      valid,
      stopIntake: async () => {
        this.bindings.delete(consumer);
        await consumer.stop();
      },
      release: async (how?: ReleaseMode) => {
        consumer.dispose();
        // A pool member leaving is the same for every mode except abandon (which keeps the marker).
        if (shared && how === 'abandon') return;
        await release(how);
        if (how === 'passivate') await this.wakeIfWaiting(tenant, address, durable);
      },
    };
  }

  /**
   * A message published after the passivating actor stopped pulling, by a sender that still saw it awake, woke nobody:
   * once the lease says it sleeps, messages left in its consumer wake it here (ADR 0036).
   */
  private async wakeIfWaiting(tenant: string, address: string, durable: string): Promise<void> {
    const info = await this.jsm.consumers.info(this.names.mailboxStream, durable).catch(() => undefined);
    if (info !== undefined && info.num_pending + info.num_ack_pending > 0 && this.sender !== undefined)
      wakeAddress(this.sender, tenant, address);
  }

  /**
   * Runs a JetStream request again through an outage or a leader election (for {@link BIND_RETRY_MS}): a bind keeps its
   * lease meanwhile instead of giving the address up and winning it again under a new epoch.
   */
  private retry<T>(op: () => Promise<T>): Promise<T> {
    return retryTransient(op, BIND_RETRY_MS, () => this.closed);
  }

  /** What intakes see of this transport. */
  private intakeContext(): IntakeContext {
    return {
      js: this.js,
      connection: this.nc,
      requestTimeoutMs: this.requestTimeoutMs,
      jsm: this.jsm,
      names: this.names,
      codec: this.codec,
      clock: this.ctx.clock,
      capacity: this.capacity,
      ackWaitMs: this.ackWaitMs,
      poolBatch: this.poolBatch,
      closed: () => this.closed,
      undecodable: (tenant, address, m, e) => this.recordUndecodable(tenant, address, m, e),
      onReconnect: (fn) => {
        this.reconnectListeners.add(fn);
        return () => this.reconnectListeners.delete(fn);
      },
      warn: (m) => process.emitWarning(m, 'TroupeWarning'),
    };
  }

  private async recordUndecodable(tenant: string, address: string, m: JsMsg, e: unknown): Promise<void> {
    const envelope: Envelope = {
      id: `undecodable.${m.seq}`,
      type: 'sys.undecodable',
      from: `system/${this.ctx.node}`,
      to: address,
      tenant,
      attempt: 1,
      payload: m.data,
    };
    await this.deadLetterStore
      .record({
        envelope,
        reason: 'invalid',
        error: toWireError(e instanceof DecodeError ? e : new DecodeError(String(e))),
        deliveries: 1,
        node: this.ctx.node,
        at: this.ctx.clock.now(),
      })
      .catch(() => undefined);
  }

  send(envelope: Envelope, options: SendOptions): Promise<void> {
    if (this.closed) return Promise.reject(new SystemStoppedError('transport is closed'));
    if (this.sender === undefined) return Promise.reject(new SystemStoppedError('transport is not started'));
    return sendToMailbox(this.sender, envelope, options);
  }

  reply(envelope: Envelope): Promise<void> {
    if (this.closed) return ACCEPTED;
    const node = envelope.to.slice(envelope.to.indexOf('/') + 1);
    this.nc.publish(this.names.inbox(node), this.codec.encode(envelope));
    return ACCEPTED;
  }

  async publish(envelope: Envelope): Promise<void> {
    if (this.closed) throw new SystemStoppedError('transport is closed');
    const topic = envelope.to.slice(6);
    const subject = this.names.topic(envelope.tenant, topic);
    const data = this.codec.encode(envelope);
    // System events (lifecycle, dead-letter notices) are live-only; user topics are stored too.
    if (topic.startsWith('sys.')) {
      this.nc.publish(subject, data);
      return;
    }
    // Through the mailbox publisher: sent again while unanswered (an agent publishes its run's events one after another,
    // each awaited, so one sent while the topic stream elected a leader held the run for the rest of the request timeout).
    const publisher = this.publisher;
    if (publisher === undefined) throw new SystemStoppedError('transport is not started');
    await retryTransient(
      () => publisher.publish(subject, data, envelope.id),
      Math.min(this.publishRetryMs, 10_000),
      () => this.closed,
    ).catch((e: unknown) => {
      throw asTroupeError(e, `could not publish on ${topic}`);
    });
  }

  subscribe(tenant: string, pattern: string, handler: (envelope: Envelope) => void): Subscription {
    assertPattern(pattern);
    if (this.closed) throw new SystemStoppedError('transport is closed');
    // A stored topic's publish is retried with the same envelope id when its ack is lost (a pause, an election): the
    // stream drops the copy, but live subscribers get every attempt, so each subscription drops ids it just saw.
    const seen = new DedupWindow(TOPIC_DEDUP_IDS);
    const sub = this.nc.subscribe(this.names.topic(tenant, pattern), {
      callback: (err, msg) => {
        if (err !== null) return;
        let env: Envelope;
        try {
          env = this.codec.decode(msg.data);
        } catch {
          return;
        }
        if (seen.has(env.id)) return;
        seen.remember(env.id);
        try {
          handler(env);
        } catch (e) {
          process.emitWarning(`topic subscriber for ${pattern} threw: ${(e as Error).message}`, 'TroupeWarning');
        }
      },
    });
    // Lifecycle and dead-letter notices are only sent while some node watches them.
    const system = pattern === '>' || pattern.startsWith('sys.') || pattern.startsWith('*');
    if (system)
      this.directory
        .watch(tenant, true)
        .catch((e: unknown) => process.emitWarning(`announcing a watch of ${pattern}: ${(e as Error).message}`, 'TroupeWarning'));
    let active = true;
    const s: Subscription = {
      unsubscribe: () => {
        if (!active) return;
        active = false;
        this.subs.delete(s);
        sub.unsubscribe();
        if (system && !this.closed) void this.directory.watch(tenant, false);
      },
    };
    this.subs.add(s);
    return s;
  }

  hasSubscribers(tenant: string, topic: string): boolean {
    if (this.closed) return false;
    return !topic.startsWith('sys.') || this.directory.hasWatchers(tenant);
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    for (const s of [...this.subs]) s.unsubscribe();
    await this.directory?.unwatchAll();
    for (const b of [...this.bindings]) {
      // A binding that cannot stop cleanly (the connection is gone) must not keep the watches below running.
      await b.stop().catch((e: unknown) => process.emitWarning(`stopping an intake: ${(e as Error).message}`, 'TroupeWarning'));
      b.dispose();
    }
    // A node that shuts down leaves the mesh (its entry is deleted: others see `leave`, not `dead`).
    await this.membershipImpl?.leave().catch(() => undefined);
    this.directory?.close();
    this.publisher?.close();
    await this.nc?.drain().catch(() => undefined);
  }
}
