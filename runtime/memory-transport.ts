/**
 * The in-process transport: the embedded default. A {@link MemoryHub} is one mesh; every
 * ActorSystem attached to the same hub is a node of it, so multi-node behaviour (replies to
 * node inboxes, one activation per address) is testable without NATS. Envelopes are passed
 * by reference — payloads must be treated as immutable, as on any transport.
 */
import {
  ConflictError,
  MailboxFullError,
  NoRecipientError,
  SystemStoppedError,
  toWireError,
  type DeadLetterReason,
  type Envelope,
  type TroupeError,
} from '../protocols/index.js';
import type { Clock } from './clock.js';
import { MemoryDeadLetterStore } from './dead-letters.js';
import { Deque } from './deque.js';
import { assertPattern, isWildcard, topicMatches } from './topics.js';
import type {
  BindOptions,
  Binding,
  DeadLetterStore,
  MailboxSink,
  ReleaseMode,
  SendOptions,
  Subscription,
  Transport,
  TransportContext,
} from './transport.js';

const ACCEPTED: Promise<void> = Promise.resolve();

/** What a topic subscriber that throws leaves: a process warning (the publisher is not told). */
function warnThrown(this: void, e: unknown, pattern: string): void {
  process.emitWarning(`topic subscriber for ${pattern} threw: ${(e as Error)?.message ?? String(e)}`);
}

class TopicSubscription implements Subscription {
  private readonly queue = new Deque<Envelope>();
  private scheduled = false;
  active = true;

  constructor(
    readonly tenant: string,
    readonly pattern: string,
    private readonly handler: (envelope: Envelope) => void,
    private readonly owner: Set<TopicSubscription>,
    private readonly onError: (e: unknown, pattern: string) => void,
    private readonly onEnd: (sub: TopicSubscription) => void,
  ) {}

  deliver(envelope: Envelope): void {
    if (!this.active) return;
    this.queue.push(envelope);
    if (!this.scheduled) {
      this.scheduled = true;
      queueMicrotask(this.run);
    }
  }

  private readonly run = (): void => {
    this.scheduled = false;
    while (this.active && this.queue.length > 0) {
      const env = this.queue.shift() as Envelope;
      try {
        this.handler(env);
      } catch (e) {
        this.onError(e, this.pattern);
      }
    }
  };

  unsubscribe(): void {
    if (!this.active) return;
    this.active = false;
    this.owner.delete(this);
    this.onEnd(this);
  }
}

/** The shared mailbox of a pool: each message goes to the next member with room (round robin). */
class PoolSink implements MailboxSink {
  readonly members: MailboxSink[] = [];
  private next = 0;

  offer(envelope: Envelope, receipt: null): boolean {
    const n = this.members.length;
    for (let i = 0; i < n; i++) {
      const m = this.members[(this.next + i) % n] as MailboxSink;
      if (m.offer(envelope, receipt)) {
        this.next = (this.next + i + 1) % n;
        return true;
      }
    }
    return false;
  }

  waitForSpace(): Promise<void> {
    return Promise.race(this.members.map((m) => m.waitForSpace()));
  }

  get accepting(): boolean {
    return this.members.some((m) => m.accepting);
  }
}

/** What a sleeping address queues when the actor that slept did not say its capacity. */
const PARKED_CAPACITY = 1024;

/**
 * The stand-in of a passivated address (ADR 0036): it queues what is sent, in order and up to the actor's capacity,
 * wakes the address once the last activation has finished passivating, and hands its queue to the next activation.
 */
class ParkedSink implements MailboxSink {
  readonly waiting = new Deque<Envelope>();
  readonly accepting = true;
  private released = false;
  private waking = false;
  private spaceWaiters: (() => void)[] = [];

  constructor(
    private readonly capacity: number,
    private readonly wake: (sink: ParkedSink) => void,
  ) {}

  offer(envelope: Envelope): boolean {
    if (this.waiting.length >= this.capacity) return false;
    this.waiting.push(envelope);
    if (this.released) this.wakeOnce();
    return true;
  }

  waitForSpace(): Promise<void> {
    return new Promise((resolve) => this.spaceWaiters.push(resolve));
  }

  /** The last activation finished passivating (its snapshot is saved): a message may wake the address now. */
  release(): void {
    this.released = true;
    if (this.waiting.length > 0) this.wakeOnce();
  }

  /** The wake failed: what waits is handed to `refuse`, and the next message tries again. */
  wakeFailed(refuse: (envelope: Envelope) => void): void {
    this.waking = false;
    for (const env of this.waiting.drainAll()) refuse(env);
    this.wakeSenders();
  }

  /** Offers the queue, in order, to the next activation's mailbox; returns what it refused. */
  handTo(sink: MailboxSink): Envelope[] {
    const refused: Envelope[] = [];
    for (const env of this.waiting.drainAll()) if (!sink.offer(env, null)) refused.push(env);
    this.wakeSenders();
    return refused;
  }

  private wakeOnce(): void {
    if (this.waking) return;
    this.waking = true;
    this.wake(this);
  }

  private wakeSenders(): void {
    const waiters = this.spaceWaiters;
    this.spaceWaiters = [];
    for (const w of waiters) w();
  }
}

let lastEpoch = 0;

/**
 * The epoch of a new single activation on the in-process transport: above every earlier one in this process, and
 * seeded by the wall clock so that a process started later (on the same data directory) outranks the one before it.
 */
export function nextLocalEpoch(): number {
  lastEpoch = Math.max(lastEpoch + 1, Date.now());
  return lastEpoch;
}

/** One in-process mesh shared by the nodes (ActorSystems) attached to it. */
export class MemoryHub {
  /** tenant → address → sink */
  readonly bindings = new Map<string, Map<string, MailboxSink>>();
  readonly inboxes = new Map<string, (reply: Envelope) => void>();
  readonly exact = new Map<string, Set<TopicSubscription>>();
  readonly wildcard = new Set<TopicSubscription>();
  readonly deadLetters: DeadLetterStore;

  /** `deadLetters`: where the mesh keeps them (default an in-memory ring of `deadLetterCapacity`). */
  constructor(options: { deadLetterCapacity?: number; deadLetters?: DeadLetterStore } = {}) {
    this.deadLetters = options.deadLetters ?? new MemoryDeadLetterStore(options.deadLetterCapacity);
  }
}

/** Options of the memory transport. */
export interface MemoryTransportOptions {
  /** The mesh to join; a private hub (a one-node mesh) when absent. */
  readonly hub?: MemoryHub;
  readonly deadLetterCapacity?: number;
  /** Where a private hub keeps dead letters (e.g. the data directory's storage); default an in-memory ring. */
  readonly deadLetters?: DeadLetterStore;
}

/** The memory transport of one node. */
export class MemoryTransport implements Transport {
  readonly kind = 'memory';
  readonly hub: MemoryHub;
  private ctx: TransportContext | undefined;
  private closed = false;
  private readonly mine = new Set<{ tenant: string; address: string; sink: MailboxSink }>();
  private readonly subs = new Set<TopicSubscription>();
  /** Addresses passivated on this node that sleep still (they go with it when it closes: nothing here can wake them). */
  private readonly parked = new Set<ParkedSink>();

  constructor(options: MemoryTransportOptions = {}) {
    this.hub = options.hub ?? new MemoryHub({ deadLetterCapacity: options.deadLetterCapacity, deadLetters: options.deadLetters });
  }

  get deadLetters(): DeadLetterStore {
    return this.hub.deadLetters;
  }

  start(ctx: TransportContext): Promise<void> {
    if (this.hub.inboxes.has(ctx.node)) return Promise.reject(new ConflictError(`node id "${ctx.node}" is already in this mesh`));
    this.ctx = ctx;
    this.hub.inboxes.set(ctx.node, ctx.onReply);
    return ACCEPTED;
  }

  bind(tenant: string, address: string, sink: MailboxSink, options: BindOptions = {}): Promise<Binding> {
    if (this.closed) return Promise.reject(new SystemStoppedError('transport is closed'));
    let byAddress = this.hub.bindings.get(tenant);
    if (byAddress === undefined) this.hub.bindings.set(tenant, (byAddress = new Map()));
    const existing = byAddress.get(address);
    const map = byAddress;
    const entry = { tenant, address, sink };
    if (options.shared === true) {
      if (existing !== undefined && !(existing instanceof PoolSink))
        return Promise.reject(new ConflictError(`${address} is already active as a single actor in tenant ${tenant}`));
      const pool = existing ?? new PoolSink();
      pool.members.push(sink);
      map.set(address, pool);
      this.mine.add(entry);
      const leave = (): Promise<void> => {
        const i = pool.members.indexOf(sink);
        if (i >= 0) pool.members.splice(i, 1);
        if (pool.members.length === 0 && map.get(address) === pool) map.delete(address);
        this.mine.delete(entry);
        return ACCEPTED;
      };
      return Promise.resolve({ epoch: 0, stopIntake: leave, release: () => ACCEPTED });
    }
    if (existing !== undefined && !(existing instanceof ParkedSink))
      return Promise.reject(new ConflictError(`${address} is already active in tenant ${tenant}`));
    // Waking a passivated address: what was sent while it slept comes first, in order (all synchronous: nothing overtakes).
    const refused = existing?.handTo(sink) ?? [];
    if (existing !== undefined) this.parked.delete(existing);
    map.set(address, sink);
    this.mine.add(entry);
    for (const env of refused)
      void this.refuse(env, 'mailbox_full', new MailboxFullError(`mailbox of ${address} is full`)).catch(() => undefined);
    let parked: ParkedSink | undefined;
    const stopIntake = (how?: ReleaseMode): Promise<void> => {
      if (map.get(address) === sink) {
        if (how === 'passivate') map.set(address, (parked = this.park(tenant, address, sink)));
        else map.delete(address);
      }
      this.mine.delete(entry);
      return ACCEPTED;
    };
    const release = (how?: ReleaseMode): Promise<void> => {
      if (how === 'passivate') parked?.release();
      return ACCEPTED;
    };
    return Promise.resolve({ epoch: nextLocalEpoch(), stopIntake, release });
  }

  /**
   * The stand-in of an address passivating on this node. Made here, not inside `bind`: a closure made there would keep
   * the sleeping actor's cell reachable (closures of one scope share its variables), and the point is to free it.
   */
  private park(tenant: string, address: string, sink: MailboxSink): ParkedSink {
    const capacity = (sink as Partial<{ readonly capacity: number }>).capacity ?? PARKED_CAPACITY;
    const parked = new ParkedSink(capacity, (p) => this.wake(tenant, address, p));
    this.parked.add(parked);
    return parked;
  }

  /** Activates a sleeping address through the node that passivated it; when that fails, its waiting messages are refused. */
  private wake(tenant: string, address: string, parked: ParkedSink): void {
    const failed = (e: unknown): void => {
      const error = new NoRecipientError(`${address} (tenant ${tenant}) could not be woken: ${(e as Error)?.message ?? String(e)}`);
      parked.wakeFailed((env) => void this.refuse(env, 'no_recipient', error).catch(() => undefined));
    };
    const wake = this.ctx?.wake;
    if (wake === undefined || this.closed) return failed(new SystemStoppedError('transport is closed'));
    wake(tenant, address).then(() => {
      // Activated, yet nothing bound the address (the activation ended at once): what waits cannot be delivered.
      if (this.hub.bindings.get(tenant)?.get(address) === parked && parked.waiting.length > 0) failed(new Error('no activation bound it'));
    }, failed);
  }

  send(envelope: Envelope, options: SendOptions): Promise<void> {
    if (this.closed) return Promise.reject(new SystemStoppedError('transport is closed'));
    const sink = this.hub.bindings.get(envelope.tenant)?.get(envelope.to);
    if (sink === undefined) {
      return this.refuse(envelope, 'no_recipient', new NoRecipientError(`no actor at ${envelope.to} (tenant ${envelope.tenant})`));
    }
    if (sink.offer(envelope, null)) return ACCEPTED;
    if (!options.block) return this.refuse(envelope, 'mailbox_full', new MailboxFullError(`mailbox of ${envelope.to} is full`));
    return this.sendBlocked(envelope, sink, options);
  }

  private async sendBlocked(envelope: Envelope, first: MailboxSink, options: SendOptions): Promise<void> {
    const clock = this.clock;
    const giveUpAt = Math.min(clock.now() + options.blockTimeoutMs, envelope.deadline ?? Number.POSITIVE_INFINITY);
    let sink = first;
    for (;;) {
      const left = giveUpAt - clock.now();
      if (left <= 0) break;
      let timer: object | undefined;
      const timedOut = await Promise.race([
        sink.waitForSpace().then(() => false),
        new Promise<boolean>((resolve) => (timer = clock.setTimer(left, () => resolve(true)))),
      ]);
      if (timer !== undefined) clock.clearTimer(timer);
      if (this.closed) throw new SystemStoppedError('transport is closed');
      const current = this.hub.bindings.get(envelope.tenant)?.get(envelope.to);
      if (current === undefined) {
        return this.refuse(envelope, 'no_recipient', new NoRecipientError(`no actor at ${envelope.to} (tenant ${envelope.tenant})`));
      }
      sink = current;
      if (sink.offer(envelope, null)) return;
      if (timedOut) break;
    }
    return this.refuse(
      envelope,
      'mailbox_full',
      new MailboxFullError(`mailbox of ${envelope.to} stayed full for ${options.blockTimeoutMs} ms`),
    );
  }

  private async refuse(envelope: Envelope, reason: DeadLetterReason, error: TroupeError): Promise<never> {
    await this.hub.deadLetters.record({
      envelope,
      reason,
      error: toWireError(error),
      deliveries: 0,
      node: this.ctx?.node ?? '',
      at: this.clock.now(),
    });
    throw error;
  }

  reply(envelope: Envelope): Promise<void> {
    const node = envelope.to.slice(envelope.to.indexOf('/') + 1);
    this.hub.inboxes.get(node)?.(envelope);
    return ACCEPTED;
  }

  publish(envelope: Envelope): Promise<void> {
    if (this.closed) return Promise.reject(new SystemStoppedError('transport is closed'));
    const topic = envelope.to.slice(6);
    const tenant = envelope.tenant;
    // No closure per publish (each is a function object to allocate and name): the tenant test is written out twice.
    const exact = this.hub.exact.get(topic);
    if (exact !== undefined) for (const s of exact) if (s.tenant === '*' || s.tenant === tenant) s.deliver(envelope);
    for (const s of this.hub.wildcard) if ((s.tenant === '*' || s.tenant === tenant) && topicMatches(s.pattern, topic)) s.deliver(envelope);
    return ACCEPTED;
  }

  subscribe(tenant: string, pattern: string, handler: (envelope: Envelope) => void): Subscription {
    assertPattern(pattern);
    if (this.closed) throw new SystemStoppedError('transport is closed');
    let owner: Set<TopicSubscription>;
    if (isWildcard(pattern)) owner = this.hub.wildcard;
    else {
      let set = this.hub.exact.get(pattern);
      if (set === undefined) this.hub.exact.set(pattern, (set = new Set()));
      owner = set;
    }
    const sub = new TopicSubscription(tenant, pattern, handler, owner, warnThrown, this.forget);
    owner.add(sub);
    this.subs.add(sub);
    return sub;
  }

  /**
   * Forgets an ended subscription: a run's topic is subscribed once per run, so what it leaves behind (the subscription,
   * its handler and all the handler holds, an empty set of its topic) would otherwise grow with every run.
   */
  private readonly forget = (sub: TopicSubscription): void => {
    this.subs.delete(sub);
    const set = this.hub.exact.get(sub.pattern);
    if (set !== undefined && set.size === 0) this.hub.exact.delete(sub.pattern);
  };

  hasSubscribers(tenant: string, topic: string): boolean {
    const exact = this.hub.exact.get(topic);
    if (exact !== undefined) for (const s of exact) if (s.tenant === '*' || s.tenant === tenant) return true;
    for (const s of this.hub.wildcard) if ((s.tenant === '*' || s.tenant === tenant) && topicMatches(s.pattern, topic)) return true;
    return false;
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    for (const s of this.subs) s.unsubscribe();
    for (const { tenant, address, sink } of this.mine) {
      const bound = this.hub.bindings.get(tenant)?.get(address);
      if (bound instanceof PoolSink) {
        const i = bound.members.indexOf(sink);
        if (i >= 0) bound.members.splice(i, 1);
        if (bound.members.length === 0) this.hub.bindings.get(tenant)?.delete(address);
      } else if (bound === sink) this.hub.bindings.get(tenant)?.delete(address);
    }
    this.mine.clear();
    for (const byAddress of this.hub.bindings.values())
      for (const [address, sink] of byAddress) if (sink instanceof ParkedSink && this.parked.has(sink)) byAddress.delete(address);
    this.parked.clear();
    if (this.ctx !== undefined && this.hub.inboxes.get(this.ctx.node) === this.ctx.onReply) this.hub.inboxes.delete(this.ctx.node);
    await Promise.resolve();
  }

  private get clock(): Clock {
    if (this.ctx === undefined) throw new SystemStoppedError('transport not started');
    return this.ctx.clock;
  }
}
