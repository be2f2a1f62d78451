/**
 * The ActorSystem: one node of a mesh. It owns the cells on this node (cell-registry.ts), builds
 * envelopes (ids, deadlines, correlation, trace) and routes them through the transport; its pending
 * asks wait in pending-asks.ts, and what it does for its cells (lifecycles, supervision bookkeeping,
 * replies, dead letters) is node-host.ts. Options and defaults are system-options.ts.
 */
import { silentLogger, type Logger } from './log.js';
import { MemoryStorage, type Storage } from './storage/index.js';
import { Meter } from './meter.js';
import {
  ConflictError,
  DEFAULT_TENANT,
  NoRecipientError,
  SYSTEM_EVENTS,
  SystemStoppedError,
  ValidationError,
  childTraceparent,
  idGenerator,
  isAddress,
  isTroupeError,
  messageTypeSchema,
  tenantSchema,
  scrubSecrets,
  topicAddress,
  type Envelope,
  type LifecycleState,
  type NodeEvent,
} from '../protocols/index.js';
import { randomBytes } from 'node:crypto';
import type { ActorSystem } from './actor-system.js';
import type { Behavior, ChildInfo, MessageOptions, SpawnOptions } from './behavior.js';
import { ActorCell } from './cell.js';
import { CellRegistry } from './cell-registry.js';
import { systemClock, type Clock } from './clock.js';
import { MemoryTransport } from './memory-transport.js';
import { NodeHost } from './node-host.js';
import { PendingAsks } from './pending-asks.js';
import { ActorRef } from './ref.js';
import { DEFAULTS, resolveOptions, type LifecycleWatcher, type SystemDefaults, type SystemOptions } from './system-options.js';
import { assertTopic } from './topics.js';
import { markTrusted } from './trusted.js';
import type { SendOptions, Subscription, Transport } from './transport.js';
import { ALARM_TOPIC, type Alarm, type AlarmBoard } from './alarms.js';
import { NodeHealth, type HealthReport } from './node-health.js';
import { tracingEnabled } from './tracing.js';
import { Passivator } from './passivation.js';

const VALID_TYPES_MAX = 10_000;

const NODE_TOPICS: Record<NodeEvent['event'], string> = {
  joined: SYSTEM_EVENTS.nodeJoined,
  left: SYSTEM_EVENTS.nodeLeft,
  dead: SYSTEM_EVENTS.nodeDead,
  draining: SYSTEM_EVENTS.nodeDraining,
};

/** One node of an actor mesh: the implementation of {@link ActorSystem} (runtime-internal; ADR 0014). */
export class LocalActorSystem implements ActorSystem {
  readonly node: string;
  readonly transport: Transport;
  /** Persistence shared by the actors of this node (and, on JetStream, of the mesh). */
  readonly storage: Storage;
  readonly clock: Clock;
  readonly defaults: SystemDefaults;
  /** The root supervisor: parent of actors spawned without one (unless a {@link guardianFor} is set). */
  guardian: ActorRef | undefined;
  /**
   * The supervisor of a tenant's actors spawned without a parent (supervisors/ installs one per
   * tenant, so a tenant's failures escalate at most to its own supervisor). Default: the guardian.
   */
  guardianFor: ((tenant: string) => ActorRef | undefined | Promise<ActorRef | undefined>) | undefined;
  /** Conditions operators must know about; while any is active the node is not ready. */
  readonly alarms: AlarmBoard;
  /** See {@link ActorSystem.activator}. */
  activator: ((address: string, tenant: string) => Promise<unknown>) | undefined;
  /** The idle sweep that passivates sleeping-capable actors of this node (ADR 0036). */
  readonly passivator: Passivator;
  private readonly status: NodeHealth;
  private readonly cells = new CellRegistry();
  /** What the node does for its cells. */
  private readonly host: NodeHost;
  private readonly asks: PendingAsks;
  private readonly validTypes = new Set<string>();
  private readonly nextId: () => string;
  readonly idPrefix: string;
  private readonly inbox: string;
  private readonly blocking: SendOptions;
  readonly warn: (message: string) => void;
  readonly log: Logger;
  private stopped = false;
  /** Counters for metrics and tests. */
  readonly stats = { lateReplies: 0, deadLetters: 0, escalations: 0 };
  /** Node-local counters actors bump (runs started/finished) for the gateway's metrics. */
  readonly meter = new Meter();

  private constructor(options: SystemOptions) {
    this.node = options.node ?? `node-${Math.random().toString(16).slice(2, 10)}`;
    this.transport = options.transport ?? new MemoryTransport();
    this.storage = options.storage ?? new MemoryStorage();
    this.clock = options.clock ?? systemClock;
    this.defaults = { ...DEFAULTS, ...options.defaults };
    const prefix = randomBytes(8).toString('hex');
    this.idPrefix = `${prefix}.`;
    this.nextId = idGenerator(prefix);
    this.inbox = `inbox/${this.node}`;
    this.blocking = { block: true, blockTimeoutMs: this.defaults.blockTimeoutMs };
    this.log = options.log ?? silentLogger();
    const log = options.log;
    const warn =
      options.warn ??
      (log !== undefined ? (m: string) => log.warn({ event: 'warning' }, m) : (m: string) => process.emitWarning(m, 'TroupeWarning'));
    // Warnings quote errors, which may quote secrets: none of those reaches a log (protocols/secrets.ts).
    this.warn = (m) => warn(scrubSecrets(m));
    const onEscalation = options.onEscalation ?? ((e) => this.warn(`unsupervised failure of ${e.address}: ${e.error.message}`));
    const onFatal = options.onFatal ?? ((reason) => this.warn(`node ${this.node} cannot recover: ${reason}`));
    this.status = new NodeHealth(this.clock, onFatal, this.warn, (e) => {
      if (!this.stopped && this.transport.hasSubscribers(DEFAULT_TENANT, ALARM_TOPIC))
        void this.host.publishSystem(ALARM_TOPIC, 'sys.alarm', DEFAULT_TENANT, { type: e.type, ...e.alarm });
    });
    this.alarms = this.status.alarms;
    this.asks = new PendingAsks(this.transport, this.clock, { block: false, blockTimeoutMs: 0 }, this.stats);
    this.host = new NodeHost(this, this.cells, this.nextId, options.lifecycle, onEscalation);
    this.passivator = new Passivator(this.clock, () => this.activator !== undefined && !this.stopped);
  }

  /** Raises (or updates) an alarm (see {@link AlarmBoard}). */
  raiseAlarm(alarm: { key: string; message: string; tenant?: string; address?: string }): Alarm {
    return this.status.raise(alarm);
  }

  /** Clears an alarm. */
  clearAlarm(key: string): boolean {
    return this.alarms.clear(key);
  }

  /**
   * Declares the node unable to recover: raises an alarm, marks the node not ready and calls
   * `onFatal` once (the CLI exits non-zero there).
   */
  fatal(reason: string): void {
    this.status.fatal(reason);
  }

  /**
   * The actor system's real state: ready while it runs, its root supervisor is up, no alarm is
   * active and it has not given up. `reason` says why not.
   */
  health(): HealthReport {
    const root = this.guardian === undefined ? undefined : (this.cellOf(this.guardian)?.lifecycleState ?? 'gone');
    return this.status.report(this.stopped, root);
  }

  /** Starts a node: connects the transport and opens this node's reply inbox. */
  static async start(options: SystemOptions): Promise<LocalActorSystem> {
    const system = new LocalActorSystem(options);
    const asks = system.asks;
    if (!isAddress(system.inbox)) throw new ValidationError(`node id "${system.node}" is not usable in an address`);
    await system.transport.start({
      node: system.node,
      clock: system.clock,
      onReply: (r) => asks.onReply(r),
      wake: async (tenant, address) => {
        const activate = system.activator;
        if (activate === undefined) throw new NoRecipientError(`nothing on node ${system.node} activates ${address}`);
        await activate(address, tenant);
      },
    });
    system.announceMembership();
    return system;
  }

  /**
   * Publishes the mesh's membership changes as `sys.node.*` events. Every node sees every change; one reports
   * it — the first live node by id other than the one concerned (that node itself when it is alone) — so a
   * subscriber hears each change once while the nodes' views agree.
   */
  private announceMembership(): void {
    const m = this.transport.cluster?.membership;
    if (m === undefined) return;
    m.onChange((e) => {
      const event =
        e.type === 'join' ? 'joined' : e.type === 'leave' ? 'left' : e.type === 'dead' ? 'dead' : e.node.draining ? 'draining' : undefined;
      if (event === undefined || this.stopped) return;
      const others = m
        .live()
        .filter((n) => n.id !== e.node.id)
        .map((n) => n.id)
        .sort();
      const reporter = others[0] ?? (event === 'joined' || event === 'draining' ? e.node.id : undefined);
      const topic = NODE_TOPICS[event];
      if (reporter !== this.node || !this.transport.hasSubscribers(DEFAULT_TENANT, topic)) return;
      const payload: NodeEvent = { node: e.node.id, host: e.node.host, kinds: [...e.node.kinds], event, reporter, at: this.clock.now() };
      void this.host.publishSystem(topic, topic, DEFAULT_TENANT, payload);
    });
  }

  // ---- refs and spawning -------------------------------------------------------------------

  /** A reference to `address` in `tenant` (validated). */
  ref(address: string, tenant: string = DEFAULT_TENANT): ActorRef {
    if (!isAddress(address)) throw new ValidationError(`malformed address "${address.slice(0, 80)}": expected kind/id, e.g. agent/support`);
    if (tenant !== DEFAULT_TENANT && !tenantSchema.safeParse(tenant).success)
      throw new ValidationError(`malformed tenant "${tenant.slice(0, 80)}"`);
    return new ActorRef(this, address, tenant);
  }

  /**
   * Starts an actor on this node under `options.parent` (default: the guardian) and resolves
   * once its `init` finished. Rejects with `conflict` when the address is already active in
   * the mesh, or with init's error (the actor is then removed).
   */
  async spawn<S>(address: string, behavior: Behavior<S>, options: SpawnOptions = {}): Promise<ActorRef> {
    if (this.stopped) throw new SystemStoppedError('actor system is stopped');
    const ref = this.ref(address, options.tenant ?? DEFAULT_TENANT);
    const parentRef =
      options.parent ?? (this.guardianFor === undefined ? this.guardian : ((await this.guardianFor(ref.tenant)) ?? this.guardian));
    const parent = parentRef === undefined ? undefined : this.cellOf(parentRef);
    if (parentRef !== undefined && parent === undefined)
      throw new ValidationError(`parent ${parentRef.address} is not an actor on this node`);
    if (parent !== undefined && parent.behavior.supervises !== true)
      throw new ValidationError(`${parent.address} is not a supervisor and cannot own children`);
    if (this.cells.get(ref) !== undefined) throw new ConflictError(`${address} is already active in tenant ${ref.tenant}`);
    const resolved = resolveOptions(options, this.defaults);
    const cell = new ActorCell(this.host, ref, behavior as Behavior<unknown>, resolved, options.restart ?? 'permanent', parent, {
      ...options,
      parent: undefined,
    });
    this.cells.add(cell);
    try {
      await this.host.reactivate(cell);
    } catch (e) {
      this.cells.remove(cell);
      throw e;
    }
    parent?.children.push(cell);
    try {
      await cell.start();
    } catch (e) {
      // An init that throws ends the actor; a snapshot store that is down leaves the address to a retry.
      await cell.end(isTroupeError(e, 'unavailable') ? 'lost' : 'terminate');
      throw e;
    }
    return ref;
  }

  /**
   * Stops an actor on this node gracefully; its supervisor forgets it. Rejects with
   * `no_recipient` when the actor does not live on this node (stop it where it lives).
   */
  async stop(ref: ActorRef): Promise<void> {
    const cell = this.cellOf(ref);
    if (cell === undefined) throw new NoRecipientError(`${ref.address} (tenant ${ref.tenant}) is not an actor on node ${this.node}`);
    await cell.end('stop');
  }

  /** The lifecycle state of a local actor. */
  stateOf(ref: ActorRef): LifecycleState | undefined {
    return this.cellOf(ref)?.lifecycleState;
  }

  /** See {@link ActorSystem.mailboxDepth}. */
  mailboxDepth(ref: ActorRef): number | undefined {
    return this.cellOf(ref)?.depth;
  }

  /** See {@link ActorSystem.incarnationOf}. */
  incarnationOf(ref: ActorRef): number | undefined {
    return this.cellOf(ref)?.incarnation;
  }

  /** Local actors, optionally of one tenant. */
  actors(tenant?: string): ActorRef[] {
    return this.cells.refs(tenant);
  }

  // ---- messaging ------------------------------------------------------------------------

  /** See {@link ActorRef.tell}. */
  tell(to: ActorRef, type: string, payload?: unknown, options?: MessageOptions, parent?: Envelope): Promise<void> {
    let env: Envelope;
    try {
      env = this.envelope(to.address, to.tenant, type, payload, options, parent, undefined);
    } catch (e) {
      return Promise.reject(e as Error);
    }
    return this.transport.send(env, this.blocking);
  }

  /** See {@link ActorRef.ask}. */
  ask<R>(to: ActorRef, type: string, payload?: unknown, options?: MessageOptions, parent?: Envelope): Promise<R> {
    let env: Envelope;
    try {
      const timeoutMs =
        options?.timeoutMs ?? (options?.deadline === undefined && parent?.deadline === undefined ? this.defaults.askTimeoutMs : undefined);
      env = this.envelope(
        to.address,
        to.tenant,
        type,
        payload,
        timeoutMs === options?.timeoutMs ? options : { ...options, timeoutMs },
        parent,
        this.inbox,
      );
    } catch (e) {
      return Promise.reject(e as Error);
    }
    const defaultTimeout = options?.timeoutMs === undefined && options?.deadline === undefined && parent?.deadline === undefined;
    return this.asks.ask<R>(env, to.address, type, defaultTimeout);
  }

  /** Publishes `payload` on `topic` to every matching subscriber in the tenant. */
  publish(topic: string, payload?: unknown, options?: MessageOptions & { tenant?: string }, parent?: Envelope): Promise<void> {
    let env: Envelope;
    try {
      assertTopic(topic);
      env = this.envelope(
        topicAddress(topic),
        options?.tenant ?? parent?.tenant ?? DEFAULT_TENANT,
        'topic.message',
        payload,
        options,
        parent,
        undefined,
      );
    } catch (e) {
      return Promise.reject(e as Error);
    }
    return this.transport.publish(env);
  }

  /**
   * Calls `handler` with every envelope published on topics matching `pattern` (`*` one token,
   * `>` the rest) in `tenant` (`*` for all tenants — operators only).
   */
  subscribe(pattern: string, handler: (envelope: Envelope) => void, options: { tenant?: string } = {}): Subscription {
    return this.transport.subscribe(options.tenant ?? DEFAULT_TENANT, pattern, handler);
  }

  /** Watches every lifecycle transition of actors on this node, synchronously and in order. */
  watchLifecycle(watcher: LifecycleWatcher): () => void {
    return this.host.watch(watcher);
  }

  /** Dead letters of the mesh. */
  get deadLetters(): Transport['deadLetters'] {
    return this.transport.deadLetters;
  }

  private envelope(
    to: string,
    tenant: string,
    type: string,
    payload: unknown,
    o: MessageOptions | undefined,
    parent: Envelope | undefined,
    replyTo: string | undefined,
  ): Envelope {
    if (this.stopped) throw new SystemStoppedError('actor system is stopped');
    if (!this.validTypes.has(type)) {
      if (!messageTypeSchema.safeParse(type).success) throw new ValidationError(`malformed message type "${String(type).slice(0, 80)}"`);
      if (this.validTypes.size < VALID_TYPES_MAX) this.validTypes.add(type);
    }
    let deadline = parent?.deadline;
    if (o !== undefined) {
      if (o.deadline !== undefined && (deadline === undefined || o.deadline < deadline)) deadline = o.deadline;
      if (o.timeoutMs !== undefined) {
        const d = this.clock.now() + o.timeoutMs;
        if (deadline === undefined || d < deadline) deadline = d;
      }
    }
    const id = o?.id ?? this.nextId();
    const env: Envelope = {
      id,
      type,
      from: o?.from ?? parent?.to ?? `system/${this.node}`,
      to,
      tenant,
      correlationId: o?.correlationId ?? parent?.correlationId,
      causationId: o?.causationId ?? parent?.id,
      // While tracing is on, a message sent by a handler that opened no span carries the handled message's
      // traceparent as it is (its parent is the last recorded span, so the trace stays connected); off, a fresh span id.
      traceparent:
        o?.traceparent ??
        (parent?.traceparent === undefined ? undefined : tracingEnabled() ? parent.traceparent : childTraceparent(parent.traceparent)),
      deadline,
      attempt: 1,
      replyTo,
      payload,
    };
    if (o?.trusted === true) markTrusted(env);
    return env;
  }

  /** Children of a local supervisor, in start order. */
  childrenOf(ref: ActorRef): ChildInfo[] {
    return this.cells.childrenOf(ref);
  }

  /** The cell of a local actor (runtime-internal; supervisors use the context API). */
  cellOf(ref: ActorRef): ActorCell | undefined {
    return this.cells.get(ref);
  }

  // ---- shutdown ----------------------------------------------------------------------------

  /**
   * Hands every actor on this node over to the rest of the mesh: each stops taking work,
   * handles what it already has, snapshots, and leaves its lease expired for a successor.
   * The node control actor (`node/<id>`) goes last. The system stays up until `shutdown`.
   */
  async drain(): Promise<void> {
    this.passivator.stop();
    const roots = this.cells.roots();
    const control = `node/${this.node}`;
    roots.sort((a, b) => Number(a.address === control) - Number(b.address === control));
    for (const c of roots) await c.end(c.address === control ? 'stop' : 'handover');
  }

  /** Stops every actor (children before parents, queues handled), then the transport. */
  async shutdown(): Promise<void> {
    if (this.stopped) return;
    this.passivator.stop();
    const roots = this.cells.roots();
    for (const c of roots.reverse()) await c.end('stop');
    this.stopped = true;
    this.asks.rejectAll();
    await this.transport.close();
    await this.storage.close();
  }
}
