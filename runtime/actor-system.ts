/**
 * The actor system as actors and the other layers see it (ADR 0014): refs, spawning, messaging,
 * topics, lifecycle watching and shutdown. The implementation (runtime/system.ts) and its cell host
 * (runtime/node-host.ts) also carry what cells need (`cellOf`, `forget`, `childFailed`, `reactivate`, …);
 * those stay inside runtime/.
 */
import type { Envelope, LifecycleState } from '../protocols/index.js';
import type { Behavior, ChildInfo, MessageOptions, SpawnOptions } from './behavior.js';
import type { Alarm, AlarmBoard } from './alarms.js';
import type { Clock } from './clock.js';
import type { Logger } from './log.js';
import type { Meter } from './meter.js';
import type { ActorRef } from './ref.js';
import type { Storage } from './storage/types.js';
import type { LifecycleWatcher, SystemDefaults } from './system-options.js';
import type { Subscription, Transport } from './transport.js';

/** Counters for metrics and tests. */
export interface SystemStats {
  readonly lateReplies: number;
  readonly deadLetters: number;
  readonly escalations: number;
}

/** One node of an actor mesh, as actors, supervisors, the gateway and the CLI use it. */
export interface ActorSystem {
  readonly node: string;
  readonly transport: Transport;
  /** Persistence shared by the actors of this node (and, on JetStream, of the mesh). */
  readonly storage: Storage;
  readonly clock: Clock;
  readonly defaults: SystemDefaults;
  /** The root supervisor: parent of actors spawned without one. */
  readonly guardian: ActorRef | undefined;
  readonly stats: SystemStats;
  /** Node-local counters actors bump (runs started and finished…) and `/metrics` renders. */
  readonly meter: Meter;
  /**
   * The supervisor of a tenant's actors spawned without a parent (supervisors/ installs one per
   * tenant, ADR 0015); the guardian when unset or when it answers undefined.
   */
  guardianFor: ((tenant: string) => ActorRef | undefined | Promise<ActorRef | undefined>) | undefined;
  /**
   * Activates an address somewhere in the mesh (a mesh node installs it, runtime/node.ts): what wakes a passivated
   * actor when a message comes for it (ADR 0036). Unset: nothing passivates on this node.
   */
  activator: ((address: string, tenant: string) => Promise<unknown>) | undefined;
  /** Conditions operators must know about; while any is active the node is not ready. */
  readonly alarms: AlarmBoard;
  /** Raises (or updates) an alarm: a warning, a `sys.alarm` event, the node not ready until it clears. */
  raiseAlarm(alarm: { key: string; message: string; tenant?: string; address?: string }): Alarm;
  /** Clears an alarm; false when it was not active. */
  clearAlarm(key: string): boolean;
  /** Declares the node unable to recover: an alarm, not ready, and `onFatal` once (the CLI exits non-zero). */
  fatal(reason: string): void;
  /** The actor system's real state: ready while it runs, its root supervisor is up, no alarm is active. */
  health(): { ready: boolean; reason?: string; alarms: Alarm[] };
  /** Where warnings go. */
  warn(message: string): void;
  /** The structured log (runtime/log.ts): JSON lines with an `event` field; silent unless the node was given one. */
  readonly log: Logger;
  /** A reference to `address` in `tenant` (validated; `validation` error when malformed). */
  ref(address: string, tenant?: string): ActorRef;
  /**
   * Starts an actor on this node under `options.parent` (default: the guardian) and resolves once its
   * `init` finished. Rejects with `conflict` when the address is already active in the mesh, or with init's error.
   */
  spawn<S>(address: string, behavior: Behavior<S>, options?: SpawnOptions): Promise<ActorRef>;
  /** Stops a local actor gracefully; `no_recipient` when it does not live on this node. */
  stop(ref: ActorRef): Promise<void>;
  /** The lifecycle state of a local actor (undefined when it does not live here). */
  stateOf(ref: ActorRef): LifecycleState | undefined;
  /**
   * Messages queued in the mailbox of a local actor on this node (the one being handled included); undefined when the
   * actor does not live here. On JetStream, messages not yet pulled from the stream are not counted.
   */
  mailboxDepth(ref: ActorRef): number | undefined;
  /** Activations of a local actor on this node so far (each restart makes a new one); undefined when it does not live here. */
  incarnationOf(ref: ActorRef): number | undefined;
  /** Local actors, optionally of one tenant. */
  actors(tenant?: string): ActorRef[];
  /** Children of a local supervisor, in start order. */
  childrenOf(ref: ActorRef): ChildInfo[];
  /** See {@link ActorRef.tell}; `parent` is the message being handled (deadline, correlation, trace). */
  tell(to: ActorRef, type: string, payload?: unknown, options?: MessageOptions, parent?: Envelope): Promise<void>;
  /** See {@link ActorRef.ask}. */
  ask<R>(to: ActorRef, type: string, payload?: unknown, options?: MessageOptions, parent?: Envelope): Promise<R>;
  /** Publishes `payload` on `topic` to every matching subscriber in the tenant. */
  publish(topic: string, payload?: unknown, options?: MessageOptions & { tenant?: string }, parent?: Envelope): Promise<void>;
  /** Calls `handler` with every envelope published on topics matching `pattern` in `tenant` (`*`: all tenants). */
  subscribe(pattern: string, handler: (envelope: Envelope) => void, options?: { tenant?: string }): Subscription;
  /** Watches every lifecycle transition of actors on this node, synchronously and in order. */
  watchLifecycle(watcher: LifecycleWatcher): () => void;
  /** Dead letters of the mesh. */
  readonly deadLetters: Transport['deadLetters'];
  /** Hands every local actor over to the rest of the mesh (snapshot, lease left to expire); the system stays up. */
  drain(): Promise<void>;
  /** Stops every actor (children before parents), then the transport and the storage. */
  shutdown(): Promise<void>;
}
