/**
 * The one contract every actor kind fills ({@link Behavior}) and the context its
 * handlers get. A kind is a folder that exports a Behavior; nothing else is needed.
 */
import type { ZodType } from 'zod';
import type { Envelope, LifecycleState } from '../protocols/index.js';
import type { ActorRef } from './ref.js';
import type { ActorSystem } from './actor-system.js';
import type { Subscription } from './transport.js';

/** How a supervisor treats a child that ends: always restart, restart after a crash only, never. */
export type RestartType = 'permanent' | 'transient' | 'temporary';

/** An actor's code. State is private to the actor and rebuilt by `init` on every (re)start. */
export interface Behavior<S = unknown> {
  /** Builds the initial state; runs on start and on every restart. Throwing fails the start. */
  init?(ctx: ActorContext<S>): S | Promise<S>;
  /**
   * Handles one message; the returned value answers an `ask`. Throwing crashes the actor (it is
   * restarted and the message redelivered) — except a TroupeError whose code blames the message
   * (`bad_request`, `conflict`, `not_found`, `forbidden`, `unauthorized`, `too_large`,
   * `rate_limited`, `encode_error`, `decode_error`): that is sent back to the asker (or
   * dead-lettered as `rejected`) and the actor carries on; it never counts towards restart intensity.
   */
  receive(message: Envelope, ctx: ActorContext<S>): unknown;
  /**
   * Makes a wire value of the state. When present and the transport is clustered, the state is
   * saved (fenced by the lease epoch) before messages are acked, and a re-activation on any
   * node resumes from it instead of calling `init`.
   */
  snapshot?(state: S): unknown;
  /**
   * Present: the actor may be passivated once it has had no message for its idle timeout and this answers true (no
   * work runs outside its handlers: no run in flight, no topic subscription, no timer that must fire while it sleeps).
   * Passivation snapshots it (when it has `snapshot`), gives its address up and drops it from memory; the next message
   * activates it again, on this node or another (ADR 0036). Absent: never passivated.
   */
  canPassivate?(state: S): boolean;
  /** Rebuilds state from a snapshot (default: the snapshot is the state). */
  restore?(snapshot: unknown, ctx: ActorContext<S>): S | Promise<S>;
  /** Cleans up on stop and before a restart; errors here are reported, not raised. */
  stop?(ctx: ActorContext<S>): void | Promise<void>;
  /**
   * Payload schemas by message type. When present, a message whose type is not listed or
   * whose payload does not parse is refused with `bad_request` without crashing the actor.
   */
  readonly schemas?: Readonly<Record<string, ZodType>>;
  /** True for behaviors that own children (supervisors); only they may spawn children. */
  readonly supervises?: boolean;
}

/** Per-actor settings; unset ones come from the system defaults (config). */
export interface ActorOptions {
  /** Mailbox capacity (messages). */
  readonly capacity?: number;
  /** Deliveries after which a crashing message is a poison message. */
  readonly maxDeliveries?: number;
  /** Longest an async handler may run before it counts as a crash. */
  readonly handlerTimeoutMs?: number;
  /** Longest `init` may run. */
  readonly initTimeoutMs?: number;
  /** Recent envelope ids remembered for dedup. */
  readonly dedupWindow?: number;
  /**
   * Passivate after this long without a message, when the behavior allows it (`canPassivate`); 0: never. Actors the
   * mesh activates on demand (runtime/node.ts) default to the system's `idleTimeoutMs`; others to 0, since nothing
   * would activate them again.
   */
  readonly idleTimeoutMs?: number;
}

/** Options of `spawn`. */
export interface SpawnOptions extends ActorOptions {
  readonly tenant?: string;
  /** The supervising actor; the system's guardian (root supervisor) when absent. */
  readonly parent?: ActorRef;
  readonly restart?: RestartType;
  /**
   * Join the address's pool instead of holding its single activation: every node that spawns
   * the address with `pool: true` shares its mailbox (stateless kinds: tools, guardrails).
   */
  readonly pool?: boolean;
  /**
   * Node-local and not addressable through the transport (no lease, no mailbox stream): for
   * infrastructure such as per-tenant supervisors, which only hear from their children.
   */
  readonly local?: boolean;
}

/** Options of a message send. */
export interface MessageOptions {
  /** Reuse an id to make a retry idempotent; a fresh id otherwise. */
  readonly id?: string;
  /** Absolute deadline (epoch ms); inherited from the message being handled when sent from a context. */
  readonly deadline?: number;
  /** Relative deadline; the earlier of this and `deadline` wins. */
  readonly timeoutMs?: number;
  readonly from?: string;
  readonly correlationId?: string;
  readonly causationId?: string;
  readonly traceparent?: string;
  /**
   * The payload was made by this process's own code from values checked already (not client input, not from the
   * wire): a receiver on this node skips its schema check (runtime/trusted.ts). On any other node it is checked.
   */
  readonly trusted?: boolean;
}

/** A child as its supervisor sees it. */
export interface ChildInfo {
  readonly ref: ActorRef;
  readonly options: SpawnOptions;
  readonly restart: RestartType;
  readonly state: LifecycleState;
  readonly incarnation: number;
}

/** What a handler can do. Sends made here inherit deadline, correlation and trace. */
export interface ActorContext<S = unknown> {
  readonly self: ActorRef;
  readonly system: ActorSystem;
  /** The actor's private state. */
  state: S;
  /** The message being handled (undefined in init/stop). */
  readonly message: Envelope | undefined;
  /** Counts (re)starts of this actor on this node, from 1. */
  readonly incarnation: number;
  /**
   * The fencing token of this activation: its lease epoch on a mesh (it grows with every change of owner), a
   * number that grows with every activation on the in-process transport, 0 for pools and node-local actors.
   * State written under it (snapshots, run logs) is refused once a newer activation wrote.
   */
  readonly epoch: number;
  /**
   * Whether this activation still holds its address: always on one node; on a mesh, while its lease is trusted
   * (ADR 0020). The message loop asks it before every message; a handler that awaited something (a storage read, an
   * ask) asks it again before a write another activation of the address could also make — the process may have been
   * paused meanwhile and the address taken over elsewhere.
   */
  readonly holdsAddress: boolean;
  /** Aborted when the current handler times out, its deadline passes or the actor stops. */
  readonly signal: AbortSignal;
  tell(to: ActorRef | string, type: string, payload?: unknown, options?: MessageOptions): Promise<void>;
  ask<R = unknown>(to: ActorRef | string, type: string, payload?: unknown, options?: MessageOptions): Promise<R>;
  publish(topic: string, payload?: unknown, options?: MessageOptions): Promise<void>;
  /** Delivers messages published on matching topics into this actor's mailbox. */
  subscribe(pattern: string): Subscription;
  /** Spawns a child supervised by this actor (supervisors only). */
  spawnChild(
    address: string,
    behavior: Behavior<never> | Behavior<unknown> | Behavior<any>, // eslint-disable-line @typescript-eslint/no-explicit-any
    options?: SpawnOptions,
  ): Promise<ActorRef>;
  /** This actor's children in start order. */
  children(): ChildInfo[];
  /** Restarts a child after `delayMs` (its mailbox is kept). */
  restartChild(child: ActorRef, delayMs?: number): void;
  /** Stops a child gracefully (its queued messages are handled first). */
  stopChild(child: ActorRef): Promise<void>;
  /** Ends a child at once; its queued messages go to dead letters. */
  terminateChild(child: ActorRef): Promise<void>;
  /** Drops what is remembered of a child that exited normally (it will not be restarted). */
  forgetChild(child: ActorRef): void;
  /** Ends this actor normally after the current message; its supervisor decides whether to restart it. */
  exit(): void;
}

/**
 * An answer that comes later (ADR 0042): what a handler returns instead of a value when the work of an `ask` may wait
 * (on storage, on another actor) and the actor should take its next message meanwhile. Made by {@link replyLater}.
 */
export class DeferredReply {
  /** @internal Use {@link replyLater}. */
  constructor(readonly work: PromiseLike<unknown>) {}
}

/**
 * Returned from `receive`, answers the message being handled when `work` settles, while the actor goes on with its
 * next messages (ADR 0042). The message counts as handled only then: its ack (and, for a snapshotting actor, the save
 * that covers it) waits for `work`, so a crash before it settles delivers the message again rather than losing it.
 * `work` is bounded by the handler timeout; a rejection (`bad_request`, `conflict`…) is the asker's answer, any other
 * failure crashes the actor as a throwing handler would. A restart waits for the deferred work in flight (like the
 * current message); a stop waits within its timeout, then treats what is left like a queued message. The work must not
 * read `ctx.message` after its first await (it is the next message by then): capture what it needs first.
 */
export function replyLater(work: PromiseLike<unknown>): DeferredReply {
  return new DeferredReply(work);
}

/** Message type a supervisor receives when a child crashed. */
export const CHILD_FAILED = 'sys.child.failed';
/** Message type a supervisor receives when a child stopped on its own. */
export const CHILD_EXITED = 'sys.child.exited';
