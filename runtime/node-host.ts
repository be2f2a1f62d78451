/**
 * The node's side of its cells (the {@link CellHost} a cell talks to): each activation's lifecycle
 * machine, binding and snapshot store; lifecycle events for watchers and topic subscribers; the
 * supervision bookkeeping — a failure or a normal exit reported to the parent as a system message,
 * a failure with no parent left escalated, children ended, ended cells forgotten; and the replies and
 * dead letters cells send. Runtime-internal: none of this is on the `ActorSystem` interface (ADR 0014).
 */
import {
  DEAD_LETTER_TOPIC,
  LIFECYCLE_TOPIC,
  LIFECYCLE_TYPE,
  REPLY_TYPE,
  SYSTEM_EVENTS,
  kindOf,
  toWireError,
  topicAddress,
  type ActorEvent,
  type DeadLetterReason,
  type Envelope,
  type LifecycleEvent,
  type LifecycleState,
  type ReplyPayload,
  type TroupeError,
  type WireError,
} from '../protocols/index.js';
import type { ActorContext } from './behavior.js';
import { CHILD_EXITED, CHILD_FAILED } from './behavior.js';
import type { ActorCell } from './cell.js';
import type { CellHost } from './cell-host.js';
import { fencedPersistence, parkedPersistence } from './cell-persistence.js';
import type { CellRegistry } from './cell-registry.js';
import { isOver, type EndMode } from './cell-states.js';
import type { Clock } from './clock.js';
import { makeContext } from './context.js';
import type { LifecycleFactory } from './lifecycle.js';
import type { LocalActorSystem } from './system.js';
import type { Escalation, LifecycleWatcher } from './system-options.js';
import type { Binding, Transport } from './transport.js';

/** The binding of a node-local actor that the mesh cannot address (tenant supervisors): nothing to take or give up. */
const LOCAL_BINDING: Binding = Object.freeze({ epoch: 0, stopIntake: () => Promise.resolve(), release: () => Promise.resolve() });

const ACTOR_TOPICS: Record<ActorEvent['event'], string> = {
  activated: SYSTEM_EVENTS.actorActivated,
  passivated: SYSTEM_EVENTS.actorPassivated,
  restarted: SYSTEM_EVENTS.actorRestarted,
  terminated: SYSTEM_EVENTS.actorTerminated,
};

/**
 * The actor event a transition is, if any: the first start of an activation on this node, a restart, a
 * graceful stop (passivation: stopped, handed over, drained) or the end after a failure. Hot transitions
 * (busy ⇄ ready) are none, and cost one comparison.
 */
function actorMilestone(to: LifecycleState, input: string, incarnation: number): ActorEvent['event'] | undefined {
  if (to === 'busy' || (to === 'ready' && input !== 'STARTED')) return undefined;
  if (to === 'ready') return incarnation === 1 ? 'activated' : undefined;
  if (to === 'restarting') return 'restarted';
  if (to === 'stopped') return 'passivated';
  if (to === 'terminated') return 'terminated';
  return undefined;
}

/** What the node does for its cells. */
export class NodeHost implements CellHost {
  readonly clock: Clock;
  readonly idPrefix: string;
  readonly warn: (message: string) => void;
  private readonly node: string;
  private readonly transport: Transport;
  private readonly stats: { deadLetters: number; escalations: number };
  private readonly watchers = new Set<LifecycleWatcher>();
  /** The failure behind a cell's pending restart or termination (what `sys.actor.restarted` carries). */
  private readonly failures = new WeakMap<ActorCell, WireError>();

  constructor(
    private readonly system: LocalActorSystem,
    private readonly registry: CellRegistry,
    private readonly nextId: () => string,
    private readonly lifecycleFactory: LifecycleFactory,
    private readonly onEscalation: (e: Escalation) => void,
  ) {
    this.node = system.node;
    this.transport = system.transport;
    this.clock = system.clock;
    this.idPrefix = system.idPrefix;
    this.warn = system.warn;
    this.stats = system.stats;
  }

  makeContext(cell: ActorCell): ActorContext {
    return makeContext(this.system, cell);
  }

  // ---- activations ----------------------------------------------------------------------

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
    const single = cell.spawnOptions.pool !== true;
    const sleeps = single && cell.options.idleTimeoutMs > 0 && cell.behavior.canPassivate !== undefined;
    // Fenced snapshots for a single activation whose behavior snapshots, on a clustered transport; in process, a store
    // written only when it passivates (ADR 0036).
    const store = this.transport.cluster?.state;
    cell.persistence =
      cell.behavior.snapshot === undefined || !single
        ? undefined
        : store !== undefined
          ? fencedPersistence(store, cell.tenant, cell.address, cell.binding.epoch)
          : sleeps
            ? parkedPersistence(this.system.storage, cell.tenant, cell.address)
            : undefined;
    if (sleeps) this.system.passivator.track(cell);
  }

  /** Watches every lifecycle transition of actors on this node, synchronously and in order. */
  watch(watcher: LifecycleWatcher): () => void {
    this.watchers.add(watcher);
    return () => this.watchers.delete(watcher);
  }

  private emitLifecycle(cell: ActorCell, from: LifecycleState, to: LifecycleState, input: string, error: WireError | undefined): void {
    if (to === 'failed' && error !== undefined) this.failures.set(cell, error);
    const milestone = actorMilestone(to, input, cell.incarnation);
    if (milestone !== undefined) this.announceMilestone(cell, milestone, error ?? this.failures.get(cell));
    if (milestone === 'restarted' || milestone === 'terminated') this.failures.delete(cell);
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

  /** Publishes a `sys.actor.*` event (activated, passivated, restarted, terminated) when someone listens. */
  private announceMilestone(cell: ActorCell, event: ActorEvent['event'], error: WireError | undefined): void {
    const topic = ACTOR_TOPICS[event];
    if (!this.transport.hasSubscribers(cell.tenant, topic)) return;
    const payload: ActorEvent = {
      address: cell.address,
      tenant: cell.tenant,
      node: this.node,
      incarnation: cell.incarnation,
      event,
      at: this.clock.now(),
      ...(error === undefined ? {} : { error }),
    };
    void this.publishSystem(topic, topic, cell.tenant, payload);
  }

  // ---- supervision bookkeeping ----------------------------------------------------------

  childFailed(cell: ActorCell, error: WireError): void {
    const parent = cell.parent;
    if (parent !== undefined && !isOver(parent.mode)) {
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
    this.system.log.error(
      { event: 'supervisor.escalation', address: cell.address, tenant: cell.tenant, error },
      `${cell.address} failed with no supervisor left to act`,
    );
    this.onEscalation({ address: cell.address, tenant: cell.tenant, error });
    void cell.end('terminate');
    const guardian = this.system.guardian;
    if (guardian !== undefined && cell.ref.address === guardian.address && cell.tenant === guardian.tenant)
      this.system.fatal(`root supervisor failed: ${error.message}`);
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
    this.registry.remove(cell);
    this.system.passivator.untrack(cell);
    const siblings = cell.parent?.children;
    if (siblings !== undefined) {
      const i = siblings.indexOf(cell);
      if (i >= 0) siblings.splice(i, 1);
    }
  }

  // ---- what cells send ------------------------------------------------------------------

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
    this.system.log.warn(
      {
        event: 'dead_letter',
        address: env.to,
        tenant: env.tenant,
        type: env.type,
        from: env.from,
        reason,
        code: letter.error.code,
        deliveries,
      },
      `dead letter for ${env.to}: ${reason}`,
    );
    this.transport.deadLetters
      .record(letter)
      .then(undefined, (e: unknown) => this.warn(`dead letter for ${env.to} could not be stored: ${(e as Error).message}`));
    if (this.transport.hasSubscribers(env.tenant, DEAD_LETTER_TOPIC))
      void this.publishSystem(DEAD_LETTER_TOPIC, 'sys.deadletter', env.tenant, letter);
  }

  /** Publishes a system event (lifecycle, dead letter, alarm) from this node; a failed publish is dropped. */
  publishSystem(topic: string, type: string, tenant: string, payload: unknown): Promise<void> {
    const env: Envelope = { id: this.nextId(), type, from: `system/${this.node}`, to: topicAddress(topic), tenant, attempt: 1, payload };
    return this.transport.publish(env).then(undefined, () => undefined);
  }

  private systemEnvelope(to: ActorCell, type: string, payload: unknown): Envelope {
    return { id: this.nextId(), type, from: `system/${this.node}`, to: to.address, tenant: to.tenant, attempt: 1, payload };
  }
}
