/**
 * The transport contract. One interface, two implementations (memory here, JetStream in
 * the cluster issue), one contract suite in test/transport/ that both must pass. Nothing
 * here may assume one process: addresses are bound by nodes, replies go to node inboxes,
 * dead letters live in a store every node can read.
 */
import type { DeadLetter, DeadLetterReason, Envelope } from '../protocols/index.js';
import type { Clock } from './clock.js';
import type { ClusterServices } from './cluster.js';

/** Transport-level handle of one delivery; `null` where the transport needs no acks. */
export interface Receipt {
  /** How many times the transport delivered this message before (0 the first time). */
  readonly redeliveries: number;
  /** The message was handled (or given up on): remove it from the durable mailbox. */
  ack(): void;
  /** The message must be delivered again later (e.g. the node is draining). */
  nak(delayMs?: number): void;
}

/** Where a transport delivers messages for a bound address: an actor's local mailbox. */
export interface MailboxSink {
  /** Queues a message; returns false (and keeps nothing) when the mailbox is full. */
  offer(envelope: Envelope, receipt: Receipt | null): boolean;
  /** Resolves when the mailbox may have room again. */
  waitForSpace(): Promise<void>;
  /** False once the actor is ending: a transport then hands pulled messages back instead of waiting. */
  readonly accepting: boolean;
}

/** How `send` behaves when the recipient's mailbox is full. */
export interface SendOptions {
  /**
   * true: wait (slowing the sender) until there is room, up to `blockTimeoutMs` or the
   * envelope's deadline, then fail with `mailbox_full`; false: fail with `mailbox_full` at once.
   */
  readonly block: boolean;
  readonly blockTimeoutMs: number;
}

/** How an address is bound. */
export interface BindOptions {
  /**
   * true: a pool member — every node binding the address shares its mailbox and any one of
   * them takes each message (stateless kinds). false: one activation in the mesh.
   */
  readonly shared?: boolean;
  /**
   * Called when the transport takes a single activation away (its lease was lost): the
   * actor must stop handling at once, because another node may now own the address.
   */
  readonly onLost?: (reason: string) => void;
}

/** How a binding gives its address up (see {@link Binding.release}). */
export type ReleaseMode = 'gone' | 'handover' | 'abandon' | 'passivate';

/** A live binding of an address on this node. */
export interface Binding {
  /** Lease epoch of a single activation (the fencing token for state writes); 0 for pools. */
  readonly epoch: number;
  /**
   * False once a single activation may no longer act: its lease may have lapsed (self-fencing, ADR 0020), so
   * nothing more is handled or acked here. A synchronous clock check; absent means always valid.
   */
  valid?(): boolean;
  /**
   * Stops taking new messages. Messages the transport already pulled for this node are still
   * offered to the sink (so a graceful stop handles them) unless the sink refuses them, in
   * which case they are handed back for redelivery. With `passivate`, messages sent from now on wait for the
   * next activation instead (the transport wakes the address through {@link TransportContext.wake}).
   */
  stopIntake(how?: ReleaseMode): Promise<void>;
  /**
   * Gives the address up. Call after the queue was handled.
   * - `gone` (default): the actor is stopped for good; the address disappears from the mesh.
   * - `handover`: the actor lives on — its lease is left expired so another node hosting the
   *   kind re-activates it at once, and its mailbox keeps accepting.
   * - `abandon`: stop renewing and touch nothing (the lease was lost, or the store is down);
   *   the lease expires on its own and placement re-activates the actor.
   * - `passivate`: the actor sleeps (ADR 0036): the address stays known, its lease is released without a
   *   successor being started, and the next message sent to it wakes it (on any node hosting the kind).
   */
  release(how?: ReleaseMode): Promise<void>;
}

/** A live topic subscription. */
export interface Subscription {
  /** Stops delivery; idempotent. */
  unsubscribe(): void;
}

/** Filter and page of a dead-letter listing (every field optional; all given ones must hold). */
export interface DeadLetterQuery {
  readonly reason?: DeadLetterReason;
  readonly tenant?: string;
  /** The address the message was for. */
  readonly to?: string;
  /** Recorded at or after this (epoch ms). */
  readonly since?: number;
  /** Recorded before this (epoch ms). */
  readonly until?: number;
  /** Paging: only letters after the one with this id (the last id of the previous page). */
  readonly after?: string;
  readonly limit?: number;
}

/** When and where a dead letter was redriven (sent again to its address). */
export interface RedriveMark {
  readonly at: number;
  readonly node: string;
}

/** A dead letter as a store keeps it: with the id the store gave it, and its redrive, once redriven. */
export type StoredDeadLetter = DeadLetter & { readonly id: string; readonly redriven?: RedriveMark };

/** Where dead letters are kept with their reasons; readable from any node. */
export interface DeadLetterStore {
  /** Stores a dead letter (the store gives it an id). */
  record(letter: DeadLetter): Promise<void>;
  /** Reads stored dead letters, oldest first. */
  list(query?: DeadLetterQuery): Promise<StoredDeadLetter[]>;
  /** One stored dead letter by id; undefined when there is none (never stored, or evicted). */
  get(id: string): Promise<StoredDeadLetter | undefined>;
  /**
   * Marks a dead letter redriven, atomically: true for the one caller that marked it, false when it was
   * already marked (the redrive that lost must not send it again). Rejects with `not_found` for an unknown id.
   */
  markRedriven(id: string, mark: RedriveMark): Promise<boolean>;
  /** Total recorded since start (including any the store evicted). */
  count(): Promise<number>;
}

/** What the runtime hands a transport when it starts. */
export interface TransportContext {
  /** This node's id. */
  readonly node: string;
  readonly clock: Clock;
  /** Called with every reply envelope addressed to this node's inbox. */
  readonly onReply: (reply: Envelope) => void;
  /**
   * Activates a passivated address somewhere in the mesh (ADR 0036); the transport calls it when a message for a
   * sleeping address arrives. Rejects when no node can activate it.
   */
  readonly wake?: (tenant: string, address: string) => Promise<void>;
}

/** The transport interface every mesh implementation fills. */
export interface Transport {
  /** `memory` or `jetstream`. */
  readonly kind: string;
  /** Dead letters of the whole mesh. */
  readonly deadLetters: DeadLetterStore;
  /** Membership, fenced state and leases, on transports that span processes. */
  readonly cluster?: ClusterServices;
  /** Connects and starts delivering replies for `ctx.node`. */
  start(ctx: TransportContext): Promise<void>;
  /**
   * Binds an address on this node. Rejects with `conflict` when the address is already
   * bound as a single activation (or bound in the other mode).
   */
  bind(tenant: string, address: string, sink: MailboxSink, options?: BindOptions): Promise<Binding>;
  /**
   * Sends to an address's mailbox. Resolves once the message is accepted (durably, where the
   * transport is durable). Rejects with `no_recipient` (and a dead letter) when nothing is bound,
   * `mailbox_full` per {@link SendOptions}.
   */
  send(envelope: Envelope, options: SendOptions): Promise<void>;
  /** Sends a reply to the inbox named in its `to` (best effort: a late reply has no taker). */
  reply(envelope: Envelope): Promise<void>;
  /** Publishes to every subscriber whose pattern matches the topic in `envelope.to` (`topic/<t>`). */
  publish(envelope: Envelope): Promise<void>;
  /**
   * Subscribes to a topic pattern within a tenant (`*` tenant: all tenants). Handlers run
   * asynchronously, one envelope at a time per subscription, in publish order.
   */
  subscribe(tenant: string, pattern: string, handler: (envelope: Envelope) => void): Subscription;
  /** True when a publish on `topic` in `tenant` may reach someone (lets emitters skip work). */
  hasSubscribers(tenant: string, topic: string): boolean;
  /** Stops all delivery and releases resources. */
  close(): Promise<void>;
}
