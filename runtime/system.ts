/**
 * The ActorSystem: one node of a mesh. It owns the cells on this node, builds envelopes
 * (ids, deadlines, correlation, trace), routes them through the transport, keeps the
 * pending asks, records dead letters and publishes lifecycle transitions.
 */
import { MemoryStorage, type Storage } from './storage/index.js';
import { Meter } from './meter.js';
import {
  ConflictError,
  DEAD_LETTER_TOPIC,
  DEFAULT_TENANT,
  DeadlineExceededError,
  LIFECYCLE_TOPIC,
  LIFECYCLE_TYPE,
  REPLY_TYPE,
  SystemStoppedError,
  ValidationError,
  childTraceparent,
  fromWireError,
  idGenerator,
  isAddress,
  isTroupeError,
  kindOf,
  NoRecipientError,
  messageTypeSchema,
  tenantSchema,
  scrubSecrets,
  toWireError,
  topicAddress,
  type DeadLetterReason,
  type Envelope,
  type LifecycleEvent,
  type LifecycleState,
  type ReplyPayload,
  type TroupeError,
  type WireError,
} from '../protocols/index.js';
import { randomBytes } from 'node:crypto';
import type { ActorSystem } from './actor-system.js';
import type { ActorContext, Behavior, ChildInfo, MessageOptions, SpawnOptions } from './behavior.js';
import { CHILD_EXITED, CHILD_FAILED } from './behavior.js';
import { ActorCell, type EndMode } from './cell.js';
import type { CellHost, CellPersistence, CellSnapshot, ResolvedOptions } from './cell-host.js';
import { systemClock, type Clock, type TimerHandle } from './clock.js';
import type { LifecycleFactory } from './lifecycle.js';
import { MemoryTransport } from './memory-transport.js';
import { ActorRef } from './ref.js';
import { assertTopic } from './topics.js';
import type { Binding, SendOptions, Subscription, Transport } from './transport.js';
import { makeContext } from './context.js';
import { ALARM_TOPIC, AlarmBoard, type Alarm } from './alarms.js';

/** System-wide defaults for actors and sends (config supplies them). */
export interface SystemDefaults extends ResolvedOptions {
  readonly askTimeoutMs: number;
  readonly blockTimeoutMs: number;
}

/** Defaults that match config's embedded mode. */
export const DEFAULTS: SystemDefaults = {
  capacity: 1024,
  maxDeliveries: 3,
  handlerTimeoutMs: 30_000,
  initTimeoutMs: 30_000,
  dedupWindow: 10_000,
  stopTimeoutMs: 5_000,
  askTimeoutMs: 5_000,
  blockTimeoutMs: 5_000,
};

/** A failure that reached the top of a supervision tree. */
export interface Escalation {
  readonly address: string;
  readonly tenant: string;
  readonly error: WireError;
}

/** Options of {@link startSystem} (and {@link LocalActorSystem.start}). */
export interface SystemOptions {
  /** The lifecycle every actor runs (supervisors/ provides the XState machine). */
  readonly lifecycle: LifecycleFactory;
  /** This node's id; random when absent. */
  readonly node?: string;
  /** The mesh; a private in-memory mesh when absent. */
  readonly transport?: Transport;
  /** Where actors persist what must outlive the process (run logs, threads, stores); in memory when absent. */
  readonly storage?: Storage;
  readonly clock?: Clock;
  readonly defaults?: Partial<SystemDefaults>;
  /** Called when a failure has no supervisor left to handle it (the actor is terminated). */
  readonly onEscalation?: (escalation: Escalation) => void;
  /**
   * Called once when the node cannot recover (its root supervisor died, or gave up on a subtree):
   * the process should exit non-zero so that its manager restarts it. Default: a warning.
   */
  readonly onFatal?: (reason: string) => void;
  /** Where warnings go (default: process warnings). */
  readonly warn?: (message: string) => void;
}

interface PendingAsk {
  resolve(value: unknown): void;
  reject(error: Error): void;
  /** Own timer of an ask with a custom deadline; default-timeout asks share the sweeper. */
  timer: TimerHandle | undefined;
  readonly to: string;
  readonly type: string;
  readonly timeoutMs: number;
}

/** Synchronous lifecycle watcher: sees every transition on this node, in order. */
export type LifecycleWatcher = (event: LifecycleEvent) => void;

const VALID_TYPES_MAX = 10_000;

/** The binding of a node-local actor that the mesh cannot address (tenant supervisors): nothing to take or give up. */
const LOCAL_BINDING: Binding = Object.freeze({ epoch: 0, stopIntake: () => Promise.resolve(), release: () => Promise.resolve() });

/** One node of an actor mesh: the implementation of {@link ActorSystem} (runtime-internal; ADR 0014). */
export class LocalActorSystem implements CellHost, ActorSystem {
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
  readonly alarms = new AlarmBoard();
  private fatalReason: string | undefined;
  private readonly onFatal: (reason: string) => void;
  private readonly lifecycleFactory: LifecycleFactory;
  private readonly cells = new Map<string, Map<string, ActorCell>>();
  private readonly pending = new Map<string, PendingAsk>();
  /** Default-timeout asks by id → deadline, in deadline order. */
  private readonly fifo = new Map<string, number>();
  private sweepTimer: TimerHandle | undefined;
  private readonly watchers = new Set<LifecycleWatcher>();
  private readonly validTypes = new Set<string>();
  private readonly nextId: () => string;
  readonly idPrefix: string;
  private readonly inbox: string;
  private readonly blocking: SendOptions;
  private readonly failFast: SendOptions;
  private readonly onEscalation: (e: Escalation) => void;
  readonly warn: (message: string) => void;
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
    this.lifecycleFactory = options.lifecycle;
    const prefix = randomBytes(8).toString('hex');
    this.idPrefix = `${prefix}.`;
    this.nextId = idGenerator(prefix);
    this.inbox = `inbox/${this.node}`;
    this.blocking = { block: true, blockTimeoutMs: this.defaults.blockTimeoutMs };
    this.failFast = { block: false, blockTimeoutMs: 0 };
    const warn = options.warn ?? ((m: string) => process.emitWarning(m, 'TroupeWarning'));
    // Warnings quote errors, which may quote secrets: none of those reaches a log (protocols/secrets.ts).
    this.warn = (m) => warn(scrubSecrets(m));
    this.onEscalation = options.onEscalation ?? ((e) => this.warn(`unsupervised failure of ${e.address}: ${e.error.message}`));
    this.onFatal = options.onFatal ?? ((reason) => this.warn(`node ${this.node} cannot recover: ${reason}`));
    this.alarms.onChange((e) => {
      const a = e.alarm;
      this.warn(e.type === 'raised' ? `ALARM ${a.key}: ${a.message}` : `alarm cleared: ${a.key}`);
      if (!this.stopped && this.transport.hasSubscribers(DEFAULT_TENANT, ALARM_TOPIC))
        void this.publishSystem(ALARM_TOPIC, 'sys.alarm', DEFAULT_TENANT, { type: e.type, ...a });
    });
  }

  /** Raises (or updates) an alarm (see {@link AlarmBoard}). */
  raiseAlarm(alarm: { key: string; message: string; tenant?: string; address?: string }): Alarm {
    return this.alarms.raise(alarm, this.clock.now());
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
    if (this.fatalReason !== undefined) return;
    this.fatalReason = reason;
    this.raiseAlarm({ key: 'node:fatal', message: reason });
    this.onFatal(reason);
  }

  /**
   * The actor system's real state: ready while it runs, its root supervisor is up, no alarm is
   * active and it has not given up. `reason` says why not.
   */
  health(): { ready: boolean; reason?: string; alarms: Alarm[] } {
    const alarms = this.alarms.list();
    if (this.stopped) return { ready: false, reason: 'stopped', alarms };
    if (this.fatalReason !== undefined) return { ready: false, reason: `cannot recover: ${this.fatalReason}`, alarms };
    const g = this.guardian === undefined ? undefined : this.cellOf(this.guardian);
    if (this.guardian !== undefined && (g === undefined || (g.lifecycleState !== 'ready' && g.lifecycleState !== 'busy'))) {
      return { ready: false, reason: `root supervisor is ${g?.lifecycleState ?? 'gone'}`, alarms };
    }
    if (alarms.length > 0) return { ready: false, reason: alarms.map((a) => a.key).join(', '), alarms };
    return { ready: true, alarms };
  }

  /** Starts a node: connects the transport and opens this node's reply inbox. */
  static async start(options: SystemOptions): Promise<LocalActorSystem> {
    const system = new LocalActorSystem(options);
    if (!isAddress(system.inbox)) throw new ValidationError(`node id "${system.node}" is not usable in an address`);
    await system.transport.start({ node: system.node, clock: system.clock, onReply: (r) => system.onReply(r) });
    return system;
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
    if (this.lookup(ref) !== undefined) throw new ConflictError(`${address} is already active in tenant ${ref.tenant}`);
    const d = this.defaults;
    const resolved: ResolvedOptions = {
      capacity: options.capacity ?? d.capacity,
      maxDeliveries: options.maxDeliveries ?? d.maxDeliveries,
      handlerTimeoutMs: options.handlerTimeoutMs ?? d.handlerTimeoutMs,
      initTimeoutMs: options.initTimeoutMs ?? d.initTimeoutMs,
      dedupWindow: options.dedupWindow ?? d.dedupWindow,
      stopTimeoutMs: d.stopTimeoutMs,
    };
    const cell = new ActorCell(this, ref, behavior as Behavior<unknown>, resolved, options.restart ?? 'permanent', parent, {
      ...options,
      parent: undefined,
    });
    this.register(cell);
    try {
      await this.reactivate(cell);
    } catch (e) {
      this.unregister(cell);
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

  /** Gives a cell a fresh lifecycle and binds its address (spawn, and restart after a normal exit). */
  async reactivate(cell: ActorCell): Promise<void> {
    cell.lifecycle = this.lifecycleFactory({ address: cell.address, tenant: cell.tenant, node: this.node }, (from, to, input, error) =>
      this.emitLifecycle(cell, from, to, input, error),
    );
    if (cell.spawnOptions.local === true) {
      cell.binding = LOCAL_BINDING;
      cell.persistence = undefined;
      return;
    }
    cell.binding = await this.transport.bind(cell.tenant, cell.address, cell, {
      shared: cell.spawnOptions.pool === true,
      onLost: (reason) => {
        this.warn(`${cell.address} lost its activation: ${reason}; ending it here`);
        void cell.end('lost');
      },
    });
    cell.persistence = this.persistenceFor(cell);
  }

  /**
   * Fenced snapshot persistence for a single activation whose behavior snapshots, on a clustered
   * transport. Loading re-writes the snapshot under this activation's epoch, which fences off any
   * older owner: its next save names a stale revision and is refused.
   */
  private persistenceFor(cell: ActorCell): CellPersistence | undefined {
    const store = this.transport.cluster?.state;
    if (store === undefined || cell.behavior.snapshot === undefined || cell.spawnOptions.pool === true) return undefined;
    const epoch = cell.binding?.epoch ?? 0;
    let revision = 0;
    return {
      load: async () => {
        const stored = await store.load(cell.tenant, cell.address);
        if (stored !== undefined && stored.epoch > epoch)
          throw new ConflictError(`${cell.address} was taken over (epoch ${stored.epoch} > ${epoch})`);
        revision = await store.save(cell.tenant, cell.address, stored?.data ?? null, epoch, stored?.revision ?? 0);
        return (stored?.data ?? undefined) as CellSnapshot | undefined;
      },
      save: async (snapshot) => {
        revision = await store.save(cell.tenant, cell.address, snapshot, epoch, revision);
      },
    };
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

  /** Local actors, optionally of one tenant. */
  actors(tenant?: string): ActorRef[] {
    const out: ActorRef[] = [];
    for (const [t, byAddress] of this.cells) if (tenant === undefined || t === tenant) for (const c of byAddress.values()) out.push(c.ref);
    return out;
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
    return new Promise<R>((resolve, reject) => {
      const id = env.id;
      const deadline = env.deadline as number;
      const p: PendingAsk = {
        resolve: resolve as (v: unknown) => void,
        reject,
        timer: undefined,
        to: to.address,
        type,
        timeoutMs: deadline - this.clock.now(),
      };
      if (defaultTimeout) {
        // Asks with the default timeout expire in the order they were made: one timer serves them all.
        this.fifo.set(id, deadline);
        if (this.sweepTimer === undefined) this.sweepTimer = this.clock.setTimer(deadline - this.clock.now(), this.sweep);
      } else {
        p.timer = this.clock.setTimer(p.timeoutMs, () => this.expire(id));
      }
      this.pending.set(id, p);
      this.transport.send(env, this.failFast).then(undefined, (e: unknown) => this.settle(id, undefined, e as Error));
    });
  }

  private expire(id: string): void {
    const p = this.pending.get(id);
    if (p === undefined) return;
    this.pending.delete(id);
    p.reject(new DeadlineExceededError(`no reply from ${p.to} to ${p.type} within ${p.timeoutMs} ms`));
  }

  private readonly sweep = (): void => {
    this.sweepTimer = undefined;
    const now = this.clock.now();
    for (const [id, deadline] of this.fifo) {
      if (deadline > now) {
        this.sweepTimer = this.clock.setTimer(deadline - now, this.sweep);
        return;
      }
      this.fifo.delete(id);
      this.expire(id);
    }
  };

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
    this.watchers.add(watcher);
    return () => this.watchers.delete(watcher);
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
    return {
      id,
      type,
      from: o?.from ?? parent?.to ?? `system/${this.node}`,
      to,
      tenant,
      correlationId: o?.correlationId ?? parent?.correlationId,
      causationId: o?.causationId ?? parent?.id,
      traceparent: o?.traceparent ?? (parent?.traceparent === undefined ? undefined : childTraceparent(parent.traceparent)),
      deadline,
      attempt: 1,
      replyTo,
      payload,
    };
  }

  private onReply(reply: Envelope): void {
    const id = reply.causationId;
    const p = reply.payload as ReplyPayload | undefined;
    if (id === undefined || typeof p !== 'object' || p === null) return;
    if (p.ok === true) this.settle(id, p.value, undefined);
    else this.settle(id, undefined, fromWireError(p.error));
  }

  private settle(id: string, value: unknown, error: Error | undefined): void {
    const p = this.pending.get(id);
    if (p === undefined) {
      this.stats.lateReplies++;
      return;
    }
    this.pending.delete(id);
    if (p.timer !== undefined) this.clock.clearTimer(p.timer);
    else this.fifo.delete(id);
    if (error === undefined) p.resolve(value);
    else p.reject(error);
  }

  // ---- CellHost ---------------------------------------------------------------------------

  makeContext(cell: ActorCell): ActorContext {
    return makeContext(this, cell);
  }

  reply(request: Envelope, payload: ReplyPayload): void {
    if (request.replyTo === undefined) return;
    const env: Envelope = {
      id: this.nextId(),
      type: REPLY_TYPE,
      from: request.to,
      to: request.replyTo,
      tenant: request.tenant,
      correlationId: request.correlationId,
      causationId: request.id,
      traceparent: request.traceparent,
      deadline: undefined,
      attempt: 1,
      replyTo: undefined,
      payload,
    };
    this.transport.reply(env).then(undefined, (e: unknown) => this.warn(`reply to ${request.replyTo} failed: ${(e as Error).message}`));
  }

  deadLetter(env: Envelope, reason: DeadLetterReason, error: TroupeError, deliveries: number): void {
    this.stats.deadLetters++;
    const letter = { envelope: env, reason, error: toWireError(error), deliveries, node: this.node, at: this.clock.now() };
    this.transport.deadLetters
      .record(letter)
      .then(undefined, (e: unknown) => this.warn(`dead letter for ${env.to} could not be stored: ${(e as Error).message}`));
    if (this.transport.hasSubscribers(env.tenant, DEAD_LETTER_TOPIC))
      void this.publishSystem(DEAD_LETTER_TOPIC, 'sys.deadletter', env.tenant, letter);
  }

  childFailed(cell: ActorCell, error: WireError): void {
    const parent = cell.parent;
    if (parent !== undefined && parent.mode !== 'ended') {
      parent.offerSystem(
        this.systemEnvelope(parent, CHILD_FAILED, {
          address: cell.address,
          tenant: cell.tenant,
          incarnation: cell.incarnation,
          restart: cell.restart,
          error,
        }),
      );
      return;
    }
    this.stats.escalations++;
    this.onEscalation({ address: cell.address, tenant: cell.tenant, error });
    void cell.end('terminate');
    if (this.guardian !== undefined && cell.ref.address === this.guardian.address && cell.tenant === this.guardian.tenant)
      this.fatal(`root supervisor failed: ${error.message}`);
  }

  /** Tells a cell's parent that the cell ended on its own (normal exit). */
  childExited(cell: ActorCell): void {
    cell.parent?.offerSystem(
      this.systemEnvelope(cell.parent, CHILD_EXITED, {
        address: cell.address,
        tenant: cell.tenant,
        incarnation: cell.incarnation,
        restart: cell.restart,
      }),
    );
  }

  async endChildren(cell: ActorCell, how: EndMode): Promise<void> {
    for (let i = cell.children.length - 1; i >= 0; i--) await cell.children[i]?.end(how);
  }

  forget(cell: ActorCell): void {
    this.unregister(cell);
    const siblings = cell.parent?.children;
    if (siblings !== undefined) {
      const i = siblings.indexOf(cell);
      if (i >= 0) siblings.splice(i, 1);
    }
  }

  /** Children of a local supervisor, in start order. */
  childrenOf(ref: ActorRef): ChildInfo[] {
    const cell = this.cellOf(ref);
    if (cell === undefined) return [];
    return cell.children.map((c) => ({
      ref: c.ref,
      options: c.spawnOptions,
      restart: c.restart,
      state: c.lifecycleState,
      incarnation: c.incarnation,
    }));
  }

  /** The cell of a local actor (runtime-internal; supervisors use the context API). */
  cellOf(ref: ActorRef): ActorCell | undefined {
    return this.lookup(ref);
  }

  private systemEnvelope(to: ActorCell, type: string, payload: unknown): Envelope {
    return { id: this.nextId(), type, from: `system/${this.node}`, to: to.address, tenant: to.tenant, attempt: 1, payload };
  }

  private emitLifecycle(cell: ActorCell, from: LifecycleState, to: LifecycleState, input: string, error: WireError | undefined): void {
    const topic = `${LIFECYCLE_TOPIC}.${kindOf(cell.address)}`;
    const wanted = this.transport.hasSubscribers(cell.tenant, topic);
    if (this.watchers.size === 0 && !wanted) return;
    const event: LifecycleEvent = {
      address: cell.address,
      tenant: cell.tenant,
      node: this.node,
      incarnation: cell.incarnation,
      from,
      to,
      event: input,
      at: this.clock.now(),
    };
    if (error !== undefined) event.error = error;
    for (const w of this.watchers) w(event);
    if (wanted) void this.publishSystem(topic, LIFECYCLE_TYPE, cell.tenant, event);
  }

  private publishSystem(topic: string, type: string, tenant: string, payload: unknown): Promise<void> {
    const env: Envelope = { id: this.nextId(), type, from: `system/${this.node}`, to: topicAddress(topic), tenant, attempt: 1, payload };
    return this.transport.publish(env).then(undefined, () => undefined);
  }

  private lookup(ref: ActorRef): ActorCell | undefined {
    return this.cells.get(ref.tenant)?.get(ref.address);
  }

  private register(cell: ActorCell): void {
    let m = this.cells.get(cell.tenant);
    if (m === undefined) this.cells.set(cell.tenant, (m = new Map()));
    m.set(cell.address, cell);
  }

  private unregister(cell: ActorCell): void {
    const m = this.cells.get(cell.tenant);
    if (m?.get(cell.address) === cell) m.delete(cell.address);
  }

  // ---- shutdown ----------------------------------------------------------------------------

  /**
   * Hands every actor on this node over to the rest of the mesh: each stops taking work,
   * handles what it already has, snapshots, and leaves its lease expired for a successor.
   * The node control actor (`node/<id>`) goes last. The system stays up until `shutdown`.
   */
  async drain(): Promise<void> {
    const roots = this.rootCells();
    const control = `node/${this.node}`;
    roots.sort((a, b) => Number(a.address === control) - Number(b.address === control));
    for (const c of roots) await c.end(c.address === control ? 'stop' : 'handover');
  }

  /** Local actors without a parent (root supervisors, node control, unsupervised actors). */
  private rootCells(): ActorCell[] {
    const roots: ActorCell[] = [];
    for (const m of this.cells.values()) for (const c of m.values()) if (c.parent === undefined) roots.push(c);
    return roots;
  }

  /** Stops every actor (children before parents, queues handled), then the transport. */
  async shutdown(): Promise<void> {
    if (this.stopped) return;
    const roots = this.rootCells();
    for (const c of roots.reverse()) await c.end('stop');
    this.stopped = true;
    if (this.sweepTimer !== undefined) this.clock.clearTimer(this.sweepTimer);
    this.fifo.clear();
    for (const [id, p] of this.pending) {
      if (p.timer !== undefined) this.clock.clearTimer(p.timer);
      p.reject(new SystemStoppedError('actor system stopped before the reply came'));
      this.pending.delete(id);
    }
    await this.transport.close();
    await this.storage.close();
  }
}
